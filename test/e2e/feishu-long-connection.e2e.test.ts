/**
 * The Feishu Long Connection Trigger in a real n8n: the pack installed as a community package, the
 * credential pointing at the Feishu emulator, whose long-connection side (endpoint and WebSocket server)
 * delivers the events. On a Node.js without a global WebSocket (n8n 2.8.4 runs on Node 20) activation must
 * fail with the trigger's one clear sentence instead.
 */
import { feishuEmulatorCredential } from '../../dev/emulator/credentials';
import { layout, targetVersion } from '../../dev/n8n/install';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startN8n, postJson, sleep, ACTIVATION_FAULT_TIMES } = require('../../dev/n8n/launcher');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startEmulator } = require('../../dev/emulator/server');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createFeishuEmulator } = require('../../dev/emulator/feishu');

jest.setTimeout(180_000);

const LC_DOC = 'doxcnE2eLongConnection00001';
const LC_FOLDER = 'fldcnE2eLongConnection00001';
const HTTP_DOC = 'doxcnE2eHttpPush0000000001';
const HTTP_WEBHOOK_ID = '7d9e1c52-4b1a-4c55-9d0e-0000000fe5c1';
const TRIGGER_NAME = 'Feishu Long Connection Trigger';
const NODE_MAJOR = Number(layout(targetVersion()).nodeVersion.split('.')[0]);
const HAS_WEBSOCKET = NODE_MAJOR >= 22;
const MISSING_WEBSOCKET =
	'Feishu Long Connection Trigger needs Node.js 22 or newer (its built-in WebSocket); this n8n runs on an older Node.js, so use HTTP push instead';

type Json = Record<string, any>;

let n8n: any;
let emulator: any;
let credentialId: string;

const control = async (route: string, body: Json = {}) => (await postJson(`${emulator.url}/_emulator/feishu/${route}`, body)).body;
const lcState = async () => (await fetch(`${emulator.url}/_emulator/feishu/long-connection/state`)).json() as Promise<Json>;
const emulatorState = async () => (await fetch(`${emulator.url}/_emulator/feishu/state`)).json() as Promise<Json>;
const emulatorRequests = async () => (await fetch(`${emulator.url}/_emulator/requests`)).json() as Promise<Json[]>;
const clearRequests = () => fetch(`${emulator.url}/_emulator/requests`, { method: 'DELETE' });
const subscribedTokens = async () => (await emulatorState()).subscriptions.map((s: Json) => s.file_token).sort();
const credential = (id = credentialId, name = 'Feishu (emulator)') => ({ feishuApi: { id, name } });

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await condition())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await sleep(100);
	}
}

function longConnectionWorkflow(name: string, credentials = credential()) {
	return {
		name,
		nodes: [
			{
				id: 'feishu-lc-trigger',
				name: TRIGGER_NAME,
				type: 'n8n-nodes-event-subscriptions.feishuLongConnectionTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {
					files: {
						file: [
							{ file: LC_DOC, fileType: 'docx' },
							{ file: LC_FOLDER, fileType: 'folder' },
						],
					},
					events: ['drive.file.edit_v1', 'drive.file.created_in_folder_v1'],
				},
				credentials,
			},
		],
	};
}

function httpPushWorkflow() {
	return {
		name: 'Feishu HTTP push, for the item shape',
		nodes: [
			{
				id: 'feishu-http-trigger',
				name: 'Feishu Trigger',
				type: 'n8n-nodes-event-subscriptions.feishuTrigger',
				typeVersion: 1,
				position: [0, 0],
				webhookId: HTTP_WEBHOOK_ID,
				parameters: { files: { file: [{ file: HTTP_DOC, fileType: 'docx' }] }, events: ['drive.file.edit_v1'] },
				credentials: credential(),
			},
		],
	};
}

const itemsOf = (execution: Json, node: string) => execution.data.resultData.runData[node][0].data.main[0].map((item: Json) => item.json);

/** The structure of a value: the keys of objects, the element structure of arrays, the type of the rest. */
function shapeOf(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(shapeOf);
	if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shapeOf(inner)]));
	return typeof value;
}

beforeAll(async () => {
	emulator = await startEmulator(
		createFeishuEmulator({
			// Feishu's 3 s deadline; pings every 5 s, quick reconnects.
			longConnection: { clientConfig: { PingInterval: 5, ReconnectCount: -1, ReconnectInterval: 1, ReconnectNonce: 0.5 }, ackTimeoutMs: 3_000 },
		}),
	);
	n8n = await startN8n();
	const created = await n8n.createCredential('Feishu (emulator)', 'feishuApi', feishuEmulatorCredential(emulator).data);
	credentialId = created.id;
});

afterAll(async () => {
	await n8n?.stop();
	await emulator?.vendor.longConnection.close();
	await emulator?.close();
});

(HAS_WEBSOCKET ? describe : describe.skip)(`Feishu Long Connection Trigger in a real n8n ${targetVersion()} (Node ${NODE_MAJOR})`, () => {
	let workflowId: string;

	beforeAll(async () => {
		await control('reset');
	});

	it('subscribes its files at the emulator on activation and opens exactly one connection', async () => {
		await clearRequests();
		workflowId = (await n8n.createWorkflow(longConnectionWorkflow('Feishu long connection e2e'))).id;
		expect((await n8n.activate(workflowId)).status).toBe(200);

		const requests = await emulatorRequests();
		expect(requests.filter((r) => r.method === 'POST' && r.path.endsWith('/subscribe')).map((r) => [r.path, r.query])).toEqual([
			[`/open-apis/drive/v1/files/${LC_DOC}/subscribe`, { file_type: 'docx' }],
			[`/open-apis/drive/v1/files/${LC_FOLDER}/subscribe`, { file_type: 'folder', event_type: 'file.created_in_folder_v1' }],
		]);
		const endpointCalls = requests.filter((r) => r.path === '/callback/ws/endpoint');
		expect(endpointCalls).toHaveLength(1);
		expect(endpointCalls[0]).toMatchObject({ method: 'POST', headers: { locale: 'zh' }, body: { AppID: emulator.vendor.appId, AppSecret: emulator.vendor.appSecret } });
		await until('the connection', async () => (await lcState()).open === 1);
		// Still exactly one a moment later: no second connection, no reconnect.
		await sleep(2_000);
		expect(await lcState()).toMatchObject({ open: 1, everOpened: 1, endpointRequests: 1 });
		expect(await subscribedTokens()).toEqual([LC_DOC, LC_FOLDER].sort());
	});

	it('turns an emulator event into one execution whose item has the shape of the HTTP push item', async () => {
		const { event_id: eventId } = await control('long-connection/fire', { file_token: LC_DOC, file_type: 'docx', event_id: 'evt-e2e-lc-edit' });
		expect(eventId).toBe('evt-e2e-lc-edit');
		const [execution] = await n8n.waitForExecutions(workflowId, 1);
		expect(execution.status).toBe('success');
		const items = itemsOf(execution, TRIGGER_NAME);
		expect(items).toHaveLength(1);
		expect(items[0]).toMatchObject({ schema: '2.0', event_id: 'evt-e2e-lc-edit', event_type: 'drive.file.edit_v1', app_id: emulator.vendor.appId });
		expect(items[0].event.file_token).toBe(LC_DOC);
		await until('the reply', async () => (await lcState()).replies200 === 1);
		expect(await lcState()).toMatchObject({ eventsAnswered: 1, repliesMalformed: 0, rePushed: 0 });

		// The same event through the HTTP-push trigger (another file, so that the two triggers' subscriptions stay apart).
		await control('request-url', { url: n8n.webhookUrl(HTTP_WEBHOOK_ID) });
		const push = await n8n.createWorkflow(httpPushWorkflow());
		expect((await n8n.activate(push.id)).status).toBe(200);
		try {
			const { delivered } = await control('fire', { file_token: HTTP_DOC, file_type: 'docx', event_id: 'evt-e2e-http-edit' });
			expect(delivered[0].statusCode).toBe(200);
			const [pushed] = await n8n.waitForExecutions(push.id, 1);
			const pushItems = itemsOf(pushed, 'Feishu Trigger');
			expect(shapeOf(items)).toEqual(shapeOf(pushItems));
			expect(Object.keys(items[0])).toEqual(Object.keys(pushItems[0]));
		} finally {
			await n8n.deactivate(push.id);
		}
	});

	it('starts one execution for an event Feishu pushes again because its reply was lost, and one for a multi-part event', async () => {
		await control('long-connection/replies', { drop: true, times: 1 });
		await control('long-connection/fire', { file_token: LC_DOC, file_type: 'docx', event_id: 'evt-e2e-lc-lost-reply' });
		await until('the re-push answered', async () => (await lcState()).eventsAnswered === 2);
		await control('long-connection/fire', {
			event_type: 'drive.file.created_in_folder_v1',
			file_token: 'doxcnE2eCreatedInFolder',
			folder_token: LC_FOLDER,
			event_id: 'evt-e2e-lc-parts',
			parts: 3,
		});
		const executions = await n8n.waitForExecutions(workflowId, 3);
		expect(await n8n.executionsAfterQuiet(workflowId, 2_000)).toHaveLength(3);
		expect(executions.map((execution: Json) => itemsOf(execution, TRIGGER_NAME)[0].event_id)).toEqual(['evt-e2e-lc-edit', 'evt-e2e-lc-lost-reply', 'evt-e2e-lc-parts']);
		expect((await lcState()).rePushed).toBe(1);
	});

	it('reconnects with a fresh endpoint after an abrupt close, and an event sent meanwhile runs once', async () => {
		await control('long-connection/drop', { mode: 'abrupt' });
		await control('long-connection/fire', { file_token: LC_DOC, file_type: 'docx', event_id: 'evt-e2e-lc-after-drop' });
		await until('the second connection', async () => (await lcState()).everOpened === 2);
		const executions = await n8n.waitForExecutions(workflowId, 4);
		expect(itemsOf(executions[3], TRIGGER_NAME)[0].event_id).toBe('evt-e2e-lc-after-drop');
		expect(await lcState()).toMatchObject({ open: 1, endpointRequests: 2 });
	});

	it('closes the connection on deactivation (0 open within a second) and unsubscribes its files', async () => {
		await clearRequests();
		expect((await n8n.deactivate(workflowId)).status).toBe(200);
		const deactivatedAt = Date.now();
		await until('no open connection', async () => (await lcState()).open === 0, 1_000);
		expect(Date.now() - deactivatedAt).toBeLessThan(1_000);
		const deletes = (await emulatorRequests()).filter((r) => r.method === 'DELETE');
		expect(deletes.map((r) => r.path).sort()).toEqual(
			[`/open-apis/drive/v1/files/${LC_DOC}/delete_subscribe`, `/open-apis/drive/v1/files/${LC_FOLDER}/delete_subscribe`].sort(),
		);
		expect(await subscribedTokens()).toEqual([]);
		const endpointRequests = (await lcState()).endpointRequests;
		await sleep(2_000);
		expect(await lcState()).toMatchObject({ open: 0, endpointRequests });
	});

	it('fails activation with a clear message for a wrong App Secret, leaving nothing subscribed', async () => {
		const wrong = await n8n.createCredential('Feishu (wrong secret)', 'feishuApi', { ...feishuEmulatorCredential(emulator).data, appSecret: 'not-the-secret' });
		const workflow = await n8n.createWorkflow(longConnectionWorkflow('Feishu long connection, wrong secret', credential(wrong.id, 'Feishu (wrong secret)')));
		const activation = await n8n.activate(workflow.id);
		try {
			expect(activation.status).toBe(400);
			expect(activation.body.message).toMatch(/Feishu refused the App ID \/ App Secret/);
			expect(await subscribedTokens()).toEqual([]);
			expect((await lcState()).open).toBe(0);
		} finally {
			await n8n.deactivate(workflow.id);
		}
	});

	it('fails activation with the clear message when the endpoint refuses the app (514), and unsubscribes again', async () => {
		await control('long-connection/endpoint-answer', { code: 514, times: ACTIVATION_FAULT_TIMES });
		const workflow = await n8n.createWorkflow(longConnectionWorkflow('Feishu long connection, endpoint 514'));
		try {
			const activation = await n8n.activate(workflow.id);
			expect(activation.status).toBe(400);
			expect(activation.body.message).toContain('Feishu refused the App ID / App Secret for the long connection (code 514: auth failed)');
			expect(await subscribedTokens()).toEqual([]);
			expect((await lcState()).open).toBe(0);
		} finally {
			emulator.vendor.longConnection.faults.endpointAnswers.length = 0;
			await n8n.deactivate(workflow.id);
		}
	});

	it('"Listen for test event" shows one real event, then closes the connection and unsubscribes', async () => {
		await control('reset');
		const workflow = await n8n.createWorkflow(longConnectionWorkflow('Feishu long connection, test event'));
		const stored = await n8n.getWorkflow(workflow.id);
		// n8n 1.x takes the workflow in the body, 2.x reads the stored one (and ignores workflowData).
		const started = await n8n.rest('POST', `workflows/${workflow.id}/run`, { workflowData: stored, triggerToStartFrom: { name: TRIGGER_NAME } });
		const executionId = started.data.executionId;
		expect(executionId).toBeDefined();
		await until('the test connection', async () => (await lcState()).open === 1);
		expect(await subscribedTokens()).toEqual([LC_DOC, LC_FOLDER].sort());

		await control('long-connection/fire', { file_token: LC_DOC, file_type: 'docx', event_id: 'evt-e2e-lc-test' });
		let execution: Json | undefined;
		await until('the test execution', async () => {
			const answer = await n8n.api('GET', `executions/${executionId}?includeData=true`);
			execution = answer.status === 200 ? answer.body : undefined;
			return execution?.finished === true || execution?.status === 'success';
		});
		expect(execution?.mode).toBe('manual');
		expect(itemsOf(execution as Json, TRIGGER_NAME).map((item: Json) => item.event_id)).toEqual(['evt-e2e-lc-test']);
		await until('the test connection closed', async () => (await lcState()).open === 0, 5_000);
		await until('the test subscriptions removed', async () => (await subscribedTokens()).length === 0, 5_000);
	});
});

(HAS_WEBSOCKET ? describe.skip : describe)(`Feishu Long Connection Trigger in a real n8n ${targetVersion()} on Node ${NODE_MAJOR} (no global WebSocket)`, () => {
	it('fails activation with its one clear sentence, subscribing nothing and opening nothing', async () => {
		await control('reset');
		await clearRequests();
		const workflow = await n8n.createWorkflow(longConnectionWorkflow('Feishu long connection on Node 20'));
		const activation = await n8n.activate(workflow.id);
		try {
			expect(activation.status).toBe(400);
			// n8n 2.8 wraps it: There was a problem activating the workflow: "<the sentence>".
			expect(activation.body.message).toContain(MISSING_WEBSOCKET);
			expect(await emulatorRequests()).toEqual([]);
			expect(await lcState()).toMatchObject({ endpointRequests: 0, everOpened: 0 });
		} finally {
			await n8n.deactivate(workflow.id);
		}
	});
});

// A module, so that its helpers do not clash with the other E2E files under tsc.
export {};
