'use strict';
/** The Feishu part of `npm start`: emulator, credential and an active example workflow. */
const { createFeishuEmulator } = require('../emulator/feishu');

const FILE = 'doxcnDemoSalesPlan000000001';
const FOLDER = 'fldcnDemoInbox00000000001';
const WEBHOOK_ID = '2c1b0f7e-5a3d-4e8f-9b6a-0000000f5101';
// start.js runs n8n on N8N_PORT or 5678; Feishu's Request URL is typed into its console once, here up front.
const defaultWebhookBase = () => `http://127.0.0.1:${Number(process.env.N8N_PORT) || 5678}`;

module.exports = {
	name: 'Feishu',
	emulatorPort: 5691,
	createEmulator: (webhookBase = defaultWebhookBase()) => createFeishuEmulator({ requestUrl: `${webhookBase}/webhook/${WEBHOOK_ID}/webhook` }),
	credential: (emulator) => ({
		name: 'Feishu (emulator)',
		type: 'feishuApi',
		data: {
			host: 'custom',
			baseUrl: emulator.url,
			authentication: 'tenantToken',
			appId: emulator.vendor.appId,
			appSecret: emulator.vendor.appSecret,
			verificationToken: emulator.vendor.verificationToken,
			encryptSecret: emulator.vendor.encryptKey,
		},
	}),
	workflow: (credential) => ({
		name: 'Example: Feishu document edited or file added to a folder',
		nodes: [
			{
				id: 'demo-feishu-trigger',
				name: 'Feishu Trigger',
				type: 'n8n-nodes-event-subscriptions.feishuTrigger',
				typeVersion: 1,
				position: [0, 0],
				webhookId: WEBHOOK_ID,
				parameters: {
					files: {
						file: [
							{ file: FILE, fileType: 'docx' },
							{ file: FOLDER, fileType: 'folder' },
						],
					},
					events: ['drive.file.edit_v1', 'drive.file.created_in_folder_v1'],
				},
				credentials: { feishuApi: { id: credential.id, name: credential.name } },
			},
			{
				id: 'demo-feishu-noop',
				name: 'Handle Event',
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [260, 0],
				parameters: {},
			},
		],
		connections: { 'Feishu Trigger': { main: [[{ node: 'Handle Event', type: 'main', index: 0 }]] } },
	}),
	fire: { path: '/_emulator/feishu/fire', body: { file_token: FILE, file_type: 'docx' } },
	moreToFire: (emulator) =>
		`\n  or a file created in the folder: -d '{"event_type":"drive.file.created_in_folder_v1","file_token":"doxcnNew","folder_token":"${FOLDER}"}'` +
		`\n  the console's URL check: curl -s -X POST ${emulator.url}/_emulator/feishu/challenge`,
	leftAtVendor: (emulator) => emulator.vendor.state.subscriptions.size,
	dedupeKey: '={{ $json.event_id }}',
};
