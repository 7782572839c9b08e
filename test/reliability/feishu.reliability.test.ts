/**
 * The Feishu node and trigger against the Feishu emulator (real HTTP on 127.0.0.1): forged callbacks
 * are all rejected without running or calling anything; bulk subscription stays within the real
 * limits and loses no item; a token expiring mid-run costs exactly one renewal; 50 activate/deactivate
 * cycles against a faulty emulator leave nothing behind.
 */
import type { ICredentialDataDecryptedObject, INodeParameters } from 'n8n-workflow';
import { retryPolicy } from '../../nodes/shared/transport';
import { type WebhookRequest } from '../harness/node-harness';
import { driveEvent, feishuNode, feishuTrigger, watching } from '../unit/feishu/fixtures';
import { oddBodies, outboundRequestsDuring } from '../harness/odd-bodies';
import { playCorpus } from './corpus';
import { playLifecycle, type Fault } from './lifecycle';
import { webhookReceiver } from './receiver';
import { strayRequests } from './setup';
import { feishuEmulatorCredential } from '../../dev/emulator/credentials';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startEmulator } = require('../../dev/emulator/server');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createFeishuEmulator, encryptPayload, signPayload } = require('../../dev/emulator/feishu');

type Json = Record<string, any>;

const WATCHED = 'doxcnReliable0000000000001';
const FOLDER = 'fldcnReliable0000000000001';
const subscribeByItem: INodeParameters = {
	resource: 'fileSubscription',
	operation: 'subscribe',
	file: '={{ { __rl: true, mode: "id", value: $json.token } }}',
	fileType: 'docx',
};

/** One emulator with Feishu's real limits, one with generous limits for the many-cycles lifecycle run. */
let realLimits: any;
let relaxed: any;

const controlOf = (emulator: any) => async (route: string, body: Json = {}): Promise<Json> =>
	(await fetch(`${emulator.url}/_emulator/feishu/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as Promise<Json>;
const stateOf = async (emulator: any): Promise<Json> => (await fetch(`${emulator.url}/_emulator/feishu/state`)).json() as Promise<Json>;

function credentialsFor(emulator: any): ICredentialDataDecryptedObject {
	return feishuEmulatorCredential(emulator).data;
}

/** Real rate-limit windows need real waits; the reliability setup shortens them for the other tests. */
function withRealWaits() {
	const saved = retryPolicy.maxDelayMs;
	beforeAll(() => {
		retryPolicy.maxDelayMs = 60_000;
	});
	afterAll(() => {
		retryPolicy.maxDelayMs = saved;
	});
}

beforeAll(async () => {
	realLimits = await startEmulator(createFeishuEmulator());
	relaxed = await startEmulator(
		createFeishuEmulator({ limits: { subscribePerSecond: 10_000, subscribePerMinute: 100_000, getPerMinute: 10_000, deletePerMinute: 10_000 } }),
	);
});

afterAll(async () => {
	await realLimits?.close();
	await relaxed?.close();
});

describe('Feishu node: bulk subscription and token expiry with the real limits', () => {
	withRealWaits();
	const control = (route: string, body?: Json) => controlOf(realLimits)(route, body);

	beforeEach(async () => {
		await control('reset');
		realLimits.requests.length = 0;
	});

	it('subscribes 200 files within 50/s and 1000/min with no failed item and one token fetch', async () => {
		const tokens = Array.from({ length: 200 }, (_, i) => `doxcnEmulated${String(i).padStart(3, '0')}`);

		const items = await feishuNode(subscribeByItem, credentialsFor(realLimits)).execute(tokens.map((token) => ({ token })));

		expect(items.map((item) => item.json)).toEqual(tokens.map((fileToken) => ({ fileToken, fileType: 'docx', subscribed: true })));
		const after = await stateOf(realLimits);
		expect(after.subscriptions).toHaveLength(200);
		expect(after.rateLimited).toBeGreaterThan(0);
		expect(after.issuedTokens).toBe(1);
		process.stderr.write(`[reliability] Feishu 200-file subscribe: 200 succeeded, ${after.rateLimited} answers of 429 waited out\n`);
	});

	// The 429s come on a call-count schedule, not from the per-second windows, whose boundaries depend on
	// the machine's speed: the run is the same on a loaded machine (the windows are the bench's subject).
	it('finishes a 500-item run with a 429 every 37th call and a token expiry at call 250, renewing exactly once', async () => {
		await controlOf(relaxed)('reset');
		await controlOf(relaxed)('schedule', { expireTokensAfterCalls: 250, rateLimitEvery: 37 });
		const tokens = Array.from({ length: 500 }, (_, i) => `doxcnRun${i}`);

		const items = await feishuNode(subscribeByItem, credentialsFor(relaxed)).execute(tokens.map((token) => ({ token })));

		const tokenFetches = relaxed.requests.filter((request: Json) => request.path === '/open-apis/auth/v3/tenant_access_token/internal');
		expect(items).toHaveLength(500);
		expect(items.every((item, i) => (item.pairedItem as { item: number }).item === i && item.json.fileToken === tokens[i] && item.json.subscribed === true)).toBe(true);
		// One token at the start, one after the expiry; nothing else.
		expect(tokenFetches).toHaveLength(2);
		const state = await stateOf(relaxed);
		// 500 subscribe calls succeeded, so at least every 37th of them was answered 429 first.
		expect(state.rateLimited).toBeGreaterThanOrEqual(Math.floor(500 / 37));
		process.stderr.write(`[reliability] Feishu 500-item run: 500 succeeded, ${tokenFetches.length} token fetches (1 initial + 1 renewal), ${state.rateLimited} answers of 429\n`);
	});
});

describe('Feishu Trigger: forged, tampered and malformed callbacks', () => {
	const key = () => relaxed.vendor.encryptKey as string;
	const verificationToken = () => relaxed.vendor.verificationToken as string;

	/** A delivery built with the emulator's own (independent) encryption and signing code. */
	function delivery(payload: unknown, options: { key?: string; signKey?: string; timestamp?: string; nonce?: string; rawBody?: string } = {}): WebhookRequest {
		const rawBody = options.rawBody ?? JSON.stringify({ encrypt: encryptPayload(options.key ?? key(), JSON.stringify(payload)) });
		const timestamp = options.timestamp ?? String(Math.floor(Date.now() / 1000));
		const nonce = options.nonce ?? 'nonce-1';
		let body: Json = {};
		try {
			body = JSON.parse(rawBody);
		} catch {
			body = {};
		}
		return {
			rawBody,
			body,
			headers: {
				'content-type': 'application/json',
				'x-lark-request-timestamp': timestamp,
				'x-lark-request-nonce': nonce,
				'x-lark-signature': signPayload(timestamp, nonce, options.signKey ?? key(), Buffer.from(rawBody)),
			},
		};
	}
	const withHeaders = (request: WebhookRequest, headers: Record<string, string | undefined>): WebhookRequest => {
		const merged = { ...request.headers, ...headers } as Record<string, string | undefined>;
		return { ...request, headers: Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as Record<string, string> };
	};
	const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === '0' ? '1' : '0') + text.slice(at + 1);

	it('rejects every forgery with 4xx, runs nothing, calls nothing; accepts every genuine event once', async () => {
		await controlOf(relaxed)('reset');
		const harness = feishuTrigger(watching([[WATCHED, 'docx']]), undefined, credentialsFor(relaxed));
		await harness.activate();
		const requestsBefore = relaxed.requests.length;
		let sequence = 0;
		const event = (overrides: Parameters<typeof driveEvent>[0] = {}) => {
			const payload = driveEvent({ eventId: `evt-reliable-${++sequence}`, token: verificationToken(), ...overrides });
			payload.event.file_token = WATCHED;
			return payload;
		};
		const good = delivery(event());
		const signature = good.headers!['x-lark-signature'];
		const now = Math.floor(Date.now() / 1000);
		const spacedBody = (() => {
			const raw = JSON.stringify({ encrypt: encryptPayload(key(), JSON.stringify(event())) });
			return { ...delivery(event(), { rawBody: raw }), rawBody: raw.replace(':', ': ') };
		})();
		const ciphertextFlipped = (() => {
			const request = delivery(event());
			const raw = String(request.rawBody);
			const at = Math.floor(raw.length / 2);
			return { ...request, rawBody: raw.slice(0, at) + (raw[at] === 'A' ? 'B' : 'A') + raw.slice(at + 1) };
		})();

		const forgeries: Array<[string, WebhookRequest]> = [
			...Array.from({ length: 32 }, (_, i): [string, WebhookRequest] => [`signature digit ${i * 2} changed`, withHeaders(good, { 'x-lark-signature': flip(signature, i * 2) })]),
			['signature truncated by one', withHeaders(good, { 'x-lark-signature': signature.slice(0, -1) })],
			['signature with a digit appended', withHeaders(good, { 'x-lark-signature': `${signature}0` })],
			['signature empty', withHeaders(good, { 'x-lark-signature': '' })],
			['signature missing', withHeaders(good, { 'x-lark-signature': undefined })],
			['signature of the empty body', withHeaders(good, { 'x-lark-signature': signPayload(String(now), 'nonce-1', key(), Buffer.alloc(0)) })],
			['timestamp changed after signing', withHeaders(good, { 'x-lark-request-timestamp': String(now + 1) })],
			['nonce changed after signing', withHeaders(good, { 'x-lark-request-nonce': 'nonce-2' })],
			['timestamp missing', withHeaders(good, { 'x-lark-request-timestamp': undefined })],
			['stale timestamp (25 hours old), correctly signed', delivery(event(), { timestamp: String(now - 25 * 3600) })],
			['future timestamp (6 minutes ahead), correctly signed', delivery(event(), { timestamp: String(now + 360) })],
			['timestamp that is not a number, correctly signed', delivery(event(), { timestamp: 'yesterday' })],
			['timestamp in hexadecimal, correctly signed', delivery(event(), { timestamp: `0x${now.toString(16)}` })],
			['timestamp with a leading space, correctly signed', delivery(event(), { timestamp: ` ${now}` })],
			['timestamp in milliseconds with a fraction, correctly signed', delivery(event(), { timestamp: `${Date.now()}.0` })],
			['timestamp from the year 2000, correctly signed', delivery(event(), { timestamp: '946684800' })],
			['signed with another Encrypt Key', delivery(event(), { signKey: 'another key' })],
			['body re-serialised after signing', spacedBody],
			['ciphertext with one character changed after signing', ciphertextFlipped],
			['Verification Token wrong, correctly signed', delivery(event({ token: 'wrong-token' }))],
			['Verification Token in upper case, correctly signed', delivery(event({ token: verificationToken().toUpperCase() }))],
			['Verification Token empty, correctly signed', delivery(event({ token: '' }))],
			['encrypted with another key, correctly signed', delivery(event(), { key: 'another key' })],
			['plain event while an Encrypt Key is set', { body: event(), rawBody: JSON.stringify(event()) }],
			['plain challenge while an Encrypt Key is set', { body: { challenge: 'c', token: verificationToken(), type: 'url_verification' } }],
			['challenge with a wrong token', delivery({ challenge: 'c', token: 'wrong', type: 'url_verification' })],
			['schema 1.0 event, correctly signed', delivery({ uuid: 'u-1', token: verificationToken(), ts: '1', type: 'event_callback', event: { type: 'file.edit' } })],
			['event without event_id, correctly signed', delivery({ ...event(), header: { ...event().header, event_id: undefined } })],
			['encrypt field that is not base64 text, correctly signed', delivery(null, { rawBody: JSON.stringify({ encrypt: 12345 }) })],
			['encrypt field with garbage, correctly signed', delivery(null, { rawBody: JSON.stringify({ encrypt: 'not really encrypted' }) })],
			['body that is not JSON', { body: {}, rawBody: 'encrypt=abc', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
			['empty body', { body: {}, rawBody: '' }],
			['JSON array body', { body: {}, rawBody: '[]' }],
		];

		// Feishu retries after 15 s, 5 min, 1 h and 6 h; a retry that carries the first attempt's timestamp must pass.
		const retried = (ageSeconds: number) => delivery(event(), { timestamp: String(now - ageSeconds) });
		await playCorpus({
			vendor: 'Feishu',
			harness,
			forgeries,
			genuine: [...Array.from({ length: 7 }, () => delivery(event())), retried(5 * 60 + 15), retried(3600 + 315), retried(7 * 3600 + 315)],
		});
		expect(relaxed.requests.length).toBe(requestsBefore);
		expect(strayRequests).toEqual([]);
		await harness.hook('delete');
	});
});

describe('Feishu Trigger: bodies Feishu never sends', () => {
	it('answers each with 4xx and no exception, with and without an Encrypt Key; runs nothing, calls nothing', async () => {
		await controlOf(relaxed)('reset');
		const encrypted = feishuTrigger(watching([[WATCHED, 'docx']]), undefined, credentialsFor(relaxed));
		const plain = feishuTrigger(watching([[WATCHED, 'docx']]), undefined, { ...credentialsFor(relaxed), encryptSecret: '' });
		const requestsBefore = relaxed.requests.length;
		const timestamp = String(Math.floor(Date.now() / 1000));
		let tried = 0;
		const statuses = new Set<number>();
		for (const [label, request] of oddBodies()) {
			const rawBody = request.rawBody ?? '';
			const signedHeaders = {
				'x-lark-request-timestamp': timestamp,
				'x-lark-request-nonce': 'odd',
				'x-lark-signature': signPayload(timestamp, 'odd', relaxed.vendor.encryptKey, Buffer.from(rawBody)),
				...request.headers,
			};
			for (const [mode, harness, headers] of [['encrypted', encrypted, signedHeaders], ['plain', plain, request.headers ?? {}]] as const) {
				const outbound = await outboundRequestsDuring(async () => {
					const { result, response } = await harness.webhook({ ...request, headers });
					statuses.add(response.statusCode);
					if (response.statusCode < 400 || response.statusCode >= 500 || result.workflowData !== undefined) {
						throw new Error(`${label} (${mode}) answered ${response.statusCode}`);
					}
				});
				expect([label, mode, outbound]).toEqual([label, mode, []]);
				tried++;
			}
		}
		expect(relaxed.requests.length).toBe(requestsBefore);
		expect(strayRequests).toEqual([]);
		process.stderr.write(`[reliability] Feishu odd bodies: ${tried} tried (correctly signed where an Encrypt Key is set), all answered ${[...statuses].sort().join('/')}\n`);
	});
});

describe('Feishu Trigger: lifecycle under faults', () => {
	it('survives 50 activate/deactivate cycles with 5xx, dropped connections, 403s and lost subscriptions', async () => {
		const control = controlOf(relaxed);
		await control('reset');
		const watched = watching([
			[WATCHED, 'docx'],
			[FOLDER, 'folder'],
		]);
		const faultsByCycle: Fault[][] = [
			[],
			[{ method: 'POST', pathIncludes: '/subscribe', status: 500, body: { code: 1069601, msg: 'failure' } }],
			[{ method: 'POST', pathIncludes: `${FOLDER}/subscribe`, status: 403, body: { code: 1069603, msg: 'forbidden' } }],
			[{ method: 'POST', pathIncludes: '/subscribe', dropAfter: true }],
			[{ method: 'DELETE', pathIncludes: '/delete_subscribe', drop: true, times: 5 }],
			[{ method: 'DELETE', pathIncludes: '/delete_subscribe', status: 500, body: { code: 1069601, msg: 'failure' }, times: 5 }],
			[{ method: 'POST', pathIncludes: '/subscribe', status: 500, body: { code: 1069601, msg: 'failure' }, times: 5 }],
			[{ method: 'DELETE', pathIncludes: '/delete_subscribe', status: 400, body: { code: 1064230, msg: 'locked_for_data_migration' } }],
		];
		const watchedSubscriptions = async (): Promise<Json[]> =>
			(await stateOf(relaxed)).subscriptions.filter((s: Json) => s.file_token === WATCHED || s.file_token === FOLDER);
		const fileToken = (subscription: Json) => subscription.file_token as string;

		await playLifecycle({
			vendor: 'Feishu',
			clearFailure: /^Feishu[ :]/,
			emulator: relaxed,
			control,
			faultsByCycle,
			registrationPath: '/subscribe',
			trigger: (staticData) => feishuTrigger(watched, staticData, credentialsFor(relaxed)),
			registrations: watchedSubscriptions,
			targetOf: fileToken,
			idOf: fileToken,
			tracked: (staticData) => ((staticData.subscribedFiles ?? []) as Json[]).map((file) => file.fileToken as string),
			forget: () => control('forget', { file_token: WATCHED }),
		});
	});
});

describe('Feishu Trigger against the emulator over HTTP', () => {
	withRealWaits();

	it('subscribes its files, answers the encrypted challenge, runs once per signed event, rejects tampering, unsubscribes only its files', async () => {
		const control = controlOf(realLimits);
		await control('reset');
		const credentials = credentialsFor(realLimits);
		const harness = feishuTrigger(
			watching([
				['doxcnWatched', 'docx'],
				['fldcnWatched', 'folder'],
			]),
			undefined,
			credentials,
		);
		await feishuNode({ ...subscribeByItem, file: { __rl: true, mode: 'id', value: 'doxcnOther' } }, credentials).execute();
		const receiver = await webhookReceiver(harness);
		await control('request-url', { url: receiver.url });

		try {
			await harness.activate();
			expect((await stateOf(realLimits)).subscriptions.map((s: Json) => [s.file_token, s.file_type, s.event_type ?? null])).toEqual([
				['doxcnOther', 'docx', null],
				['doxcnWatched', 'docx', null],
				['fldcnWatched', 'folder', 'file.created_in_folder_v1'],
			]);

			expect(await control('challenge')).toMatchObject({ answered: true, statusCode: 200 });
			expect(await control('challenge', { token: 'wrong' })).toMatchObject({ answered: false, statusCode: 401 });

			const fired = await control('fire', { file_token: 'doxcnWatched', file_type: 'docx', event_id: 'evt-emulated', repeat: 2 });
			expect(fired.delivered.map((d: Json) => d.statusCode)).toEqual([200, 200]);
			expect(receiver.executions).toHaveLength(1);
			expect(receiver.executions[0][0]).toMatchObject({ event_id: 'evt-emulated', event_type: 'drive.file.edit_v1', event: { file_token: 'doxcnWatched' } });

			const folderEvent = await control('fire', { event_type: 'drive.file.created_in_folder_v1', file_token: 'doxcnNew', folder_token: 'fldcnWatched' });
			expect(folderEvent.delivered[0].statusCode).toBe(200);
			expect(receiver.executions).toHaveLength(1); // only drive.file.edit_v1 was chosen

			for (const tamper of ['body', 'signature', 'timestamp', 'key']) {
				const { delivered } = await control('fire', { file_token: 'doxcnWatched', file_type: 'docx', tamper });
				expect([tamper, delivered[0].statusCode]).toEqual([tamper, 401]);
			}
			const wrongToken = await control('fire', { file_token: 'doxcnWatched', file_type: 'docx', token: 'wrong' });
			expect(wrongToken.delivered[0].statusCode).toBe(401);
			expect(receiver.executions).toHaveLength(1);

			await harness.hook('delete');
			expect((await stateOf(realLimits)).subscriptions.map((s: Json) => s.file_token)).toEqual(['doxcnOther']);
		} finally {
			await receiver.close();
		}
	});
});
