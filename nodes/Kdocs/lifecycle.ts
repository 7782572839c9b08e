import type { IDataObject, IHookFunctions, IWebhookFunctions } from 'n8n-workflow';
import { reportingAdviceOnActivation } from '../shared/activation';
import { forLog } from '../shared/log';
import { createWebhook, deleteWebhook, listMyWebhooks, type WebhookTarget } from './api';
import { callbackUrlFor, derivedCallbackSecret } from './crypto';
import { readWebhookTarget } from './params';

/** What activation saved about the webhook it registered; callbacks are checked against it. */
export interface RegistrationData extends IDataObject {
	webhookId?: string;
	callbackSecret?: string;
	fileToken?: string;
	targetKey?: string;
}

export function registrationOf(context: IHookFunctions | IWebhookFunctions): RegistrationData {
	return context.getWorkflowStaticData('node') as RegistrationData;
}

const targetKey = (target: WebhookTarget) => JSON.stringify(target);

const endpointOf = (url: string) => url.split('?')[0];

function forgetRegistration(data: RegistrationData): void {
	delete data.webhookId;
	delete data.callbackSecret;
	delete data.fileToken;
	delete data.targetKey;
}

export const kdocsWebhookLifecycle = reportingAdviceOnActivation({
	async checkExists(this: IHookFunctions): Promise<boolean> {
		const data = registrationOf(this);
		const target = readWebhookTarget(this);
		if (data.webhookId && data.targetKey !== targetKey(target)) {
			// The parameters changed since activation: the old registration watches something else.
			await deleteWebhook.call(this, data.fileToken as string, data.webhookId).catch(() => false);
			forgetRegistration(data);
		}
		const webhookUrl = this.getNodeWebhookUrl('default') as string;
		const mine = await listMyWebhooks.call(this, target.fileToken);
		const expectedCallback = callbackUrlFor(webhookUrl, data.callbackSecret ?? (await derivedCallbackSecret(this)));
		const ours =
			mine.find((hook) => data.webhookId !== undefined && hook.webhookId === data.webhookId) ??
			mine.find((hook) => hook.callbackUrl === expectedCallback);
		if (ours) data.webhookId = ours.webhookId;
		else forgetRegistration(data);
		// Registrations of this very URL that we no longer track (e.g. an earlier delete failed) only use up the document's 10 slots.
		for (const leftover of mine) {
			if (leftover !== ours && endpointOf(leftover.callbackUrl) === endpointOf(webhookUrl)) {
				await deleteWebhook.call(this, target.fileToken, leftover.webhookId).catch(() => false);
			}
		}
		return ours !== undefined;
	},

	async create(this: IHookFunctions): Promise<boolean> {
		const data = registrationOf(this);
		const target = readWebhookTarget(this);
		const secret = await derivedCallbackSecret(this);
		const webhookUrl = this.getNodeWebhookUrl('default') as string;
		const webhookId = await createWebhook.call(this, target, callbackUrlFor(webhookUrl, secret));
		Object.assign(data, {
			webhookId,
			callbackSecret: secret,
			fileToken: target.fileToken,
			targetKey: targetKey(target),
		});
		return true;
	},

	async delete(this: IHookFunctions): Promise<boolean> {
		const data = registrationOf(this);
		if (!data.webhookId || !data.fileToken) return true;
		try {
			await deleteWebhook.call(this, data.fileToken, data.webhookId);
		} catch (error) {
			this.logger.warn(`Kdocs webhook ${forLog(data.webhookId)} could not be deleted: ${forLog((error as Error).message, 300)}`);
			return false;
		}
		forgetRegistration(data);
		return true;
	},
});
