import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import { executePerItem } from '../shared/execute';
import { CONCURRENCY, fileTypeOptions, isFileSubscribed, subscribeFile, unsubscribeFile } from './api';
import { FILE_URL_REGEX, readItemFile } from './files';

type Operation = keyof typeof CONCURRENCY;

export class Feishu implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Feishu',
		name: 'feishu',
		icon: { light: 'file:../../icons/feishu.svg', dark: 'file:../../icons/feishu.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Subscribe Feishu / Lark drive files and folders to event delivery',
		defaults: { name: 'Feishu' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'feishuApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [{ name: 'File Subscription', value: 'fileSubscription' }],
				default: 'fileSubscription',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['fileSubscription'] } },
				options: [
					{
						name: 'Get Status',
						value: 'getStatus',
						action: 'Get the subscription status of a file',
						description: 'Tell whether the file is subscribed (Feishu allows 10 calls per minute)',
					},
					{
						name: 'Subscribe',
						value: 'subscribe',
						action: 'Subscribe to a file s events',
						description: 'Have Feishu send the file\'s events to the app\'s request URL',
					},
					{
						name: 'Unsubscribe',
						value: 'unsubscribe',
						action: 'Unsubscribe from a file s events',
						description: 'Stop all events of the file (Feishu allows 10 calls per minute)',
					},
				],
				default: 'subscribe',
			},
			{
				displayName: 'File',
				name: 'file',
				type: 'resourceLocator',
				default: { mode: 'id', value: '' },
				required: true,
				description: 'The file or folder, owned or managed by the app (tenant token) or by the user (user token)',
				displayOptions: { show: { resource: ['fileSubscription'] } },
				modes: [
					{
						displayName: 'By Token',
						name: 'id',
						type: 'string',
						placeholder: 'doxcnAbCdEfGh1234567890',
						validation: [
							{
								type: 'regex',
								properties: { regex: '^[A-Za-z0-9_-]+$', errorMessage: 'A file token has only letters, digits, _ and -' },
							},
						],
					},
					{
						displayName: 'By URL',
						name: 'url',
						type: 'string',
						placeholder: 'https://example.feishu.cn/docx/doxcnAbCdEfGh1234567890',
						extractValue: { type: 'regex', regex: FILE_URL_REGEX },
						validation: [
							{ type: 'regex', properties: { regex: FILE_URL_REGEX, errorMessage: 'Paste the link of a Feishu or Lark file or folder' } },
						],
					},
				],
			},
			{
				displayName: 'File Type',
				name: 'fileType',
				type: 'options',
				options: fileTypeOptions,
				default: 'docx',
				description:
					'A folder is subscribed to "file created in folder" events only; every other type to all of its events',
				displayOptions: { show: { resource: ['fileSubscription'] } },
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const operation = this.getNodeParameter('operation', 0) as Operation;
		if (!(operation in CONCURRENCY)) {
			throw new NodeOperationError(this.getNode(), `Unknown operation "${String(operation)}"`, {
				description: 'Choose Subscribe, Get Status or Unsubscribe.',
			});
		}
		return await executePerItem.call(
			this,
			async (itemIndex): Promise<IDataObject> => {
				const file = readItemFile(this, itemIndex);
				switch (operation) {
					case 'subscribe':
						await subscribeFile.call(this, file, itemIndex);
						return { ...file, subscribed: true };
					case 'getStatus':
						return { ...file, subscribed: await isFileSubscribed.call(this, file, itemIndex) };
					case 'unsubscribe':
						return { ...file, subscribed: false, wasSubscribed: await unsubscribeFile.call(this, file, itemIndex) };
				}
			},
			CONCURRENCY[operation],
		);
	}
}
