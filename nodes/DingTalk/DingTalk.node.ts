import {
	NodeConnectionTypes,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { executePerItem } from '../shared/execute';
import { invalidParameter, requireText } from '../shared/validation';
import { getUnionId, subscribeStorageEvents, unsubscribeStorageEvents } from './api';
import { subscriptionProperties } from './descriptions';
import { readSubscription } from './subscription';

const forStorageEvents = { show: { resource: ['storageEvent'] } };

export class DingTalk implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'DingTalk',
		name: 'dingTalk',
		icon: { light: 'file:../../icons/dingtalk.svg', dark: 'file:../../icons/dingtalk.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Subscribe to DingTalk storage (钉盘) change events and look up user union IDs',
		defaults: { name: 'DingTalk' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'dingTalkApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Storage Event', value: 'storageEvent' },
					{ name: 'User', value: 'user' },
				],
				default: 'storageEvent',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: forStorageEvents,
				options: [
					{
						name: 'Subscribe',
						value: 'subscribe',
						action: 'Subscribe to storage events',
						description: 'Have DingTalk push file and folder changes in a scope to the app\'s HTTP push URL',
					},
					{
						name: 'Unsubscribe',
						value: 'unsubscribe',
						action: 'Unsubscribe from storage events',
						description: 'Stop the pushes for a scope',
					},
				],
				default: 'subscribe',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['user'] } },
				options: [
					{
						name: 'Get Union ID',
						value: 'getUnionId',
						action: 'Get a user s union ID',
						description: 'Look up the unionId of a user from their user ID (userid)',
					},
				],
				default: 'getUnionId',
			},
			...subscriptionProperties(forStorageEvents),
			{
				displayName: 'User ID',
				name: 'userId',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'manager4220',
				description: 'The userid of the member in the organization (admin console, Contacts)',
				displayOptions: { show: { resource: ['user'], operation: ['getUnionId'] } },
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const resource = this.getNodeParameter('resource', 0) as string;
		const operation = this.getNodeParameter('operation', 0) as string;
		return await executePerItem.call(this, async (itemIndex): Promise<IDataObject> => {
			if (resource === 'user' && operation === 'getUnionId') {
				const userId = requireText(this, this.getNodeParameter('userId', itemIndex), 'User ID', itemIndex);
				return await getUnionId.call(this, userId, itemIndex);
			}
			if (resource === 'storageEvent' && (operation === 'subscribe' || operation === 'unsubscribe')) {
				const subscription = readSubscription(this, itemIndex);
				if (operation === 'subscribe') await subscribeStorageEvents.call(this, subscription, itemIndex);
				else await unsubscribeStorageEvents.call(this, subscription, itemIndex);
				return { success: true, subscribed: operation === 'subscribe', ...subscription };
			}
			throw invalidParameter(this, `Unsupported operation "${operation}" for "${resource}"`, 'Choose one of the listed operations.', itemIndex);
		});
	}
}
