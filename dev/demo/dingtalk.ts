'use strict';
/** The DingTalk part of `npm start`: emulator, credential and an active example workflow. */
const { createDingTalkEmulator } = require('../emulator/dingtalk');

const WEBHOOK_ID = '6a2d9c41-3f7b-4e2a-8c5d-0000000d7a01';
const defaultWebhookBase = () => `http://127.0.0.1:${Number(process.env.N8N_PORT) || 5678}`;

module.exports = {
	name: 'DingTalk',
	emulatorPort: 5694,
	// The emulator's "developer console" already points at the trigger's production URL.
	createEmulator: (webhookBase = defaultWebhookBase()) => createDingTalkEmulator({ callbackUrl: `${webhookBase}/webhook/${WEBHOOK_ID}/webhook` }),
	credential: (emulator) => ({
		name: 'DingTalk (emulator)',
		type: 'dingTalkApi',
		data: {
			baseUrl: 'custom',
			customBaseUrl: emulator.url,
			legacyBaseUrl: emulator.url,
			authentication: 'appCredentials',
			appKey: emulator.vendor.appKey,
			appSecret: emulator.vendor.appSecret,
			callbackToken: emulator.vendor.callbackToken,
			aesSecretKey: emulator.vendor.aesKey,
			corpId: emulator.vendor.corpId,
		},
	}),
	workflow: (credential) => ({
		name: 'Example: DingTalk storage file changed',
		nodes: [
			{
				id: 'demo-dingtalk-trigger',
				name: 'DingTalk Trigger',
				type: 'n8n-nodes-event-subscriptions.dingTalkTrigger',
				typeVersion: 1,
				position: [0, 0],
				webhookId: WEBHOOK_ID,
				parameters: {
					scope: 'ORG',
					scopeId: 'dingemulatorcorp0001',
					unionId: 'emuUnionAdmin4220',
					events: ['storage_dentry_create', 'storage_dentry_update', 'storage_dentry_delete'],
				},
				credentials: { dingTalkApi: { id: credential.id, name: credential.name } },
			},
			{
				id: 'demo-dingtalk-noop',
				name: 'Handle Change',
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [260, 0],
				parameters: {},
			},
		],
		connections: { 'DingTalk Trigger': { main: [[{ node: 'Handle Change', type: 'main', index: 0 }]] } },
	}),
	fire: { path: '/_emulator/dingtalk/fire', body: { eventType: 'storage_dentry_update' } },
	moreToFire: (emulator) => ` (check_url: POST ${emulator.url}/_emulator/dingtalk/check-url; a forged push: add "tamper":"signature")`,
	leftAtVendor: (emulator) => emulator.vendor.state.subscriptions.size,
	dedupeKey: '={{ $json.eventId }}',
};
