import type { INodeProperties } from 'n8n-workflow';
import { WEBHOOK_KINDS } from './api';

const webhookKindOptions = Object.entries(WEBHOOK_KINDS)
	.map(([value, kind]) => ({ name: kind.name, value }))
	.sort((a, b) => a.name.localeCompare(b.name));

/** Parameters that pick what a webhook watches; the action node and the trigger show the same ones. */
function webhookTargetProperties(displayOptions?: INodeProperties['displayOptions']): INodeProperties[] {
	const shown = (extra?: INodeProperties['displayOptions']) =>
		displayOptions || extra
			? { show: { ...(displayOptions?.show ?? {}), ...(extra?.show ?? {}) } }
			: undefined;
	return [
		{
			displayName: 'File',
			name: 'file',
			type: 'resourceLocator',
			default: { mode: 'list', value: '' },
			required: true,
			description: 'The 轻维表 (dbt) file to watch',
			displayOptions: shown(),
			modes: [
				{
					displayName: 'From List',
					name: 'list',
					type: 'list',
					typeOptions: { searchListMethod: 'searchDbtFiles', searchable: true },
				},
				{
					displayName: 'By File Token',
					name: 'id',
					type: 'string',
					placeholder: 'wfoKKYzWR2jyxMHCFVuBxa42RSf8tpndOUeHQQzryfI',
					validation: [
						{
							type: 'regex',
							properties: { regex: '^[A-Za-z0-9_-]+$', errorMessage: 'A file token has only letters, digits, _ and -' },
						},
					],
				},
			],
		},
		{
			displayName: 'Sheet',
			name: 'sheet',
			type: 'resourceLocator',
			default: { mode: 'list', value: '' },
			required: true,
			description: 'The sheet (数据表) inside the file',
			displayOptions: shown(),
			modes: [
				{
					displayName: 'From List',
					name: 'list',
					type: 'list',
					typeOptions: { searchListMethod: 'searchSheets', searchable: true },
				},
				{
					displayName: 'By ID',
					name: 'id',
					type: 'string',
					placeholder: '1',
					validation: [
						{ type: 'regex', properties: { regex: '^[0-9]+$', errorMessage: 'A sheet ID is a number' } },
					],
				},
			],
		},
		{
			displayName: 'Event',
			name: 'event',
			type: 'options',
			default: 'recordCreate',
			options: webhookKindOptions,
			description: 'Which change Kdocs reports',
			displayOptions: shown(),
		},
		{
			displayName: 'Field Names or IDs',
			name: 'fields',
			type: 'multiOptions',
			typeOptions: { loadOptionsMethod: 'getFields', loadOptionsDependsOn: ['file.value', 'sheet.value'] },
			default: [],
			required: true,
			description:
				'The columns whose cell changes are reported. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			displayOptions: shown({ show: { event: ['cellFieldsUpdate'] } }),
		},
		{
			displayName: 'Record IDs',
			name: 'records',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'PP, PQ',
			description: 'The rows whose cell changes are reported, comma-separated',
			displayOptions: shown({ show: { event: ['cellRecordsUpdate'] } }),
		},
		{
			displayName: 'View Name or ID',
			name: 'view',
			type: 'options',
			typeOptions: { loadOptionsMethod: 'getViews', loadOptionsDependsOn: ['file.value', 'sheet.value'] },
			default: '',
			required: true,
			description:
				'The view whose deletion is reported. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			displayOptions: shown({ show: { event: ['viewRemove'] } }),
		},
	];
}

const forOperation = (...operation: string[]) => ({ show: { resource: ['webhook'], operation } });
const [fileProperty, ...createOnlyTargetProperties] = webhookTargetProperties(forOperation('create'));

export const kdocsProperties: INodeProperties[] = [
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
];

export const kdocsTriggerProperties: INodeProperties[] = [
	{
		displayName:
			'On activation this trigger registers its own URL with Kdocs and removes it on deactivation. Kdocs allows 10 webhooks per document, and every "Listen for test event" uses one while it listens.',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	...webhookTargetProperties(),
];
