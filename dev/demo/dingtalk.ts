/** The DingTalk part of `npm start`: emulator, credential and an active example workflow. */
import { dingTalkEmulatorCredential } from '../emulator/credentials';
import { createDingTalkEmulator, type DingTalkEmulator } from '../emulator/dingtalk';
import { PACK_VENDORS, triggerNode } from '../n8n/pack-nodes';
import { defaultWebhookBase, exampleWorkflow, type Demo } from './demo';

const WEBHOOK_ID = '6a2d9c41-3f7b-4e2a-8c5d-0000000d7a01';

export const dingTalkDemo: Demo<DingTalkEmulator> = {
	name: 'DingTalk',
	emulatorPort: 5694,
	// The emulator's "developer console" already points at the trigger's production URL.
	createEmulator: (webhookBase = defaultWebhookBase()) => createDingTalkEmulator({ callbackUrl: `${webhookBase}/webhook/${WEBHOOK_ID}/webhook` }),
	credential: dingTalkEmulatorCredential,
	workflow: (credential) =>
		exampleWorkflow({
			name: 'Example: DingTalk storage file changed',
			trigger: triggerNode(PACK_VENDORS.dingtalk, {
				idPrefix: 'demo-',
				webhookId: WEBHOOK_ID,
				parameters: {
					scope: 'ORG',
					scopeId: 'dingemulatorcorp0001',
					unionId: 'emuUnionAdmin4220',
					events: ['storage_dentry_create', 'storage_dentry_update', 'storage_dentry_delete'],
				},
				credential,
			}),
			handler: 'Handle Change',
		}),
	fire: { path: '/_emulator/dingtalk/fire', body: { eventType: 'storage_dentry_update' } },
	moreToFire: (emulator) => ` (check_url: POST ${emulator.url}/_emulator/dingtalk/check-url; a forged push: add "tamper":"signature")`,
	leftAtVendor: (emulator) => emulator.vendor.state.subscriptions.size,
	dedupeKey: '={{ $json.eventId }}',
};
