import {
	NodeConnectionTypes,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';
import { answerCallback } from '../shared/callback-flow';
import { kdocsCallbackFlow } from './callback';
import { kdocsTriggerProperties } from './descriptions';
import { kdocsWebhookLifecycle } from './lifecycle';
import { kdocsListSearch, kdocsLoadOptions } from './methods';

export class KdocsTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Kdocs Trigger',
		name: 'kdocsTrigger',
		icon: { light: 'file:../../icons/kdocs.svg', dark: 'file:../../icons/kdocs.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["event"]}}',
		description: 'Starts the workflow when a Kdocs 轻维表 (dbt) sheet changes',
		defaults: { name: 'Kdocs Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'kdocsApi', required: true }],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
		properties: kdocsTriggerProperties,
	};

	methods = { listSearch: kdocsListSearch, loadOptions: kdocsLoadOptions };

	webhookMethods = { default: kdocsWebhookLifecycle };

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await answerCallback.call(this, kdocsCallbackFlow);
	}
}
