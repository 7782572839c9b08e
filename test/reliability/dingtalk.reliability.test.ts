/**
 * DingTalk Trigger under attack and under faults: forged, tampered and malformed pushes are all rejected
 * without running or calling anything; 50 activate/deactivate cycles against a faulty emulator leave no
 * subscription behind; a 500-item node run survives a token expiry and periodic rate limiting.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { IDataObject } from 'n8n-workflow';
import type { WebhookRequest } from '../harness/node-harness';
import { oddBodies, outboundRequestsDuring } from '../harness/odd-bodies';
import { dingTalkNode, dingTalkTrigger, triggerParameters } from '../unit/dingtalk/fixtures';
import { runThroughExpiryAndRateLimits } from './action-run';
import { playCorpus } from './corpus';
import { playLifecycle, type Fault } from './lifecycle';
import { strayRequests } from './setup';
import { dingTalkEmulatorCredential } from '../../dev/emulator/credentials';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startEmulator } = require('../../dev/emulator/server');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createDingTalkEmulator, sign, encrypt } = require('../../dev/emulator/dingtalk');

const ADMIN_UNION_ID = 'emuUnionAdmin4220';

let emulator: any;
const control = (route: string, body: object = {}) =>
	fetch(`${emulator.url}/_emulator/dingtalk/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
const subscriptions = async () => ((await (await fetch(`${emulator.url}/_emulator/dingtalk/state`)).json()) as { subscriptions: any[] }).subscriptions;

function credentials() {
	return dingTalkEmulatorCredential(emulator).data;
}

function trigger(staticData: IDataObject = {}) {
	return dingTalkTrigger(triggerParameters({ scopeId: emulator.vendor.corpId, unionId: ADMIN_UNION_ID }), staticData, credentials());
}

/** Raw AES-CBC over the emulator's key, to build ciphertexts with valid signatures but broken insides. */
function aesKey(): Buffer {
	return Buffer.from(`${emulator.vendor.aesKey}=`, 'base64');
}
function rawEncrypt(plain: Buffer): string {
	const cipher = createCipheriv('aes-256-cbc', aesKey(), aesKey().subarray(0, 16)).setAutoPadding(false);
	return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}
function rawDecrypt(encrypted: string): Buffer {
	const decipher = createDecipheriv('aes-256-cbc', aesKey(), aesKey().subarray(0, 16)).setAutoPadding(false);
	return Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64')), decipher.final()]);
}

beforeAll(async () => {
	// No per-second limit here: the suite's back-off is shrunk to milliseconds (see setup.ts).
	emulator = await startEmulator(createDingTalkEmulator({ qpsLimit: Infinity }));
});

afterAll(async () => {
	await emulator?.close();
});

describe('DingTalk Trigger: forged, tampered and malformed pushes', () => {
	it('rejects every forgery with 401, runs nothing, calls nothing; accepts every genuine push once', async () => {
		const harness = trigger();
		await harness.activate();
		const requestsBefore = emulator.requests.length;
		const token = emulator.vendor.callbackToken;
		let sequence = 0;
		const event = () => JSON.stringify({ EventType: 'storage_dentry_update', eventId: `rel-${++sequence}`, spaceId: '1', dentryId: `${sequence}`, eventScope: 'ORG' });
		/** A push signed with the right token over whatever ciphertext and query values are given. */
		const push = (encrypted: string, { timestamp = String(Date.now()), nonce = 'relnonce', signWith = token, signatureName = 'msg_signature' } = {}): WebhookRequest => ({
			body: { encrypt: encrypted },
			query: { [signatureName]: sign(signWith, timestamp, nonce, encrypted), timestamp, nonce },
		});
		const genuine = (plain = event()) => push(encrypt(emulator.vendor.aesKey, plain, emulator.vendor.appKey));
		const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === '0' ? '1' : '0') + text.slice(at + 1);
		const withQuery = (request: WebhookRequest, change: (query: Record<string, string>) => Record<string, string>) => ({ ...request, query: change({ ...request.query! }) });
		const base = genuine();
		const blocks = Buffer.from((base.body as { encrypt: string }).encrypt, 'base64').length / 16;

		const forgeries: Array<[string, WebhookRequest]> = [
			...Array.from({ length: 20 }, (_, i): [string, WebhookRequest] => [
				`signature digit ${i * 2} changed`,
				withQuery(genuine(), (query) => ({ ...query, msg_signature: flip(query.msg_signature, i * 2) })),
			]),
			...Array.from({ length: blocks }, (_, block): [string, WebhookRequest] => {
				const bytes = Buffer.from((genuine().body as { encrypt: string }).encrypt, 'base64');
				bytes[block * 16 + 3] ^= 0x5a;
				return [`ciphertext block ${block} corrupted, re-signed`, push(bytes.toString('base64'))];
			}),
			['signature truncated', withQuery(genuine(), (query) => ({ ...query, msg_signature: query.msg_signature.slice(0, -1) }))],
			['signature empty', withQuery(genuine(), (query) => ({ ...query, msg_signature: '' }))],
			['signature missing', withQuery(genuine(), ({ msg_signature: _s, ...query }) => query)],
			['signature under another name', withQuery(genuine(), ({ msg_signature, ...query }) => ({ ...query, sig: msg_signature }))],
			['signed with another token', push(encrypt(emulator.vendor.aesKey, event(), emulator.vendor.appKey), { signWith: 'another-token' })],
			['timestamp changed after signing', withQuery(genuine(), (query) => ({ ...query, timestamp: String(Number(query.timestamp) + 1) }))],
			['timestamp missing', withQuery(genuine(), ({ timestamp: _t, ...query }) => query)],
			['nonce changed after signing', withQuery(genuine(), (query) => ({ ...query, nonce: 'othernonce' }))],
			['nonce missing', withQuery(genuine(), ({ nonce: _n, ...query }) => query)],
			['no query at all', { body: genuine().body, query: {} }],
			['encrypt missing', { ...genuine(), body: {} }],
			['encrypt empty', push('')],
			['encrypt not Base64 of whole blocks', push('c2hvcnQ=')],
			['encrypt truncated by one block', push(Buffer.from((genuine().body as { encrypt: string }).encrypt, 'base64').subarray(16).toString('base64'))],
			['encrypt as a number', { ...genuine(), body: { encrypt: 12345 } }],
			['encrypted with another AES key', push(encrypt('Other0AesKey000000000000000000000000000000B', event(), emulator.vendor.appKey))],
			['owner key of another app', push(encrypt(emulator.vendor.aesKey, event(), 'dingsomeoneelse00000'))],
			['owner key empty', push(encrypt(emulator.vendor.aesKey, event(), ''))],
			['owner key with a suffix', push(encrypt(emulator.vendor.aesKey, event(), `${emulator.vendor.appKey}x`))],
			['owner key in upper case', push(encrypt(emulator.vendor.aesKey, event(), emulator.vendor.appKey.toUpperCase()))],
			['pad byte above 32', (() => {
				const plain = rawDecrypt((genuine().body as { encrypt: string }).encrypt);
				plain[plain.length - 1] = 33;
				return push(rawEncrypt(plain));
			})()],
			['length field past the end', (() => {
				const plain = rawDecrypt((genuine().body as { encrypt: string }).encrypt);
				plain.writeUInt32BE(1 << 20, 16);
				return push(rawEncrypt(plain));
			})()],
			['plaintext that is not JSON', genuine('EventType=storage_dentry_update')],
			['plaintext that is a JSON array', genuine('[{"EventType":"storage_dentry_update"}]')],
			['plaintext that is a JSON string', genuine('"success"')],
			['plaintext that is null', genuine('null')],
			// Correctly signed, but replayed or with a timestamp no DingTalk push carries.
			['signed 6 minutes ago', push(encrypt(emulator.vendor.aesKey, event(), emulator.vendor.appKey), { timestamp: String(Date.now() - 6 * 60_000) })],
			['signed 25 hours ago', push(encrypt(emulator.vendor.aesKey, event(), emulator.vendor.appKey), { timestamp: String(Date.now() - 25 * 3_600_000) })],
			['signed in the year 2000', push(encrypt(emulator.vendor.aesKey, event(), emulator.vendor.appKey), { timestamp: '946684800000' })],
			['signed 6 minutes ahead', push(encrypt(emulator.vendor.aesKey, event(), emulator.vendor.appKey), { timestamp: String(Date.now() + 6 * 60_000) })],
			['timestamp in hexadecimal, signed', push(encrypt(emulator.vendor.aesKey, event(), emulator.vendor.appKey), { timestamp: `0x${Math.floor(Date.now() / 1000).toString(16)}` })],
			['timestamp with a leading space, signed', push(encrypt(emulator.vendor.aesKey, event(), emulator.vendor.appKey), { timestamp: ` ${Math.floor(Date.now() / 1000)}` })],
		];
		// DingTalk's retries (after 10 s and 30 s) may carry the first attempt's timestamp: those must pass.
		const retried = (ageMs: number) => push(encrypt(emulator.vendor.aesKey, event(), emulator.vendor.appKey), { timestamp: String(Date.now() - ageMs) });

		// DingTalk expects exactly 401 for anything it sent that failed verification.
		await playCorpus({
			vendor: 'DingTalk',
			harness,
			forgeries,
			genuine: [...Array.from({ length: 8 }, () => genuine()), retried(10_000), retried(45_000)],
			rejects: (status) => status === 401,
		});
		expect(emulator.requests.length).toBe(requestsBefore);
		expect(strayRequests).toEqual([]);
		expect(await harness.hook('delete')).toBe(true);
	});
});

describe('DingTalk Trigger: bodies DingTalk never sends', () => {
	it('answers each with 4xx and no exception, runs nothing, calls nothing', async () => {
		const harness = trigger();
		const requestsBefore = emulator.requests.length;
		const encrypted = encrypt(emulator.vendor.aesKey, '{"EventType":"check_url"}', emulator.vendor.appKey);
		const timestamp = String(Date.now());
		const query = { msg_signature: sign(emulator.vendor.callbackToken, timestamp, 'oddnonce', encrypted), timestamp, nonce: 'oddnonce' };
		const bodies: Array<[string, WebhookRequest]> = [
			...oddBodies(),
			['an encrypt field of 2 MiB', { body: { encrypt: 'A'.repeat(2 * 1024 * 1024) } }],
		];
		const statuses: Record<string, number> = {};
		for (const [label, request] of bodies) {
			const outbound = await outboundRequestsDuring(async () => {
				const { result, response } = await harness.webhook({ ...request, query });
				statuses[label] = response.statusCode;
				if (result.workflowData !== undefined) throw new Error(`${label} started the workflow`);
			});
			expect([label, outbound]).toEqual([label, []]);
		}
		expect(Object.entries(statuses).filter(([, status]) => status < 400 || status >= 500)).toEqual([]);
		expect(emulator.requests.length).toBe(requestsBefore);
		expect(strayRequests).toEqual([]);
		process.stderr.write(`[reliability] DingTalk odd bodies: ${bodies.length} tried, all answered ${[...new Set(Object.values(statuses))].sort().join('/')}\n`);
	});
});

describe('DingTalk Trigger: lifecycle under faults', () => {
	it('survives 50 activate/deactivate cycles with 5xx, dropped connections, expired tokens and lost subscriptions', async () => {
		await control('reset');
		const faultsByCycle: Fault[][] = [
			[],
			[{ method: 'POST', pathIncludes: '/storage/events/subscribe', status: 500, body: { code: 'systemError', message: 'x' } }],
			[{ method: 'POST', pathIncludes: '/storage/events/subscribe', status: 503, body: { code: 'operationTimeout', message: 'x' }, times: 5 }],
			[{ method: 'POST', pathIncludes: '/storage/events/subscribe', dropAfter: true }],
			[{ method: 'POST', pathIncludes: '/storage/events/unsubscribe', drop: true, times: 5 }],
			[{ method: 'POST', pathIncludes: '/storage/events/unsubscribe', status: 500, body: { code: 'unknownError', message: 'x' }, times: 5 }],
			[{ method: 'POST', pathIncludes: '/oauth2/accessToken', drop: true }],
			[{ method: 'POST', pathIncludes: '/storage/events/unsubscribe', status: 403, body: { code: 'permissionDenied', message: 'x' } }],
		];
		// DingTalk subscribes a scope, and knows a subscription by it.
		const scopeKey = (item: { scope?: unknown; scopeId?: unknown }) => `${String(item.scope)}:${String(item.scopeId)}`;

		await playLifecycle({
			vendor: 'DingTalk',
			clearFailure: /^DingTalk[ :]/,
			emulator,
			control,
			faultsByCycle,
			registrationPath: '/storage/events/subscribe',
			expireTokens: true,
			trigger,
			registrations: subscriptions,
			targetOf: scopeKey,
			idOf: scopeKey,
			tracked: (staticData) => (staticData.scope ? [scopeKey(staticData)] : []),
			forget: () => control('forget'),
		});
	});
});

describe('DingTalk node: token expiry and rate limiting in a 500-item run', () => {
	it('finishes every item, renewing the token exactly once when it expires', async () => {
		await control('reset');
		const { output: items, tokenFetches, extraCalls } = await runThroughExpiryAndRateLimits({
			emulator,
			control,
			node: dingTalkNode({ resource: 'storageEvent', operation: 'subscribe', scope: 'SPACE', scopeId: '={{ $json.space }}', unionId: ADMIN_UNION_ID }, credentials()),
			items: Array.from({ length: 500 }, (_, i) => ({ space: emulator.vendor.spaces[i % 2] })),
			tokenPath: '/v1.0/oauth2/accessToken',
		});

		expect(items.every((item, i) => (item.pairedItem as { item: number }).item === i && item.json.scopeId === emulator.vendor.spaces[i % 2])).toBe(true);
		expect((await subscriptions()).map((subscription) => subscription.scopeId).sort()).toEqual([...emulator.vendor.spaces].sort());
		process.stderr.write(`[reliability] DingTalk 500-item run: 500 succeeded, ${tokenFetches} token fetches (1 initial + 1 renewal), ${extraCalls} extra calls after rate limits/expiry\n`);
	});
});
