/** The DingTalk part of `npm start`: emulator, credential and an active example workflow. */
import { dingTalkEmulatorCredential } from '../emulator/credentials';
import { createDingTalkEmulator, type DingTalkEmulator } from '../emulator/dingtalk';
import { defaultWebhookBase, exampleWorkflow, type Demo } from './demo';

const WEBHOOK_ID = '6a2d9c41-3f7b-4e2a-8c5d-0000000d7a01';

/** One of the two DingTalk triggers on the emulator's organization, for every storage event, as an example workflow. */
function storageEventWorkflow(
	name: string,
	trigger: { id: string; name: string; type: string; webhookId?: string },
	credential: { id: string; name: string },
) {
	return exampleWorkflow({
		name,
		trigger: {
			...trigger,
			typeVersion: 1,
			position: [0, 0],
			parameters: {
				scope: 'ORG',
				scopeId: 'dingemulatorcorp0001',
				unionId: 'emuUnionAdmin4220',
				events: ['storage_dentry_create', 'storage_dentry_update', 'storage_dentry_delete'],
			},
			credentials: { dingTalkApi: { id: credential.id, name: credential.name } },
		},
		handler: 'Handle Change',
	});
}

export const dingTalkDemo: Demo<DingTalkEmulator> = {
	name: 'DingTalk',
	emulatorPort: 5694,
	// The emulator's "developer console" already points at the trigger's production URL.
	createEmulator: (webhookBase = defaultWebhookBase()) => createDingTalkEmulator({ callbackUrl: `${webhookBase}/webhook/${WEBHOOK_ID}/webhook` }),
	credential: dingTalkEmulatorCredential,
	workflow: (credential) =>
		storageEventWorkflow(
			'Example: DingTalk storage file changed',
			{ id: 'demo-dingtalk-trigger', name: 'DingTalk Trigger', type: 'n8n-nodes-event-subscriptions.dingTalkTrigger', webhookId: WEBHOOK_ID },
			credential,
		),
	fire: { path: '/_emulator/dingtalk/fire', body: { eventType: 'storage_dentry_update' } },
	moreToFire: (emulator) => ` (check_url: POST ${emulator.url}/_emulator/dingtalk/check-url; a forged push: add "tamper":"signature")`,
	leftAtVendor: (emulator) => emulator.vendor.state.subscriptions.size,
	dedupeKey: '={{ $json.eventId }}',
};

/**
 * The same app with its event subscription in Stream mode, and the DingTalk Stream Trigger: no URL in the
 * console, the trigger connects out to the emulator. The bench compares it with the HTTP-push demo above.
 */
export const dingTalkStreamDemo: Demo<DingTalkEmulator> = {
	name: 'DingTalk Stream',
	emulatorPort: 5696,
	createEmulator: () => createDingTalkEmulator({ deliveryMode: 'stream' }),
	credential: dingTalkEmulatorCredential,
	workflow: (credential) =>
		storageEventWorkflow(
			'Example: DingTalk storage file changed (Stream mode)',
			{ id: 'demo-dingtalk-stream-trigger', name: 'DingTalk Stream Trigger', type: 'n8n-nodes-event-subscriptions.dingTalkStreamTrigger' },
			credential,
		),
	fire: { path: '/_emulator/dingtalk/fire', body: { eventType: 'storage_dentry_update' } },
	moreToFire: (emulator) =>
		` (connections and counters: GET ${emulator.url}/_emulator/dingtalk/stream; a dropped connection: POST ${emulator.url}/_emulator/dingtalk/stream/fault -d '{"kind":"abrupt"}')`,
	leftAtVendor: (emulator) => emulator.vendor.state.subscriptions.size,
	ready: (emulator) => emulator.vendor.stream.counters.openConnections > 0,
	dedupeKey: '={{ $json.eventId }}',
};
