import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { routeOperation } from '../shared/operations';
import { huaweiSmnProperties } from './descriptions';
import { smnListSearch } from './methods';
import { smnOperations } from './operations';

export class HuaweiSmn implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Huawei Cloud SMN',
		name: 'huaweiSmn',
		icon: { light: 'file:../../icons/huaweiSmn.svg', dark: 'file:../../icons/huaweiSmn.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Publish messages and manage subscriptions of Huawei Cloud Simple Message Notification topics',
		defaults: { name: 'Huawei Cloud SMN' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'huaweiCloudApi', required: true }],
		properties: huaweiSmnProperties,
	};

	methods = { listSearch: smnListSearch };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await routeOperation.call(this, smnOperations);
	}
}
