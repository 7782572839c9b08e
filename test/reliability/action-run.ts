import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import type { NodeHarness } from '../harness/node-harness';

export interface ActionRunOptions {
	emulator: { url: string; requests: Array<{ path: string }> };
	control: (route: string, body?: object) => Promise<unknown>;
	node: NodeHarness;
	items: IDataObject[];
	/** The path of the vendor's token call. */
	tokenPath: string;
}

/**
 * Runs the action node over every item while the emulator expires every token after its 250th API call
 * and answers every 37th call with its rate limit. Every item must come back, with exactly one token
 * renewal and some calls repeated after the rate limits. Returns the node's items and those counts.
 */
export async function runThroughExpiryAndRateLimits({ emulator, control, node, items, tokenPath }: ActionRunOptions): Promise<{ output: INodeExecutionData[]; tokenFetches: number; extraCalls: number }> {
	await fetch(`${emulator.url}/_emulator/requests`, { method: 'DELETE' });
	await control('schedule', { expireTokensAfterCalls: 250, rateLimitEvery: 37 });
	const output = await node.execute(items);
	await control('schedule', {});

	const tokenFetches = emulator.requests.filter((request) => request.path === tokenPath);
	const extraCalls = emulator.requests.length - tokenFetches.length - items.length;
	expect(output).toHaveLength(items.length);
	// One token at the start, one after the expiry at call 250; nothing else.
	expect(tokenFetches).toHaveLength(2);
	expect(extraCalls).toBeGreaterThan(10);
	return { output, tokenFetches: tokenFetches.length, extraCalls };
}
