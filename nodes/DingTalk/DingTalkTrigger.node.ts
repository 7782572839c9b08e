import {
	NodeConnectionTypes,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';
import { answerCallback } from '../shared/callback-flow';
import { dingTalkCallbackFlow } from './callback';
import { dingTalkTriggerProperties } from './descriptions';
import { storageSubscriptionLifecycle } from './lifecycle';

export class DingTalkTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'DingTalk Trigger',
		name: 'dingTalkTrigger',
		icon: { light: 'file:../../icons/dingtalk.svg', dark: 'file:../../icons/dingtalk.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["scope"] + ": " + $parameter["scopeId"]}}',
		description: 'Starts the workflow when files or folders change in DingTalk storage (钉盘), via HTTP push',
		defaults: { name: 'DingTalk Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'dingTalkApi', required: true }],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
		properties: dingTalkTriggerProperties,
	};

	webhookMethods = { default: storageSubscriptionLifecycle };

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await answerCallback.call(this, dingTalkCallbackFlow);
	}
}
