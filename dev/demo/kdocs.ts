'use strict';
/** The Kdocs part of `npm start`: emulator, credential and an active example workflow. */
const { createKdocsEmulator } = require('../emulator/kdocs');

const FILE = 'wfoKKYzWR2jyxMHCFVuBxa42RSf8tpndOUeHQQzryfI';

module.exports = {
	name: 'Kdocs',
	emulatorPort: 5690,
	createEmulator: () => createKdocsEmulator(),
	credential: (emulator) => ({
		name: 'Kdocs (emulator)',
		type: 'kdocsApi',
		data: { baseUrl: emulator.url, accessToken: emulator.vendor.accessToken },
	}),
	workflow: (credential) => ({
		name: 'Example: Kdocs record added',
		nodes: [
			{
				id: 'demo-kdocs-trigger',
				name: 'Kdocs Trigger',
				type: 'n8n-nodes-event-subscriptions.kdocsTrigger',
				typeVersion: 1,
				position: [0, 0],
				webhookId: '2c1b0f7e-5a3d-4e8f-9b6a-0000000d3m01',
				parameters: {
					file: { __rl: true, mode: 'id', value: FILE, cachedResultName: 'Sales pipeline.dbt' },
					sheet: { __rl: true, mode: 'id', value: '1', cachedResultName: 'Leads' },
					event: 'recordCreate',
				},
				credentials: { kdocsApi: { id: credential.id, name: credential.name } },
			},
			{
				id: 'demo-kdocs-noop',
				name: 'Handle Record',
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [260, 0],
				parameters: {},
			},
		],
		connections: { 'Kdocs Trigger': { main: [[{ node: 'Handle Record', type: 'main', index: 0 }]] } },
	}),
	fire: { path: '/_emulator/kdocs/fire', body: { file_token: FILE } },
	leftAtVendor: (emulator) => emulator.vendor.state.webhooks.size,
	// Kdocs events carry no id of their own: the webhook, the time and the content identify one.
	dedupeKey: '={{ $json.webhookId }}:{{ $json.timestamp }}:{{ JSON.stringify($json.content) }}',
};
