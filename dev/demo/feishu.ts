/** The Feishu part of `npm start`: emulator, credential and an active example workflow. */
import { feishuEmulatorCredential } from '../emulator/credentials';
import { createFeishuEmulator, type FeishuEmulator } from '../emulator/feishu';
import { PACK_VENDORS, triggerNode } from '../n8n/pack-nodes';
import { defaultWebhookBase, exampleWorkflow, type Demo } from './demo';

const FILE = 'doxcnDemoSalesPlan000000001';
const FOLDER = 'fldcnDemoInbox00000000001';
const WEBHOOK_ID = '2c1b0f7e-5a3d-4e8f-9b6a-0000000f5101';

export const feishuDemo: Demo<FeishuEmulator> = {
	name: 'Feishu',
	emulatorPort: 5691,
	// Feishu's Request URL is typed into its console once, here up front.
	createEmulator: (webhookBase = defaultWebhookBase()) => createFeishuEmulator({ requestUrl: `${webhookBase}/webhook/${WEBHOOK_ID}/webhook` }),
	credential: feishuEmulatorCredential,
	workflow: (credential) =>
		exampleWorkflow({
			name: 'Example: Feishu document edited or file added to a folder',
			trigger: triggerNode(PACK_VENDORS.feishu, {
				idPrefix: 'demo-',
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
				credential,
			}),
			handler: 'Handle Event',
		}),
	fire: { path: '/_emulator/feishu/fire', body: { file_token: FILE, file_type: 'docx' } },
	moreToFire: (emulator) =>
		`\n  or a file created in the folder: -d '{"event_type":"drive.file.created_in_folder_v1","file_token":"doxcnNew","folder_token":"${FOLDER}"}'` +
		`\n  the console's URL check: curl -s -X POST ${emulator.url}/_emulator/feishu/challenge`,
	leftAtVendor: (emulator) => emulator.vendor.state.subscriptions.size,
	dedupeKey: '={{ $json.event_id }}',
};

const LC_FILE = 'doxcnDemoRoadmap000000000001';
const LC_FOLDER = 'fldcnDemoDrafts00000000001';

/**
 * The same drive events over Feishu's long connection: no request URL, the trigger connects to the
 * emulator's endpoint and WebSocket server. Its own emulator (another app), other files.
 */
export const feishuLongConnectionDemo: Demo<FeishuEmulator> = {
	name: 'Feishu (long connection)',
	emulatorPort: 5697,
	createEmulator: () =>
		createFeishuEmulator({
			appId: 'cli_emulator_long_connection',
			longConnection: { clientConfig: { PingInterval: 30, ReconnectCount: -1, ReconnectInterval: 5, ReconnectNonce: 2 } },
		}),
	credential: (emulator) => ({ ...feishuEmulatorCredential(emulator), name: 'Feishu (long connection emulator)' }),
	workflow: (credential) =>
		exampleWorkflow({
			name: 'Example: Feishu document edited, over the long connection (no public URL)',
			trigger: {
				id: 'demo-feishu-lc-trigger',
				name: 'Feishu Long Connection Trigger',
				type: 'n8n-nodes-event-subscriptions.feishuLongConnectionTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {
					files: {
						file: [
							{ file: LC_FILE, fileType: 'docx' },
							{ file: LC_FOLDER, fileType: 'folder' },
						],
					},
					events: ['drive.file.edit_v1', 'drive.file.created_in_folder_v1'],
				},
				credentials: { feishuApi: { id: credential.id, name: credential.name } },
			},
			handler: 'Handle Event',
		}),
	fire: { path: '/_emulator/feishu/long-connection/fire', body: { file_token: LC_FILE, file_type: 'docx' } },
	moreToFire: (emulator) =>
		`\n  in 4 parts: -d '{"file_token":"${LC_FILE}","file_type":"docx","parts":4}'` +
		`\n  drop the connection: curl -s -X POST ${emulator.url}/_emulator/feishu/long-connection/drop -d '{"mode":"abrupt"}' -H 'content-type: application/json'` +
		`\n  its counters: curl -s ${emulator.url}/_emulator/feishu/long-connection/state`,
	leftAtVendor: (emulator) => emulator.vendor.state.subscriptions.size,
	// Only when the connection is open are events delivered.
	ready: (emulator) => emulator.vendor.longConnection.state().open > 0,
	dedupeKey: '={{ $json.event_id }}',
};
