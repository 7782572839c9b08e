import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';
import { executePerItem } from './execute';

/** One operation of an action node, run once per input item. */
export interface Operation {
	run(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject | IDataObject[]>;
	/** Items processed at once; vendor rate limits are handled by the transport. Default 1. */
	concurrency?: number;
}

/** An action node's operations, by resource and then by operation value (the router's table). */
export type OperationTable = Record<string, Record<string, Operation>>;

function labelsOf(table: OperationTable): string {
	return Object.entries(table)
		.flatMap(([resource, operations]) => Object.keys(operations).map((operation) => `${resource}: ${operation}`))
		.join(', ');
}

/**
 * Runs the operation that the node's resource and operation parameters select, for every item. An
 * operation that is not in the table fails before any item runs, never falls through to another one.
 */
export async function routeOperation(this: IExecuteFunctions, table: OperationTable): Promise<INodeExecutionData[][]> {
	const resources = Object.keys(table);
	// A node with one resource may have no resource parameter at all.
	const resource = this.getNodeParameter('resource', 0, resources[0]) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const selected = Object.hasOwn(table, resource) && Object.hasOwn(table[resource], operation) ? table[resource][operation] : undefined;
	if (!selected) {
		throw new NodeOperationError(this.getNode(), `Unknown operation "${operation}" for resource "${resource}"`, {
			description: `Choose one of the listed operations (${labelsOf(table)}).`,
		});
	}
	return await executePerItem.call(this, (itemIndex) => selected.run.call(this, itemIndex), selected.concurrency);
}
