import nock from 'nock';
import { HuaweiCloudApi } from '../../../credentials/HuaweiCloudApi.credentials';
import { authorizationHeader, canonicalRequest } from '../../../lib/huawei-signer';
import { testCredential } from '../../harness/node-harness';
import { IAM, PROJECT, REGION, SMN, TOKEN, TOPIC, V2, signedIn, smnCrypto, smnNode, urnLocator } from './fixtures';

const listTopics = { resource: 'topic', operation: 'list', returnAll: true };
const topicPage = { request_id: 'r', topic_count: 1, topics: [{ topic_urn: TOPIC, name: 'orders' }] };

describe('SDK-HMAC-SHA256 signing', () => {
	const documented = {
		method: 'GET',
		url: new URL('https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0'),
		headers: { 'Content-Type': 'application/json', Host: 'service.region.example.com', 'X-Sdk-Date': '20191115T033655Z' },
		body: '',
	};

	it('reproduces the canonical request of Huawei\'s signing guide', () => {
		expect(canonicalRequest(documented).canonical).toBe(
			'GET\n/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/\nlimit=2&marker=13551d6b-755d-4757-b956-536f674975c0\n' +
				'content-type:application/json\nhost:service.region.example.com\nx-sdk-date:20191115T033655Z\n\n' +
				'content-type;host;x-sdk-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
		);
	});

	it('produces the documented signature for the documented keys', () => {
		expect(authorizationHeader(documented, 'QTWAOYTTINDUT2QVKYUC', 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc')).toBe(
			'SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
		);
	});

	it('changes with the content type, which must be byte-identical when sending', () => {
		const charset = { ...documented, headers: { ...documented.headers, 'Content-Type': 'application/json;charset=UTF-8' } };
		expect(authorizationHeader(charset, 'QTWAOYTTINDUT2QVKYUC', 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc')).not.toContain('7be6668032f7');
	});
});

describe('Huawei Cloud credential: IAM user password', () => {
	const fresh = { region: REGION, authType: 'password', userName: 'n8n-smn', password: 'pw', domainName: 'acme' };

	it('signs in with a project-scoped token, reads the project id from the response and sends X-Auth-Token', async () => {
		const iam = nock(IAM, { reqheaders: { 'content-type': 'application/json;charset=utf8' } })
			.post('/v3/auth/tokens', {
				auth: {
					identity: { methods: ['password'], password: { user: { name: 'n8n-smn', password: 'pw', domain: { name: 'acme' } } } },
					scope: { project: { name: REGION } },
				},
			})
			.query({ nocatalog: 'true' })
			.reply(201, { token: { expires_at: '2099-01-04T09:05:22.701000Z', project: { id: PROJECT, name: REGION } } }, { 'X-Subject-Token': TOKEN });
		const smn = nock(SMN, { reqheaders: { 'x-auth-token': TOKEN } })
			.get(`${V2}/topics`)
			.query({ offset: 0, limit: 100 })
			.reply(200, topicPage);

		const harness = smnNode(listTopics, fresh);
		const items = await harness.execute();

		expect(iam.isDone() && smn.isDone()).toBe(true);
		expect(items.map((item) => item.json.topic_urn)).toEqual([TOPIC]);
		expect(harness.storedCredentials.huaweiCloudApi).toMatchObject({
			sessionToken: TOKEN,
			sessionProjectId: PROJECT,
			sessionExpiresAt: Date.parse('2099-01-04T09:05:22.701Z'),
		});
	});

	it('scopes the token by project id when one is given', async () => {
		const iam = nock(IAM)
			.post('/v3/auth/tokens', (body) => body.auth.scope.project.id === 'other-project' && body.auth.scope.project.name === undefined)
			.query(true)
			.reply(201, { token: { expires_at: '2099-01-01T00:00:00Z', project: { id: 'other-project' } } }, { 'X-Subject-Token': TOKEN });
		const smn = nock(SMN).get('/v2/other-project/notifications/topics').query(true).reply(200, topicPage);

		await smnNode(listTopics, { ...fresh, projectId: 'other-project' }).execute();

		expect(iam.isDone() && smn.isDone()).toBe(true);
	});

	it('reports a wrong password with IAM\'s message and sends nothing to SMN', async () => {
		nock(IAM)
			.post('/v3/auth/tokens')
			.query(true)
			.reply(401, { error: { code: 401, message: 'The username or password is wrong.', title: 'Unauthorized' } });

		await expect(smnNode(listTopics, fresh).execute()).rejects.toThrow(/The username or password is wrong/);
	});

	it('signs in again once when the gateway answers APIG.0301 "token expires", then retries', async () => {
		const stale = nock(SMN, { reqheaders: { 'x-auth-token': TOKEN } })
			.get(`${V2}/topics`)
			.query(true)
			.reply(401, { error_code: 'APIG.0301', error_msg: 'Incorrect IAM authentication information: token expires, expires_at: 2026', request_id: 'r' });
		const iam = nock(IAM).post('/v3/auth/tokens').query(true).reply(201, { token: { expires_at: '2099-01-01T00:00:00Z', project: { id: PROJECT } } }, { 'X-Subject-Token': 'MIInew' });
		const retried = nock(SMN, { reqheaders: { 'x-auth-token': 'MIInew' } }).get(`${V2}/topics`).query(true).reply(200, topicPage);

		const harness = smnNode(listTopics);
		await harness.execute();

		expect(stale.isDone() && iam.isDone() && retried.isDone()).toBe(true);
		expect(harness.storedCredentials.huaweiCloudApi.sessionToken).toBe('MIInew');
	});

	it('refreshes only once: a second expiry answer becomes an error with the gateway code', async () => {
		const expired = { error_code: 'APIG.0301', error_msg: 'Incorrect IAM authentication information: token expires', request_id: 'r' };
		nock(SMN).get(`${V2}/topics`).query(true).times(2).reply(401, expired);
		nock(IAM).post('/v3/auth/tokens').query(true).reply(201, { token: { expires_at: '2099-01-01T00:00:00Z', project: { id: PROJECT } } }, { 'X-Subject-Token': 'MIInew' });

		const error = await smnNode(listTopics).execute().catch((e) => e);

		expect(error.message).toContain('APIG.0301');
		expect(error.context.vendorCode).toBe('APIG.0301');
	});

	it('renews a token shortly before it expires, without waiting for a failure', async () => {
		const iam = nock(IAM).post('/v3/auth/tokens').query(true).reply(201, { token: { expires_at: '2099-01-01T00:00:00Z', project: { id: PROJECT } } }, { 'X-Subject-Token': 'MIInew' });
		const smn = nock(SMN, { reqheaders: { 'x-auth-token': 'MIInew' } }).get(`${V2}/topics`).query(true).reply(200, topicPage);

		await smnNode(listTopics, { ...signedIn, sessionExpiresAt: Date.now() + 1000 }).execute();

		expect(iam.isDone() && smn.isDone()).toBe(true);
	});
});

describe('Huawei Cloud credential: pasted token and access key', () => {
	it('sends a pasted token as typed and does not try to sign in on APIG.0301', async () => {
		nock(SMN, { reqheaders: { 'x-auth-token': 'MIIpasted' } })
			.get(`${V2}/topics`)
			.query(true)
			.reply(401, { error_code: 'APIG.0301', error_msg: 'Incorrect IAM authentication information: token expires', request_id: 'r' });

		const error = await smnNode(listTopics, { region: REGION, authType: 'token', authToken: 'MIIpasted', projectId: PROJECT })
			.execute()
			.catch((e) => e);

		expect(error.context.vendorCode).toBe('APIG.0301');
		expect(error.description).toMatch(/scoped to this region/);
	});

	it('asks for a project id before sending anything when a token or access key has none', async () => {
		const error = await smnNode(listTopics, { region: REGION, authType: 'aksk', accessKeyId: 'AK', secretAccessKey: 'SK' })
			.execute()
			.catch((e) => e);

		expect(error.message).toBe('The Huawei Cloud credential has no Project ID');
	});

	it('signs requests with AK/SK so that an independent gateway check accepts them', async () => {
		const keys = { EMULATORAK: 'emulator-sk' };
		let verdict: string | undefined = 'not called';
		let seenHeaders: Record<string, unknown> = {};
		nock(SMN)
			.post(`${V2}/topics/${TOPIC}/publish`)
			.reply(function (uri, body) {
				const url = new URL(uri, SMN);
				seenHeaders = this.req.headers;
				verdict = smnCrypto.checkGatewaySignature(
					{
						method: 'POST',
						path: url.pathname,
						query: Object.fromEntries(url.searchParams),
						headers: this.req.headers,
						body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
					},
					keys,
				);
				return [200, { request_id: 'r', message_id: 'm-1' }];
			});

		await smnNode(
			{ resource: 'message', operation: 'publish', topic: urnLocator(), content: 'message', message: 'héllo' },
			{ region: REGION, authType: 'aksk', accessKeyId: 'EMULATORAK', secretAccessKey: 'emulator-sk', projectId: PROJECT },
		).execute();

		expect(verdict).toBeUndefined();
		expect(seenHeaders['x-project-id']).toBe(PROJECT);
		expect(seenHeaders['x-auth-token']).toBeUndefined();
	});

	it('puts the query in the signed URL (paging parameters are signed too)', async () => {
		let verdict: string | undefined = 'not called';
		nock(SMN)
			.get(`${V2}/topics`)
			.query({ offset: 0, limit: 100, fuzzy_name: 'ord ers' })
			.reply(function (uri) {
				const url = new URL(uri, SMN);
				verdict = smnCrypto.checkGatewaySignature(
					{ method: 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: this.req.headers, body: Buffer.alloc(0) },
					{ AK: 'SK' },
				);
				return [200, topicPage];
			});

		await smnNode(
			{ ...listTopics, topicFilters: { fuzzyName: 'ord ers' } },
			{ region: REGION, authType: 'aksk', accessKeyId: 'AK', secretAccessKey: 'SK', projectId: PROJECT },
		).execute();

		expect(verdict).toBeUndefined();
	});

	it('a wrong secret key fails the independent check', async () => {
		let verdict: string | undefined;
		nock(SMN)
			.get(`${V2}/topics`)
			.query(true)
			.reply(function (uri) {
				const url = new URL(uri, SMN);
				verdict = smnCrypto.checkGatewaySignature(
					{ method: 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: this.req.headers, body: Buffer.alloc(0) },
					{ AK: 'the-real-secret' },
				);
				return [401, { error_code: 'APIG.0301', error_msg: `Incorrect IAM authentication information: ${verdict}`, request_id: 'r' }];
			});

		const error = await smnNode(listTopics, { region: REGION, authType: 'aksk', accessKeyId: 'AK', secretAccessKey: 'wrong', projectId: PROJECT })
			.execute()
			.catch((e) => e);

		expect(verdict).toBe('verify aksk signature fail');
		expect(error.context.vendorCode).toBe('APIG.0301');
	});
});

describe('Huawei Cloud credential test', () => {
	it('passes when SMN lists topics with the new session', async () => {
		nock(IAM).post('/v3/auth/tokens').query(true).reply(201, { token: { expires_at: '2099-01-01T00:00:00Z', project: { id: PROJECT } } }, { 'X-Subject-Token': TOKEN });
		const smn = nock(SMN, { reqheaders: { 'x-auth-token': TOKEN } }).get(`${V2}/topics`).query({ offset: 0, limit: 1 }).reply(200, topicPage);

		const result = await testCredential(new HuaweiCloudApi(), { region: REGION, authType: 'password', userName: 'u', password: 'p', domainName: 'd' });

		expect(result.status).toBe('OK');
		expect(smn.isDone()).toBe(true);
	});

	it('uses the configured endpoint and fails when SMN rejects the token', async () => {
		// n8n's credential tester retries a 401 once after preAuthentication.
		nock('http://127.0.0.1:9999')
			.persist()
			.get(`${V2}/topics`)
			.query(true)
			.reply(401, { error_code: 'APIG.0301', error_msg: 'decrypt token fail', request_id: 'r' });

		const result = await testCredential(new HuaweiCloudApi(), {
			region: REGION,
			authType: 'token',
			authToken: 'bad',
			projectId: PROJECT,
			smnEndpoint: 'http://127.0.0.1:9999/',
		});

		expect(result.status).toBe('Error');
	});

	it('targets the .eu domain for eu-west-101', async () => {
		const smn = nock('https://smn.eu-west-101.myhuaweicloud.eu').get(`${V2}/topics`).query(true).reply(200, topicPage);

		const result = await testCredential(new HuaweiCloudApi(), { region: 'eu-west-101', authType: 'token', authToken: 't', projectId: PROJECT });

		expect(result.status).toBe('OK');
		expect(smn.isDone()).toBe(true);
	});
});
