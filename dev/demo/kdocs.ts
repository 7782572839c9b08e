/** The Kdocs part of `npm start`: emulator, credential and an active example workflow. */
import { kdocsEmulatorCredential } from '../emulator/credentials';
import { createKdocsEmulator, type KdocsEmulator } from '../emulator/kdocs';
import { PACK_VENDORS, triggerNode } from '../n8n/pack-nodes';
import { exampleWorkflow, type Demo } from './demo';

const FILE = 'wfoKKYzWR2jyxMHCFVuBxa42RSf8tpndOUeHQQzryfI';

export const kdocsDemo: Demo<KdocsEmulator> = {
	name: 'Kdocs',
	emulatorPort: 5690,
	createEmulator: () => createKdocsEmulator(),
	credential: kdocsEmulatorCredential,
	workflow: (credential) =>
		exampleWorkflow({
			name: 'Example: Kdocs record added',
			trigger: triggerNode(PACK_VENDORS.kdocs, {
				idPrefix: 'demo-',
				webhookId: '2c1b0f7e-5a3d-4e8f-9b6a-0000000d3m01',
				parameters: {
					file: { __rl: true, mode: 'id', value: FILE, cachedResultName: 'Sales pipeline.dbt' },
					sheet: { __rl: true, mode: 'id', value: '1', cachedResultName: 'Leads' },
					event: 'recordCreate',
				},
				credential,
			}),
			handler: 'Handle Record',
		}),
	fire: { path: '/_emulator/kdocs/fire', body: { file_token: FILE } },
	leftAtVendor: (emulator) => emulator.vendor.state.webhooks.size,
	// Kdocs events carry no id of their own: the webhook, the time and the content identify one.
	dedupeKey: '={{ $json.webhookId }}:{{ $json.timestamp }}:{{ JSON.stringify($json.content) }}',
};
