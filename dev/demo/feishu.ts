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
