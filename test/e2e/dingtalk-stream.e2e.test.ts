/**
 * The DingTalk Stream Trigger in a real n8n: the pack installed as a community package, the emulator's app
 * in Stream mode, workflows created and activated through n8n's public API. On a Node.js with a global
 * WebSocket (n8n 2.40 on Node 24, 1.123 on Node 22) activation subscribes and opens one connection, an
 * event runs once with the HTTP-push item shape, deactivation closes and unsubscribes, a wrong App Secret
 * fails clearly, and "Listen for test event" shows one event. On Node 20 (n8n 2.8) activation fails with
 * the one clear sentence.
 */
import { dingTalkEmulatorCredential } from '../../dev/emulator/credentials';
import { layout, targetVersion } from '../../dev/n8n/install';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startN8n, postJson, sleep } = require('../../dev/n8n/launcher');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startEmulator } = require('../../dev/emulator/server');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createDingTalkEmulator } = require('../../dev/emulator/dingtalk');

export {};

jest.setTimeout(180_000);

type Json = Record<string, any>;

const ADMIN_UNION_ID = 'emuUnionAdmin4220';
const TRIGGER_NAME = 'DingTalk Stream Trigger';
const NODE_MAJOR = Number(layout(targetVersion()).nodeVersion.split('.')[0]);
const HAS_WEBSOCKET = NODE_MAJOR >= 22;

let n8n: any;
let emulator: any;
let credential: { id: string; name: string };

const control = async (route: string, body: Json = {}) => (await postJson(`${emulator.url}/_emulator/dingtalk/${route}`, body)).body;
const emulatorState = async () => (await fetch(`${emulator.url}/_emulator/dingtalk/state`)).json() as Promise<Json>;
const streamState = async () => (await fetch(`${emulator.url}/_emulator/dingtalk/stream`)).json() as Promise<Json>;
const emulatorRequests = async () => (await fetch(`${emulator.url}/_emulator/requests`)).json() as Promise<Json[]>;
const clearRequests = () => fetch(`${emulator.url}/_emulator/requests`, { method: 'DELETE' });
const ourScopes = async () => (await emulatorState()).subscriptions.map((s: Json) => `${s.scope}:${s.scopeId}`);

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await read();
		if (done(value)) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
		await sleep(50);
	}
}

function streamWorkflow(name: string, parameters: Json = {}, using = credential) {
	return {
		name,
		nodes: [
			{
				id: 'dingtalk-stream-trigger',
				name: TRIGGER_NAME,
				type: 'n8n-nodes-event-subscriptions.dingTalkStreamTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: { scope: 'ORG', scopeId: emulator.vendor.corpId, unionId: ADMIN_UNION_ID, events: ['storage_dentry_update', 'storage_dentry_delete'], ...parameters },
				credentials: { dingTalkApi: { id: using.id, name: using.name } },
			},
			{ id: 'dingtalk-stream-noop', name: 'Handle Change', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [260, 0], parameters: {} },
		],
		connections: { [TRIGGER_NAME]: { main: [[{ node: 'Handle Change', type: 'main', index: 0 }]] } },
	};
}

const triggerItems = (execution: Json) => execution.data.resultData.runData[TRIGGER_NAME][0].data.main[0].map((item: Json) => item.json);

/** The item the HTTP-push trigger makes of the same event (see dingtalk.e2e.test.ts); Stream has no BizId, so bizId repeats eventId. */
function httpPushItem(payload: Json) {
	return {
		eventType: payload.EventType,
		eventId: payload.eventId,
		eventTime: payload.EventTime,
		corpId: payload.CorpId,
		bizId: payload.eventId,
		spaceId: payload.spaceId,
		dentryId: payload.dentryId,
		eventScope: payload.eventScope,
		eventScopeId: payload.eventScopeId,
		extension: payload.extension,
		unionId: payload.unionId,
		type: payload.type,
	};
}

beforeAll(async () => {
	emulator = await startEmulator(createDingTalkEmulator({ deliveryMode: 'stream', stream: { pingIntervalMs: 5_000, redeliverAfterMs: 1_500 } }));
	n8n = await startN8n();
	credential = await n8n.createCredential('DingTalk (emulator)', 'dingTalkApi', dingTalkEmulatorCredential(emulator).data);
});

afterAll(async () => {
	await n8n?.stop();
	await emulator?.vendor.stream.close();
	await emulator?.close();
});

(HAS_WEBSOCKET ? describe : describe.skip)(`DingTalk Stream Trigger in a real n8n ${targetVersion()} (Node ${NODE_MAJOR})`, () => {
	let workflowId: string;

	it('subscribes its scope on activation and opens exactly one connection', async () => {
		await clearRequests();
		workflowId = (await n8n.createWorkflow(streamWorkflow('DingTalk Stream e2e'))).id;
		expect((await n8n.activate(workflowId)).status).toBe(200);

		expect(await ourScopes()).toEqual([`ORG:${emulator.vendor.corpId}`]);
		const { counters } = await streamState();
		expect(counters).toMatchObject({ openConnections: 1, connectionsOpened: 1, ticketsIssued: 1 });
		const calls = (await emulatorRequests()).map((request) => `${request.method} ${request.path}`);
		expect(calls).toEqual(['POST /v1.0/oauth2/accessToken', 'POST /v1.0/storage/events/subscribe', 'POST /v1.0/gateway/connections/open']);
		// Still one a moment later: n8n started the trigger once.
		await sleep(1_000);
		expect((await streamState()).counters).toMatchObject({ openConnections: 1, connectionsOpened: 1 });
	});

	it('turns a storage event into one execution with the HTTP-push item shape, answered SUCCESS', async () => {
		const { event } = await control('fire', { eventType: 'storage_dentry_update', eventId: 'e2e-stream-1' });
		const [execution] = await n8n.waitForExecutions(workflowId, 1);

		expect(execution.status).toBe('success');
		expect(triggerItems(execution)).toEqual([httpPushItem(event.payload)]);
		const acked = await until('the answer', streamState, (state) => state.counters.eventsAcked === 1);
		expect(acked.events[0].sends.map((send: Json) => send.answer)).toEqual(['SUCCESS']);
	});

	it('starts nothing for a repeated eventId or an event type not chosen, yet answers both SUCCESS', async () => {
		await control('fire', { eventType: 'storage_dentry_update', eventId: 'e2e-stream-1' });
		await control('fire', { eventType: 'storage_dentry_create', eventId: 'e2e-stream-2' });
		await until('the answers', streamState, (state) => state.counters.eventsAcked === 3);
		expect(await n8n.executionsAfterQuiet(workflowId, 1_000)).toHaveLength(1);
	});

	it('reconnects after the connection drops and still runs each event once', async () => {
		await control('stream/fault', { kind: 'abrupt' });
		await until('the new connection', streamState, (state) => state.counters.connectionsOpened === 2 && state.counters.openConnections === 1);
		await control('fire', { eventType: 'storage_dentry_delete', eventId: 'e2e-stream-3' });
		const executions = await n8n.waitForExecutions(workflowId, 2);
		expect(triggerItems(executions[1])).toEqual([expect.objectContaining({ eventId: 'e2e-stream-3', eventType: 'storage_dentry_delete' })]);
		expect(await n8n.executionsAfterQuiet(workflowId, 1_000)).toHaveLength(2);
	});

	it('closes the connection on deactivation (none open within a second) and unsubscribes', async () => {
		await clearRequests();
		const started = Date.now();
		expect((await n8n.deactivate(workflowId)).status).toBe(200);
		await until('no open connection', streamState, (state) => state.counters.openConnections === 0, 1_000);
		expect(Date.now() - started).toBeLessThan(1_000 + 2_000);

		expect(await ourScopes()).toEqual([]);
		const unsubscribes = (await emulatorRequests()).filter((request) => request.path === '/v1.0/storage/events/unsubscribe');
		expect(unsubscribes.map((request) => [request.query.unionId, request.body])).toEqual([[ADMIN_UNION_ID, { scope: 'ORG', scopeId: emulator.vendor.corpId }]]);
	});

	it('fails activation with a clear message for a wrong App Secret, leaving nothing subscribed or open', async () => {
		const wrong = await n8n.createCredential('DingTalk (wrong secret)', 'dingTalkApi', { ...dingTalkEmulatorCredential(emulator).data, appSecret: 'not-the-secret' });
		const workflow = await n8n.createWorkflow(streamWorkflow('DingTalk Stream wrong secret e2e', {}, wrong));
		const activation = await n8n.activate(workflow.id);

		expect(activation.status).toBe(400);
		expect(String(activation.body?.message)).toMatch(/App Key and App Secret/);
		expect(await ourScopes()).toEqual([]);
		expect((await streamState()).counters.openConnections).toBe(0);
		await n8n.deactivate(workflow.id);
	});

	it('fails activation with the Stream refusal when only the gateway refuses the secret, and unsubscribes again', async () => {
		// A token issued before the secret went wrong: subscribing works, the ticket is refused.
		const issued = await postJson(`${emulator.url}/v1.0/oauth2/accessToken`, { appKey: emulator.vendor.appKey, appSecret: emulator.vendor.appSecret });
		const stale = await n8n.createCredential('DingTalk (stale token)', 'dingTalkApi', {
			...dingTalkEmulatorCredential(emulator).data,
			appSecret: 'not-the-secret',
			sessionToken: issued.body.accessToken,
			sessionExpiresAt: Date.now() + 3_600_000,
		});
		await clearRequests();
		const workflow = await n8n.createWorkflow(streamWorkflow('DingTalk Stream refused e2e', {}, stale));
		const activation = await n8n.activate(workflow.id);
		await n8n.deactivate(workflow.id);

		const calls = (await emulatorRequests()).map((request) => `${request.method} ${request.path}`);
		// n8n keeps the hidden token field, so the scope was subscribed before the refusal (n8n 2.40 tries five times).
		expect(calls.slice(0, 3)).toEqual(['POST /v1.0/storage/events/subscribe', 'POST /v1.0/gateway/connections/open', 'POST /v1.0/storage/events/unsubscribe']);
		expect(activation.status).toBe(400);
		expect(String(activation.body?.message)).toMatch(/DingTalk refused the App Key and App Secret for Stream mode \(authFailed: 鉴权失败.*check both in the DingTalk credential/);
		expect(calls.filter((call) => call.endsWith('/subscribe'))).toHaveLength(calls.filter((call) => call.endsWith('/unsubscribe')).length);
		expect(await ourScopes()).toEqual([]);
		expect((await streamState()).counters.openConnections).toBe(0);
	});

	it('"Listen for test event" shows one real event, keeps the scope subscribed, and leaves the event for the active workflow', async () => {
		const workflow = await n8n.createWorkflow(streamWorkflow('DingTalk Stream test event e2e'));
		const before = (await streamState()).counters.connectionsOpened;
		const started = await n8n.rest('POST', `workflows/${workflow.id}/run`, {
			workflowData: { ...workflow, id: workflow.id },
			triggerToStartFrom: { name: TRIGGER_NAME },
		});
		expect(started).toBeDefined();
		await until('the test connection', streamState, (state) => state.counters.connectionsOpened === before + 1 && state.counters.openConnections === 1, 30_000);
		const { event } = await control('fire', { eventType: 'storage_dentry_update', eventId: 'e2e-stream-test-event' });

		const [execution] = await n8n.waitForExecutions(workflow.id, 1, 30_000);
		expect(execution.mode).toBe('manual');
		expect(triggerItems(execution)).toEqual([httpPushItem(event.payload)]);
		await until('the test connection to close', streamState, (state) => state.counters.openConnections === 0, 5_000);
		// A test consumes nothing: the event was answered LATER, and the scope stays subscribed.
		const state = await streamState();
		const sent = state.events.find((candidate: Json) => candidate.eventId === 'e2e-stream-test-event');
		expect(sent.acked).toBe(false);
		expect(sent.sends[0].answer).toBe('LATER');
		expect(await ourScopes()).toEqual([`ORG:${emulator.vendor.corpId}`]);

		// Activated, the workflow gets that event (redelivered) as its first execution.
		expect((await n8n.activate(workflow.id)).status).toBe(200);
		const executions: Json[] = await until('the production execution', () => n8n.executions(workflow.id), (list: Json[]) => list.some((e) => e.mode !== 'manual' && e.finished), 20_000);
		const production = executions.filter((e) => e.mode !== 'manual');
		expect(production.map(triggerItems)).toEqual([[httpPushItem(event.payload)]]);
		await n8n.deactivate(workflow.id);
		expect(await ourScopes()).toEqual([]);
	});
});

(HAS_WEBSOCKET ? describe.skip : describe)(`DingTalk Stream Trigger on n8n ${targetVersion()} (Node ${NODE_MAJOR}, no global WebSocket)`, () => {
	it('fails activation with the one clear sentence, before subscribing or connecting', async () => {
		await clearRequests();
		const workflow = await n8n.createWorkflow(streamWorkflow('DingTalk Stream on Node 20 e2e'));
		const activation = await n8n.activate(workflow.id);

		expect(activation.status).toBe(400);
		expect(String(activation.body?.message)).toMatch(
			/DingTalk Stream needs Node\.js 22 or newer \(its built-in WebSocket\); this n8n runs on an older Node\.js, so use HTTP push instead/,
		);
		expect(await emulatorRequests()).toEqual([]);
		expect((await streamState()).counters).toMatchObject({ ticketsIssued: 0, connectionsOpened: 0 });
		await n8n.deactivate(workflow.id);
	});
});
