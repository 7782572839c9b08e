import {
	NodeConnectionTypes,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';
import { answerCallback } from '../shared/callback-flow';
import { feishuCallbackFlow } from './callback';
import { feishuCredentials, feishuTriggerProperties } from './descriptions';
import { feishuLifecycle } from './lifecycle';

export class FeishuTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Feishu Trigger',
		name: 'feishuTrigger',
		icon: { light: 'file:../../icons/feishu.svg', dark: 'file:../../icons/feishu.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["events"].join(", ")}}',
		description: 'Starts the workflow when subscribed Feishu / Lark drive files change',
		defaults: { name: 'Feishu Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: feishuCredentials,
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
		properties: feishuTriggerProperties,
	};

	webhookMethods = { default: feishuLifecycle };

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await answerCallback.call(this, feishuCallbackFlow);
	}
}
