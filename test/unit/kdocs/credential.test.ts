import nock from 'nock';
import { KdocsApi } from '../../../credentials/KdocsApi.credentials';
import { testCredential } from '../../harness/node-harness';
import { BASE, TOKEN, refreshable } from './fixtures';

describe('Kdocs credential test', () => {
	it('succeeds when the user API accepts the token', async () => {
		const scope = nock(BASE).get('/api/v1/openapi/user/basic').query({ access_token: TOKEN }).reply(200, { code: 0, data: { id: 'u1' } });
		expect(await testCredential(new KdocsApi(), { accessToken: TOKEN })).toMatchObject({ status: 'OK' });
		expect(scope.isDone()).toBe(true);
	});

	it('reports an invalid token answered with HTTP 200 and code 20007', async () => {
		nock(BASE).get('/api/v1/openapi/user/basic').query(true).reply(200, { code: 20007, message: 'AccessTokenInvalid' });
		expect(await testCredential(new KdocsApi(), { accessToken: 'bad' })).toMatchObject({
			status: 'Error',
			message: 'The access token is invalid or has expired',
		});
	});

	it('reports an invalid token answered with HTTP 401 (n8n retries a 401 once)', async () => {
		const scope = nock(BASE).get('/api/v1/openapi/user/basic').query({ access_token: 'bad' }).twice().reply(401, { code: 20007, message: 'AccessTokenInvalid' });
		expect(await testCredential(new KdocsApi(), { accessToken: 'bad' })).toMatchObject({ status: 'Error' });
		expect(scope.isDone()).toBe(true);
	});

	it('renews through the refresh token and tests the new token against the configured base URL', async () => {
		const scope = nock('http://127.0.0.1:4010')
			.post('/api/v1/oauth2/refresh_token', { app_key: 'app-key-1', refresh_token: 'refresh-1' })
			.query({ app_id: 'app-1' })
			.reply(200, { code: 0, data: { access_token: 'fresh-1', expires_in: 7200 } })
			.get('/api/v1/openapi/user/basic')
			.query({ access_token: 'fresh-1' })
			.reply(200, { code: 0, data: { id: 'u1' } });
		const result = await testCredential(new KdocsApi(), { ...refreshable, baseUrl: 'http://127.0.0.1:4010/' });
		expect(result.status).toBe('OK');
		expect(scope.isDone()).toBe(true);
	});

	it('asks for a token when neither a token nor renewal settings are given', async () => {
		const result = await testCredential(new KdocsApi(), {});
		expect(result).toMatchObject({ status: 'Error', message: expect.stringContaining('Enter an Access Token, or App ID, App Key and Refresh Token') });
	});
});
