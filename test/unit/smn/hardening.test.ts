/**
 * The SMN Trigger against the findings of an adversarial review: field-shift replays through the
 * unescaped string to sign, bodies of every odd shape and size, certificate URLs that smuggle line
 * breaks or respell the real one, failures and concurrency around certificate downloads, and
 * de-duplication that must be per workflow and node. Messages are signed with the emulator's signer
 * (dev/emulator/smn-crypto.ts), not the node's code.
 */
import { Logger } from '@n8n/backend-common';
import { Container } from '@n8n/di';
import nock from 'nock';
import type { IDataObject } from 'n8n-workflow';
import { CertificateStore, smnCertificates, type CertificateDownload } from '../../../nodes/HuaweiSmn/certificates';
import { deliveryKeys, parseMessageText } from '../../../nodes/HuaweiSmn/callback';
import { SINGLE_LINE_FIELDS } from '../../../nodes/HuaweiSmn/crypto';
import { canonicalCertificateUrl, isTrustedCertificateUrl } from '../../../nodes/HuaweiSmn/verify';
import { forLog } from '../../../nodes/shared/log';
import type { WebhookRequest } from '../../harness/node-harness';
import { outboundRequestsDuring } from '../../harness/odd-bodies';
import { CONFIRM_URL, REGION, SMN, certificateName, createSigningCertificates, expectUntouched, signedSmnMessage, smnCrypto, smnTrigger, signedIn, urnLocator, type SignedMessage, type SigningOptions, type SmnCertificate } from './fixtures';

let current: SmnCertificate;
let stranger: SmnCertificate;

beforeAll(() => {
	({ current, stranger } = createSigningCertificates());
}, 60_000);

beforeEach(() => smnCertificates.reset());

/** A message signed with the current certificate unless another key is given. */
function signed(fields: IDataObject = {}, options: Partial<SigningOptions> = {}): SignedMessage {
	return signedSmnMessage(fields, { key: current, ...options });
}

const serveCertificate = (built: SignedMessage, pem = current.pem) => nock(SMN).get(built.certificatePath).reply(200, pem);

const request = (body: IDataObject, headers: Record<string, string> = {}): WebhookRequest => ({
	body,
	headers: { 'content-type': 'application/json', 'x-smn-message-type': String(body.type), ...headers },
});

const trigger = (ids: { workflowId?: string; nodeId?: string } = {}) => smnTrigger({ topic: urnLocator() }, undefined, signedIn, ids);

/** Every request that left (or tried to leave) the process while the callback ran, and what the callback answered. */
async function outboundDuring<T>(run: () => Promise<T>): Promise<{ value: T; outbound: string[] }> {
	let value!: T;
	const outbound = await outboundRequestsDuring(async () => {
		value = await run();
	});
	return { value, outbound };
}

describe('SMN Trigger: field-shift replays', () => {
	it('refuses a genuine message whose subject was folded into message_id (same string to sign): 401, one execution in all', async () => {
		const harness = trigger();
		const genuine = signed({ subject: 'order created' });
		serveCertificate(genuine);
		expect((await harness.webhook(request(genuine.body))).result.workflowData?.[0]).toHaveLength(1);

		const shifted: IDataObject = { ...genuine.body, message_id: `${String(genuine.body.message_id)}\nsubject\norder created` };
		delete shifted.subject;
		// The attack is real: SMN's string to sign cannot tell the two apart, so the signature still verifies.
		expect(smnCrypto.smnStringToSign(shifted)).toBe(smnCrypto.smnStringToSign(genuine.body));

		const { value, outbound } = await outboundDuring(() => harness.webhook(request(shifted)));
		expect(value.response.statusCode).toBe(401);
		expect(value.result.workflowData).toBeUndefined();
		expect(outbound).toEqual([]);
	});

	it('refuses a message cut at an embedded "\\nmessage_id\\n" ("pay 10\\nmessage_id\\nX" replayed as "pay 10"): 401', async () => {
		const harness = trigger();
		const genuine = signed({ message: 'pay 10\nmessage_id\nX', message_id: 'Y' });
		serveCertificate(genuine);
		const first = await harness.webhook(request(genuine.body));
		expect(first.result.workflowData?.[0][0].json.rawMessage).toBe('pay 10\nmessage_id\nX');

		const cut: IDataObject = { ...genuine.body, message: 'pay 10', message_id: 'X\nmessage_id\nY' };
		expect(smnCrypto.smnStringToSign(cut)).toBe(smnCrypto.smnStringToSign(genuine.body));

		const { response, result } = await harness.webhook(request(cut));
		expect(response.statusCode).toBe(401);
		expect(result.workflowData).toBeUndefined();
	});

	it.each(SINGLE_LINE_FIELDS.flatMap((field) => ['\n', '\r'].map((lineBreak) => [field, lineBreak] as const)))(
		'refuses %s with a line break (%j) before fetching anything, even when the signature covers it',
		async (field, lineBreak) => {
			const confirmationField = field === 'subscribe_url';
			const base: IDataObject = confirmationField
				? { type: 'SubscriptionConfirmation', subject: undefined, subscribe_url: CONFIRM_URL, message: 'Please confirm.' }
				: field === 'unsubscribe_url'
					? { unsubscribe_url: 'https://console.huaweicloud.com/smn/subscription/unsubscribe?region=cn-north-4' }
					: {};
			const name = certificateName();
			const value = (original: string) => (field === 'signing_cert_url' ? `${SMN}/smn/${name.replace('.pem', `${lineBreak}.pem`)}` : `${original.slice(0, 5)}${lineBreak}${original.slice(5)}`);
			const unsigned = signed(base, { name }).body;
			const built = signed({ ...base, [field]: value(String(unsigned[field] ?? 'Order update')) }, { name });
			const certificate = nock(SMN).get(`/smn/${name}`).reply(200, current.pem);

			const { value: delivered, outbound } = await outboundDuring(() => trigger().webhook(request(built.body)));

			// A type with a line break is no known type (400); every other field is refused as forged (401).
			expect(delivered.response.statusCode).toBe(field === 'type' ? 400 : 401);
			expect(delivered.result.workflowData).toBeUndefined();
			expect(outbound).toEqual([]);
			expectUntouched(certificate);
		},
	);

	it('accepts line breaks in the message text itself, which SMN does send', async () => {
		const built = signed({ message: 'line one\nline two\r\nline three' });
		serveCertificate(built);

		const { result } = await trigger().webhook(request(built.body));

		expect(result.workflowData?.[0][0].json.message).toBe('line one\nline two\r\nline three');
	});

	it('keys de-duplication by the signed content plus workflow and node: both shifted variants share one key', () => {
		const genuine = signed({ subject: 'order created' }).body;
		const shifted: IDataObject = { ...genuine, message_id: `${String(genuine.message_id)}\nsubject\norder created` };
		delete shifted.subject;
		const scope = { workflowId: 'wf-1', nodeId: 'node-1' };

		const original = deliveryKeys(scope, String(genuine.message_id), smnCrypto.smnStringToSign(genuine));
		const replayed = deliveryKeys(scope, String(shifted.message_id), smnCrypto.smnStringToSign(shifted));

		// The message IDs differ, the signed content does not: the content key catches the replay.
		expect(replayed.id).not.toBe(original.id);
		expect(replayed.content).toBe(original.content);
		expect(deliveryKeys({ ...scope, workflowId: 'wf-2' }, String(genuine.message_id), smnCrypto.smnStringToSign(genuine)).content).not.toBe(original.content);
		expect(deliveryKeys({ ...scope, nodeId: 'node-2' }, String(genuine.message_id), smnCrypto.smnStringToSign(genuine)).id).not.toBe(original.id);
	});
});

describe('SMN Trigger: odd bodies get a 4xx, start nothing and fetch nothing', () => {
	const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
	const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
	const nestedValue = (depth: number) => {
		let value: IDataObject = { a: 1 };
		for (let i = 0; i < depth; i++) value = { a: value };
		return value;
	};

	it.each<[string, () => WebhookRequest, number]>([
		['JSON null', () => ({ rawBody: 'null', body: null }), 400],
		['an empty array', () => ({ rawBody: '[]', body: [] }), 400],
		['an array holding a signed message', () => ({ rawBody: JSON.stringify([signed().body]), body: [signed().body] }), 400],
		['a JSON string', () => ({ rawBody: '"Notification"', body: 'Notification' }), 400],
		['a JSON number', () => ({ rawBody: '42', body: 42 }), 400],
		['JSON true', () => ({ rawBody: 'true', body: true }), 400],
		['invalid JSON', () => ({ rawBody: '{"type":"Notification",', body: {} }), 400],
		['text that is not JSON', () => ({ rawBody: 'type=Notification&message=hi', body: 'type=Notification&message=hi' }), 400],
		['an empty body', () => ({ rawBody: '', body: {} }), 400],
		['an incomplete message carrying a status of its own', () => ({ rawBody: JSON.stringify({ type: 'Notification', status: 200, reason: 'OK' }), body: {} }), 400],
		['arrays nested 100,000 deep', () => ({ rawBody: deepArray(100_000), body: {} }), 400],
		['objects nested 100,000 deep', () => ({ rawBody: deepObject(100_000), body: {} }), 400],
		['a 300 KiB body that is not an SMN message', () => ({ rawBody: JSON.stringify({ x: 'a'.repeat(300 * 1024) }), body: {} }), 400],
		['a 2 MiB body', () => ({ rawBody: JSON.stringify({ ...signed().body, padding: 'a'.repeat(2 * 1024 * 1024) }), body: {} }), 413],
		['a 2 MiB body as a string', () => ({ rawBody: 'x'.repeat(2 * 1024 * 1024), body: {} }), 413],
		// Without rawBody (as for multipart bodies) n8n's parsed body is all there is; it is never serialised again.
		['null without a raw body', () => ({ rawBody: null, body: null }), 400],
		['no body at all', () => ({ rawBody: null, body: undefined }), 400],
		['an array without a raw body', () => ({ rawBody: null, body: [signed().body] }), 400],
		['a string without a raw body', () => ({ rawBody: null, body: 'Notification' }), 400],
		['a number without a raw body', () => ({ rawBody: null, body: 42 }), 400],
		['objects nested 100,000 deep without a raw body', () => ({ rawBody: null, body: nestedValue(100_000) }), 400],
	])('%s', async (_label, make, status) => {
		const built = make();
		const certificate = nock(SMN).persist().get(/^\/smn\//).reply(200, current.pem);

		const { value, outbound } = await outboundDuring(() =>
			trigger().webhook({ ...built, headers: { 'content-type': 'application/json', 'x-smn-message-type': 'Notification' } }),
		);

		expect(value.response.statusCode).toBe(status);
		expect(value.response.ended).toBe(true);
		expect(value.result).toEqual({ noWebhookResponse: true });
		expect(outbound).toEqual([]);
		expectUntouched(certificate);
	});

	it('answers a forged message that carries fields named status and rejection of its own with 401', async () => {
		const built = signed({}, { key: stranger });
		serveCertificate(built);

		const { response, result } = await trigger().webhook(request({ ...built.body, status: 200, rejection: { status: 200 } }));

		expect(response.statusCode).toBe(401);
		expect(result.workflowData).toBeUndefined();
	});

	it('reads only the known fields of a body without raw bytes: a genuine message with an extra field nested 100,000 deep runs once', async () => {
		const built = signed();
		serveCertificate(built);

		const { response, result } = await trigger().webhook({ ...request({ ...built.body, extra: nestedValue(100_000) }), rawBody: null });

		expect(response.statusCode).toBe(200);
		expect(result.workflowData?.[0][0].json).not.toHaveProperty('extra');
	});

	it('refuses a genuinely signed message whose text exceeds SMN\'s 256 KB with 413, before fetching its certificate', async () => {
		const built = signed({ message: 'x'.repeat(256 * 1024 + 1) });
		const certificate = serveCertificate(built);

		const { response, result } = await trigger().webhook(request(built.body));

		expect(response.statusCode).toBe(413);
		expect(result.workflowData).toBeUndefined();
		expectUntouched(certificate);
	});

	it('accepts a genuine message of exactly 256 KiB, and keeps message text nested deeper than 128 as text', async () => {
		const big = signed({ message: 'x'.repeat(256 * 1024) });
		serveCertificate(big);
		expect((await trigger().webhook(request(big.body))).result.workflowData?.[0]).toHaveLength(1);

		const deep = deepArray(10_000);
		expect(parseMessageText(deep)).toBe(deep);
		expect(parseMessageText(deepArray(100))).toEqual(JSON.parse(deepArray(100)));
	});
});

describe('SMN Trigger: certificate URLs and logs', () => {
	const real = `${SMN}/smn/SMN_${REGION}_${'ab'.repeat(16)}.pem`;
	const path = new URL(real).pathname;

	it.each([
		['the host in upper case', `https://SMN.CN-NORTH-4.MYHUAWEICLOUD.COM${path}`],
		['the scheme in upper case', `HTTPS://smn.${REGION}.myhuaweicloud.com${path}`],
		['the default port', `https://smn.${REGION}.myhuaweicloud.com:443${path}`],
		['a "." segment', `${SMN}/smn/.${path.slice(4)}`],
		['a ".." segment', `${SMN}/smn/x/..${path.slice(4)}`],
		['an encoded "." segment', `${SMN}/smn/%2e${path.slice(4)}`],
	])('spells %s as the one canonical URL', (_label, variant) => {
		expect(canonicalCertificateUrl(variant)).toBe(real);
	});

	it.each([
		['a tab in the host', `https://smn.${REGION}.myhuawei\tcloud.com${path}`],
		['a line feed in the host', `https://smn.${REGION}.myhuawei\ncloud.com${path}`],
		['a carriage return in the path', `${SMN}/smn/\r${path.slice(5)}`],
		['CR LF at the end', `${real}\r\n`],
		['a leading space', ` ${real}`],
		['a trailing space', `${real} `],
		['a backslash for a slash', `${SMN}\\smn\\${path.slice(5)}`],
		['an empty query', `${real}?`],
		['an empty fragment', `${real}#`],
		['empty user info', `https://@smn.${REGION}.myhuaweicloud.com${path}`],
		['a non-ASCII character', `https://smn.${REGION}.myhuaweicloud.com${path.replace('SMN', 'ＳMN')}`],
	])('refuses a certificate URL with %s before parsing it', (_label, variant) => {
		expect(canonicalCertificateUrl(variant)).toBeUndefined();
		expect(isTrustedCertificateUrl(variant, { region: REGION })).toBe(false);
	});

	it.each([
		['a line feed', '\n'],
		['a carriage return', '\r'],
		['a tab', '\t'],
	])('refuses a signing_cert_url with %s in its host (which the URL parser would strip) without fetching or logging it', async (_label, character) => {
		const warn = jest.spyOn(Container.get(Logger), 'warn');
		try {
			const name = certificateName();
			const injected = `https://smn.${REGION}.myhuawei${character}cloud.com/smn/${name}`;
			const built = signed({ signing_cert_url: injected }, { name });

			const { value, outbound } = await outboundDuring(() => trigger().webhook(request(built.body)));

			expect(value.response.statusCode).toBe(401);
			expect(outbound).toEqual([]);
			expect(warn).not.toHaveBeenCalled();
		} finally {
			warn.mockRestore();
		}
	});

	it('writes a failed download into the log with its control characters escaped and its length capped', async () => {
		const warn = jest.spyOn(Container.get(Logger), 'warn');
		try {
			const built = signed();
			nock(SMN).get(built.certificatePath).replyWithError(`socket hang up\r\n2030-01-01T00:00:00Z error forged entry ${'x'.repeat(500)}`);

			const { response } = await trigger().webhook(request(built.body));

			expect(response.statusCode).toBe(503);
			expect(warn).toHaveBeenCalledTimes(1);
			const line = String(warn.mock.calls[0][0]);
			expect(line).not.toMatch(/[\r\n]/);
			expect(line).toContain('socket hang up\\x0d\\x0a2030');
			expect(line.length).toBeLessThan(500);
		} finally {
			warn.mockRestore();
		}
	});

	it('forLog escapes control, line-separator and direction-override characters and caps the length', () => {
		expect(forLog('a\nb\r\u001b[31m\u0085\u2028\u202e\u2066z')).toBe('a\\x0ab\\x0d\\x1b[31m\\x85\\u2028\\u202e\\u2066z');
		expect(forLog('x'.repeat(1000))).toBe(`${'x'.repeat(200)}…`);
		expect(forLog('😀'.repeat(300))).toBe(`${'😀'.repeat(200)}…`);
		expect(forLog(undefined)).toBe('undefined');
	});
});

describe('SMN Trigger: certificate downloads', () => {
	it('fetches one certificate once for 20 concurrent genuine messages naming it, and runs each message once', async () => {
		const name = certificateName();
		let downloads = 0;
		nock(SMN)
			.get(`/smn/${name}`)
			.delay(50)
			.reply(() => {
				downloads++;
				return [200, current.pem];
			});
		const harness = trigger();

		const results = await Promise.all(Array.from({ length: 20 }, () => harness.webhook(request(signed({}, { name }).body))));

		expect(downloads).toBe(1);
		expect(results.map(({ response, result }) => [response.statusCode, result.workflowData?.[0].length])).toEqual(Array.from({ length: 20 }, () => [200, 1]));
	});

	it('remembers a certificate URL that failed: the same URL again is refused with no second GET', async () => {
		const name = certificateName();
		const first = nock(SMN).get(`/smn/${name}`).reply(404, 'not found');
		const harness = trigger();

		expect((await harness.webhook(request(signed({}, { name, key: stranger }).body))).response.statusCode).toBe(401);
		expect(first.isDone()).toBe(true);
		const second = nock(SMN).get(`/smn/${name}`).reply(200, current.pem);
		const again = await harness.webhook(request(signed({}, { name }).body));

		expect(again.response.statusCode).toBe(401);
		expectUntouched(second);
	});

	it('answers 503 (SMN retries) when Huawei\'s host fails transiently, and remembers that too', async () => {
		const name = certificateName();
		nock(SMN).get(`/smn/${name}`).reply(502, 'bad gateway');
		const harness = trigger();

		const first = await harness.webhook(request(signed({}, { name }).body));
		const retry = nock(SMN).get(`/smn/${name}`).reply(200, current.pem);
		const second = await harness.webhook(request(signed({}, { name }).body));

		expect(first.response).toMatchObject({ statusCode: 503, headers: { 'retry-after': '60' } });
		expect(second.response.statusCode).toBe(503);
		expectUntouched(retry);
	});

	it('needs no GET for any spelling of a cached certificate URL, and 40 respellings do not push it out', async () => {
		const name = certificateName();
		const genuine = signed({}, { name });
		serveCertificate(genuine);
		const harness = trigger();
		expect((await harness.webhook(request(genuine.body))).result.workflowData?.[0]).toHaveLength(1);
		const host = `smn.${REGION}.myhuaweicloud.com`;
		const recase = (i: number) => host.replace(/[a-z]/g, (c, at: number) => ((i >> at % 20) & 1 ? c.toUpperCase() : c));
		const respellings = Array.from({ length: 40 }, (_, i) => `https://${recase(i + 1)}${i % 2 ? ':443' : ''}/smn/${i % 3 ? '.' : 'x/..'}/${name}`);
		expect(new Set(respellings).size).toBe(40);
		const anyGet = nock(SMN).persist().get(/.*/).reply(200, current.pem);

		for (const url of respellings) {
			const forged = signed({ signing_cert_url: url }, { key: stranger, name });
			expect((await harness.webhook(request(forged.body))).response.statusCode).toBe(401);
		}
		const later = await harness.webhook(request(signed({}, { name }).body));

		expect(later.result.workflowData?.[0]).toHaveLength(1);
		expectUntouched(anyGet);
	});
});

describe('SMN Trigger: de-duplication per workflow and node', () => {
	it('runs one message in each of two workflows subscribed to the topic, and a redelivery in neither', async () => {
		const built = signed();
		serveCertificate(built);
		const orders = trigger({ workflowId: 'wf-orders' });
		const audit = trigger({ workflowId: 'wf-audit' });

		const first = await orders.webhook(request(built.body));
		const second = await audit.webhook(request(built.body));
		const redelivered = [await orders.webhook(request(built.body)), await audit.webhook(request(built.body))];

		expect(first.result.workflowData?.[0]).toHaveLength(1);
		expect(second.result.workflowData?.[0]).toHaveLength(1);
		expect(redelivered.map(({ response, result }) => [response.statusCode, result.workflowData])).toEqual([
			[200, undefined],
			[200, undefined],
		]);
	});

	it('runs one message in each of two SMN trigger nodes of one workflow', async () => {
		const built = signed();
		serveCertificate(built);

		const first = await trigger({ workflowId: 'wf-both', nodeId: 'trigger-a' }).webhook(request(built.body));
		const second = await trigger({ workflowId: 'wf-both', nodeId: 'trigger-b' }).webhook(request(built.body));

		expect(first.result.workflowData?.[0]).toHaveLength(1);
		expect(second.result.workflowData?.[0]).toHaveLength(1);
	});
});

describe('SMN certificate store', () => {
	const URL_A = `${SMN}/smn/SMN_${REGION}_${'a'.repeat(32)}.pem`;
	const urlOf = (i: number) => `${SMN}/smn/SMN_${REGION}_${i.toString(16).padStart(32, '0')}.pem`;

	function store(overrides: Partial<ConstructorParameters<typeof CertificateStore>[0]> = {}) {
		const clock = { now: Date.now() };
		const downloads: string[] = [];
		const certificates = new CertificateStore({
			fetchesPerWindow: 10,
			windowMs: 60_000,
			failureTtlMs: 60_000,
			maxCertificates: 32,
			maxFailures: 256,
			now: () => clock.now,
			...overrides,
		});
		const serve =
			(result: (url: string) => CertificateDownload) =>
			async (url: string): Promise<CertificateDownload> => {
				downloads.push(url);
				return result(url);
			};
		return { clock, downloads, certificates, serve };
	}

	it('starts at most 10 downloads per minute, and 10 more once the minute is over', async () => {
		const { clock, downloads, certificates, serve } = store();
		const missing = serve(() => ({ kind: 'invalid', reason: 'HTTP 404' }));

		const first = await Promise.all(Array.from({ length: 25 }, (_, i) => certificates.lookup(urlOf(i), missing)));
		clock.now += 30_000;
		const halfway = await certificates.lookup(urlOf(100), missing);
		clock.now += 30_001;
		const next = await Promise.all(Array.from({ length: 25 }, (_, i) => certificates.lookup(urlOf(200 + i), missing)));

		expect(first.map((result) => result.status)).toEqual([...Array(10).fill('invalid'), ...Array(15).fill('unavailable')]);
		expect(first.slice(10).every((result) => result.status === 'unavailable' && result.budgetExhausted)).toBe(true);
		expect(halfway).toMatchObject({ status: 'unavailable', budgetExhausted: true });
		expect(next.filter((result) => result.status === 'invalid')).toHaveLength(10);
		expect(downloads).toHaveLength(20);
		expect(certificates.shouldReportExhaustedBudget()).toBe(true);
		expect(certificates.shouldReportExhaustedBudget()).toBe(false);
	});

	it('answers a failed URL from memory for 60 s, then tries it again', async () => {
		const { clock, downloads, certificates, serve } = store();
		const missing = serve(() => ({ kind: 'invalid', reason: 'HTTP 404' }));

		await certificates.lookup(URL_A, missing);
		clock.now += 59_999;
		const remembered = await certificates.lookup(URL_A, missing);
		clock.now += 2;
		await certificates.lookup(URL_A, missing);

		expect(remembered).toMatchObject({ status: 'invalid', fetched: false });
		expect(downloads).toEqual([URL_A, URL_A]);
	});

	it('shares one download among concurrent lookups of one URL', async () => {
		const { downloads, certificates, serve } = store();
		let release: (value: CertificateDownload) => void = () => undefined;
		const slow = serve(() => ({ kind: 'invalid', reason: 'unused' }));
		const gated = async (url: string) => {
			await slow(url);
			return await new Promise<CertificateDownload>((resolve) => (release = resolve));
		};

		const pending = Array.from({ length: 100 }, () => certificates.lookup(URL_A, gated));
		await new Promise((resolve) => setImmediate(resolve));
		release({ kind: 'pem', pem: current.pem });
		const results = await Promise.all(pending);

		expect(downloads).toHaveLength(1);
		expect(results.every((result) => result.status === 'ok')).toBe(true);
		expect(results.filter((result) => result.fetched)).toHaveLength(1);
	});

	it('never evicts a certificate that verified a message, however many others are cached after it', async () => {
		const { certificates, serve } = store({ fetchesPerWindow: 1000 });
		const ok = serve(() => ({ kind: 'pem', pem: current.pem }));

		await certificates.lookup(URL_A, ok);
		certificates.markProven(URL_A);
		for (let i = 0; i < 100; i++) await certificates.lookup(urlOf(i), ok);

		expect(certificates.has(URL_A)).toBe(true);
		expect(certificates.has(urlOf(99))).toBe(true);
		expect(certificates.has(urlOf(0))).toBe(false);
	});

	it('drops a cached certificate once it has expired, and downloads it again', async () => {
		const { clock, downloads, certificates, serve } = store();
		const ok = serve(() => ({ kind: 'pem', pem: current.pem }));

		await certificates.lookup(URL_A, ok);
		clock.now += 2 * 365 * 24 * 3600_000;
		const later = await certificates.lookup(URL_A, ok);

		expect(downloads).toEqual([URL_A, URL_A]);
		expect(later).toMatchObject({ status: 'invalid', reason: 'certificate is not currently valid' });
	});
});
