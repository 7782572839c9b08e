/**
 * The Feishu Long Connection Trigger: the endpoint request, ping/pong and ClientConfig, the reply frames,
 * multi-part events, half-open and dropped connections, refusals, and its subscription lifecycle; against
 * the emulator's long-connection side (protobufjs frames over a real WebSocket), and the protocol alone
 * with a fake link where timing must be exact.
 */
import nock from 'nock';
import type { INodeExecutionData } from 'n8n-workflow';
import { feishuEmulatorCredential } from '../../../dev/emulator/credentials';
import type { FeishuEmulator } from '../../../dev/emulator/feishu';
import { decodeWireFrame, encodeWireFrame, type WireFrame } from '../../../dev/emulator/feishu-long-connection';
import type { RunningEmulator } from '../../../dev/emulator/server';
import { encodeFrame } from '../../../nodes/Feishu/frame';
import {
	applyClientConfig,
	DEFAULT_CLIENT_CONFIG,
	feishuConnectionPolicy,
	feishuProtocol,
	PartCache,
	type ClientConfig,
	type HttpRequest,
} from '../../../nodes/Feishu/long-connection';
import type { ConnectionLink } from '../../../nodes/shared/long-connection';
import type { TriggerRun } from '../../harness/node-harness';
import { DOCX, FOLDER, watching } from './fixtures';
import {
	emittedEventIds,
	fastTimings,
	longConnectionTrigger,
	sleep,
	startLongConnectionEmulator,
	stopLongConnectionEmulator,
	waitFor,
} from './stream-fixtures';

type Json = Record<string, any>;

// Frames as the emulator writes and reads them: protobufjs, independent of the node's codec.
const pbEncode = (object: Json) => encodeWireFrame(object as WireFrame);

let emulator: RunningEmulator<FeishuEmulator>;
let restoreTimings: () => void;
const lc = () => emulator.vendor.longConnection;
const control = async (route: string, body: Json = {}) =>
	(await fetch(`${emulator.url}/_emulator/feishu/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as Promise<Json>;
const subscribedTokens = () => [...emulator.vendor.state.subscriptions.keys()].sort();
const running: TriggerRun[] = [];

async function activate(parameters = watching([[DOCX, 'docx']]), credentials?: Json, mode: 'trigger' | 'manual' = 'trigger'): Promise<TriggerRun> {
	const run = await longConnectionTrigger(emulator, parameters, credentials).trigger({ mode });
	running.push(run);
	return run;
}

async function deactivate(run: TriggerRun): Promise<void> {
	running.splice(running.indexOf(run), 1);
	await run.response.closeFunction?.();
}

const fire = (fields: Json = {}) => lc().fire({ file_token: DOCX, file_type: 'docx', ...fields });

beforeAll(async () => {
	nock.enableNetConnect('127.0.0.1');
	restoreTimings = fastTimings();
	emulator = await startLongConnectionEmulator();
});

afterAll(async () => {
	restoreTimings();
	await stopLongConnectionEmulator(emulator);
});

beforeEach(async () => {
	await control('reset');
	emulator.requests.length = 0;
});

afterEach(async () => {
	for (const run of running.splice(0)) await run.response.closeFunction?.();
});

describe('Feishu Long Connection Trigger: connecting', () => {
	it('asks for the endpoint with POST /callback/ws/endpoint, locale: zh and {AppID, AppSecret}, and no token', async () => {
		await activate();

		const endpointCalls = emulator.requests.filter((request) => request.path === '/callback/ws/endpoint');
		expect(endpointCalls).toHaveLength(1);
		const [call] = endpointCalls;
		expect(call.method).toBe('POST');
		expect(call.headers.locale).toBe('zh');
		expect(call.headers['content-type']).toMatch(/^application\/json/);
		expect(call.headers.authorization).toBeUndefined();
		expect(call.body).toEqual({ AppID: emulator.vendor.appId, AppSecret: emulator.vendor.appSecret });
		expect(lc().state()).toMatchObject({ open: 1, everOpened: 1 });
	});

	it('subscribes its files first, through the same calls as the HTTP-push trigger', async () => {
		await activate(watching([[DOCX, 'docx'], [FOLDER, 'folder']]));
		const subscribeCalls = emulator.requests.filter((request) => request.path.endsWith('/subscribe'));
		expect(subscribeCalls.map((request) => [request.method, request.path, request.query])).toEqual([
			['POST', `/open-apis/drive/v1/files/${DOCX}/subscribe`, { file_type: 'docx' }],
			['POST', `/open-apis/drive/v1/files/${FOLDER}/subscribe`, { file_type: 'folder', event_type: 'file.created_in_folder_v1' }],
		]);
		const firstEndpointCall = emulator.requests.findIndex((request) => request.path === '/callback/ws/endpoint');
		expect(firstEndpointCall).toBeGreaterThan(emulator.requests.indexOf(subscribeCalls[1]));
		expect(subscribedTokens()).toEqual([DOCX, FOLDER].sort());
	});

	it('sends a ping control frame at once on open, byte for byte as Feishu\'s SDK does, with the URL\'s service_id', async () => {
		await activate();
		await waitFor('the first ping', () => lc().received.length > 0);
		const expected = pbEncode({ SeqID: '0', LogID: '0', service: lc().settings.serviceId, method: 0, headers: [{ key: 'type', value: 'ping' }] });
		expect(lc().received[0].bytes.toString('hex')).toBe(expected.toString('hex'));
		// 33554678 = f6 81 80 10, as in the findings' vector V1.
		expect(lc().received[0].bytes.toString('hex')).toBe('08001000' + '18f6818010' + '2000' + '2a0c0a0474797065120470696e67');
	});

	it('keeps pinging every PingInterval of the pong\'s ClientConfig', async () => {
		await control('long-connection/config', { clientConfig: { PingInterval: 0.1 } });
		await activate();
		await sleep(1_000);
		const pings = lc().state().pings;
		// About 10 in a second; at least 5 even on a loaded machine, and not one per watch tick (100).
		expect(pings).toBeGreaterThanOrEqual(5);
		expect(pings).toBeLessThanOrEqual(15);
	});

	it('without a global WebSocket fails activation with one clear sentence, before any request', async () => {
		const saved = globalThis.WebSocket;
		// @ts-expect-error Node 20 without --experimental-websocket has none.
		delete globalThis.WebSocket;
		try {
			await expect(activate()).rejects.toThrow(
				'Feishu Long Connection Trigger needs Node.js 22 or newer (its built-in WebSocket); this n8n runs on an older Node.js, so use HTTP push instead',
			);
		} finally {
			globalThis.WebSocket = saved;
		}
		expect(emulator.requests).toEqual([]);
	});

	it('fails activation for a user-token credential without App ID / App Secret, before subscribing', async () => {
		const userToken = { host: 'custom', baseUrl: emulator.url, authentication: 'userToken', userAccessToken: emulator.vendor.userAccessToken };
		await expect(activate(undefined, userToken)).rejects.toThrow('The long connection needs the App ID and App Secret');
		expect(emulator.requests).toEqual([]);
	});
});

describe('Feishu Long Connection Trigger: refusals', () => {
	it('a wrong App Secret fails activation with a clear message and leaves nothing subscribed', async () => {
		const wrong = { ...feishuEmulatorCredential(emulator).data, appSecret: 'not-the-secret' };
		await expect(activate(undefined, wrong)).rejects.toThrow(/Feishu refused the App ID \/ App Secret/);
		expect(subscribedTokens()).toEqual([]);
		expect(lc().state().open).toBe(0);
	});

	it('the endpoint refusing the app (514) after subscribing fails activation with the clear message and unsubscribes again', async () => {
		await control('long-connection/endpoint-answer', { code: 514, times: 10 });
		await expect(activate(watching([[DOCX, 'docx'], [FOLDER, 'folder']]))).rejects.toThrow(
			'Feishu refused the App ID / App Secret for the long connection (code 514: auth failed)',
		);
		expect(emulator.requests.filter((request) => request.path.endsWith('/subscribe'))).toHaveLength(2);
		expect(emulator.requests.filter((request) => request.path.endsWith('/delete_subscribe'))).toHaveLength(2);
		expect(subscribedTokens()).toEqual([]);
		expect(lc().state()).toMatchObject({ open: 0, everOpened: 0, endpointRequests: 1 });
	});

	it.each([
		[1000040350, /too many connections open, at most 50 per app \(code 1000040350/],
		[403, /Feishu forbids this app's long connection \(code 403/],
		[4711, /Feishu refused the long connection \(code 4711/],
	])('endpoint code %s fails activation at once with a clear message', async (code, message) => {
		await control('long-connection/endpoint-answer', { code, times: 10 });
		await expect(activate()).rejects.toThrow(message);
		expect(lc().state().endpointRequests).toBe(1);
		expect(subscribedTokens()).toEqual([]);
	});

	it('busy (1), internal error (1000040343) and HTTP 500 are retried with back-off, and activation then succeeds', async () => {
		await control('long-connection/endpoint-answer', { code: 1, times: 1 });
		await control('long-connection/endpoint-answer', { code: 1000040343, times: 1 });
		await control('faults', { method: 'POST', pathIncludes: '/callback/ws/endpoint', status: 500, times: 1 });
		await activate();
		expect(lc().state()).toMatchObject({ endpointRequests: 3, open: 1 });
		expect(emulator.requests.filter((request) => request.path === '/callback/ws/endpoint')).toHaveLength(4);
	});

	it('refused WebSocket upgrades fail activation after a few attempts, saying why it may be, and unsubscribe', async () => {
		await control('long-connection/refuse-upgrades', { times: 100 });
		await expect(activate()).rejects.toThrow(
			`Feishu's long connection could not be opened after ${feishuConnectionPolicy.attemptsBeforeFirstOpen} attempts (last: the WebSocket upgrade was refused or the connection failed)`,
		);
		expect(lc().state().upgradesRefused).toBe(feishuConnectionPolicy.attemptsBeforeFirstOpen);
		expect(subscribedTokens()).toEqual([]);
	});

	it('a refusal after activation (the secret was changed) reaches emitError and stops reconnecting', async () => {
		const run = await activate();
		await control('long-connection/endpoint-answer', { code: 514, times: 1000 });
		lc().drop('abrupt');
		await waitFor('emitError', () => run.errors.length > 0);
		expect(run.errors[0].message).toBe('Feishu refused the App ID / App Secret for the long connection (code 514: auth failed)');
		const requests = lc().state().endpointRequests;
		await sleep(300);
		expect(lc().state().endpointRequests).toBe(requests);
		expect(run.errors).toHaveLength(1);
	});

	it('upgrades refused in a row after activation are capped and reported through emitError', async () => {
		const saved = feishuConnectionPolicy.refusedUpgradesInARow;
		feishuConnectionPolicy.refusedUpgradesInARow = 3;
		try {
			const run = await activate();
			await control('long-connection/refuse-upgrades', { times: 1000 });
			lc().drop('abrupt');
			await waitFor('emitError', () => run.errors.length > 0);
			expect(run.errors[0].message).toBe('Feishu refused 3 long connections in a row');
			expect((run.errors[0] as { description?: string }).description).toContain('at most 50 per app');
			expect(lc().state().upgradesRefused).toBe(3);
		} finally {
			feishuConnectionPolicy.refusedUpgradesInARow = saved;
		}
	});
});

describe('Feishu Long Connection Trigger: events', () => {
	const itemsOf = (run: TriggerRun) => run.emitted.map((execution) => execution[0].map((item: INodeExecutionData) => item.json));

	it('turns an event into one execution with the HTTP-push item shape, and replies with the same frame plus biz_rt and {"code":200}', async () => {
		const run = await activate();
		const { eventId } = fire({ event_id: 'evt-lc-1' }) as { eventId: string };
		await waitFor('the reply', () => lc().state().replies200 === 1);

		expect(itemsOf(run)).toHaveLength(1);
		const [[item]] = itemsOf(run);
		expect(Object.keys(item)).toEqual(['schema', 'event_id', 'event_type', 'create_time', 'app_id', 'tenant_key', 'event']);
		expect(item).toMatchObject({ schema: '2.0', event_id: eventId, event_type: 'drive.file.edit_v1', app_id: emulator.vendor.appId, tenant_key: 'emulator-tenant' });
		expect((item.event as Json).file_token).toBe(DOCX);

		// The reply: SeqID (above 2^53), LogID, service, method and headers echoed, biz_rt appended, payload {"code":200}.
		const reply = lc().received.find((entry) => entry.frame.method === 1);
		expect(reply).toBeDefined();
		const { frame } = reply!;
		expect(BigInt(frame.SeqID)).toBeGreaterThan(2n ** 53n);
		expect(frame.headers.map((header) => header.key)).toEqual(['type', 'message_id', 'sum', 'seq', 'trace_id', 'biz_rt']);
		expect(Number(frame.headers[5].value)).toBeGreaterThanOrEqual(0);
		expect(Number(frame.headers[5].value)).toBeLessThan(3000);
		expect(Buffer.from(frame.payload ?? []).toString()).toBe('{"code":200}');
		// Byte for byte what protobufjs makes of the same fields.
		expect(reply!.bytes.toString('hex')).toBe(pbEncode({ ...frame, payload: Buffer.from('{"code":200}') }).toString('hex'));
		expect(lc().state()).toMatchObject({ repliesMalformed: 0, rePushed: 0, eventsAnswered: 1 });
	});

	it('answers {"code":500} when n8n refuses the execution, and the re-push then starts exactly one', async () => {
		const run = await activate();
		const push = run.emitted.push.bind(run.emitted);
		let refuse = true;
		run.emitted.push = (...executions) => {
			if (refuse) {
				refuse = false;
				throw new Error('n8n could not start the execution');
			}
			return push(...executions);
		};
		fire({ event_id: 'evt-lc-500' });
		await waitFor('the event answered', () => lc().state().eventsAnswered === 1);
		expect(lc().state()).toMatchObject({ replies500: 1, replies200: 1, rePushed: 1 });
		expect(emittedEventIds(run.emitted)).toEqual(['evt-lc-500']);
		const codes = lc().received.filter((entry) => entry.frame.method === 1).map((entry) => Buffer.from(entry.frame.payload ?? []).toString());
		expect(codes).toEqual(['{"code":500}', '{"code":200}']);
	});

	it('reassembles an event sent in parts, answers once, and starts one execution', async () => {
		const run = await activate();
		fire({ event_id: 'evt-lc-parts', parts: 4 });
		await waitFor('the reply', () => lc().state().replies200 === 1);
		expect(lc().state().framesSent).toBeGreaterThanOrEqual(4);
		expect(emittedEventIds(run.emitted)).toEqual(['evt-lc-parts']);
		expect(lc().received.filter((entry) => entry.frame.method === 1)).toHaveLength(1);
		expect(lc().state().repliesMalformed).toBe(0);
	});

	it('starts one execution for an event pushed again because its reply was lost or late', async () => {
		const run = await activate();
		await control('long-connection/replies', { drop: true, times: 1 });
		await control('long-connection/replies', { delayMs: 600, times: 1 });
		fire({ event_id: 'evt-lost-reply' });
		await waitFor('answered', () => lc().state().eventsAnswered === 1);
		fire({ event_id: 'evt-late-reply' });
		await waitFor('answered', () => lc().state().eventsAnswered === 2);
		await sleep(700);
		expect(lc().state().rePushed).toBeGreaterThanOrEqual(2);
		expect(emittedEventIds(run.emitted).sort()).toEqual(['evt-late-reply', 'evt-lost-reply']);
	});

	it('drops events of files or types it does not watch, but answers them 200 so that they are not pushed again', async () => {
		const run = await activate();
		fire({ event_id: 'evt-other-type', event_type: 'drive.file.title_updated_v1' });
		lc().fire({ event_id: 'evt-other-file', file_token: 'doxcnNotWatched', file_type: 'docx', ignoreSubscription: true });
		await waitFor('both answered', () => lc().state().replies200 === 2);
		expect(run.emitted).toEqual([]);
		expect(lc().state().rePushed).toBe(0);
	});

	it('reconnects with a fresh endpoint after an abrupt close, and an event in flight runs once', async () => {
		const run = await activate();
		const firstUrl = lc().state().endpointRequests;
		await control('long-connection/replies', { drop: true, times: 1 });
		fire({ event_id: 'evt-in-flight' });
		await waitFor('the event to reach the trigger', () => run.emitted.length === 1);
		lc().drop('abrupt');
		await waitFor('a second connection', () => lc().state().everOpened === 2 && lc().state().open === 1);
		await waitFor('the event answered', () => lc().state().eventsAnswered === 1);
		expect(lc().state().endpointRequests).toBe(firstUrl + 1);
		expect(lc().state().abruptCloses).toBe(1);
		expect(emittedEventIds(run.emitted)).toEqual(['evt-in-flight']);
	});

	it('notices a half-open connection (no pong, nothing read) and reconnects; the event sent meanwhile runs once', async () => {
		// The emulator would cut the silent socket only after 20 s: the reconnect is the trigger's own doing.
		await control('long-connection/config', { silenceTerminateMs: 20_000 });
		try {
			const run = await activate();
			lc().drop('silence');
			const silentSince = Date.now();
			fire({ event_id: 'evt-during-silence' });
			await waitFor('a second connection', () => lc().state().everOpened === 2, 5_000);
			// Silent for 2.5 ping intervals (200 ms) plus the margin (150 ms) since the last pong, which came at
			// most one ping interval before the silence began.
			expect(Date.now() - silentSince).toBeGreaterThanOrEqual(400);
			await waitFor('the event answered', () => lc().state().eventsAnswered === 1);
			expect(lc().state()).toMatchObject({ silenced: 1, open: 2 });
			expect(emittedEventIds(run.emitted)).toEqual(['evt-during-silence']);
		} finally {
			await control('long-connection/config', { silenceTerminateMs: 1_000 });
		}
	});

	it('drops the parts of an event cut off by a dropped connection, and runs the whole event pushed again once', async () => {
		const run = await activate();
		fire({ event_id: 'evt-cut', parts: 5, cutAfterParts: 2 });
		await waitFor('the event answered', () => lc().state().eventsAnswered === 1);
		expect(lc().state()).toMatchObject({ abruptCloses: 1, everOpened: 2 });
		expect(emittedEventIds(run.emitted)).toEqual(['evt-cut']);
	});
});

describe('Feishu Long Connection Trigger: closing and test runs', () => {
	it('closing closes the connection at once and unsubscribes exactly what it subscribed', async () => {
		emulator.vendor.state.subscriptions.set('doxcnSomeoneElse', { file_token: 'doxcnSomeoneElse', file_type: 'docx', event_type: undefined, identity: 'tenant', at: 0 });
		const run = await activate(watching([[DOCX, 'docx'], [FOLDER, 'folder']]));
		expect(lc().state().open).toBe(1);
		await deactivate(run);
		await waitFor('no open connection', () => lc().state().open === 0, 1_000);
		expect(subscribedTokens()).toEqual(['doxcnSomeoneElse']);
		const endpointRequests = lc().state().endpointRequests;
		await sleep(300);
		expect(lc().state()).toMatchObject({ endpointRequests, open: 0, everOpened: 1 });
	});

	it('closing while it reconnects (refused upgrades) or waits to reconnect leaves no socket and no loop', async () => {
		const run = await activate();
		await control('long-connection/refuse-upgrades', { times: 1000 });
		lc().drop('abrupt');
		await waitFor('reconnect attempts', () => lc().state().upgradesRefused >= 2);
		await deactivate(run);
		const requests = lc().state().endpointRequests;
		await sleep(400);
		expect(lc().state()).toMatchObject({ endpointRequests: requests, open: 0 });

		await control('reset');
		await control('long-connection/config', { clientConfig: { ReconnectNonce: 30, ReconnectInterval: 30 } });
		try {
			const waiting = await activate();
			lc().drop('abrupt');
			await sleep(100);
			await deactivate(waiting);
			await sleep(300);
			expect(lc().state()).toMatchObject({ endpointRequests: 1, open: 0, everOpened: 1 });
		} finally {
			await control('long-connection/config', { clientConfig: { ReconnectNonce: 0.05, ReconnectInterval: 0.05 } });
		}
	});

	it('closing a silent connection does not wait for the peer', async () => {
		const run = await activate();
		await control('long-connection/config', { clientConfig: { PingInterval: 30 } });
		lc().drop('silence');
		const started = Date.now();
		await deactivate(run);
		expect(Date.now() - started).toBeLessThan(500);
	});

	it('"Listen for test event" subscribes only files not yet subscribed, shows the first event, and unsubscribes only those', async () => {
		emulator.vendor.state.subscriptions.set(DOCX, { file_token: DOCX, file_type: 'docx', event_type: undefined, identity: 'tenant', at: 0 });
		const run = await activate(watching([[DOCX, 'docx'], [FOLDER, 'folder']], ['drive.file.edit_v1', 'drive.file.created_in_folder_v1']), undefined, 'manual');
		expect(emulator.requests.filter((request) => request.path.endsWith('/get_subscribe'))).toHaveLength(2);
		expect(emulator.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/subscribe')).map((request) => request.path)).toEqual([
			`/open-apis/drive/v1/files/${FOLDER}/subscribe`,
		]);
		fire({ event_id: 'evt-test-run' });
		await waitFor('the test event', () => run.emitted.length === 1);
		expect(emittedEventIds(run.emitted)).toEqual(['evt-test-run']);
		await deactivate(run);
		expect(subscribedTokens()).toEqual([DOCX]);
	});
});

describe('Feishu long-connection protocol, with a fake link', () => {
	const sent: Uint8Array[] = [];
	const link: ConnectionLink = { send: (data) => void sent.push(data as Uint8Array), renew: () => undefined };
	const endpointAnswer = (clientConfig: Json = {}) => ({
		statusCode: 200,
		body: { code: 0, msg: 'ok', data: { URL: 'wss://example.invalid/ws/v2?fpid=1&device_id=7&service_id=42&ticket=t', ClientConfig: clientConfig } },
	});
	const protocolWith = (answer: unknown = endpointAnswer(), deliver = jest.fn(() => true)) => {
		const request: HttpRequest = async () => answer;
		return {
			deliver,
			protocol: feishuProtocol({
				target: { baseUrl: 'https://open.feishu.cn', appId: 'cli_a', appSecret: 's' },
				request,
				select: (event) => [{ deliveryId: event.eventId, item: { event_id: event.eventId } }],
				deliver,
				warn: () => undefined,
				random: () => 0.5,
			}),
		};
	};
	const frameOf = (bytes: Uint8Array) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
	const decodedSent = () => sent.map((bytes) => decodeWireFrame(Buffer.from(bytes)) as Json);

	beforeEach(() => {
		sent.length = 0;
	});

	it('applies a ClientConfig only where a field is present and usable', () => {
		const config: ClientConfig = { ...DEFAULT_CLIENT_CONFIG };
		applyClientConfig(config, { PingInterval: 30, ReconnectInterval: 'soon', ReconnectNonce: -5, ReconnectCount: 3.5 });
		expect(config).toEqual({ ...DEFAULT_CLIENT_CONFIG, PingInterval: 30 });
		applyClientConfig(config, { ReconnectCount: -1, ReconnectInterval: 10, ReconnectNonce: 2 });
		expect(config).toEqual({ PingInterval: 30, ReconnectCount: -1, ReconnectInterval: 10, ReconnectNonce: 2 });
		applyClientConfig(config, { ReconnectCount: 4, PingInterval: Number.NaN });
		expect(config).toEqual({ PingInterval: 30, ReconnectCount: 4, ReconnectInterval: 10, ReconnectNonce: 2 });
		applyClientConfig(config, null);
		applyClientConfig(config, [1, 2]);
		expect(config.PingInterval).toBe(30);
	});

	it('takes service_id from the URL for its pings, and the pong\'s ClientConfig for the ping schedule, idle timeout and reconnect delays', async () => {
		const { protocol } = protocolWith(endpointAnswer({ PingInterval: 100, ReconnectNonce: 4, ReconnectInterval: 9, ReconnectCount: 2 }));
		expect(await protocol.openEndpoint()).toBe('wss://example.invalid/ws/v2?fpid=1&device_id=7&service_id=42&ticket=t');
		expect(protocol.idleTimeoutMs()).toBe(100_000 * 2.5 + feishuConnectionPolicy.idleMarginMs);
		const now = Date.now();
		protocol.onOpen?.(link);
		expect(decodedSent()).toEqual([{ SeqID: '0', LogID: '0', service: 42, method: 0, headers: [{ key: 'type', value: 'ping' }] }]);

		const pong = encodeFrame({
			seqId: 0n,
			logId: 0n,
			service: 42,
			method: 0,
			headers: [{ key: 'type', value: 'pong' }],
			payload: new TextEncoder().encode(JSON.stringify({ PingInterval: 7, ReconnectNonce: 2, ReconnectInterval: 5, ReconnectCount: 3 })),
		});
		protocol.onFrame(frameOf(pong), link);
		expect(protocol.idleTimeoutMs()).toBe(7_000 * 2.5 + feishuConnectionPolicy.idleMarginMs);
		protocol.onWatch?.(link, now + 6_000);
		expect(sent).toHaveLength(1);
		protocol.onWatch?.(link, now + 7_100);
		expect(sent).toHaveLength(2);
		// First attempt after a random share (here ½) of ReconnectNonce, then ReconnectInterval; after ReconnectCount none.
		expect(protocol.reconnectDelayMs?.(0)).toBe(1_000);
		expect(protocol.reconnectDelayMs?.(1)).toBe(5_000);
		expect(protocol.reconnectDelayMs?.(2)).toBe(5_000);
		expect(protocol.reconnectDelayMs?.(3)).toBe(0);
		await expect(protocol.openEndpoint()).rejects.toThrow("Feishu's long connection was lost and 3 reconnect attempts failed");
	});

	it('replies to V2 with exactly V3 (biz_rt is the ms spent), and to card frames and unknown types not at all', async () => {
		const V2 = Buffer.from(
			'080110ac0218f681801020012a0d0a0474797065120565' +
				'76656e742a100a0a6d6573736167655f696412026d312a080a0373756d1201312a080a037365711201302a0e0a0874726163655f696412027431' +
				'42077b2261223a317d',
			'hex',
		);
		const { protocol } = protocolWith();
		const now = jest.spyOn(Date, 'now');
		try {
			now.mockReturnValueOnce(1_000).mockReturnValueOnce(1_005);
			protocol.onFrame(frameOf(V2), link);
		} finally {
			now.mockRestore();
		}
		expect(Buffer.from(sent[0]).toString('hex')).toBe(
			V2.subarray(0, V2.length - 9).toString('hex') + '2a0b0a0662697a5f72741201' + '35' + '420c7b22636f6465223a3230307d',
		);
		const card = pbEncode({ SeqID: '3', LogID: '4', service: 42, method: 1, headers: [{ key: 'type', value: 'card' }], payload: Buffer.from('{}') });
		const unknown = pbEncode({ SeqID: '3', LogID: '4', service: 42, method: 1, headers: [{ key: 'type', value: 'whatever' }], payload: Buffer.from('{}') });
		const otherMethod = pbEncode({ SeqID: '3', LogID: '4', service: 42, method: 7, headers: [{ key: 'type', value: 'event' }], payload: Buffer.from('{}') });
		for (const frame of [card, unknown, otherMethod]) protocol.onFrame(frameOf(frame), link);
		protocol.onFrame('a text frame', link);
		protocol.onFrame(frameOf(Uint8Array.from([0x08, 0xff])), link);
		expect(sent).toHaveLength(1);
	});

	it('answers 500 to an event that is not JSON, 200 to one that is not a drive event, and de-duplicates by event_id via deliver', () => {
		const deliver = jest.fn(() => true);
		const { protocol } = protocolWith(undefined, deliver);
		const event = (payload: string, messageId = 'm') =>
			pbEncode({ SeqID: '1', LogID: '2', service: 42, method: 1, headers: [{ key: 'type', value: 'event' }, { key: 'message_id', value: messageId }], payload: Buffer.from(payload) });
		protocol.onFrame(frameOf(event('{not json')), link);
		protocol.onFrame(frameOf(event('{"schema":"1.0","uuid":"u"}')), link);
		protocol.onFrame(frameOf(event(JSON.stringify({ schema: '2.0', header: { event_id: 'e-1' }, event: {} }))), link);
		// Without header.event_id, the frame's message_id de-duplicates it.
		protocol.onFrame(frameOf(event(JSON.stringify({ schema: '2.0', header: {}, event: {} }), 'msg-7')), link);
		const codes = decodedSent().map((frame) => Buffer.from(frame.payload).toString());
		expect(codes).toEqual(['{"code":500}', '{"code":200}', '{"code":200}', '{"code":200}']);
		expect(deliver.mock.calls).toEqual([[[{ deliveryId: 'e-1', item: { event_id: 'e-1' } }]], [[{ deliveryId: 'msg-7', item: { event_id: 'msg-7' } }]]]);
	});
});

describe('Feishu long connection: the part cache', () => {
	const bytes = (text: string) => new TextEncoder().encode(text);
	const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));

	it('joins parts in seq order whatever order they arrive in, keyed by message_id', () => {
		const cache = new PartCache();
		expect(cache.add('m1', '3', '2', bytes('c'), 0)).toBeUndefined();
		expect(cache.add('m2', '2', '1', bytes('Y'), 0)).toBeUndefined();
		expect(cache.add('m1', '3', '0', bytes('a'), 0)).toBeUndefined();
		expect(cache.add('m1', '3', '0', bytes('a'), 0)).toBeUndefined();
		expect(text(cache.add('m1', '3', '1', bytes('b'), 0))).toBe('abc');
		expect(text(cache.add('m2', '2', '0', bytes('X'), 0))).toBe('XY');
		expect(cache.size).toBe(0);
	});

	it('is lenient on a missing sum (1) or seq (0), and drops a seq outside 0…sum−1', () => {
		const cache = new PartCache();
		expect(text(cache.add('m', undefined, undefined, bytes('whole'), 0))).toBe('whole');
		expect(text(cache.add('m', 'x', '0', bytes('whole'), 0))).toBe('whole');
		expect(cache.add('m', '2', '2', bytes('out'), 0)).toBeUndefined();
		expect(cache.add('m', '2', '-1', bytes('out'), 0)).toBeUndefined();
		expect(cache.add('m', '1', '1', bytes('out'), 0)).toBeUndefined();
		expect(cache.add('m', String(feishuConnectionPolicy.maxParts + 1), '0', bytes('out'), 0)).toBeUndefined();
		expect(cache.size).toBe(0);
	});

	it('drops parts older than the time-to-live', () => {
		const cache = new PartCache();
		expect(cache.add('m', '2', '0', bytes('a'), 0)).toBeUndefined();
		expect(cache.add('m', '2', '1', bytes('b'), feishuConnectionPolicy.partTtlMs + 1)).toBeUndefined();
		expect(cache.size).toBe(1);
		cache.sweep(3 * feishuConnectionPolicy.partTtlMs);
		expect(cache.size).toBe(0);
	});
});
