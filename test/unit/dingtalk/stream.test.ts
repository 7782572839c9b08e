/**
 * DingTalk Stream Trigger against the DingTalk emulator's Stream side (a real `ws` server): the ticket
 * request, the exact answers it sends, redelivery after LATER, pings, the vendor's disconnect, half-open
 * and dropped connections, refusals, and closing at every stage. Timings are shrunk to milliseconds.
 */
import { Logger } from '@n8n/backend-common';
import { Container } from '@n8n/di';
import nock from 'nock';
import type { ICredentialDataDecryptedObject, INodeParameters } from 'n8n-workflow';
import { DingTalkApi } from '../../../credentials/DingTalkApi.credentials';
import { dingTalkEmulatorCredential } from '../../../dev/emulator/credentials';
import { createDingTalkEmulator, type DingTalkEmulator } from '../../../dev/emulator/dingtalk';
import { startEmulator, type RunningEmulator } from '../../../dev/emulator/server';
import { STREAM_USER_AGENT } from '../../../nodes/DingTalk/api';
import { DingTalkStreamTrigger } from '../../../nodes/DingTalk/DingTalkStreamTrigger.node';
import { selectedStorageEvents } from '../../../nodes/DingTalk/callback';
import { streamPolicy } from '../../../nodes/DingTalk/long-connection';
import { connectionPolicy } from '../../../nodes/shared/long-connection';
import { NodeHarness, type TriggerRun } from '../../harness/node-harness';

const ADMIN_UNION_ID = 'emuUnionAdmin4220';
const ALL_EVENTS = ['storage_dentry_create', 'storage_dentry_update', 'storage_dentry_delete'];
const IDLE_TIMEOUT_MS = 400;
const BASE_DELAY_MS = 60;

let emulator: RunningEmulator<DingTalkEmulator>;
const stream = () => emulator.vendor.stream;
const counters = () => stream().counters;
const subscriptions = () => [...emulator.vendor.state.subscriptions.values()].map(({ scope, scopeId }) => `${scope}:${scopeId}`);
const ticketRequests = () => emulator.requests.filter((request) => request.path === '/v1.0/gateway/connections/open');
const fault = (fields: object) => emulator.vendor.state.faults.push({ times: 1, status: 500, ...fields });
const fire = (fields: Record<string, unknown> = {}) =>
	stream().fire({
		EventType: 'storage_dentry_update',
		EventTime: 1_700_000_000_000,
		CorpId: emulator.vendor.corpId,
		BizId: 'ignored-by-stream',
		eventId: `ev-${Math.random().toString(36).slice(2)}`,
		spaceId: '24000001',
		dentryId: '100200',
		eventScope: 'ORG',
		eventScopeId: emulator.vendor.corpId,
		extension: 'pdf',
		unionId: ADMIN_UNION_ID,
		type: 'FILE',
		...fields,
	}) as { eventId: string; headers: Record<string, string>; data: string };

async function waitFor(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; emulator: ${JSON.stringify(counters())}`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function credentials(extra: ICredentialDataDecryptedObject = {}): ICredentialDataDecryptedObject {
	return { ...dingTalkEmulatorCredential(emulator).data, ...extra };
}

function streamTrigger(parameters: INodeParameters = {}, credential = credentials()) {
	return new NodeHarness({
		nodeType: new DingTalkStreamTrigger(),
		credentialTypes: { dingTalkApi: new DingTalkApi() },
		credentials: { dingTalkApi: credential },
		parameters: { scope: 'ORG', scopeId: emulator.vendor.corpId, unionId: ADMIN_UNION_ID, events: ALL_EVENTS, ...parameters },
	});
}

/** The answers the trigger sent to frames with these messageIds. */
const answersTo = (...messageIds: string[]) =>
	stream()
		.received.map(({ frame }) => frame)
		.filter((frame) => messageIds.includes(String((frame.headers as { messageId?: unknown })?.messageId)));
const lastSend = (eventId: string) => {
	const event = stream().events.find((candidate) => candidate.eventId === eventId);
	return event?.sends.at(-1)?.messageId ?? '';
};
const items = (run: TriggerRun) => run.emitted.map((execution) => execution[0].map((item) => item.json));

const policyBefore = { ...connectionPolicy };
const idleBefore = streamPolicy.idleTimeoutMs;
let running: TriggerRun[] = [];
async function start(harness = streamTrigger(), mode: 'trigger' | 'manual' = 'trigger') {
	const run = await harness.trigger({ mode });
	running.push(run);
	return run;
}

beforeAll(async () => {
	nock.enableNetConnect('127.0.0.1');
	Object.assign(connectionPolicy, { watchIntervalMs: 10, openTimeoutMs: 2_000, baseDelayMs: BASE_DELAY_MS, maxDelayMs: 400, firstOpenAttempts: 3 });
	streamPolicy.idleTimeoutMs = IDLE_TIMEOUT_MS;
	emulator = await startEmulator(
		createDingTalkEmulator({ deliveryMode: 'stream', qpsLimit: Infinity, stream: { pingIntervalMs: 50, redeliverAfterMs: 300, disconnectCloseMs: 10_000 } }),
	);
});

afterEach(async () => {
	for (const run of running) await run.response.closeFunction?.();
	running = [];
	await pause(30);
	emulator.vendor.state.faults.length = 0;
	emulator.vendor.state.subscriptions.clear();
	stream().reset();
	emulator.requests.length = 0;
});

afterAll(async () => {
	Object.assign(connectionPolicy, policyBefore);
	streamPolicy.idleTimeoutMs = idleBefore;
	await stream().close();
	await emulator.close();
});

describe('DingTalk Stream Trigger: activation and deactivation', () => {
	it('subscribes the scope, asks for a ticket with the App Key and App Secret and no token, and opens one connection', async () => {
		const run = await start();

		expect(emulator.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
			'POST /v1.0/oauth2/accessToken',
			'POST /v1.0/storage/events/subscribe',
			'POST /v1.0/gateway/connections/open',
		]);
		const [ticket] = ticketRequests();
		expect(ticket.headers.accept).toBe('application/json');
		expect(ticket.headers['content-type']).toMatch(/^application\/json/);
		expect(ticket.headers['x-acs-dingtalk-access-token']).toBeUndefined();
		expect(ticket.query).toEqual({});
		expect(ticket.body).toEqual({
			clientId: emulator.vendor.appKey,
			clientSecret: emulator.vendor.appSecret,
			subscriptions: [{ type: 'EVENT', topic: '*' }],
			ua: STREAM_USER_AGENT,
		});
		expect(subscriptions()).toEqual([`ORG:${emulator.vendor.corpId}`]);
		expect(counters()).toMatchObject({ ticketsIssued: 1, connectionsOpened: 1, openConnections: 1, upgradesRefused: 0 });

		await run.response.closeFunction!();
		running = [];
		await waitFor('the connection to close', () => counters().openConnections === 0, 1_000);
		expect(subscriptions()).toEqual([]);
		const unsubscribes = emulator.requests.filter((request) => request.path === '/v1.0/storage/events/unsubscribe');
		expect(unsubscribes.map((request) => [request.query.unionId, request.body])).toEqual([
			[ADMIN_UNION_ID, { scope: 'ORG', scopeId: emulator.vendor.corpId }],
		]);
		expect(run.errors).toEqual([]);
	});

	it('fails activation, before subscribing, when the credential has no App Secret', async () => {
		const error = await streamTrigger({}, credentials({ appSecret: '' }))
			.trigger()
			.catch((e: Error) => e);
		expect((error as Error).message).toBe('DingTalk Stream mode needs the App Key and App Secret in the credential');
		expect(emulator.requests).toEqual([]);
	});

	it('fails activation with the clear message and leaves nothing subscribed when the gateway refuses the App Secret', async () => {
		// A token that is still valid (the secret changed since it was issued): subscribing works, the ticket does not.
		const issued = (await (
			await fetch(`${emulator.url}/v1.0/oauth2/accessToken`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ appKey: emulator.vendor.appKey, appSecret: emulator.vendor.appSecret }),
			})
		).json()) as { accessToken: string };
		const credential = credentials({ appSecret: 'not-the-secret', sessionToken: issued.accessToken, sessionExpiresAt: Date.now() + 3_600_000 });

		const error = (await streamTrigger({}, credential)
			.trigger()
			.catch((e: unknown) => e)) as Error & { description?: string };

		expect(error.message).toMatch(/^DingTalk refused the App Key and App Secret for Stream mode \(authFailed: 鉴权失败.*\); check both in the DingTalk credential$/);
		expect(error.description).toMatch(/Client ID \(AppKey\) and Client Secret \(AppSecret\)/);
		expect(ticketRequests()).toHaveLength(1);
		expect(emulator.requests.map((request) => request.path)).toContain('/v1.0/storage/events/unsubscribe');
		expect(subscriptions()).toEqual([]);
		expect(counters()).toMatchObject({ ticketsRefused: 1, openConnections: 0, connectionsOpened: 0 });
	});

	it('fails activation with the token refusal, naming App Key and App Secret, when the secret is wrong from the start', async () => {
		const error = (await streamTrigger({}, credentials({ appSecret: 'not-the-secret' }))
			.trigger()
			.catch((e: unknown) => e)) as Error;
		expect(error.message).toMatch(/App Key and App Secret/);
		expect(subscriptions()).toEqual([]);
		expect(ticketRequests()).toEqual([]);
	});

	it('fails activation with the vendor advice when the scope cannot be subscribed, and opens nothing', async () => {
		const error = (await streamTrigger({ unionId: 'emuUnionStaff0001' })
			.trigger()
			.catch((e: unknown) => e)) as Error;
		// The advice is the message (n8n 2.x shows only that), with DingTalk's code.
		expect(error.message).toMatch(/^DingTalk: The operator may not subscribe.*Storage\.Event\.Write.*\(code permissionDenied\)$/);
		expect(ticketRequests()).toEqual([]);
	});

	it('fails activation after a few failed attempts instead of waiting for ever, and unsubscribes', async () => {
		fault({ method: 'POST', pathIncludes: '/gateway/connections/open', status: 503, times: 100, body: { code: 'systemError', message: '系统错误' } });
		const error = (await streamTrigger()
			.trigger()
			.catch((e: unknown) => e)) as Error & { description?: string };
		expect(error.message).toBe('DingTalk Stream could not connect (DingTalk did not open a Stream connection (systemError: 系统错误))');
		expect(error.description).toMatch(/^3 attempts to connect failed/);
		expect(ticketRequests()).toHaveLength(3);
		expect(subscriptions()).toEqual([]);
	});

	it('fails activation with one clear sentence on a Node.js without a global WebSocket, before any call', async () => {
		const { WebSocket } = globalThis as { WebSocket?: unknown };
		delete (globalThis as { WebSocket?: unknown }).WebSocket;
		try {
			const error = (await streamTrigger()
				.trigger()
				.catch((e: unknown) => e)) as Error;
			expect(error.message).toBe(
				'DingTalk Stream needs Node.js 22 or newer (its built-in WebSocket); this n8n runs on an older Node.js, so use HTTP push instead',
			);
		} finally {
			(globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
		}
		expect(emulator.requests).toEqual([]);
	});
});

describe('DingTalk Stream Trigger: events and answers', () => {
	it('turns an EVENT into one execution with the HTTP-push item shape and answers SUCCESS exactly', async () => {
		const run = await start();
		const sent = fire({ eventId: 'ev-shape' });
		await waitFor('the execution', () => run.emitted.length === 1);
		await waitFor('the answer', () => counters().eventsAcked === 1);

		const pushed = stream().events[0].payload as Record<string, unknown>;
		expect(items(run)).toEqual([
			[
				{
					eventType: 'storage_dentry_update',
					eventId: 'ev-shape',
					eventTime: 1_700_000_000_000,
					corpId: emulator.vendor.corpId,
					bizId: 'ev-shape',
					spaceId: '24000001',
					dentryId: '100200',
					eventScope: 'ORG',
					eventScopeId: emulator.vendor.corpId,
					extension: 'pdf',
					unionId: ADMIN_UNION_ID,
					type: 'FILE',
				},
			],
		]);
		// The same keys, in the same order, as the HTTP-push trigger makes of that event.
		const httpItem = selectedStorageEvents(pushed as never, ALL_EVENTS)[0].item;
		expect(Object.keys(items(run)[0][0])).toEqual(Object.keys(httpItem));
		expect(sent.headers).toMatchObject({ eventType: 'storage_dentry_update', eventId: 'ev-shape', eventBornTime: '1700000000000' });
		expect(answersTo(lastSend('ev-shape'))).toEqual([
			{ code: 200, headers: { contentType: 'application/json', messageId: lastSend('ev-shape') }, message: 'OK', data: '{"status":"SUCCESS"}' },
		]);
	});

	it('starts nothing for a redelivered eventId or an event type not chosen, and answers both SUCCESS', async () => {
		const run = await start(streamTrigger({ events: ['storage_dentry_update'] }));
		fire({ eventId: 'ev-once' });
		await waitFor('the first answer', () => counters().eventsAcked === 1);
		fire({ eventId: 'ev-once' });
		fire({ eventId: 'ev-create', EventType: 'storage_dentry_create' });
		await waitFor('all answers', () => counters().eventsAcked === 3);

		expect(run.emitted).toHaveLength(1);
		const answers = stream().events.map((event) => event.sends.map((send) => send.answer));
		expect(answers).toEqual([['SUCCESS'], ['SUCCESS'], ['SUCCESS']]);
	});

	it('answers LATER when n8n cannot start the execution, and the redelivery then starts exactly one', async () => {
		const run = await start();
		const warn = jest.spyOn(Container.get(Logger), 'warn');
		const push = run.emitted.push.bind(run.emitted);
		// The harness collects emits in this array: the first emit fails, as n8n's emit throwing would.
		run.emitted.push = () => {
			run.emitted.push = push;
			throw new Error('n8n could not start the execution');
		};
		fire({ eventId: 'ev-later' });
		await waitFor('the redelivered event to run', () => run.emitted.length === 1);
		await waitFor('the final answer', () => counters().eventsAcked === 1);

		const event = stream().events[0];
		expect(event.sends.map((send) => send.answer)).toEqual(['LATER', 'SUCCESS']);
		expect(answersTo(event.sends[0].messageId)).toEqual([
			{ code: 200, headers: { contentType: 'application/json', messageId: event.sends[0].messageId }, message: 'OK', data: '{"status":"LATER"}' },
		]);
		expect(counters()).toMatchObject({ laterAnswers: 1, eventsRedelivered: 1, eventsAcked: 1 });
		expect(items(run)[0][0].eventId).toBe('ev-later');
		expect(warn.mock.calls.map(([message]) => message)).toContainEqual(expect.stringMatching(/could not be started: n8n could not start the execution/));
		warn.mockRestore();
	});

	it('falls back to the messageId as delivery id for an event without an eventId', async () => {
		const run = await start();
		const frame = (messageId: string) =>
			JSON.stringify({
				specVersion: '1.0',
				type: 'EVENT',
				headers: { contentType: 'application/json', messageId, topic: '*', eventType: 'storage_dentry_delete', eventBornTime: '1', eventCorpId: 'c' },
				data: JSON.stringify({ spaceId: '1', dentryId: '2' }),
			});
		stream().sendRaw(frame('no-event-id-1'));
		stream().sendRaw(frame('no-event-id-1'));
		stream().sendRaw(frame('no-event-id-2'));
		await waitFor('three answers', () => answersTo('no-event-id-1', 'no-event-id-2').length === 3);
		expect(run.emitted).toHaveLength(2);
	});

	it('echoes every SYSTEM ping with code 200, its headers and its data', async () => {
		await start();
		await waitFor('three pings answered', () => counters().pingsAnswered >= 3);
		const replies = stream().received.filter(({ frame }) => (frame.headers as { topic?: string }).topic === 'ping');
		for (const { frame } of replies) {
			expect(Object.keys(frame).sort()).toEqual(['code', 'data', 'headers', 'message']);
			expect(frame).toMatchObject({ code: 200, message: 'OK', headers: { contentType: 'application/json', topic: 'ping' } });
			expect(JSON.parse(String(frame.data))).toEqual({ opaque: expect.any(String) });
		}
		expect(counters().badAnswers).toBe(0);
	});

	it('answers CALLBACK frames with {"response": null}, and skips invalid JSON and unknown SYSTEM topics', async () => {
		const run = await start();
		stream().sendRaw('this is not JSON');
		stream().sendRaw(JSON.stringify({ specVersion: '1.0', type: 'SYSTEM', headers: { messageId: 'sys-new', topic: 'KEEPALIVE' }, data: '{}' }));
		stream().sendRaw(JSON.stringify({ specVersion: '1.0', type: 'SYSTEM', headers: { messageId: 'sys-reg', topic: 'REGISTERED' }, data: '' }));
		stream().sendRaw(JSON.stringify({ specVersion: '1.0', type: 'SOMETHING_NEW', headers: { messageId: 'new-type' }, data: '{}' }));
		stream().sendRaw(
			JSON.stringify({ specVersion: '1.0', type: 'CALLBACK', headers: { messageId: 'cb-1', topic: '/v1.0/im/bot/messages/get', contentType: 'application/json' }, data: '{"text":{"content":"hi"}}' }),
		);
		await waitFor('the callback answer', () => answersTo('cb-1').length === 1);
		// Anything that was still on its way is answered by now: the ping after it comes back.
		const pings = counters().pingsAnswered;
		await waitFor('another ping', () => counters().pingsAnswered > pings);

		expect(answersTo('cb-1')).toEqual([{ code: 200, headers: { contentType: 'application/json', messageId: 'cb-1' }, message: 'OK', data: '{"response":null}' }]);
		expect(answersTo('sys-new', 'sys-reg', 'new-type')).toEqual([]);
		expect(run.emitted).toEqual([]);
		// The connection is unharmed: an event still runs.
		fire({ eventId: 'ev-after-odd-frames' });
		await waitFor('the event', () => run.emitted.length === 1);
		expect(counters()).toMatchObject({ connectionsOpened: 1 });
	});

	it('in "Listen for test event" shows the event, answers LATER so it is delivered again, and leaves the scope subscribed', async () => {
		const run = await start(streamTrigger(), 'manual');
		fire({ eventId: 'ev-test' });
		await waitFor('the test event', () => run.emitted.length === 1);
		await waitFor('the answer', () => counters().laterAnswers === 1);
		await run.response.closeFunction!();
		running = [];

		expect(items(run)[0][0]).toMatchObject({ eventId: 'ev-test', eventType: 'storage_dentry_update' });
		expect(stream().events[0]).toMatchObject({ acked: false });
		await waitFor('the connection to close', () => counters().openConnections === 0, 1_000);
		expect(subscriptions()).toEqual([`ORG:${emulator.vendor.corpId}`]);
		expect(emulator.requests.map((request) => request.path)).not.toContain('/v1.0/storage/events/unsubscribe');
	});
});

describe('DingTalk Stream Trigger: keeping the connection', () => {
	it('answers a SYSTEM disconnect, then opens a new ticket and connection at once', async () => {
		const run = await start();
		stream().fault('disconnect');
		await waitFor('the new connection', () => counters().connectionsOpened === 2);
		// The old one was closed by the trigger, long before the server's 10 s.
		await waitFor('the old connection to close', () => counters().openConnections === 1, 1_000);

		expect(counters()).toMatchObject({ systemAnswers: 1, ticketsIssued: 2 });
		const [first, second] = ticketRequests();
		expect(second.at - first.at).toBeLessThan(BASE_DELAY_MS + 500);
		const answer = stream().received.find(({ frame }) => (frame.headers as { topic?: string }).topic === 'disconnect');
		expect(answer?.frame).toMatchObject({ code: 200, message: 'OK', data: JSON.stringify({ reason: 'persistent connection is timeout' }) });
		fire({ eventId: 'ev-after-disconnect' });
		await waitFor('the event', () => run.emitted.length === 1);
		expect(run.errors).toEqual([]);
	});

	it('replaces a silent (half-open) connection, and an event sent into it runs once after redelivery', async () => {
		const run = await start();
		stream().fault('silence');
		const silencedAt = Date.now();
		fire({ eventId: 'ev-into-the-void' });
		await waitFor('the new connection', () => counters().connectionsOpened === 2, 5_000);
		expect(Date.now() - silencedAt).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS - 50);
		await waitFor('the event', () => run.emitted.length === 1, 5_000);
		await waitFor('its answer', () => counters().eventsAcked === 1);

		// Sent into the silent connection (once or more, as redelivery came round), then on the new one.
		const delivered = stream().events[0].sends.map((send) => send.delivered);
		expect(delivered.at(-1)).toBe(true);
		expect(delivered.slice(0, -1)).toEqual(delivered.slice(0, -1).map(() => false));
		expect(delivered.length).toBeGreaterThanOrEqual(2);
		await pause(IDLE_TIMEOUT_MS);
		expect(run.emitted).toHaveLength(1);
		expect(counters()).toMatchObject({ connectionsOpened: 2, openConnections: 1 });
	});

	it('reconnects after an abrupt close with back-off that grows while tickets keep failing', async () => {
		const run = await start();
		fault({ method: 'POST', pathIncludes: '/gateway/connections/open', status: 502, times: 2, body: { code: 'systemError', message: 'x' } });
		const droppedAt = Date.now();
		stream().fault('abrupt');
		await waitFor('the new connection', () => counters().connectionsOpened === 2, 5_000);

		const attempts = ticketRequests()
			.slice(1)
			.map((request) => request.at);
		expect(attempts).toHaveLength(3);
		const gaps = [attempts[0] - droppedAt, attempts[1] - attempts[0], attempts[2] - attempts[1]];
		// base · 2^n plus up to one base of jitter: at least 1, 2 and 4 bases apart.
		expect(gaps[0]).toBeGreaterThanOrEqual(BASE_DELAY_MS - 5);
		expect(gaps[1]).toBeGreaterThanOrEqual(2 * BASE_DELAY_MS - 5);
		expect(gaps[2]).toBeGreaterThanOrEqual(4 * BASE_DELAY_MS - 5);
		fire({ eventId: 'ev-after-drop' });
		await waitFor('the event', () => run.emitted.length === 1);
		expect(run.errors).toEqual([]);
	});

	it('reports through emitError when the gateway refuses the App Secret after activation, and stops asking', async () => {
		const run = await start();
		fault({ method: 'POST', pathIncludes: '/gateway/connections/open', status: 401, times: 100, body: { requestid: 'r', code: 'authFailed', message: '鉴权失败' } });
		stream().fault('abrupt');
		await waitFor('the error', () => run.errors.length === 1, 5_000);
		const asked = ticketRequests().length;
		await pause(3 * BASE_DELAY_MS + 100);

		expect(run.errors[0].message).toMatch(/^DingTalk refused the App Key and App Secret for Stream mode \(authFailed/);
		expect(ticketRequests()).toHaveLength(asked);
		expect(counters().openConnections).toBe(0);
		// n8n closes a trigger that reported a fatal error: the scope is unsubscribed.
		await run.response.closeFunction!();
		running = [];
		expect(subscriptions()).toEqual([]);
	});

	it.each([
		['a ticket is being fetched', { ticketDelayMs: 200 }, () => ticketRequests().length === 2],
		['the WebSocket is still connecting', { upgradeDelayMs: 300 }, () => counters().ticketsIssued === 2],
	])('closing while %s leaves no connection and no loop behind', async (_stage, slow, reconnecting) => {
		const run = await start();
		stream().configure(slow);
		stream().fault('abrupt');
		await waitFor('the reconnect to be under way', reconnecting, 2_000);
		await pause(30);
		await run.response.closeFunction!();
		running = [];
		await pause(700);

		expect(counters()).toMatchObject({ openConnections: 0, connectionsOpened: 1 });
		expect(ticketRequests()).toHaveLength(2);
		expect(subscriptions()).toEqual([]);
	});

	it('closing during the back-off after failed tickets stops the loop', async () => {
		const run = await start();
		fault({ method: 'POST', pathIncludes: '/gateway/connections/open', status: 503, times: 100, body: { code: 'systemError', message: 'x' } });
		stream().fault('abrupt');
		await waitFor('two failed tickets', () => ticketRequests().length === 3, 3_000);
		await run.response.closeFunction!();
		running = [];
		const asked = ticketRequests().length;
		await pause(1_000);

		expect(ticketRequests()).toHaveLength(asked);
		expect(counters().openConnections).toBe(0);
	});
});
