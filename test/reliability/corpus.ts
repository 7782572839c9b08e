import type { NodeHarness, WebhookRequest } from '../harness/node-harness';
import { printCorpus } from './report';

export interface CorpusOptions {
	vendor: string;
	harness: NodeHarness;
	forgeries: Array<[string, WebhookRequest]>;
	/** Genuine callbacks; the first five are also sent a second time and must start nothing then. */
	genuine: WebhookRequest[];
	/** Whether an answer counts as a rejection; by default any 4xx. */
	rejects?: (statusCode: number) => boolean;
	/** Wraps each forgery, e.g. to check exactly which requests it caused. */
	aroundForgery?: (label: string, send: () => Promise<void>) => Promise<void>;
}

/**
 * Sends every forgery (each must be rejected without starting the workflow), then every genuine
 * callback (each must start it once) and five redeliveries (which must not), checks those counts and
 * prints them.
 */
export async function playCorpus(options: CorpusOptions): Promise<void> {
	const { vendor, harness, forgeries, genuine } = options;
	const rejects = options.rejects ?? ((statusCode: number) => statusCode >= 400 && statusCode < 500);
	const aroundForgery = options.aroundForgery ?? (async (_label: string, send: () => Promise<void>) => await send());

	let rejected = 0;
	for (const [label, request] of forgeries) {
		await aroundForgery(label, async () => {
			const { result, response } = await harness.webhook(request);
			if (!rejects(response.statusCode) || result.workflowData !== undefined) {
				throw new Error(`forgery accepted: ${label} (${response.statusCode})`);
			}
			rejected++;
		});
	}

	let accepted = 0;
	for (const request of genuine) {
		const { result, response } = await harness.webhook(request);
		if (response.statusCode === 200 && result.workflowData?.[0].length === 1) accepted++;
	}
	let duplicatesSuppressed = 0;
	for (const request of genuine.slice(0, 5)) {
		const { result, response } = await harness.webhook(request);
		if (response.statusCode === 200 && result.workflowData === undefined) duplicatesSuppressed++;
	}

	expect(rejected).toBe(forgeries.length);
	expect(forgeries.length).toBeGreaterThanOrEqual(50);
	expect(accepted).toBe(genuine.length);
	expect(duplicatesSuppressed).toBe(5);
	printCorpus({ vendor, forgeriesTried: forgeries.length, forgeriesRejected: rejected, genuineTried: genuine.length, genuineAccepted: accepted, duplicatesSuppressed });
}
