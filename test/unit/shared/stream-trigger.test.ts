/**
 * startStreamTrigger's promise that a failed activation leaves nothing subscribed, also when the vendor
 * protocol itself cannot be set up after subscribing (a vendor-neutral trigger in n8n-core's TriggerContext).
 */
import type { INodeType, ITriggerFunctions } from 'n8n-workflow';
import { startStreamTrigger } from '../../../nodes/shared/stream-trigger';
import { NodeHarness } from '../../harness/node-harness';

function streamNode(protocol: () => Promise<never>, log: string[]): INodeType {
	return {
		description: {
			displayName: 'Probe Stream Trigger',
			name: 'probeStreamTrigger',
			group: ['trigger'],
			version: 1,
			description: '',
			defaults: { name: 'Probe Stream Trigger' },
			inputs: [],
			outputs: ['main'],
			properties: [],
		},
		async trigger(this: ITriggerFunctions) {
			return await startStreamTrigger.call(this, {
				name: 'Probe Stream',
				async subscribe() {
					log.push('subscribed');
					return async () => void log.push('unsubscribed');
				},
				protocol,
			});
		},
	};
}

describe('startStreamTrigger', () => {
	it('unsubscribes again when the protocol cannot be set up after subscribing, and fails the activation with its message', async () => {
		const log: string[] = [];
		const harness = new NodeHarness({
			nodeType: streamNode(async () => {
				throw new Error('the protocol could not be set up');
			}, log),
			credentialTypes: {},
			credentials: {},
		});
		await expect(harness.trigger()).rejects.toThrow('the protocol could not be set up');
		expect(log).toEqual(['subscribed', 'unsubscribed']);
	});
});
