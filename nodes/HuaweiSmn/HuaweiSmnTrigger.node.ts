import {
	NodeConnectionTypes,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';
import { answerCallback } from '../shared/callback-flow';
import { smnCallbackFlow } from './callback';
import { huaweiSmnTriggerProperties } from './descriptions';
import { subscriptionLifecycle } from './lifecycle';
import { smnListSearch } from './methods';

export class HuaweiSmnTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Huawei Cloud SMN Trigger',
		name: 'huaweiSmnTrigger',
		icon: { light: 'file:../../icons/huaweiSmn.svg', dark: 'file:../../icons/huaweiSmn.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["topic"].cachedResultName || $parameter["topic"].value}}',
		description: 'Starts the workflow when a message is published to a Huawei Cloud SMN topic',
		defaults: { name: 'Huawei Cloud SMN Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'huaweiCloudApi', required: true }],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
		properties: huaweiSmnTriggerProperties,
	};

	methods = { listSearch: smnListSearch };

	webhookMethods = { default: subscriptionLifecycle };

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await answerCallback.call(this, smnCallbackFlow);
	}
}
