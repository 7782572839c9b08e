import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { executePerItem } from '../shared/execute';
import { requireHttpUrl, requireText } from '../shared/validation';
import { createWebhook, deleteWebhook, listMyWebhooks } from './api';
import { webhookTargetProperties } from './descriptions';
import { kdocsListSearch, kdocsLoadOptions } from './methods';
import { readWebhookTarget } from './target';

const forOperation = (...operation: string[]) => ({ show: { resource: ['webhook'], operation } });
const [fileProperty, ...createOnlyTargetProperties] = webhookTargetProperties(forOperation('create'));

export class Kdocs implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Kdocs',
		name: 'kdocs',
		icon: { light: 'file:../../icons/kdocs.svg', dark: 'file:../../icons/kdocs.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Subscribe to changes in Kdocs 轻维表 (dbt) files with webhooks',
		defaults: { name: 'Kdocs' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'kdocsApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [{ name: 'Webhook', value: 'webhook' }],
				default: 'webhook',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['webhook'] } },
				options: [
					{
						name: 'Create',
						value: 'create',
						action: 'Create a webhook',
						description: 'Register a callback URL for one kind of change',
					},
					{
						name: 'Delete',
						value: 'delete',
						action: 'Delete a webhook',
						description: 'Remove a webhook from a file',
					},
					{
						name: 'List Mine',
						value: 'getMine',
						action: 'List my webhooks',
						description: 'List the webhooks the authorized user created on a file',
					},
				],
				default: 'create',
			},
			{ ...fileProperty, displayOptions: forOperation('create', 'getMine', 'delete') },
			...createOnlyTargetProperties,
			{
				displayName: 'Callback URL',
				name: 'callbackUrl',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'https://example.com/kdocs-events',
				description: 'Where Kdocs POSTs the events. Special characters are percent-encoded before sending.',
				displayOptions: forOperation('create'),
			},
			{
				displayName: 'Webhook ID',
				name: 'webhookId',
				type: 'string',
				default: '',
				required: true,
				description: 'The webhook_id returned by Create or List Mine',
				displayOptions: forOperation('delete'),
			},
		],
	};

	methods = { listSearch: kdocsListSearch, loadOptions: kdocsLoadOptions };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const operation = this.getNodeParameter('operation', 0) as string;
		return await executePerItem.call(this, async (itemIndex): Promise<IDataObject | IDataObject[]> => {
			if (operation === 'create') {
				const target = readWebhookTarget(this, itemIndex);
				const callbackUrl = requireHttpUrl(this, this.getNodeParameter('callbackUrl', itemIndex), 'Callback URL', itemIndex);
				const webhookId = await createWebhook.call(this, target, callbackUrl.toString(), itemIndex);
				return { webhookId, ...target, callbackUrl: callbackUrl.toString() };
			}
			const fileToken = requireText(this, this.getNodeParameter('file', itemIndex, '', { extractValue: true }), 'File', itemIndex);
			if (operation === 'getMine') {
				return (await listMyWebhooks.call(this, fileToken, itemIndex)).map((hook) => ({ ...hook, fileToken }));
			}
			const webhookId = requireText(this, this.getNodeParameter('webhookId', itemIndex), 'Webhook ID', itemIndex);
			const existed = await deleteWebhook.call(this, fileToken, webhookId, itemIndex);
			return { deleted: true, existed, webhookId, fileToken };
		});
	}
}
