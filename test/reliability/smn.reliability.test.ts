/**
 * Huawei Cloud SMN Trigger under attack and under faults: forged, tampered, replayed and malformed
 * messages are all rejected without running anything and without calling anything but the signing
 * certificate a message names at the trusted SMN origin; 50 activate/deactivate cycles against a
 * faulty emulator leave no subscription behind; a 500-item node run survives a token expiry and
 * periodic throttling.
 */
import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';
import { WEBHOOK_BASE_URL, NODE_WEBHOOK_ID, type NodeHarness, type WebhookRequest } from '../harness/node-harness';
import { smnNode, smnTimestamp, smnTrigger, urnLocator } from '../unit/smn/fixtures';
import { runThroughExpiryAndRateLimits } from './action-run';
import { playCorpus } from './corpus';
import { playLifecycle, type Fault } from './lifecycle';
import { strayRequests } from './setup';
import { smnEmulatorCredential } from '../../dev/emulator/credentials';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startEmulator } = require('../../dev/emulator/server');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createSmnEmulator } = require('../../dev/emulator/smn');

type Message = Record<string, unknown>;
interface LoggedRequest {
	method: string;
	path: string;
}

const ENDPOINT = `${WEBHOOK_BASE_URL}/${NODE_WEBHOOK_ID}/webhook`;

let emulator: any;
let topic: string;
let otherTopic: string;
const control = (route: string, body: object = {}) =>
	fetch(`${emulator.url}/_emulator/smn/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
const ourSubscriptions = async () =>
	(((await (await fetch(`${emulator.url}/_emulator/smn/state`)).json()) as { subscriptions: any[] }).subscriptions).filter((item) => item.endpoint === ENDPOINT);

function credentials() {
	return smnEmulatorCredential(emulator).data;
}

function trigger(staticData: IDataObject = {}, stored: ICredentialDataDecryptedObject = credentials()) {
	return smnTrigger({ topic: urnLocator(topic) }, staticData, stored);
}

beforeAll(async () => {
	// No confirmation is sent to the harness's made-up webhook URL within the test (nobody listens there).
	emulator = await startEmulator(createSmnEmulator({ confirmationDelayMs: 600_000 }));
	topic = emulator.vendor.topicUrn('orders');
	otherTopic = emulator.vendor.topicUrn('alerts');
}, 60_000);

afterAll(async () => {
	await emulator?.close();
});

describe('Huawei Cloud SMN Trigger: forged, tampered, replayed and malformed messages', () => {
	it('rejects every forgery with 4xx, runs nothing, calls nothing; accepts every genuine message once', async () => {
		await control('reset');
		const harness = trigger();
		await harness.activate();
		const base = emulator.url as string;
		const port = new URL(base).port;
		const certificateUrl = emulator.vendor.certificateUrl(base) as string;
		const certificatePath = new URL(certificateUrl).pathname;
		const certificateName = certificatePath.split('/').pop() as string;
		const expiredUrl = emulator.vendor.certificateUrl(base, 'expired') as string;
		const redirectUrl = emulator.vendor.certificateUrl(base, 'redirect') as string;
		const unknownUrl = `${base}/smn/SMN_${emulator.vendor.region}_${'0'.repeat(32)}.pem`;
		let sequence = 0;

		const notification = (fields: Message = {}): Message => ({
			type: 'Notification',
			topic_urn: topic,
			message_id: `rel${String(++sequence).padStart(29, '0')}`,
			message: JSON.stringify({ order: sequence, status: 'shipped' }),
			subject: 'Order update',
			timestamp: smnTimestamp(),
			...fields,
		});
		const subscribeUrl = (token = 'a'.repeat(64), origin = base, topicUrn = topic) =>
			`${origin}/v2/notifications/subscriptions/subscribe?${new URLSearchParams({ topic_urn: topicUrn, endpoint: ENDPOINT, token })}`;
		const confirmation = (fields: Message = {}): Message => ({
			type: 'SubscriptionConfirmation',
			topic_urn: topic,
			message_id: `rel${String(++sequence).padStart(29, '0')}`,
			message: `You are invited to subscribe to topic ${topic}.`,
			subscribe_url: subscribeUrl(),
			timestamp: smnTimestamp(),
			...fields,
		});
		/** Signed with SMN's key (or another one) over the given fields, signing_cert_url pointing at the current certificate unless overridden. */
		const sign = (message: Message, options: object = {}): Message => emulator.vendor.sign(message, options);
		const deliver = (body: Message, headers: Record<string, string> = {}): WebhookRequest => ({
			body,
			headers: { 'content-type': 'application/json', 'x-smn-message-type': String(body.type), ...headers },
		});
		const raw = (rawBody: string, type = 'Notification'): WebhookRequest => ({
			body: {},
			rawBody,
			headers: { 'content-type': 'application/json', 'x-smn-message-type': type },
		});
		/** Signed genuinely, then changed: the signature no longer covers what arrives. */
		const tampered = (change: Message, fields: Message = {}) => deliver({ ...sign(notification(fields)), ...change });
		const tamperedConfirmation = (change: Message) => deliver({ ...sign(confirmation()), ...change });
		const withSignature = (change: (signature: string) => string) => {
			const body = sign(notification());
			return deliver({ ...body, signature: change(body.signature as string) });
		};
		const flipByte = (signature: string, at: number) => {
			const bytes = Buffer.from(signature, 'base64');
			bytes[at] ^= 0x01;
			return bytes.toString('base64');
		};
		const without = (field: string) => {
			const body = { ...sign(notification()) };
			delete body[field];
			return deliver(body);
		};

		// The genuine certificate is cached first, as after the first real message: from here on a
		// genuine message needs no network at all.
		const warmUp = await harness.webhook(deliver(sign(notification())));
		expect(warmUp.result.workflowData?.[0]).toHaveLength(1);
		const accepted0 = sign(notification());
		expect((await harness.webhook(deliver(accepted0))).result.workflowData?.[0]).toHaveLength(1);

		const forgeries: Array<[string, WebhookRequest, string?]> = [
			// Every signed field of a notification changed after signing.
			['message changed', tampered({ message: '{"order":1,"status":"refunded"}' })],
			['message with a character appended', tampered({ message: `${notification().message as string} ` })],
			['message emptied', tampered({ message: '' })],
			['message_id changed', tampered({ message_id: `rel${'9'.repeat(29)}` })],
			['message_id in upper case', tampered({ message_id: 'REL00000000000000000000000000001' })],
			['subject changed', tampered({ subject: 'Order cancelled' })],
			['subject removed', tampered({ subject: undefined })],
			['subject added to a message signed without one', tampered({ subject: 'Injected' }, { subject: undefined })],
			['subject emptied', tampered({ subject: '' })],
			['timestamp moved by a second', tampered({ timestamp: smnTimestamp(1000) })],
			['type changed to an unsubscribe confirmation', tampered({ type: 'UnsubscribeConfirmation', subscribe_url: subscribeUrl() })],
			['topic_urn changed to the subscribed topic', deliver({ ...sign(notification({ topic_urn: otherTopic })), topic_urn: topic })],
			// Every signed field of a confirmation changed after signing (the subscribe link is never visited).
			['confirmation subscribe_url with another token', tamperedConfirmation({ subscribe_url: subscribeUrl('b'.repeat(64)) })],
			['confirmation message changed', tamperedConfirmation({ message: 'Please confirm.' })],
			['confirmation message_id changed', tamperedConfirmation({ message_id: `rel${'8'.repeat(29)}` })],
			['confirmation timestamp changed', tamperedConfirmation({ timestamp: smnTimestamp(-2000) })],
			['confirmation type changed', tamperedConfirmation({ type: 'HttpSubscriptionUserConfirm' })],
			// The signature itself.
			...[0, 17, 64, 128, 200, 255].map((at): [string, WebhookRequest] => [`signature byte ${at} flipped`, withSignature((s) => flipByte(s, at))]),
			['signature truncated by four characters', withSignature((s) => s.slice(0, -4))],
			['signature empty', withSignature(() => '')],
			['signature not Base64', withSignature(() => '!!!! not base64 ????')],
			['signature Base64 of garbage', withSignature(() => Buffer.from('garbage').toString('base64'))],
			['signature oversized (64 KiB)', withSignature((s) => Buffer.alloc(64 * 1024, Buffer.from(s, 'base64')).toString('base64'))],
			['signature of another genuine message', deliver({ ...sign(notification()), signature: sign(notification()).signature })],
			['signature_version v2', deliver({ ...sign(notification()), signature_version: 'v2' })],
			// Wrong keys and certificates.
			['signed with a key that is not SMN’s', deliver(sign(notification(), { forge: true }))],
			['signed with the expired certificate’s key, naming the current certificate', deliver({ ...sign(notification(), { certificate: 'expired' }), signing_cert_url: certificateUrl })],
			['expired certificate', deliver(sign(notification(), { certificate: 'expired' })), new URL(expiredUrl).pathname],
			['certificate URL that redirects to the genuine one', deliver(sign(notification(), { certificate: 'redirect' })), new URL(redirectUrl).pathname],
			['certificate URL that does not exist', deliver(sign(notification({ signing_cert_url: unknownUrl }))), new URL(unknownUrl).pathname],
			// Wrong hosts, schemes and shapes of signing_cert_url (not signed by SMN, so only the URL check guards them).
			['certificate on another host', deliver(sign(notification({ signing_cert_url: `https://forger.example${certificatePath}` }), { forge: true }))],
			['certificate on a look-alike host', deliver(sign(notification({ signing_cert_url: `https://smn.${emulator.vendor.region}.myhuaweicloud.com.forger.example${certificatePath}` }), { forge: true }))],
			['certificate on the SMN host of another region', deliver(sign(notification({ signing_cert_url: `https://smn.cn-north-1.myhuaweicloud.com${certificatePath}` }), { forge: true }))],
			['certificate over http from the SMN host', deliver(sign(notification({ signing_cert_url: `http://smn.${emulator.vendor.region}.myhuaweicloud.com${certificatePath}` }), { forge: true }))],
			['certificate from the emulator origin over https', deliver(sign(notification({ signing_cert_url: `https://127.0.0.1:${port}${certificatePath}` }), { forge: true }))],
			['certificate from the emulator under another host name', deliver(sign(notification({ signing_cert_url: `http://localhost:${port}${certificatePath}` }), { forge: true }))],
			['certificate from another loopback port', deliver(sign(notification({ signing_cert_url: `http://127.0.0.1:${Number(port) + 1}${certificatePath}` }), { forge: true }))],
			['certificate URL with user info', deliver(sign(notification({ signing_cert_url: `http://forger@127.0.0.1:${port}${certificatePath}` }), { forge: true }))],
			['certificate URL with a query', deliver(sign(notification({ signing_cert_url: `${certificateUrl}?x=1` }), { forge: true }))],
			['certificate URL with another path', deliver(sign(notification({ signing_cert_url: `${base}/forger/${certificateName}` }), { forge: true }))],
			['certificate URL that is not a URL', deliver(sign(notification({ signing_cert_url: 'not a url' }), { forge: true }))],
			// Genuinely signed confirmations whose subscribe link leads elsewhere (subscribe_url is signed, the host is not trusted).
			['subscribe_url on another host', deliver(sign(confirmation({ subscribe_url: subscribeUrl(undefined, 'https://forger.example') })))],
			['subscribe_url over http from the console host', deliver(sign(confirmation({ subscribe_url: subscribeUrl(undefined, 'http://console.huaweicloud.com') })))],
			['subscribe_url on a look-alike console host', deliver(sign(confirmation({ subscribe_url: subscribeUrl(undefined, 'https://console.huaweicloud.com.forger.example') })))],
			['subscribe_url for another topic', deliver(sign(confirmation({ subscribe_url: subscribeUrl(undefined, base, otherTopic) })))],
			['subscribe_url with another path', deliver(sign(confirmation({ subscribe_url: `${base}/forger/confirm?topic_urn=${encodeURIComponent(topic)}` })))],
			// Wrong topic, stale or future timestamps (all genuinely signed).
			['genuine message of another topic', deliver(sign(notification({ topic_urn: otherTopic })))],
			['genuine message of the topic in another project', deliver(sign(notification({ topic_urn: topic.replace(emulator.vendor.projectId, 'f'.repeat(32)) })))],
			['genuine message two hours old', deliver(sign(notification({ timestamp: smnTimestamp(-2 * 3600_000) })))],
			['genuine message two hours ahead', deliver(sign(notification({ timestamp: smnTimestamp(2 * 3600_000) })))],
			['genuine message with an unreadable timestamp', deliver(sign(notification({ timestamp: 'yesterday' })))],
			['genuine confirmation a day old', deliver(sign(confirmation({ timestamp: smnTimestamp(-24 * 3600_000) })))],
			// Replays: an accepted message re-sent with a fresh id or time (unsigned changes) is refused.
			['accepted message replayed with a new message_id', deliver({ ...accepted0, message_id: `rel${'7'.repeat(29)}` })],
			['accepted message replayed with a fresh timestamp', deliver({ ...accepted0, timestamp: smnTimestamp(5000) })],
			['accepted message replayed to look like another topic', deliver({ ...accepted0, topic_urn: otherTopic })],
			// Truncated, oversized, malformed.
			['empty body', raw('')],
			['body that is not JSON', raw('type=Notification&message=hi')],
			['body truncated in the middle', raw(JSON.stringify(sign(notification())).slice(0, 200))],
			['body truncated by its last brace', raw(JSON.stringify(sign(notification())).slice(0, -1))],
			['body that is a JSON array', raw(JSON.stringify([sign(notification())]))],
			['body that is JSON null', raw('null')],
			['oversized message (1 MiB) under a genuine signature', tampered({ message: 'x'.repeat(1024 * 1024) })],
			['signature missing', without('signature')],
			['signing_cert_url missing', without('signing_cert_url')],
			['signature_version missing', without('signature_version')],
			['topic_urn missing', without('topic_urn')],
			['message_id missing', without('message_id')],
			['message missing', without('message')],
			['timestamp missing', without('timestamp')],
			['type missing', without('type')],
			['message as a number', tampered({ message: 42 })],
			['unknown type', deliver(sign(notification({ type: 'Advertisement' })))],
			['confirmation without subscribe_url', deliver(sign({ ...confirmation(), subscribe_url: undefined }))],
			['X-SMN-MESSAGE-TYPE header contradicting the body', deliver(sign(notification()), { 'x-smn-message-type': 'SubscriptionConfirmation' })],
		];

		const calls: string[] = [];
		const certificateFetchOf = new Map(forgeries.map(([label, , certificateFetch]) => [label, certificateFetch]));
		const requestsBefore = emulator.requests.length;
		await playCorpus({
			vendor: 'Huawei Cloud SMN',
			harness,
			forgeries: forgeries.map(([label, request]) => [label, request]),
			genuine: [
				...Array.from({ length: 8 }, () => deliver(sign(notification()))),
				deliver(sign(notification({ subject: undefined }))),
				deliver(sign(notification({ message: 'plain text, not JSON' }))),
			],
			// Only a certificate at the trusted origin may be fetched, once, and a redirect is not followed.
			aroundForgery: async (label, send) => {
				const before = emulator.requests.length;
				await send();
				const made = (emulator.requests.slice(before) as LoggedRequest[]).map((r) => `${r.method} ${r.path}`);
				const certificateFetch = certificateFetchOf.get(label);
				const allowed = certificateFetch ? [`GET ${certificateFetch}`] : [];
				if (JSON.stringify(made) !== JSON.stringify(allowed)) throw new Error(`forgery made unexpected requests: ${label}: ${JSON.stringify(made)}`);
				calls.push(...made);
			},
		});
		expect(calls).toEqual([`GET ${new URL(expiredUrl).pathname}`, `GET ${new URL(redirectUrl).pathname}`, `GET ${new URL(unknownUrl).pathname}`]);
		expect(emulator.requests.length).toBe(requestsBefore + calls.length);
		expect(strayRequests).toEqual([]);
		process.stderr.write(`[reliability] Huawei Cloud SMN callbacks: outbound requests during forgeries: ${calls.length} (one GET each of the expired, redirecting and unknown certificate URLs at the trusted origin; no redirect followed, no subscribe link visited)\n`);
		expect(await harness.hook('delete')).toBe(true);
	});
});

describe('Huawei Cloud SMN Trigger: lifecycle under faults', () => {
	it('survives 50 activate/deactivate cycles with 5xx, dropped connections, 404s on delete, expired tokens and lost subscriptions', async () => {
		await control('reset');
		const notFound = { request_id: 'x', code: 'SMN.0013', message: 'Subscription not found.' };
		const faultsByCycle: Fault[][] = [
			[],
			[{ method: 'POST', pathIncludes: '/subscriptions', status: 500 }],
			[{ method: 'GET', pathIncludes: '/subscriptions', status: 503, times: 5 }],
			[{ method: 'POST', pathIncludes: '/subscriptions', dropAfter: true }],
			[{ method: 'DELETE', pathIncludes: '/subscriptions/', drop: true, times: 5 }],
			[{ method: 'DELETE', pathIncludes: '/subscriptions/', status: 500, times: 5 }],
			[{ method: 'DELETE', pathIncludes: '/subscriptions/', status: 404, body: notFound }],
			[{ method: 'POST', pathIncludes: '/subscriptions', status: 502, times: 5 }],
			[{ method: 'GET', pathIncludes: '/subscriptions', drop: true }],
			[{ method: 'POST', pathIncludes: '/v3/auth/tokens', status: 503, body: { error: { code: 503, message: 'Service unavailable', title: 'x' } } }],
		];
		// Each cycle's trigger starts from the credential the previous one saved (with its renewed token).
		let previous: NodeHarness | undefined;
		const carryingCredentials = (staticData: IDataObject) => (previous = trigger(staticData, previous?.storedCredentials.huaweiCloudApi));

		await playLifecycle({
			vendor: 'Huawei Cloud SMN',
			clearFailure: /^Huawei Cloud (SMN|IAM)[ :]/,
			emulator,
			control,
			faultsByCycle,
			registrationPath: '/subscriptions',
			expireTokens: true,
			trigger: carryingCredentials,
			registrations: ourSubscriptions,
			// SMN subscribes an endpoint to the topic: two subscriptions of the trigger's URL are a duplicate.
			targetOf: (item) => item.endpoint,
			idOf: (item) => item.subscription_urn,
			tracked: (staticData) => (staticData.subscriptionUrn ? [staticData.subscriptionUrn as string] : []),
			forget: () => control('forget'),
			// SMN would confirm through the trigger's URL; the harness has no server, so every other cycle
			// the subscription is marked confirmed directly (the others stay unconfirmed and are replaced).
			afterActivation: async (cycle, ours) => {
				if (cycle % 2 === 0 && ours.length > 0) await control('set-status', { endpoint: ENDPOINT, status: 1 });
			},
			afterFinalActivation: async () => expect(await ourSubscriptions()).toHaveLength(1),
		});
		expect(strayRequests).toEqual([]);
	});
});

describe('Huawei Cloud SMN node: token expiry and throttling in a 500-item run', () => {
	it('finishes every item, renewing the token exactly once when it expires', async () => {
		await control('reset');
		const topics = [topic, otherTopic];
		const { output: items, tokenFetches, extraCalls } = await runThroughExpiryAndRateLimits({
			emulator,
			control,
			node: smnNode({ resource: 'topic', operation: 'get', topic: urnLocator('={{ $json.topic }}') }, credentials()),
			items: Array.from({ length: 500 }, (_, i) => ({ topic: topics[i % 2] })),
			tokenPath: '/v3/auth/tokens',
		});

		expect(items.every((item, i) => (item.pairedItem as { item: number }).item === i && item.json.topic_urn === topics[i % 2])).toBe(true);
		expect(strayRequests).toEqual([]);
		process.stderr.write(`[reliability] Huawei Cloud SMN 500-item run: 500 succeeded, ${tokenFetches} token fetches (1 initial + 1 renewal), ${extraCalls} extra calls after throttling (APIG.0308)/expiry\n`);
	});
});
