/**
 * Huawei Cloud SMN Trigger under a flood of forged messages that each name a signing certificate URL
 * on Huawei's own (allow-listed) host: the outbound certificate GETs stay within the per-process budget
 * (10 per minute), concurrent messages naming one URL share one GET, failures are remembered, respellings
 * of the real URL cost nothing, and the real certificate stays cached throughout. Messages are signed
 * by the SMN emulator's signer; Huawei's host is played by nock.
 */
import { Logger } from '@n8n/backend-common';
import { Container } from '@n8n/di';
import nock from 'nock';
import { HuaweiCloudApi } from '../../credentials/HuaweiCloudApi.credentials';
import { CERTIFICATE_FETCHES_PER_MINUTE } from '../../nodes/HuaweiSmn/certificates';
import { HuaweiSmnTrigger } from '../../nodes/HuaweiSmn/HuaweiSmnTrigger.node';
import { NodeHarness, type WebhookRequest } from '../harness/node-harness';
import { strayRequests } from './setup';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createSmnEmulator } = require('../../dev/emulator/smn');

type Message = Record<string, unknown>;

// Not started: only its signing keys and certificates are used.
const vendor = createSmnEmulator();
const REGION = vendor.region as string;
const HOST = `smn.${REGION}.myhuaweicloud.com`;
const SMN = `https://${HOST}`;
const TOPIC = vendor.topicUrn('orders') as string;
const REAL_URL = vendor.certificateUrl(SMN) as string;
const REAL_PATH = new URL(REAL_URL).pathname;
const REAL_NAME = REAL_PATH.split('/').pop() as string;

const harness = new NodeHarness({
	nodeType: new HuaweiSmnTrigger(),
	credentialTypes: { huaweiCloudApi: new HuaweiCloudApi() },
	credentials: {
		huaweiCloudApi: {
			region: REGION,
			authType: 'password',
			userName: 'n8n-smn',
			password: 'pw',
			domainName: 'acme',
			sessionToken: 'MIIsession',
			sessionExpiresAt: Date.now() + 10 * 3600_000,
			sessionProjectId: vendor.projectId,
		},
	},
	parameters: { topic: { __rl: true, mode: 'urn', value: TOPIC } },
});

let sequence = 0;
const notification = (fields: Message = {}): Message => ({
	type: 'Notification',
	topic_urn: TOPIC,
	message_id: `flood${String(++sequence).padStart(27, '0')}`,
	message: JSON.stringify({ order: sequence }),
	subject: 'Order update',
	timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
	...fields,
});
/** Signed as SMN signs (or with a key that is not SMN's, `forge`), naming `signing_cert_url` (the real certificate by default). */
const sign = (message: Message, forge = false): Message => vendor.sign(message, { baseUrl: SMN, forge });
const deliver = (body: Message): WebhookRequest => ({ body, headers: { 'content-type': 'application/json', 'x-smn-message-type': String(body.type) } });
const forgedNaming = (url: string) => deliver(sign(notification({ signing_cert_url: url }), true));
const randomName = () => `SMN_${REGION}_${[...Array(32)].map(() => Math.floor(Math.random() * 16).toString(16)).join('')}.pem`;

async function send(requests: WebhookRequest[], concurrently: boolean) {
	const one = async (request: WebhookRequest) => {
		const { result, response } = await harness.webhook(request);
		return { status: response.statusCode, ran: result.workflowData !== undefined };
	};
	if (concurrently) return await Promise.all(requests.map(one));
	const outcomes = [];
	for (const request of requests) outcomes.push(await one(request));
	return outcomes;
}

const countBy = (outcomes: Array<{ status: number }>) =>
	outcomes.reduce<Record<number, number>>((counts, { status }) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }), {});

describe('Huawei Cloud SMN Trigger: a flood of forged certificate URLs', () => {
	it('makes at most 10 certificate GETs for 1,000+ forgeries, keeps the real certificate cached, and remembers failures', async () => {
		const gets: string[] = [];
		nock(SMN)
			.persist()
			.get(/^\/smn\//)
			.delay(20)
			.reply((path) => {
				gets.push(path);
				return path === REAL_PATH ? [200, vendor.certificatePem] : [404, { code: 'SMN.0404', message: 'Certificate not found.' }];
			});
		const warn = jest.spyOn(Container.get(Logger), 'warn');
		try {
			// A genuine message: the real certificate is fetched once and proven.
			const genuine = await send([deliver(sign(notification()))], false);
			expect(genuine).toEqual([{ status: 200, ran: true }]);
			expect(gets).toEqual([REAL_PATH]);

			// 100 concurrent forgeries naming one uncached URL: one GET between them.
			const shared = randomName();
			const concurrent = await send(Array.from({ length: 100 }, () => forgedNaming(`${SMN}/smn/${shared}`)), true);
			expect(countBy(concurrent)).toEqual({ 401: 100 });
			expect(gets).toEqual([REAL_PATH, `/smn/${shared}`]);

			// The failure is remembered: 100 more naming it cost nothing.
			const remembered = await send(Array.from({ length: 100 }, () => forgedNaming(`${SMN}/smn/${shared}`)), false);
			expect(countBy(remembered)).toEqual({ 401: 100 });
			expect(gets).toHaveLength(2);

			// Respellings of the real URL: the harmless ones are the same cache entry, the others are refused
			// unparsed. Forged ones fail the signature; the genuine message re-sent under each runs nothing.
			const casings = Array.from({ length: 40 }, (_, i) => HOST.replace(/[a-z]/g, (c, at: number) => (((i + 1) >> at % 20) & 1 ? c.toUpperCase() : c)));
			const respellings = [
				...casings.map((host, i) => `${i % 2 ? 'HTTPS' : 'https'}://${host}${i % 3 ? ':443' : ''}/smn/${i % 4 ? '.' : 'x/..'}/${REAL_NAME}`),
				`${SMN}/smn/%2e/${REAL_NAME}`,
				`https://smn.${REGION}.myhuawei\tcloud.com${REAL_PATH}`,
				`https://smn.${REGION}.myhuawei\ncloud.com${REAL_PATH}`,
				`${REAL_URL}\r\n`,
				` ${REAL_URL}`,
				`${REAL_URL} `,
				`${REAL_URL}?`,
				`${REAL_URL}#`,
				`https://@${HOST}${REAL_PATH}`,
				`${SMN}\\smn\\${REAL_NAME}`,
			];
			expect(new Set(respellings).size).toBe(respellings.length);
			const forgedRespelt = await send(respellings.map(forgedNaming), true);
			const genuineMessage = sign(notification());
			expect(await send([deliver(genuineMessage)], false)).toEqual([{ status: 200, ran: true }]);
			const genuineRespelt = await send(respellings.map((url) => deliver({ ...genuineMessage, signing_cert_url: url })), false);
			expect(countBy(forgedRespelt)).toEqual({ 401: respellings.length });
			expect(genuineRespelt.filter(({ ran }) => ran)).toEqual([]);
			expect(genuineRespelt.every(({ status }) => status === 200 || status === 401)).toBe(true);
			expect(gets).toHaveLength(2);

			// 1,000 forgeries, each naming a different certificate on Huawei's host: the budget's remaining
			// 8 GETs are made (those messages get 401), every other one is answered 503 without a GET.
			const flood = await send(Array.from({ length: 1000 }, () => forgedNaming(`${SMN}/smn/${randomName()}`)), true);
			expect(countBy(flood)).toEqual({ 401: CERTIFICATE_FETCHES_PER_MINUTE - 2, 503: 1000 - (CERTIFICATE_FETCHES_PER_MINUTE - 2) });
			expect(flood.filter(({ ran }) => ran)).toEqual([]);
			expect(CERTIFICATE_FETCHES_PER_MINUTE).toBe(10);
			expect(gets).toHaveLength(10);

			// The real certificate is still cached: a genuine message verifies with no new GET.
			expect(await send([deliver(sign(notification()))], false)).toEqual([{ status: 200, ran: true }]);
			// Failures are cached: a URL that failed in the flood is refused (401) without a GET, and one that
			// was never fetched still waits for the budget (503), also without a GET.
			const failedInFlood = gets[2];
			expect(await send([forgedNaming(`${SMN}${failedInFlood}`)], false)).toEqual([{ status: 401, ran: false }]);
			expect(await send([forgedNaming(`${SMN}/smn/${randomName()}`)], false)).toEqual([{ status: 503, ran: false }]);
			expect(gets).toHaveLength(10);
			expect(new Set(gets).size).toBe(10);

			// The spent budget is reported once, not once per message; failed downloads once each.
			const budgetWarnings = warn.mock.calls.filter(([line]) => String(line).includes('new signing certificate URLs within a minute'));
			expect(budgetWarnings).toHaveLength(1);
			expect(warn.mock.calls.filter(([line]) => String(line).includes('could not be loaded'))).toHaveLength(9);
			expect(strayRequests).toEqual([]);
			process.stderr.write(
				`[reliability] Huawei Cloud SMN certificate flood: ${1 + 200 + 2 * respellings.length + 1000 + 3} messages, ${gets.length} certificate GETs (budget ${CERTIFICATE_FETCHES_PER_MINUTE}/min), real certificate still cached\n`,
			);
		} finally {
			warn.mockRestore();
			nock.cleanAll();
		}
	});
});
