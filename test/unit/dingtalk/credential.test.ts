import nock from 'nock';
import { DingTalkApi } from '../../../credentials/DingTalkApi.credentials';
import { testCredential } from '../../harness/node-harness';
import { APP_KEY, APP_SECRET, BASE, LEGACY, TOKEN, appCredentials, pastedToken } from './fixtures';

const scopes = { errcode: 0, errmsg: 'ok', auth_user_field: [], auth_org_scopes: { authed_dept: [1], authed_user: [] } };

describe('DingTalk credential test', () => {
	it('fetches a fresh app token, then proves it on the auth scopes endpoint', async () => {
		const token = nock(BASE)
			.post('/v1.0/oauth2/accessToken', { appKey: APP_KEY, appSecret: APP_SECRET })
			.reply(200, { accessToken: TOKEN, expireIn: 7200 });
		const scopesCall = nock(LEGACY).get('/auth/scopes').query({ access_token: TOKEN }).reply(200, scopes);

		const result = await testCredential(new DingTalkApi(), { ...appCredentials, sessionToken: 'old' });

		expect(token.isDone() && scopesCall.isDone()).toBe(true);
		expect(result.status).toBe('OK');
		expect(result.stored.sessionToken).toBe(TOKEN);
	});

	it('fails with DingTalk\'s reason when the App Secret is wrong', async () => {
		nock(BASE)
			.post('/v1.0/oauth2/accessToken')
			.reply(400, { code: 'invalidClientIdOrSecret', message: '无效的clientId或者clientSecret', requestid: 'r' });
		const result = await testCredential(new DingTalkApi(), appCredentials);
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/invalidClientIdOrSecret.*Check the App Key and App Secret/);
	});

	it('fails without App Key and App Secret', async () => {
		const result = await testCredential(new DingTalkApi(), { authentication: 'appCredentials' });
		expect(result).toMatchObject({ status: 'Error', message: 'Enter the App Key and App Secret of the DingTalk app' });
	});

	it.each([
		[{ errcode: 88, sub_code: '40014', errmsg: 'invalid token' }],
		[{ errcode: 40014, errmsg: '不合法的access_token' }],
	])('rejects a pasted token DingTalk does not accept (%p)', async (answer) => {
		const call = nock(LEGACY).get('/auth/scopes').query({ access_token: 'pasted-token' }).reply(200, answer);
		const result = await testCredential(new DingTalkApi(), pastedToken);
		expect(call.isDone()).toBe(true);
		expect(result).toMatchObject({ status: 'Error', message: 'The access token is invalid or has expired' });
	});

	it('accepts a working pasted token against a custom legacy host', async () => {
		const call = nock('http://127.0.0.1:4010').get('/auth/scopes').query({ access_token: 'pasted-token' }).reply(200, scopes);
		const result = await testCredential(new DingTalkApi(), { ...pastedToken, legacyBaseUrl: 'http://127.0.0.1:4010' });
		expect(call.isDone()).toBe(true);
		expect(result.status).toBe('OK');
	});

	it('asks for a token when none is pasted', async () => {
		const result = await testCredential(new DingTalkApi(), { authentication: 'accessToken' });
		expect(result).toMatchObject({ status: 'Error', message: 'Enter an Access Token, or choose App Key and App Secret' });
	});
});

describe('DingTalk credential authenticate', () => {
	const credential = new DingTalkApi();

	it('puts the token in the x-acs-dingtalk-access-token header for the versioned API', async () => {
		const options = await credential.authenticate({ ...appCredentials, sessionToken: 'session' }, { url: 'https://api.dingtalk.com/v1.0/storage/events/subscribe', qs: { unionId: 'u' } });
		expect(options.headers).toEqual({ 'x-acs-dingtalk-access-token': 'session' });
		expect(options.qs).toEqual({ unionId: 'u' });
	});

	it('puts the token in the access_token query for the old API, even on a shared emulator host', async () => {
		const options = await credential.authenticate({ ...pastedToken, sessionToken: 'stale' }, { baseURL: 'http://127.0.0.1:4010', url: '/topapi/v2/user/get' });
		expect(options.qs).toEqual({ access_token: 'pasted-token' });
		expect(options.headers).toBeUndefined();
	});
});
