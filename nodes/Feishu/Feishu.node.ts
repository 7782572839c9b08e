import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { routeOperation } from '../shared/operations';
import { feishuCredentials, feishuProperties } from './descriptions';
import { operations } from './operations';

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
		credentials: feishuCredentials,
		properties: feishuProperties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await routeOperation.call(this, operations);
	}
}
