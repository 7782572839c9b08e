/**
 * Renewal by expiry time: every credential refuses a session that is due for renewal with a
 * 401-shaped error, which n8n core answers by running preAuthentication again and retrying once —
 * also in requestWithAuthentication, the path n8n's HTTP Request node uses.
 */
import nock from 'nock';
import type { ICredentialDataDecryptedObject, ICredentialType, IExecuteFunctions, IHttpRequestOptions, INodeType } from 'n8n-workflow';
import { DingTalkApi } from '../../../credentials/DingTalkApi.credentials';
import { FeishuApi } from '../../../credentials/FeishuApi.credentials';
import { HuaweiCloudApi } from '../../../credentials/HuaweiCloudApi.credentials';
import { KdocsApi } from '../../../credentials/KdocsApi.credentials';
import {
	authenticateSession,
	isDueForRenewal,
	SESSION_RENEWAL_MARGIN_MS,
	SessionDueForRenewalError,
} from '../../../lib/session';
import { NodeHarness } from '../../harness/node-harness';

const request: IHttpRequestOptions = { method: 'GET', url: 'https://vendor.example/v1.0/things' };
const signWithToken = (credentials: ICredentialDataDecryptedObject, options: IHttpRequestOptions) => ({
	...options,
	headers: { token: String(credentials.sessionToken) },
});
const inTwoHours = () => Date.now() + 7_200_000;

describe('isDueForRenewal', () => {
	it.each([
		['has expired', -1_000, true],
		['expires within the renewal margin', SESSION_RENEWAL_MARGIN_MS - 5_000, true],
		['expires after the renewal margin', SESSION_RENEWAL_MARGIN_MS + 5_000, false],
	])('a session that %s: %p', (_, expiresInMs, due) => {
		expect(isDueForRenewal(Date.now() + expiresInMs)).toBe(due);
	});

	it.each([0, '', undefined, 'not a time'])('an unknown expiry (%p) is never due', (expiresAt) => {
		expect(isDueForRenewal(expiresAt)).toBe(false);
	});
});

describe('authenticateSession', () => {
	it('refuses a session past its renewal time with an error n8n treats as HTTP 401, and signs nothing', async () => {
		const sign = jest.fn(signWithToken);
		const refused = authenticateSession('Vendor API', { sessionToken: 'old', sessionExpiresAt: Date.now() + 1_000 }, request, sign);
		await expect(refused).rejects.toBeInstanceOf(SessionDueForRenewalError);
		await expect(refused).rejects.toMatchObject({ response: { status: 401 }, message: expect.stringContaining('Vendor API') });
		expect(sign).not.toHaveBeenCalled();
	});

	it.each([
		['a fresh session', inTwoHours()],
		['an unknown expiry (a pasted token)', 0],
	])('signs the request for %s', async (_, sessionExpiresAt) => {
		const signed = await authenticateSession('Vendor API', { sessionToken: 't-1', sessionExpiresAt }, request, signWithToken);
		expect(signed).toEqual({ ...request, headers: { token: 't-1' } });
	});
});

const dueSession = () => ({ sessionToken: 't-due', sessionExpiresAt: Date.now() + 1_000 });
const freshSession = () => ({ sessionToken: 't-fresh', sessionExpiresAt: inTwoHours() });

describe.each<[string, ICredentialType, ICredentialDataDecryptedObject, string, (signed: IHttpRequestOptions) => unknown]>([
	[
		'DingTalk API',
		new DingTalkApi(),
		{ authentication: 'appCredentials', appKey: 'k', appSecret: 's' },
		'https://api.dingtalk.com/v1.0/contact/users',
		(signed) => signed.headers?.['x-acs-dingtalk-access-token'],
	],
	[
		'Feishu / Lark API',
		new FeishuApi(),
		{ authentication: 'tenantToken', appId: 'cli_1', appSecret: 's' },
		'https://open.feishu.cn/open-apis/contact/v3/users',
		(signed) => signed.headers?.Authorization,
	],
	[
		'Huawei Cloud API',
		new HuaweiCloudApi(),
		{ authType: 'password', userName: 'u', password: 'p', domainName: 'd', region: 'cn-north-4' },
		'https://smn.cn-north-4.myhuaweicloud.com/v2/p1/notifications/topics',
		(signed) => signed.headers?.['X-Auth-Token'],
	],
	[
		'Kdocs API',
		new KdocsApi(),
		{ appId: 'a', appSecretKey: 'k', refreshToken: 'r' },
		'https://developer.kdocs.cn/api/v1/openapi/user/basic',
		(signed) => signed.qs?.access_token,
	],
])('%s credential authenticate', (name, credential, settings, url, sentToken) => {
	const authenticate = credential.authenticate as (
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	) => Promise<IHttpRequestOptions>;

	it('refuses a session due for renewal with the 401-shaped error', async () => {
		await expect(authenticate({ ...settings, ...dueSession() }, { method: 'GET', url })).rejects.toMatchObject({
			name: 'SessionDueForRenewalError',
			response: { status: 401 },
			message: expect.stringContaining(name),
		});
	});

	it('sends a fresh session token', async () => {
		const signed = await authenticate({ ...settings, ...freshSession() }, { method: 'GET', url });
		expect(String(sentToken(signed))).toMatch(/t-fresh$/);
	});
});

/** A node that calls a vendor the way n8n's HTTP Request node does with a predefined credential type. */
function httpRequestLikeNode(credentialType: string, url: string, helper: 'requestWithAuthentication' | 'httpRequestWithAuthentication'): INodeType {
	return {
		description: {
			displayName: 'Like HTTP Request',
			name: 'likeHttpRequest',
			group: ['transform'],
			version: 1,
			description: '',
			defaults: { name: 'Like HTTP Request' },
			inputs: ['main'],
			outputs: ['main'],
			credentials: [{ name: credentialType, required: true }],
			properties: [],
		},
		async execute(this: IExecuteFunctions) {
			const body =
				helper === 'requestWithAuthentication'
					? await this.helpers.requestWithAuthentication.call(this, credentialType, { method: 'GET', uri: url, json: true }, undefined, 0)
					: await this.helpers.httpRequestWithAuthentication.call(this, credentialType, { method: 'GET', url, json: true });
			return [[{ json: body }]];
		},
	};
}

describe.each(['requestWithAuthentication', 'httpRequestWithAuthentication'] as const)('renewal by expiry time through n8n-core %s', (helper) => {
	const BASE = 'https://open.feishu.cn';
	const API = '/open-apis/contact/v3/scopes';

	function feishuTokens(...tokens: string[]) {
		const scope = nock(BASE);
		for (const token of tokens) {
			scope.post('/open-apis/auth/v3/tenant_access_token/internal').reply(200, { code: 0, tenant_access_token: token, expire: 7200 });
		}
		return scope;
	}

	const harness = (sessionExpiresAt: number) =>
		new NodeHarness({
			nodeType: httpRequestLikeNode('feishuApi', `${BASE}${API}`, helper),
			credentialTypes: { feishuApi: new FeishuApi() },
			credentials: { feishuApi: { authentication: 'tenantToken', appId: 'cli_1', appSecret: 's', sessionToken: 't-old', sessionExpiresAt } },
		});

	it('fetches a new token before sending, and never sends the one due for renewal', async () => {
		const token = feishuTokens('t-new');
		const call = nock(BASE).get(API).matchHeader('authorization', 'Bearer t-new').reply(200, { code: 0, data: { scopes: [] } });
		const run = harness(Date.now() + 1_000);

		const items = await run.execute();

		expect(token.isDone() && call.isDone()).toBe(true);
		expect(items[0].json).toEqual({ code: 0, data: { scopes: [] } });
		expect(run.storedCredentials.feishuApi).toMatchObject({ sessionToken: 't-new' });
		expect(Number(run.storedCredentials.feishuApi.sessionExpiresAt)).toBeGreaterThan(Date.now() + 7_000_000 - 180_000);
	});

	it('sends a fresh token without asking for another', async () => {
		const call = nock(BASE).get(API).matchHeader('authorization', 'Bearer t-old').reply(200, { code: 0 });
		await harness(inTwoHours()).execute();
		expect(call.isDone()).toBe(true);
	});

	it('renews once, and sends nothing, when the vendor issues a token that is already due (no loop)', async () => {
		const shortLived = nock(BASE)
			.post('/open-apis/auth/v3/tenant_access_token/internal')
			.reply(200, { code: 0, tenant_access_token: 't-short', expire: 200 });

		await expect(harness(Date.now() + 1_000).execute()).rejects.toMatchObject({ httpCode: '401' });

		expect(shortLived.isDone()).toBe(true);
	});
});

describe('the older request options of n8n\'s HTTP Request node (uri instead of url)', () => {
	const fresh = freshSession();

	it.each([
		['https://api.dingtalk.com/v1.0/storage/events/subscribe', { headers: { 'x-acs-dingtalk-access-token': 't-fresh' } }],
		['https://oapi.dingtalk.com/auth/scopes', { qs: { access_token: 't-fresh' } }],
	])('DingTalk reads the host API from uri %s', async (uri, expected) => {
		const authenticate = new DingTalkApi().authenticate as (c: ICredentialDataDecryptedObject, r: IHttpRequestOptions) => Promise<IHttpRequestOptions>;
		const signed = await authenticate({ authentication: 'appCredentials', ...fresh }, { method: 'GET', uri } as unknown as IHttpRequestOptions);
		expect(signed).toMatchObject(expected);
	});

	it('Huawei Cloud fills {project_id} into uri and signs the URL it sends', async () => {
		const authenticate = new HuaweiCloudApi().authenticate as (c: ICredentialDataDecryptedObject, r: IHttpRequestOptions) => Promise<IHttpRequestOptions>;
		const signed = await authenticate(
			{ authType: 'aksk', accessKeyId: 'AK', secretAccessKey: 'SK', projectId: 'p-1', region: 'cn-north-4' },
			{ method: 'GET', uri: 'https://smn.cn-north-4.myhuaweicloud.com/v2/{project_id}/notifications/topics', qs: { limit: 1 } } as unknown as IHttpRequestOptions,
		);
		expect(signed.url).toBe('https://smn.cn-north-4.myhuaweicloud.com/v2/p-1/notifications/topics?limit=1');
		expect(signed.headers).toMatchObject({ Authorization: expect.stringMatching(/^SDK-HMAC-SHA256 Access=AK, SignedHeaders=.*host.*, Signature=[0-9a-f]{64}$/) });
	});
});
