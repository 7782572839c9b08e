/**
 * startStreamTrigger's order of work, vendor-neutral: the protocol is made before anything is subscribed
 * (so a protocol that cannot be made leaves no subscription behind), and a subscribe failure reaches n8n
 * with the vendor's advice as its message, as the webhook triggers' failures do.
 */
import { NodeApiError, type INodeType, type ITriggerFunctions } from 'n8n-workflow';
import { startStreamTrigger, type StreamTriggerSetup } from '../../../nodes/shared/stream-trigger';
import { NodeHarness } from '../../harness/node-harness';

function harnessFor(setup: StreamTriggerSetup) {
	const nodeType: INodeType = {
		description: {
			displayName: 'Test Stream Trigger',
			name: 'testStreamTrigger',
			group: ['trigger'],
			version: 1,
			description: '',
			defaults: { name: 'Test Stream Trigger' },
			inputs: [],
			outputs: ['main'],
			properties: [],
		},
		async trigger(this: ITriggerFunctions) {
			return await startStreamTrigger.call(this, setup);
		},
	};
	return new NodeHarness({ nodeType, credentialTypes: {}, credentials: {} });
}

describe('startStreamTrigger: what happens before the connection', () => {
	it('makes the protocol before subscribing, so a protocol that fails leaves nothing subscribed', async () => {
		const steps: string[] = [];
		const harness = harnessFor({
			name: 'Test Stream',
			subscribe: async () => {
				steps.push('subscribe');
				return async () => void steps.push('unsubscribe');
			},
			protocol: async () => {
				steps.push('protocol');
				throw new Error('no protocol today');
			},
		});
		await expect(harness.trigger()).rejects.toThrow('no protocol today');
		expect(steps).toEqual(['protocol']);
	});

	it('fails with the vendor advice as the message when subscribing fails', async () => {
		let protocolMade = false;
		const harness = harnessFor({
			name: 'Test Stream',
			subscribe: async function (this: ITriggerFunctions) {
				const error = new NodeApiError(this.getNode(), { code: 'denied' }, { message: 'Vendor error denied: no', description: 'Vendor: grant the app the permission.' });
				error.context.vendorCode = 'denied';
				throw error;
			},
			protocol: async () => {
				protocolMade = true;
				return { name: 'Test Stream', binaryFrames: false, openEndpoint: async () => 'ws://127.0.0.1:9/', idleTimeoutMs: () => 1_000, onFrame: () => undefined };
			},
		});
		const error = (await harness.trigger().catch((e: unknown) => e)) as Error;
		expect(error.message).toBe('Vendor: grant the app the permission. (code denied)');
		expect(protocolMade).toBe(true);
	});
});
