/** The Huawei Cloud SMN part of `npm start`: emulator, credential and an active example workflow. */
import { smnEmulatorCredential } from '../emulator/credentials';
import { createSmnEmulator, type SmnEmulator } from '../emulator/smn';
import { PACK_VENDORS, triggerNode } from '../n8n/pack-nodes';
import { exampleWorkflow, type Demo } from './demo';

export const smnDemo: Demo<SmnEmulator> = {
	name: 'Huawei Cloud SMN',
	emulatorPort: 5693,
	createEmulator: () => createSmnEmulator(),
	credential: smnEmulatorCredential,
	workflow: (credential) =>
		exampleWorkflow({
			name: 'Example: Huawei Cloud SMN message',
			trigger: triggerNode(PACK_VENDORS.smn, {
				idPrefix: 'demo-',
				webhookId: '2c1b0f7e-5a3d-4e8f-9b6a-0000000d3m03',
				parameters: {
					topic: { __rl: true, mode: 'urn', value: 'urn:smn:cn-north-4:0919a0fb38f24ff5b3e8c4a1b2c3d4e5:orders', cachedResultName: 'orders' },
				},
				credential,
			}),
			handler: 'Handle Message',
		}),
	fire: { path: '/_emulator/smn/fire', body: { message: '{"order":42}', subject: 'Order update' } },
	leftAtVendor: (emulator) => emulator.vendor.state.subscriptions.size,
	// SMN delivers only to confirmed subscriptions; the trigger confirms the one it made.
	ready: (emulator) => [...emulator.vendor.state.subscriptions.values()].every((subscription) => subscription.status === 1),
	dedupeKey: '={{ $json.messageId }}',
};
