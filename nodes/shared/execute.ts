import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';
import { isNodeError } from './validation';

export type ItemOperation = (itemIndex: number) => Promise<IDataObject | IDataObject[]>;

/**
 * Runs an operation for every input item with n8n's item semantics: output items carry pairedItem,
 * and with "Continue On Fail" a failing item yields an error item instead of stopping the node.
 * `concurrency` > 1 processes items in parallel (vendor rate limits are handled by the transport);
 * the output order always follows the input order.
 */
export async function executePerItem(
	this: IExecuteFunctions,
	operation: ItemOperation,
	concurrency = 1,
): Promise<INodeExecutionData[][]> {
	const itemCount = this.getInputData().length;
	const results: INodeExecutionData[][] = new Array(itemCount);
	let next = 0;
	let failure: Error | undefined;

	const runItem = async (itemIndex: number) => {
		try {
			const output = await operation(itemIndex);
			results[itemIndex] = (Array.isArray(output) ? output : [output]).map((json) => ({
				json,
				pairedItem: { item: itemIndex },
			}));
		} catch (error) {
			if (this.continueOnFail()) {
				const vendorCode = isNodeError(error) ? error.context.vendorCode : undefined;
				results[itemIndex] = [
					{
						json: {
							error: (error as Error).message,
							...(isNodeError(error) && error.description ? { description: error.description } : {}),
							...(vendorCode !== undefined ? { code: vendorCode as string } : {}),
						},
						pairedItem: { item: itemIndex },
					},
				];
				return;
			}
			failure ??= isNodeError(error)
				? error
				: new NodeOperationError(this.getNode(), error as Error, { itemIndex });
		}
	};

	const worker = async () => {
		while (failure === undefined && next < itemCount) {
			await runItem(next++);
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, itemCount)) }, worker));
	if (failure) throw failure;
	return [results.flat()];
}
