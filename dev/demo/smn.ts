'use strict';
/** The Huawei Cloud SMN part of `npm start`: emulator, credential and an active example workflow. */
const { createSmnEmulator } = require('../emulator/smn');

module.exports = {
	name: 'Huawei Cloud SMN',
	emulatorPort: 5693,
	createEmulator: () => createSmnEmulator(),
	credential: (emulator) => ({
		name: 'Huawei Cloud (emulator)',
		type: 'huaweiCloudApi',
		data: {
			region: emulator.vendor.region,
			authType: 'password',
			userName: emulator.vendor.users[0].name,
			password: emulator.vendor.users[0].password,
			domainName: emulator.vendor.domainName,
			smnEndpoint: emulator.url,
			iamEndpoint: emulator.url,
		},
	}),
	workflow: (credential) => ({
		name: 'Example: Huawei Cloud SMN message',
		nodes: [
			{
				id: 'demo-smn-trigger',
				name: 'SMN Trigger',
				type: 'n8n-nodes-event-subscriptions.huaweiSmnTrigger',
				typeVersion: 1,
				position: [0, 0],
				webhookId: '2c1b0f7e-5a3d-4e8f-9b6a-0000000d3m03',
				parameters: {
					topic: { __rl: true, mode: 'urn', value: 'urn:smn:cn-north-4:0919a0fb38f24ff5b3e8c4a1b2c3d4e5:orders', cachedResultName: 'orders' },
				},
				credentials: { huaweiCloudApi: { id: credential.id, name: credential.name } },
			},
			{
				id: 'demo-smn-noop',
				name: 'Handle Message',
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [260, 0],
				parameters: {},
			},
		],
		connections: { 'SMN Trigger': { main: [[{ node: 'Handle Message', type: 'main', index: 0 }]] } },
	}),
	fire: { path: '/_emulator/smn/fire', body: { message: '{"order":42}', subject: 'Order update' } },
	leftAtVendor: (emulator) => emulator.vendor.state.subscriptions.size,
	// SMN delivers only to confirmed subscriptions; the trigger confirms the one it made.
	ready: (emulator) => [...emulator.vendor.state.subscriptions.values()].every((subscription) => subscription.status === 1),
	dedupeKey: '={{ $json.messageId }}',
};
