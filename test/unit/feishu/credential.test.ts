import nock from 'nock';
import { FeishuApi } from '../../../credentials/FeishuApi.credentials';
import { testCredential } from '../../harness/node-harness';
import { APP_ID, APP_SECRET, BASE, DOCX, byToken, feishuNode, tenant, tenantWithToken, user } from './fixtures';

const TOKEN_PATH = '/open-apis/auth/v3/tenant_access_token/internal';
const subscribeDocx = { resource: 'fileSubscription', operation: 'subscribe', file: byToken(DOCX), fileType: 'docx' };

function tokenEndpoint(token: string, times = 1, base = BASE) {
	return nock(base)
		.post(TOKEN_PATH, { app_id: APP_ID, app_secret: APP_SECRET })
		.matchHeader('content-type', /application\/json/)
		.times(times)
		.reply(200, { code: 0, msg: 'ok', tenant_access_token: token, expire: 7200 });
}

function subscribeWith(token: string, reply: [number, object] = [200, { code: 0, msg: 'success', data: {} }], base = BASE) {
	return nock(base)
		.post(`/open-apis/drive/v1/files/${DOCX}/subscribe`)
		.query({ file_type: 'docx' })
		.matchHeader('authorization', `Bearer ${token}`)
		.reply(...reply);
}

describe('Feishu credential: tenant access token', () => {
	it('fetches a token with App ID and App Secret, sends it as Bearer and stores it with its expiry minus 3 minutes', async () => {
		const token = tokenEndpoint('t-fresh');
		const call = subscribeWith('t-fresh');
		const harness = feishuNode(subscribeDocx, tenant);
		const before = Date.now();

		const items = await harness.execute();

		expect(token.isDone() && call.isDone()).toBe(true);
		expect(items[0].json).toEqual({ fileToken: DOCX, fileType: 'docx', subscribed: true });
		const stored = harness.storedCredentials.feishuApi;
		expect(stored.sessionToken).toBe('t-fresh');
		expect(Number(stored.sessionExpiresAt)).toBeGreaterThanOrEqual(before + (7200 - 180) * 1000);
		expect(Number(stored.sessionExpiresAt)).toBeLessThanOrEqual(Date.now() + (7200 - 180) * 1000);
	});

	it('reuses a stored token that is still valid', async () => {
		const call = subscribeWith('t-cached');
		await feishuNode(subscribeDocx, tenantWithToken('t-cached')).execute();
		expect(call.isDone()).toBe(true);
	});

	it('renews a stored token shortly before it expires, without waiting for an error', async () => {
		const token = tokenEndpoint('t-renewed');
		const call = subscribeWith('t-renewed');
		const harness = feishuNode(subscribeDocx, tenantWithToken('t-old', Date.now() + 10_000));
		await harness.execute();
		expect(token.isDone() && call.isDone()).toBe(true);
		expect(harness.storedCredentials.feishuApi.sessionToken).toBe('t-renewed');
	});

	it.each([
		['99991663', 400],
		['99991664', 200],
		['99991671', 400],
	])('refreshes once and retries when Feishu answers %s with HTTP %i', async (code, status) => {
		const expired = subscribeWith('t-old', [status, { code: Number(code), msg: 'Invalid access token for authorization' }]);
		const token = tokenEndpoint('t-new');
		const retried = subscribeWith('t-new');
		const harness = feishuNode(subscribeDocx, tenantWithToken('t-old'));

		const items = await harness.execute();

		expect(expired.isDone() && token.isDone() && retried.isDone()).toBe(true);
		expect(items[0].json.subscribed).toBe(true);
		expect(harness.storedCredentials.feishuApi.sessionToken).toBe('t-new');
	});

	it('gives up after one refresh when the new token is refused too', async () => {
		subscribeWith('t-old', [400, { code: 99991663, msg: 'invalid token' }]);
		tokenEndpoint('t-new');
		subscribeWith('t-new', [400, { code: 99991663, msg: 'invalid token' }]);

		await expect(feishuNode(subscribeDocx, tenantWithToken('t-old')).execute()).rejects.toMatchObject({
			message: 'Feishu error 99991663: invalid token',
			context: { vendorCode: '99991663' },
			description: expect.stringContaining('App ID and App Secret'),
		});
	});

	it('refreshes an expired token once for many items in flight, and no item fails', async () => {
		const files = Array.from({ length: 20 }, (_, i) => `doxcnFile${i}`);
		for (const file of files) {
			nock(BASE)
				.post(`/open-apis/drive/v1/files/${file}/subscribe`)
				.query({ file_type: 'docx' })
				.matchHeader('authorization', 'Bearer t-old')
				.delay(20)
				.reply(400, { code: 99991663, msg: 'invalid token' });
			nock(BASE)
				.post(`/open-apis/drive/v1/files/${file}/subscribe`)
				.query({ file_type: 'docx' })
				.matchHeader('authorization', 'Bearer t-new')
				.reply(200, { code: 0, data: {} });
		}
		const token = tokenEndpoint('t-new');
		const harness = feishuNode({ ...subscribeDocx, file: '={{ { __rl: true, mode: "id", value: $json.token } }}' }, tenantWithToken('t-old'));

		const items = await harness.execute(files.map((file) => ({ token: file })));

		expect(token.isDone()).toBe(true);
		expect(items.map((item) => item.json)).toEqual(files.map((fileToken) => ({ fileToken, fileType: 'docx', subscribed: true })));
	});

	it('reports refused App ID / App Secret with Feishu\'s code', async () => {
		nock(BASE).post(TOKEN_PATH).reply(200, { code: 10014, msg: 'app secret invalid' });
		await expect(feishuNode(subscribeDocx, tenant).execute()).rejects.toThrow(/code 10014: app secret invalid/);
	});

	it('fails before any request when App ID or App Secret is missing', async () => {
		await expect(feishuNode(subscribeDocx, { ...tenant, appSecret: '' }).execute()).rejects.toThrow(/App ID and App Secret/);
	});

	it.each([
		['Lark', { host: 'https://open.larksuite.com' }, 'https://open.larksuite.com'],
		['a custom host', { host: 'custom', baseUrl: 'http://127.0.0.1:9999/' }, 'http://127.0.0.1:9999'],
	])('talks to %s for both the token and the API', async (_label, hostFields, base) => {
		const token = tokenEndpoint('t-host', 1, base);
		const call = subscribeWith('t-host', undefined, base);
		await feishuNode(subscribeDocx, { ...tenant, ...hostFields }).execute();
		expect(token.isDone() && call.isDone()).toBe(true);
	});
});

describe('Feishu credential: user access token', () => {
	it('sends the pasted user token and never asks for a tenant token', async () => {
		const call = subscribeWith('u-user-token');
		await feishuNode(subscribeDocx, user).execute();
		expect(call.isDone()).toBe(true);
	});

	it('does not try to refresh a user token Feishu calls invalid', async () => {
		subscribeWith('u-user-token', [400, { code: 99991671, msg: 'invalid access token' }]);
		await expect(feishuNode(subscribeDocx, user).execute()).rejects.toMatchObject({ context: { vendorCode: '99991671' } });
	});
});

describe('Feishu credential test', () => {
	const type = new FeishuApi();

	it('passes for a valid App ID / App Secret', async () => {
		const token = tokenEndpoint('t-test', 2);
		const result = await testCredential(type, tenant);
		expect(token.isDone()).toBe(true);
		expect(result.status).toBe('OK');
	});

	it('fails for a refused App Secret', async () => {
		nock(BASE).post(TOKEN_PATH).reply(200, { code: 10014, msg: 'app secret invalid' });
		const result = await testCredential(type, tenant);
		expect(result).toMatchObject({ status: 'Error', message: expect.stringContaining('10014') });
	});

	it('checks a user token against user_info', async () => {
		const info = nock(BASE)
			.get('/open-apis/authen/v1/user_info')
			.matchHeader('authorization', 'Bearer u-user-token')
			.reply(200, { code: 0, data: { name: 'Test User' } });
		const result = await testCredential(type, user);
		expect(info.isDone()).toBe(true);
		expect(result.status).toBe('OK');
	});

	it('fails for an expired user token', async () => {
		nock(BASE).get('/open-apis/authen/v1/user_info').reply(200, { code: 99991668, msg: 'user token invalid' });
		const result = await testCredential(type, user);
		expect(result).toEqual(expect.objectContaining({ status: 'Error', message: 'The user access token is invalid or has expired' }));
	});
});
