import type { OperationTable } from '../shared/operations';
import { createWebhook, deleteWebhook, listMyWebhooks } from './api';
import { readCallbackUrl, readFileToken, readWebhookId, readWebhookTarget } from './params';

export const kdocsOperations: OperationTable = {
	webhook: {
		create: {
			async run(itemIndex) {
				const target = readWebhookTarget(this, itemIndex);
				const callbackUrl = readCallbackUrl(this, itemIndex);
				const webhookId = await createWebhook.call(this, target, callbackUrl, itemIndex);
				return { webhookId, ...target, callbackUrl };
			},
		},
		getMine: {
			async run(itemIndex) {
				const fileToken = readFileToken(this, itemIndex);
				return (await listMyWebhooks.call(this, fileToken, itemIndex)).map((hook) => ({ ...hook, fileToken }));
			},
		},
		delete: {
			async run(itemIndex) {
				const fileToken = readFileToken(this, itemIndex);
				const webhookId = readWebhookId(this, itemIndex);
				const existed = await deleteWebhook.call(this, fileToken, webhookId, itemIndex);
				return { deleted: true, existed, webhookId, fileToken };
			},
		},
	},
};
