import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { routeOperation } from '../shared/operations';
import { kdocsProperties } from './descriptions';
import { kdocsListSearch, kdocsLoadOptions } from './methods';
import { kdocsOperations } from './operations';

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
		properties: kdocsProperties,
	};

	methods = { listSearch: kdocsListSearch, loadOptions: kdocsLoadOptions };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await routeOperation.call(this, kdocsOperations);
	}
}
