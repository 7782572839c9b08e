import type { INodeProperties } from 'n8n-workflow';
import { webhookKindOptions } from './api';

/** Parameters that pick what a webhook watches; the action node and the trigger show the same ones. */
export function webhookTargetProperties(displayOptions?: INodeProperties['displayOptions']): INodeProperties[] {
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
