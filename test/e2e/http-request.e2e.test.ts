/**
 * The pack's four credentials in n8n's own HTTP Request node ("Predefined Credential Type"), in a
 * real n8n against the vendor emulators: the token is fetched, sent where the vendor expects it, and
 * renewed — when the vendor reports it expired, and by expiry time before it would be refused.
 */
import {
	dingTalkEmulatorCredential,
	feishuEmulatorCredential,
	smnEmulatorCredential,
	type EmulatorCredential,
} from '../../dev/emulator/credentials';
import type { RecordedRequest, RunningEmulator, Vendor } from '../../dev/emulator/server';
import { SESSION_RENEWAL_MARGIN_MS } from '../../lib/session';
import { emulatorControl } from './suite';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { actionWorkflow, postJson, sleep, startN8n } = require('../../dev/n8n/launcher');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startEmulator } = require('../../dev/emulator/server');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createDingTalkEmulator } = require('../../dev/emulator/dingtalk');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createFeishuEmulator } = require('../../dev/emulator/feishu');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createKdocsEmulator } = require('../../dev/emulator/kdocs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createSmnEmulator } = require('../../dev/emulator/smn');

jest.setTimeout(300_000);

type Json = Record<string, any>;
type Emulator = RunningEmulator<Vendor & Json>;

/** How long a token issued for the expiry-time test stays usable before the pack renews it. */
const USABLE_SECONDS = 3;

/** One call a builder makes with the HTTP Request node, and where the vendor wants its token. */
interface VendorCall {
	title: string;
	/** The HTTP Request node's parameters other than its authentication. */
	parameters(emulator: Emulator): Json;
	isApiCall(request: RecordedRequest): boolean;
	tokenSent(request: RecordedRequest): string | undefined;
	answer(emulator: Emulator): unknown;
}

interface VendorCase {
	vendor: 'dingtalk' | 'feishu' | 'kdocs' | 'smn';
	name: string;
	create(): Vendor;
	credential(emulator: Emulator): EmulatorCredential;
	tokenPath: string;
	/** The first call is the one the renewal tests make. */
	calls: VendorCall[];
	/** A token lifetime that leaves USABLE_SECONDS before the pack renews (Feishu's credential keeps 3 minutes in hand). */
	shortLifetimeSeconds: number;
	/** Whether the emulator holds this token as valid now. */
	isValidToken(emulator: Emulator, token: string): boolean;
	/** DingTalk answers a token request during a token's validity with the same token, its life extended. */
	reissuesValidToken?: boolean;
	/** The call whose API reports an expired token inside an HTTP 200 answer, and that answer. */
	expiryAnsweredWith200?: { call: number; answer: unknown };
}

const validUntil = (emulator: Emulator, token: string) => Number(emulator.vendor.state.tokens.get(token) ?? 0) > Date.now();
const lifetimeLeavingUsable = (heldBackSeconds = 0) => SESSION_RENEWAL_MARGIN_MS / 1000 + heldBackSeconds + USABLE_SECONDS;
const headerOf = (request: RecordedRequest, name: string) => {
	const value = request.headers[name];
	return Array.isArray(value) ? value[0] : value;
};

const FEISHU_DOC = 'doxcnHttpRequestNode0001';

const VENDORS: VendorCase[] = [
	{
		vendor: 'dingtalk',
		name: 'DingTalk',
		create: () => createDingTalkEmulator(),
		credential: dingTalkEmulatorCredential as (emulator: Emulator) => EmulatorCredential,
		tokenPath: '/v1.0/oauth2/accessToken',
		calls: [
			{
				title: 'a v1.0 API (api.dingtalk.com): token in the x-acs-dingtalk-access-token header',
				parameters: (emulator) => ({
					method: 'POST',
					url: `${emulator.url}/v1.0/storage/events/subscribe`,
					sendQuery: true,
					queryParameters: { parameters: [{ name: 'unionId', value: emulator.vendor.users.manager4220.unionid }] },
					sendBody: true,
					specifyBody: 'json',
					jsonBody: JSON.stringify({ scope: 'SPACE', scopeId: emulator.vendor.spaces[0] }),
				}),
				isApiCall: (request) => request.path === '/v1.0/storage/events/subscribe',
				tokenSent: (request) => {
					expect(request.query.access_token).toBeUndefined();
					return headerOf(request, 'x-acs-dingtalk-access-token');
				},
				answer: () => ({ success: true }),
			},
			{
				title: 'an old API (oapi.dingtalk.com): token in the access_token query parameter',
				parameters: (emulator) => ({ method: 'GET', url: `${emulator.url}/auth/scopes` }),
				isApiCall: (request) => request.path === '/auth/scopes',
				tokenSent: (request) => {
					expect(headerOf(request, 'x-acs-dingtalk-access-token')).toBeUndefined();
					return request.query.access_token;
				},
				answer: () => ({ errcode: 0, errmsg: 'ok', auth_user_field: ['name', 'unionid'], auth_org_scopes: { authed_dept: [1], authed_user: [] } }),
			},
		],
		shortLifetimeSeconds: lifetimeLeavingUsable(),
		isValidToken: validUntil,
		reissuesValidToken: true,
		expiryAnsweredWith200: {
			call: 1,
			answer: { errcode: 88, sub_code: '40014', sub_msg: '不合法的access_token', errmsg: 'ding talk error[subcode=40014,submsg=不合法的access_token]', request_id: 'emu' },
		},
	},
	{
		vendor: 'feishu',
		name: 'Feishu / Lark',
		create: () => createFeishuEmulator(),
		credential: feishuEmulatorCredential as (emulator: Emulator) => EmulatorCredential,
		tokenPath: '/open-apis/auth/v3/tenant_access_token/internal',
		calls: [
			{
				title: 'a drive API: token as Authorization: Bearer',
				parameters: (emulator) => ({
					method: 'GET',
					url: `${emulator.url}/open-apis/drive/v1/files/${FEISHU_DOC}/get_subscribe`,
					sendQuery: true,
					queryParameters: { parameters: [{ name: 'file_type', value: 'docx' }] },
				}),
				isApiCall: (request) => request.path === `/open-apis/drive/v1/files/${FEISHU_DOC}/get_subscribe`,
				tokenSent: (request) => /^Bearer (.+)$/.exec(headerOf(request, 'authorization') ?? '')?.[1],
				answer: () => ({ code: 0, msg: 'success', data: { is_subscribe: false } }),
			},
		],
		shortLifetimeSeconds: lifetimeLeavingUsable(180),
		isValidToken: validUntil,
	},
	{
		vendor: 'kdocs',
		name: 'Kdocs',
		create: () => createKdocsEmulator(),
		credential: (emulator) => ({
			name: 'Kdocs (emulator, renewing)',
			type: 'kdocsApi',
			data: {
				baseUrl: emulator.url,
				appId: emulator.vendor.appId,
				appSecretKey: emulator.vendor.appKey,
				refreshToken: emulator.vendor.refreshToken,
			},
		}),
		tokenPath: '/api/v1/oauth2/refresh_token',
		calls: [
			{
				title: 'the user API: token in the access_token query parameter',
				parameters: (emulator) => ({ method: 'GET', url: `${emulator.url}/api/v1/openapi/user/basic` }),
				isApiCall: (request) => request.path === '/api/v1/openapi/user/basic',
				tokenSent: (request) => request.query.access_token,
				answer: () => ({ code: 0, data: { id: 'u-emulator', name: 'Emulator User', avatar: '' } }),
			},
		],
		shortLifetimeSeconds: lifetimeLeavingUsable(),
		isValidToken: validUntil,
	},
	{
		vendor: 'smn',
		name: 'Huawei Cloud',
		create: () => createSmnEmulator(),
		credential: smnEmulatorCredential as (emulator: Emulator) => EmulatorCredential,
		tokenPath: '/v3/auth/tokens',
		calls: [
			{
				title: 'the SMN API with {project_id} in the URL: IAM token in X-Auth-Token',
				parameters: (emulator) => ({
					method: 'GET',
					url: `${emulator.url}/v2/{project_id}/notifications/topics`,
					sendQuery: true,
					queryParameters: { parameters: [{ name: 'limit', value: '10' }] },
				}),
				isApiCall: (request) => /^\/v2\/[^/]+\/notifications\/topics$/.test(request.path),
				tokenSent: (request) => {
					expect(request.path).toBe('/v2/0919a0fb38f24ff5b3e8c4a1b2c3d4e5/notifications/topics');
					return headerOf(request, 'x-auth-token');
				},
				answer: (emulator) => ({
					request_id: expect.any(String),
					topic_count: 2,
					topics: ['alerts', 'orders'].map((name) => expect.objectContaining({ name, topic_urn: emulator.vendor.topicUrn(name) })),
				}),
			},
		],
		shortLifetimeSeconds: lifetimeLeavingUsable(),
		isValidToken: validUntil,
	},
];

let n8n: any;
const emulators = new Map<string, Emulator>();

beforeAll(async () => {
	for (const { vendor, create } of VENDORS) emulators.set(vendor, await startEmulator(create()));
	n8n = await startN8n();
});

afterAll(async () => {
	await n8n?.stop();
	for (const emulator of emulators.values()) await emulator.close();
});

let webhookCounter = 0;

/** An active workflow: Webhook → HTTP Request node with the credential; `run()` calls it once and returns the items. */
async function httpRequestWorkflow(credential: { id: string; name: string }, type: string, parameters: Json) {
	const webhookId = `7e2e4a11-0000-4000-8000-${String(++webhookCounter).padStart(12, '0')}`;
	const workflow = actionWorkflow({
		name: `HTTP Request with ${type} ${webhookCounter}`,
		webhookId,
		actionNode: {
			id: 'http-request',
			name: 'HTTP Request',
			type: 'n8n-nodes-base.httpRequest',
			typeVersion: 4.2,
			parameters: { ...parameters, authentication: 'predefinedCredentialType', nodeCredentialType: type, options: {} },
			credentials: { [type]: credential },
		},
	});
	const created = await n8n.createWorkflow(workflow);
	const activation = await n8n.activate(created.id);
	expect(activation).toMatchObject({ status: 200 });
	return {
		run: async () => {
			const answer = await postJson(`${n8n.baseUrl}/webhook/${webhookId}`, {});
			return { status: answer.status, items: answer.body };
		},
	};
}

describe.each(VENDORS)('$name credential in the HTTP Request node', (vendorCase) => {
	const emulator = () => emulators.get(vendorCase.vendor)!;
	const { control, emulatorRequests, clearRequests } = emulatorControl(vendorCase.vendor, emulator as () => any);
	const workflows: Array<{ run: () => Promise<{ status: number; items: unknown }> }> = [];

	/** The token and API requests since clearRequests(), as `token` or the token each API call carried. */
	async function trail(call: VendorCall): Promise<string[]> {
		return (await emulatorRequests())
			.filter((request) => request.path === vendorCase.tokenPath || call.isApiCall(request as RecordedRequest))
			.map((request) => (request.path === vendorCase.tokenPath ? 'token request' : `call with ${call.tokenSent(request as RecordedRequest)}`));
	}

	beforeAll(async () => {
		const { name, type, data } = vendorCase.credential(emulator());
		const credential = await n8n.createCredential(name, type, data);
		for (const call of vendorCase.calls) workflows.push(await httpRequestWorkflow(credential, type, call.parameters(emulator())));
	});

	it.each(vendorCase.calls.map((call, index) => [call.title, index] as const))('fetches a token and calls %s', async (_, index) => {
		const call = vendorCase.calls[index];
		await clearRequests();

		const { status, items } = await workflows[index].run();

		expect(status).toBe(200);
		expect(items).toEqual([call.answer(emulator())]);
		const steps = await trail(call);
		// The first call of the credential fetches its token; later calls reuse the stored one.
		expect(steps.slice(-1)).toEqual([expect.stringMatching(/^call with \S+$/)]);
		expect(steps.filter((step) => step === 'token request')).toHaveLength(index === 0 ? 1 : 0);
		const token = steps.at(-1)!.replace('call with ', '');
		expect(vendorCase.isValidToken(emulator(), token)).toBe(true);
	});

	it(`renews the token once ${vendorCase.name} refuses it as expired, and the call succeeds`, async () => {
		const [call] = vendorCase.calls;
		await control('expire-tokens');
		await clearRequests();

		const { status, items } = await workflows[0].run();

		expect(status).toBe(200);
		expect(items).toEqual([call.answer(emulator())]);
		const [refused, renewal, retried, ...more] = await trail(call);
		expect([renewal, more]).toEqual(['token request', []]);
		expect(retried).not.toBe(refused);
		expect(vendorCase.isValidToken(emulator(), retried.replace('call with ', ''))).toBe(true);
	});

	const { expiryAnsweredWith200 } = vendorCase;
	if (expiryAnsweredWith200) {
		it('cannot renew on an expiry code inside an HTTP 200 answer: the node outputs the vendor\'s error (README says so)', async () => {
			const call = vendorCase.calls[expiryAnsweredWith200.call];
			await control('expire-tokens');
			await clearRequests();

			const { status, items } = await workflows[expiryAnsweredWith200.call].run();

			expect(status).toBe(200);
			expect(items).toEqual([expiryAnsweredWith200.answer]);
			expect(await trail(call)).toEqual([expect.stringMatching(/^call with \S+$/)]);
		});
	}

	it('renews by expiry time: the token nearing its expiry is never sent, a new one is fetched first', async () => {
		const [call] = vendorCase.calls;
		// Tokens issued from now on reach the pack's renewal time within seconds; expiring the current ones
		// makes the vendor issue such a token rather than hand out the one it issued before.
		const usualLifetime = emulator().vendor.state.tokenLifetimeSeconds;
		await control('token-lifetime', { seconds: vendorCase.shortLifetimeSeconds });
		await control('expire-tokens');
		try {
			const { name, type, data } = vendorCase.credential(emulator());
			const credential = await n8n.createCredential(`${name} (short-lived tokens)`, type, data);
			const workflow = await httpRequestWorkflow(credential, type, call.parameters(emulator()));
			await clearRequests();
			expect((await workflow.run()).status).toBe(200);
			const [firstToken, firstCall] = await trail(call);
			expect(firstToken).toBe('token request');
			await sleep(USABLE_SECONDS * 1000 + 500);
			await clearRequests();

			const { status, items } = await workflow.run();

			expect(status).toBe(200);
			expect(items).toEqual([call.answer(emulator())]);
			const [renewal, renewedCall, ...more] = await trail(call);
			expect([renewal, more]).toEqual(['token request', []]);
			// The vendor still accepts the old token: only its expiry time made the pack renew.
			expect(vendorCase.isValidToken(emulator(), firstCall.replace('call with ', ''))).toBe(true);
			if (!vendorCase.reissuesValidToken) expect(renewedCall).not.toBe(firstCall);
		} finally {
			await control('token-lifetime', { seconds: usualLifetime });
		}
	});
});

describe('Huawei Cloud access key credential in the HTTP Request node', () => {
	it('signs the call (SDK-HMAC-SHA256) with no token at all, and SMN accepts the signature', async () => {
		const emulator = emulators.get('smn')!;
		const { emulatorRequests, clearRequests } = emulatorControl('smn', () => emulator as any);
		const [accessKeyId, secretAccessKey] = Object.entries(emulator.vendor.accessKeys as Record<string, string>)[0];
		const credential = await n8n.createCredential('Huawei Cloud (emulator, access key)', 'huaweiCloudApi', {
			region: emulator.vendor.region,
			authType: 'aksk',
			accessKeyId,
			secretAccessKey,
			projectId: emulator.vendor.projectId,
			smnEndpoint: emulator.url,
		});
		const [call] = VENDORS.find(({ vendor }) => vendor === 'smn')!.calls;
		const workflow = await httpRequestWorkflow(credential, 'huaweiCloudApi', call.parameters(emulator));
		await clearRequests();

		const { status, items } = await workflow.run();

		expect(status).toBe(200);
		expect(items).toEqual([call.answer(emulator)]);
		const requests = await emulatorRequests();
		expect(requests.map(({ method, path, query }) => ({ method, path, query }))).toEqual([
			{ method: 'GET', path: `/v2/${emulator.vendor.projectId}/notifications/topics`, query: { limit: '10' } },
		]);
		expect(requests[0].headers).toMatchObject({
			authorization: expect.stringMatching(new RegExp(`^SDK-HMAC-SHA256 Access=${accessKeyId}, SignedHeaders=[a-z;-]*host[a-z;-]*, Signature=[0-9a-f]{64}$`)),
			'x-sdk-date': expect.stringMatching(/^\d{8}T\d{6}Z$/),
			'x-project-id': emulator.vendor.projectId,
		});
		expect(requests[0].headers['x-auth-token']).toBeUndefined();
	});
});
