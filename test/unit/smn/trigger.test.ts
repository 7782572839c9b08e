import nock from 'nock';
import type { IDataObject, INodeParameters } from 'n8n-workflow';
import { smnCertificates } from '../../../nodes/HuaweiSmn/certificates';
import { CONFIRM_URL, PROJECT, REGION, SMN, SUBSCRIPTION, TOPIC, V2, certificateName, createSigningCertificates, expectUntouched, signedIn, signedSmnMessage, smnCrypto, smnTimestamp, smnTrigger, urnLocator, type SignedMessage, type SigningOptions, type SmnCertificate } from './fixtures';

let current: SmnCertificate;
let expired: SmnCertificate;
let sha1: SmnCertificate;
let stranger: SmnCertificate;

// Two keys serve all certificates: the expired and the SHA-1 one reuse the current certificate's key.
beforeAll(() => {
	({ current, stranger } = createSigningCertificates());
	const keyPair = { privateKey: current.privateKey, publicKey: current.publicKey };
	expired = smnCrypto.createSelfSignedCertificate({ keyPair, notBefore: new Date(Date.now() - 86_400_000 * 400), notAfter: new Date(Date.now() - 86_400_000) });
	sha1 = smnCrypto.createSelfSignedCertificate({ keyPair, digest: 'sha1' });
}, 60_000);

// Each test names fresh certificate URLs; the per-process fetch budget (tested in hardening.test.ts) starts afresh.
beforeEach(() => smnCertificates.reset());

/** A message signed with the current certificate unless another key is given. */
function signed(fields: IDataObject = {}, options: Partial<SigningOptions> = {}): SignedMessage {
	return signedSmnMessage(fields, { key: current, ...options });
}

function confirmation(fields: IDataObject = {}, options?: Parameters<typeof signed>[1]): SignedMessage {
	return signed(
		{
			type: 'SubscriptionConfirmation',
			subject: undefined,
			message: 'You are invited to subscribe to topic orders.',
			subscribe_url: CONFIRM_URL,
			...fields,
		},
		options,
	);
}

const serveCertificate = (built: SignedMessage, pem = current.pem, origin = SMN) => nock(origin).get(built.certificatePath).reply(200, pem);

async function deliver(body: IDataObject, { parameters, credentials, headers }: { parameters?: INodeParameters; credentials?: IDataObject; headers?: Record<string, string> } = {}) {
	const harness = smnTrigger(parameters ?? { topic: urnLocator() }, undefined, (credentials ?? signedIn) as never);
	return await harness.webhook({
		body,
		headers: { 'content-type': 'application/json', 'x-smn-message-type': String(body.type), ...headers },
	});
}

async function expectRejected(body: IDataObject, status = 401, options?: Parameters<typeof deliver>[1]) {
	const { result, response } = await deliver(body, options);
	expect(response.statusCode).toBe(status);
	expect(response.ended).toBe(true);
	expect(result).toEqual({ noWebhookResponse: true });
}

describe('SMN Trigger: notifications', () => {
	it('verifies a signed notification and starts one execution with the parsed message', async () => {
		const built = signed();
		const certificate = serveCertificate(built);

		const { result } = await deliver(built.body, { headers: { 'x-smn-subscription-urn': SUBSCRIPTION } });

		expect(certificate.isDone()).toBe(true);
		expect(result.workflowData?.[0]).toEqual([
			{
				json: {
					type: 'Notification',
					messageId: built.body.message_id,
					topicUrn: TOPIC,
					subject: 'Order update',
					message: { order: 42, status: 'shipped' },
					rawMessage: '{"order":42,"status":"shipped"}',
					timestamp: built.body.timestamp,
					subscriptionUrn: SUBSCRIPTION,
				},
			},
		]);
	});

	it('keeps a message that is not JSON as text and caches the certificate', async () => {
		const name = certificateName();
		const first = signed({ message: 'plain text' }, { name });
		serveCertificate(first);
		await deliver(first.body);

		// No interceptor any more: a second download would fail the delivery.
		const second = signed({ message: 'second' }, { name });
		const { result } = await deliver(second.body);

		expect(result.workflowData?.[0][0].json.message).toBe('second');
	});

	it('answers a redelivered message id with 200 and no second execution', async () => {
		const built = signed();
		serveCertificate(built);
		await deliver(built.body);

		const { result, response } = await deliver(built.body);

		expect(result.workflowData).toBeUndefined();
		expect(response.statusCode).toBe(200);
	});

	it('accepts a notification without subject, "V1" in capitals, and SHA1withRSA certificates', async () => {
		const noSubject = signed({ subject: undefined, signature_version: 'V1' });
		serveCertificate(noSubject);
		const sha1Signed = signed({}, { key: sha1 });
		serveCertificate(sha1Signed, sha1.pem);

		expect((await deliver(noSubject.body)).result.workflowData).toHaveLength(1);
		expect((await deliver(sha1Signed.body)).result.workflowData).toHaveLength(1);
	});

	it('accepts an empty subject whether SMN signed it or left it out', async () => {
		const built = signed({ subject: '' });
		serveCertificate(built);

		expect((await deliver(built.body)).result.workflowData).toHaveLength(1);
	});

	it.each(['message', 'message_id', 'subject', 'timestamp', 'type'])('rejects a message whose signed field %s was changed', async (field) => {
		const built = signed();
		serveCertificate(built);
		const tampered: IDataObject = { ...built.body };
		if (field === 'timestamp') tampered.timestamp = smnTimestamp(-60_000);
		else if (field === 'type') Object.assign(tampered, { type: 'UnsubscribeConfirmation', subscribe_url: CONFIRM_URL });
		else tampered[field] = `${String(tampered[field])}!`;

		await expectRejected(tampered);
	});

	it('rejects a signature made with a key that is not the certificate\'s', async () => {
		const built = signed({}, { key: stranger });
		serveCertificate(built);

		await expectRejected(built.body);
	});

	it('rejects a message for another topic before downloading anything', async () => {
		const built = signed({ topic_urn: `urn:smn:${REGION}:${PROJECT}:alerts` });
		const certificate = serveCertificate(built);

		await expectRejected(built.body);
		expectUntouched(certificate);
	});

	it.each([
		['two hours old', -2 * 60 * 60_000],
		['two hours ahead', 2 * 60 * 60_000],
	])('rejects a timestamp %s (replay window) before downloading anything', async (_label, offset) => {
		const built = signed({ timestamp: smnTimestamp(offset) });
		const certificate = serveCertificate(built);

		await expectRejected(built.body);
		expectUntouched(certificate);
	});

	it('honours a narrower replay window from the options', async () => {
		const built = signed({ timestamp: smnTimestamp(-3 * 60_000) });

		await expectRejected(built.body, 401, { parameters: { topic: urnLocator(), options: { replayWindowMinutes: 2 } } });
	});

	it.each([
		['another host', 'https://evil.example.com'],
		['the SMN host of another region', 'https://smn.cn-east-3.myhuaweicloud.com'],
		['plain http', `http://smn.${REGION}.myhuaweicloud.com`],
		['an explicit port', `https://smn.${REGION}.myhuaweicloud.com:8443`],
		['user info', `https://user@smn.${REGION}.myhuaweicloud.com`],
		['a look-alike host', `https://smn.${REGION}.myhuaweicloud.com.evil.example`],
	])('rejects a certificate URL on %s without fetching it', async (_label, origin) => {
		const built = signed({}, { origin });
		const certificate = nock(origin.replace('user@', '')).get(built.certificatePath).reply(200, current.pem);

		await expectRejected(built.body);
		expectUntouched(certificate);
	});

	it.each([
		['a query', (path: string) => `${path}?x=1`],
		['another file', () => '/smn/other.pem'],
		['a traversal', (path: string) => `/smn/../${path}`],
	])('rejects a certificate URL with %s', async (_label, change) => {
		const built = signed();
		const body: IDataObject = { ...built.body, signing_cert_url: `${SMN}${change(built.certificatePath)}` };
		body.signature = smnCrypto.signSmnMessage(body, current.privateKey);

		await expectRejected(body);
	});

	it('does not follow a redirect from the certificate URL', async () => {
		const built = signed();
		const redirect = nock(SMN).get(built.certificatePath).reply(302, '', { location: 'https://evil.example.com/cert.pem' });
		const target = nock('https://evil.example.com').get('/cert.pem').reply(200, current.pem);

		await expectRejected(built.body);
		expect(redirect.isDone()).toBe(true);
		expectUntouched(target);
	});

	it('rejects a certificate that has expired', async () => {
		const built = signed({}, { key: expired });
		serveCertificate(built, expired.pem);

		await expectRejected(built.body);
	});

	it('rejects a certificate URL that answers with something that is not a certificate', async () => {
		const built = signed();
		nock(SMN).get(built.certificatePath).reply(200, 'not a pem');

		await expectRejected(built.body);
	});

	it('rejects a signature version other than v1', async () => {
		const built = signed({ signature_version: 'v2' });
		serveCertificate(built);

		await expectRejected(built.body);
	});

	it.each([
		['a body that is not JSON', 'not json'],
		['a missing signature', JSON.stringify({ type: 'Notification', topic_urn: TOPIC, message_id: 'm', message: 'x', timestamp: smnTimestamp(), signing_cert_url: 'x', signature_version: 'v1' })],
		['an unknown type', JSON.stringify({ type: 'Other', topic_urn: TOPIC, message_id: 'm', message: 'x', timestamp: smnTimestamp(), signing_cert_url: 'x', signature_version: 'v1', signature: 'x' })],
		['a confirmation without subscribe_url', JSON.stringify({ type: 'SubscriptionConfirmation', topic_urn: TOPIC, message_id: 'm', message: 'x', timestamp: smnTimestamp(), signing_cert_url: 'x', signature_version: 'v1', signature: 'x' })],
	])('answers 400 to %s', async (_label, raw) => {
		const { result, response } = await smnTrigger().webhook({ rawBody: raw, body: {} });

		expect(response.statusCode).toBe(400);
		expect(result).toEqual({ noWebhookResponse: true });
	});

	it('answers 400 when X-SMN-MESSAGE-TYPE contradicts the body', async () => {
		const built = signed();

		const { response } = await deliver(built.body, { headers: { 'x-smn-message-type': 'SubscriptionConfirmation' } });

		expect(response.statusCode).toBe(400);
	});
});

describe('SMN Trigger: confirmation and unsubscribe messages', () => {
	it.each(['SubscriptionConfirmation', 'HttpSubscriptionUserConfirm'])('confirms a verified %s by fetching its subscribe_url, and starts no execution', async (type) => {
		const built = confirmation({ type });
		serveCertificate(built);
		const confirm = nock('https://console.huaweicloud.com')
			.get('/smn/subscription/confirm')
			.query({ token: 'tok123', topic_urn: TOPIC, region: REGION })
			.reply(200, { request_id: 'r', subscription_urn: SUBSCRIPTION });

		const { result, response } = await deliver(built.body);

		expect(confirm.isDone()).toBe(true);
		expect(response).toMatchObject({ statusCode: 200, body: 'OK' });
		expect(result).toEqual({ noWebhookResponse: true });
	});

	it.each([
		['another host', 'https://evil.example.com/smn/subscription/confirm?token=t'],
		['http', `http://console.huaweicloud.com/smn/subscription/confirm?token=t&topic_urn=${encodeURIComponent(TOPIC)}`],
		['another path', 'https://console.huaweicloud.com/other?token=t'],
		['another topic', `https://console.huaweicloud.com/smn/subscription/confirm?token=t&topic_urn=${encodeURIComponent(`${TOPIC}x`)}`],
		['an internal address', 'http://169.254.169.254/latest/meta-data'],
	])('rejects a signed confirmation whose subscribe_url points to %s, fetching nothing', async (_label, subscribeUrl) => {
		const built = confirmation({ subscribe_url: subscribeUrl });
		const certificate = serveCertificate(built);
		const target = nock(new URL(subscribeUrl).origin).get(() => true).reply(200, 'confirmed');

		await expectRejected(built.body);
		expect(target.isDone()).toBe(false);
		expectUntouched(certificate);
	});

	it('does not fetch the subscribe_url of a confirmation whose signature fails', async () => {
		const built = confirmation({}, { key: stranger });
		serveCertificate(built);
		const confirm = nock('https://console.huaweicloud.com').get('/smn/subscription/confirm').query(true).reply(200, {});

		await expectRejected(built.body);
		expectUntouched(confirm);
	});

	it('answers 502 when confirming fails, and confirms the redelivery', async () => {
		const built = confirmation();
		serveCertificate(built);
		nock('https://console.huaweicloud.com').get('/smn/subscription/confirm').query(true).reply(500, 'busy');
		const retry = nock('https://console.huaweicloud.com').get('/smn/subscription/confirm').query(true).reply(200, {});

		const first = await deliver(built.body);
		const second = await deliver(built.body);

		expect(first.response.statusCode).toBe(502);
		expect(second.response.statusCode).toBe(200);
		expect(retry.isDone()).toBe(true);
	});

	it('does not follow a redirect from the subscribe_url', async () => {
		const built = confirmation();
		serveCertificate(built);
		nock('https://console.huaweicloud.com').get('/smn/subscription/confirm').query(true).reply(302, '', { location: 'http://169.254.169.254/' });
		const target = nock('http://169.254.169.254').get('/').reply(200, 'secret');

		const { response } = await deliver(built.body);

		expect(response.statusCode).toBe(502);
		expectUntouched(target);
	});

	it.each(['UnsubscribeConfirmation', 'HttpSubscriptionUserUnsubscribe'])('acknowledges %s without fetching its link or running', async (type) => {
		const built = confirmation({ type, message: 'You have unsubscribed.' });
		serveCertificate(built);
		const link = nock('https://console.huaweicloud.com').get('/smn/subscription/confirm').query(true).reply(200, {});

		const { result, response } = await deliver(built.body);

		expect(response.statusCode).toBe(200);
		expect(result.workflowData).toBeUndefined();
		expectUntouched(link);
	});

	describe('with an emulator endpoint configured in the credential', () => {
		const emulator = 'http://127.0.0.1:8999';
		const credentials = { ...signedIn, smnEndpoint: `${emulator}/` };

		it('trusts certificates and confirmation links of exactly that origin', async () => {
			const built = confirmation(
				{ subscribe_url: `${emulator}/v2/notifications/subscriptions/subscribe?topic_urn=${encodeURIComponent(TOPIC)}&endpoint=x&token=t` },
				{ origin: emulator },
			);
			serveCertificate(built, current.pem, emulator);
			const confirm = nock(emulator).get('/v2/notifications/subscriptions/subscribe').query(true).reply(200, {});

			const { response } = await deliver(built.body, { credentials });

			expect(response.statusCode).toBe(200);
			expect(confirm.isDone()).toBe(true);
		});

		it.each([
			['another port on loopback', 'http://127.0.0.1:9000', { ...signedIn, smnEndpoint: emulator }],
			['plain http to a non-loopback endpoint', 'http://10.0.0.5:8999', { ...signedIn, smnEndpoint: 'http://10.0.0.5:8999' }],
			['loopback without any configured endpoint', emulator, signedIn],
		])('rejects %s', async (_label, origin, creds) => {
			const built = signed({}, { origin });
			const certificate = nock(origin).get(built.certificatePath).reply(200, current.pem);

			await expectRejected(built.body, 401, { credentials: creds });
			expectUntouched(certificate);
		});
	});
});

describe('SMN Trigger: subscription lifecycle', () => {
	const WEBHOOK = /^http:\/\/127\.0\.0\.1:5678\/webhook\/[^/]+\/webhook$/;
	const listed = (items: IDataObject[]) => ({ request_id: 'r', subscription_count: items.length, subscriptions: items });

	it('create subscribes its webhook URL with the protocol of its scheme and keeps the URN', async () => {
		let sent: IDataObject = {};
		nock(SMN)
			.post(`${V2}/topics/${TOPIC}/subscriptions`, (body) => {
				sent = body;
				return true;
			})
			.reply(201, { request_id: 'r', subscription_urn: SUBSCRIPTION });
		const trigger = smnTrigger();

		expect(await trigger.hook('create')).toBe(true);

		expect(sent.protocol).toBe('http');
		expect(sent.endpoint).toMatch(WEBHOOK);
		expect(sent.remark).toBe('n8n workflow wf-under-test');
		expect(trigger.staticData).toEqual({ subscriptionUrn: SUBSCRIPTION, topicUrn: TOPIC, endpoint: sent.endpoint });
	});

	it('create adopts a subscription that already exists (200)', async () => {
		nock(SMN).post(`${V2}/topics/${TOPIC}/subscriptions`).reply(200, { request_id: 'r', subscription_urn: SUBSCRIPTION, code: 'SMN.0190' });
		const trigger = smnTrigger();

		await trigger.hook('create');

		expect(trigger.staticData.subscriptionUrn).toBe(SUBSCRIPTION);
	});

	it('create fails with the SMN error (e.g. a private endpoint) and stores nothing', async () => {
		nock(SMN).post(`${V2}/topics/${TOPIC}/subscriptions`).reply(403, { request_id: 'r', code: 'SMN.0069', message: 'Not authorized to subscribe internal endpoints.' });
		const trigger = smnTrigger();

		await expect(trigger.hook('create')).rejects.toThrow('SMN.0069');
		expect(trigger.staticData).toEqual({});
	});

	it('checkExists finds the stored subscription on a later page and reports it confirmed', async () => {
		const filler = Array.from({ length: 100 }, (_, i) => ({ subscription_urn: `${TOPIC}:${String(i).padStart(32, '0')}`, endpoint: `https://x${i}.example.com`, status: 1 }));
		nock(SMN).get(`${V2}/topics/${TOPIC}/subscriptions`).query({ offset: 0, limit: 100 }).reply(200, listed(filler));
		nock(SMN).get(`${V2}/topics/${TOPIC}/subscriptions`).query({ offset: 100, limit: 100 }).reply(200, listed([{ subscription_urn: SUBSCRIPTION, endpoint: 'whatever', status: 1 }]));
		const harness = smnTrigger();
		const endpoint = `http://127.0.0.1:5678/webhook/${harness.node.webhookId}/webhook`;
		const trigger = smnTrigger(undefined, { subscriptionUrn: SUBSCRIPTION, topicUrn: TOPIC, endpoint });

		expect(await trigger.hook('checkExists')).toBe(true);
		expect(trigger.staticData.subscriptionUrn).toBe(SUBSCRIPTION);
	});

	it('checkExists adopts a confirmed subscription of its own URL when nothing is stored', async () => {
		const harness = smnTrigger();
		const endpoint = `http://127.0.0.1:5678/webhook/${harness.node.webhookId}/webhook`;
		nock(SMN).get(`${V2}/topics/${TOPIC}/subscriptions`).query(true).reply(200, listed([{ subscription_urn: SUBSCRIPTION, endpoint, status: 2 }]));

		expect(await harness.hook('checkExists')).toBe(true);
		expect(harness.staticData).toMatchObject({ subscriptionUrn: SUBSCRIPTION, topicUrn: TOPIC, endpoint });
	});

	it('checkExists replaces an unconfirmed subscription: deletes it and reports none', async () => {
		const harness = smnTrigger(undefined, { subscriptionUrn: SUBSCRIPTION, topicUrn: TOPIC });
		const endpoint = `http://127.0.0.1:5678/webhook/${harness.node.webhookId}/webhook`;
		Object.assign(harness.staticData, { endpoint });
		nock(SMN).get(`${V2}/topics/${TOPIC}/subscriptions`).query(true).reply(200, listed([{ subscription_urn: SUBSCRIPTION, endpoint, status: 0 }]));
		const removed = nock(SMN).delete(`${V2}/subscriptions/${SUBSCRIPTION}`).reply(200, { request_id: 'r' });

		expect(await harness.hook('checkExists')).toBe(false);
		expect(removed.isDone()).toBe(true);
		expect(harness.staticData).toEqual({});
	});

	it('checkExists forgets a subscription SMN no longer has', async () => {
		nock(SMN).get(`${V2}/topics/${TOPIC}/subscriptions`).query(true).reply(200, listed([]));
		const harness = smnTrigger(undefined, { subscriptionUrn: SUBSCRIPTION, topicUrn: TOPIC });
		Object.assign(harness.staticData, { endpoint: `http://127.0.0.1:5678/webhook/${harness.node.webhookId}/webhook` });

		expect(await harness.hook('checkExists')).toBe(false);
		expect(harness.staticData).toEqual({});
	});

	it('checkExists deletes the subscription of a topic that is no longer configured', async () => {
		const oldTopic = `urn:smn:${REGION}:${PROJECT}:legacy`;
		const oldSubscription = `${oldTopic}:${'c'.repeat(32)}`;
		const removed = nock(SMN).delete(`${V2}/subscriptions/${oldSubscription}`).reply(200, { request_id: 'r' });
		nock(SMN).get(`${V2}/topics/${TOPIC}/subscriptions`).query(true).reply(200, listed([]));
		const harness = smnTrigger(undefined, { subscriptionUrn: oldSubscription, topicUrn: oldTopic, endpoint: 'x' });

		expect(await harness.hook('checkExists')).toBe(false);
		expect(removed.isDone()).toBe(true);
		expect(harness.staticData).toEqual({});
	});

	it('checkExists rejects a malformed topic before any call', async () => {
		await expect(smnTrigger({ topic: urnLocator('not-a-urn') }).hook('checkExists')).rejects.toThrow('Topic is not a valid topic URN');
	});

	it('delete removes the subscription and forgets it', async () => {
		const removed = nock(SMN).delete(`${V2}/subscriptions/${SUBSCRIPTION}`).reply(200, { request_id: 'r' });
		const harness = smnTrigger(undefined, { subscriptionUrn: SUBSCRIPTION, topicUrn: TOPIC, endpoint: 'x' });

		expect(await harness.hook('delete')).toBe(true);
		expect(removed.isDone()).toBe(true);
		expect(harness.staticData).toEqual({});
	});

	it('delete counts a subscription that is already gone as deleted', async () => {
		nock(SMN).delete(`${V2}/subscriptions/${SUBSCRIPTION}`).reply(404, { request_id: 'r', code: 'SMN.0013', message: 'Subscription not found.' });
		const harness = smnTrigger(undefined, { subscriptionUrn: SUBSCRIPTION, topicUrn: TOPIC, endpoint: 'x' });

		expect(await harness.hook('delete')).toBe(true);
		expect(harness.staticData).toEqual({});
	});

	it('delete returns false, keeps the URN and logs when SMN refuses', async () => {
		nock(SMN).delete(`${V2}/subscriptions/${SUBSCRIPTION}`).reply(403, { request_id: 'r', code: 'SMN.0001', message: 'No permission.' });
		const harness = smnTrigger(undefined, { subscriptionUrn: SUBSCRIPTION, topicUrn: TOPIC, endpoint: 'x' });

		expect(await harness.hook('delete')).toBe(false);
		expect(harness.staticData.subscriptionUrn).toBe(SUBSCRIPTION);
	});

	it('delete without a stored subscription does nothing', async () => {
		expect(await smnTrigger().hook('delete')).toBe(true);
	});
});
