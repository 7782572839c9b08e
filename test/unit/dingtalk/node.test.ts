import nock from 'nock';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import {
	APP_KEY,
	APP_SECRET,
	BASE,
	CORP_ID,
	LEGACY,
	TOKEN,
	UNION_ID,
	appCredentials,
	dingTalkNode,
	pastedToken,
} from './fixtures';

const subscribe = (extra: Record<string, unknown> = {}) => ({
	resource: 'storageEvent',
	operation: 'subscribe',
	scope: 'ORG',
	scopeId: CORP_ID,
	unionId: UNION_ID,
	...extra,
});

/** The app token endpoint, answering once with a fresh token. */
function tokenEndpoint(token = TOKEN) {
	return nock(BASE)
		.post('/v1.0/oauth2/accessToken', { appKey: APP_KEY, appSecret: APP_SECRET })
		.reply(200, { accessToken: token, expireIn: 7200 });
}

const withSession = (token: string) => ({ ...appCredentials, sessionToken: token, sessionExpiresAt: Date.now() + 3_600_000 });

async function failure(promise: Promise<unknown>): Promise<NodeApiError & NodeOperationError> {
	try {
		await promise;
	} catch (error) {
		return error as NodeApiError & NodeOperationError;
	}
	throw new Error('expected the node to fail');
}

describe('DingTalk node: Storage Event > Subscribe and Unsubscribe', () => {
	it('fetches an app token, then subscribes the scope with the token header and the operator in the query', async () => {
		const token = tokenEndpoint();
		const call = nock(BASE, { reqheaders: { 'x-acs-dingtalk-access-token': TOKEN, 'content-type': /application\/json/ } })
			.post('/v1.0/storage/events/subscribe', { scope: 'ORG', scopeId: CORP_ID })
			.query({ unionId: UNION_ID })
			.reply(200, { success: true });
		const node = dingTalkNode(subscribe());

		const items = await node.execute();

		expect(token.isDone() && call.isDone()).toBe(true);
		expect(items).toEqual([
			{ json: { success: true, subscribed: true, scope: 'ORG', scopeId: CORP_ID, unionId: UNION_ID }, pairedItem: { item: 0 } },
		]);
		expect(node.storedCredentials.dingTalkApi.sessionToken).toBe(TOKEN);
		expect(Number(node.storedCredentials.dingTalkApi.sessionExpiresAt)).toBeGreaterThan(Date.now() + 7_000_000);
	});

	it('unsubscribes a space, trimming pasted whitespace, with the stored token and no token call', async () => {
		const call = nock(BASE, { reqheaders: { 'x-acs-dingtalk-access-token': 'stored-token' } })
			.post('/v1.0/storage/events/unsubscribe', { scope: 'SPACE', scopeId: '24000001' })
			.query({ unionId: UNION_ID })
			.reply(200, { success: true });

		const items = await dingTalkNode(
			subscribe({ operation: 'unsubscribe', scope: 'SPACE', scopeId: ' 24000001 ', unionId: ` ${UNION_ID}\n` }),
			withSession('stored-token'),
		).execute();

		expect(call.isDone()).toBe(true);
		expect(items[0].json).toEqual({ success: true, subscribed: false, scope: 'SPACE', scopeId: '24000001', unionId: UNION_ID });
	});

	it('uses a pasted access token as typed', async () => {
		const call = nock(BASE, { reqheaders: { 'x-acs-dingtalk-access-token': 'pasted-token' } })
			.post('/v1.0/storage/events/subscribe')
			.query({ unionId: UNION_ID })
			.reply(200, { success: true });
		await dingTalkNode(subscribe(), pastedToken).execute();
		expect(call.isDone()).toBe(true);
	});

	it.each([400, 401])('renews an expired token once on HTTP %i InvalidAuthentication and repeats the call', async (status) => {
		const expired = nock(BASE, { reqheaders: { 'x-acs-dingtalk-access-token': 'old-token' } })
			.post('/v1.0/storage/events/subscribe')
			.query({ unionId: UNION_ID })
			.reply(status, { code: 'InvalidAuthentication', message: '不合法的access_token', requestid: 'r-1' });
		const token = tokenEndpoint('new-token');
		const retried = nock(BASE, { reqheaders: { 'x-acs-dingtalk-access-token': 'new-token' } })
			.post('/v1.0/storage/events/subscribe', { scope: 'ORG', scopeId: CORP_ID })
			.query({ unionId: UNION_ID })
			.reply(200, { success: true });
		const node = dingTalkNode(subscribe(), withSession('old-token'));

		const items = await node.execute();

		expect(expired.isDone() && token.isDone() && retried.isDone()).toBe(true);
		expect(items[0].json.success).toBe(true);
		expect(node.storedCredentials.dingTalkApi.sessionToken).toBe('new-token');
	});

	it('refreshes a token that is about to expire before calling', async () => {
		const token = tokenEndpoint('new-token');
		const call = nock(BASE, { reqheaders: { 'x-acs-dingtalk-access-token': 'new-token' } })
			.post('/v1.0/storage/events/subscribe')
			.query({ unionId: UNION_ID })
			.reply(200, { success: true });
		await dingTalkNode(subscribe(), { ...appCredentials, sessionToken: 'old-token', sessionExpiresAt: Date.now() + 1000 }).execute();
		expect(token.isDone() && call.isDone()).toBe(true);
	});

	it('renews only once: a second InvalidAuthentication becomes an error with the token hint', async () => {
		nock(BASE).post('/v1.0/storage/events/subscribe').query(true).reply(400, { code: 'InvalidAuthentication', message: 'bad' });
		tokenEndpoint('new-token');
		nock(BASE).post('/v1.0/storage/events/subscribe').query(true).reply(400, { code: 'InvalidAuthentication', message: 'still bad' });

		const error = await failure(dingTalkNode(subscribe(), withSession('old-token')).execute());

		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe('DingTalk error InvalidAuthentication: still bad');
		expect(error.context.vendorCode).toBe('InvalidAuthentication');
		expect(error.description).toMatch(/renewed automatically/);
	});

	it('does not try to renew a pasted token', async () => {
		const call = nock(BASE)
			.post('/v1.0/storage/events/subscribe')
			.query(true)
			.reply(400, { code: 'InvalidAuthentication', message: '不合法的access_token' });
		const error = await failure(dingTalkNode(subscribe(), pastedToken).execute());
		expect(call.isDone()).toBe(true);
		expect(error.context.vendorCode).toBe('InvalidAuthentication');
		expect(error.httpCode).toBe('400');
	});

	it('reports refused app credentials from the token endpoint', async () => {
		nock(BASE)
			.post('/v1.0/oauth2/accessToken')
			.reply(400, { code: 'invalidClientIdOrSecret', message: '无效的clientId或者clientSecret', requestid: 'r' });
		const error = await failure(dingTalkNode(subscribe()).execute());
		expect(error.message).toMatch(/invalidClientIdOrSecret/);
		expect(error.message).toMatch(/Check the App Key and App Secret/);
	});

	const documented: Array<[number, string, RegExp]> = [
		[400, 'paramError', /Scope must be ORG or SPACE/],
		[400, 'paramError.scope', /ORG \(the whole organization\) or SPACE/],
		[400, 'paramError.scopeId', /for ORG it is the CorpId/],
		[403, 'permissionDenied', /Storage\.Event\.Write.*storage events switch.*org admin/s],
		[403, 'Forbidden.AccessDenied.AccessTokenPermissionDenied', /add Storage\.Event\.Write/],
		[403, 'Forbidden.AccessDenied.IpNotInWhiteList', /IP allow-list/],
		[400, 'AuthenticationFailed.MissingParameter', /x-acs-dingtalk-access-token/],
	];
	it.each(documented)('explains HTTP %i %s without retrying', async (status, code, hint) => {
		const call = nock(BASE)
			.post('/v1.0/storage/events/subscribe')
			.query(true)
			.reply(status, { code, message: `message of ${code}`, requestid: 'req-9' });

		const error = await failure(dingTalkNode(subscribe(), withSession(TOKEN)).execute());

		expect(call.isDone()).toBe(true);
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe(`DingTalk error ${code}: message of ${code} (request ID req-9)`);
		expect(error.context.vendorCode).toBe(code);
		expect(error.httpCode).toBe(String(status));
		expect(error.description).toMatch(hint);
	});

	it.each([
		[500, 'systemError'],
		[500, 'unknownError'],
		[503, 'operationTimeout'],
	])('retries HTTP %i %s with back-off, then explains it', async (status, code) => {
		const calls = nock(BASE).post('/v1.0/storage/events/subscribe').query(true).times(5).reply(status, { code, message: 'Unknown Error' });
		const error = await failure(dingTalkNode(subscribe(), withSession(TOKEN)).execute());
		expect(calls.isDone()).toBe(true);
		expect(error.context.vendorCode).toBe(code);
		expect(error.description).toMatch(/DingTalk failed on its side/);
	});

	it('recovers from a transient systemError', async () => {
		nock(BASE).post('/v1.0/storage/events/subscribe').query(true).reply(500, { code: 'systemError', message: 'x' });
		const ok = nock(BASE).post('/v1.0/storage/events/subscribe').query(true).reply(200, { success: true });
		await dingTalkNode(subscribe(), withSession(TOKEN)).execute();
		expect(ok.isDone()).toBe(true);
	});

	it.each([
		[403, 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi'],
		[403, 'Forbidden.AccessDenied.QpmLimitForAppkeyAndApi'],
		[429, 'system.busy'],
		[400, 'request.too.fast'],
	])('waits and retries after HTTP %i %s', async (status, code) => {
		const limited = nock(BASE).post('/v1.0/storage/events/subscribe').query(true).reply(status, { code, message: 'slow down' });
		const ok = nock(BASE).post('/v1.0/storage/events/subscribe').query(true).reply(200, { success: true });
		const items = await dingTalkNode(subscribe(), withSession(TOKEN)).execute();
		expect(limited.isDone() && ok.isDone()).toBe(true);
		expect(items[0].json.success).toBe(true);
	});

	it('gives up on a lasting rate limit with the rate-limit hint', async () => {
		nock(BASE)
			.post('/v1.0/storage/events/subscribe')
			.query(true)
			.times(5)
			.reply(403, { code: 'Forbidden.AccessDenied.QpsLimitForApi', message: 'limited' });
		const error = await failure(dingTalkNode(subscribe(), withSession(TOKEN)).execute());
		expect(error.description).toMatch(/rate-limited/);
	});

	it('does not hammer an IP ban (status 1111, punish deny)', async () => {
		const call = nock(BASE)
			.post('/v1.0/storage/events/subscribe')
			.query(true)
			.reply(200, { status: 1111, wait: 5, source: 'x5', punish: 'deny' });
		const error = await failure(dingTalkNode(subscribe(), withSession(TOKEN)).execute());
		expect(call.isDone()).toBe(true);
		expect(error.context.vendorCode).toBe('ipBanned');
		expect(error.description).toMatch(/banned/);
	});

	it('fails when DingTalk answers 200 without success: true', async () => {
		nock(BASE).post('/v1.0/storage/events/subscribe').query(true).reply(200, { success: false });
		const error = await failure(dingTalkNode(subscribe(), withSession(TOKEN)).execute());
		expect(error.context.vendorCode).toBe('notSuccessful');
		expect(error.message).toMatch(/did not confirm the subscribe call/);
	});

	it('sends calls to a custom base URL', async () => {
		const call = nock('http://127.0.0.1:4010').post('/v1.0/storage/events/subscribe').query(true).reply(200, { success: true });
		await dingTalkNode(subscribe(), { ...withSession(TOKEN), baseUrl: 'custom', customBaseUrl: 'http://127.0.0.1:4010/' }).execute();
		expect(call.isDone()).toBe(true);
	});

	it.each([
		[{ scopeId: '' }, 'Scope ID is required'],
		[{ scopeId: '   ' }, 'Scope ID is required'],
		[{ unionId: '' }, 'Operator Union ID is required'],
		[{ unionId: 'two ids' }, 'Operator Union ID must not contain spaces'],
		[{ scopeId: 'ding a' }, 'Scope ID must not contain spaces'],
		[{ scope: 'TEAM' }, 'Scope must be ORG or SPACE, not "TEAM"'],
	])('rejects %p before any network call', async (parameters, message) => {
		const error = await failure(dingTalkNode(subscribe(parameters), withSession(TOKEN)).execute());
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe(message);
	});

	it('turns a failing item into an error item with the vendor code under Continue On Fail', async () => {
		nock(BASE).post('/v1.0/storage/events/subscribe').query(true).reply(403, { code: 'permissionDenied', message: '用户缺少订阅事件的权限' });
		nock(BASE).post('/v1.0/storage/events/subscribe').query(true).reply(200, { success: true });

		const items = await dingTalkNode(subscribe(), withSession(TOKEN), true).execute([{}, {}]);

		expect(items[0].json).toMatchObject({ code: 'permissionDenied', error: 'DingTalk error permissionDenied: 用户缺少订阅事件的权限' });
		expect(items[0].json.description).toMatch(/Storage\.Event\.Write/);
		expect(items[0].pairedItem).toEqual({ item: 0 });
		expect(items[1]).toEqual({ json: expect.objectContaining({ success: true }), pairedItem: { item: 1 } });
	});
});

describe('DingTalk node: User > Get Union ID', () => {
	const getUnionId = (userId = 'manager4220') => ({ resource: 'user', operation: 'getUnionId', userId });

	it('posts the user ID to the old API with the token in the query', async () => {
		const call = nock(LEGACY)
			.post('/topapi/v2/user/get', { userid: 'manager4220' })
			.query({ access_token: TOKEN })
			.reply(200, { errcode: 0, errmsg: 'ok', result: { userid: 'manager4220', unionid: UNION_ID, name: 'Li Lei' } });

		const items = await dingTalkNode(getUnionId(), withSession(TOKEN)).execute();

		expect(call.isDone()).toBe(true);
		expect(items).toEqual([{ json: { userId: 'manager4220', unionId: UNION_ID, name: 'Li Lei' }, pairedItem: { item: 0 } }]);
	});

	it('renews the token once on errcode 88 / sub_code 40014', async () => {
		nock(LEGACY)
			.post('/topapi/v2/user/get')
			.query({ access_token: 'old-token' })
			.reply(200, { errcode: 88, sub_code: '40014', sub_msg: '不合法的access_token', errmsg: 'ding talk error[subcode=40014]' });
		tokenEndpoint('new-token');
		const retried = nock(LEGACY)
			.post('/topapi/v2/user/get')
			.query({ access_token: 'new-token' })
			.reply(200, { errcode: 0, result: { unionid: UNION_ID, name: 'Li Lei' } });
		const items = await dingTalkNode(getUnionId(), withSession('old-token')).execute();
		expect(retried.isDone()).toBe(true);
		expect(items[0].json.unionId).toBe(UNION_ID);
	});

	it('explains an unknown user (60121)', async () => {
		nock(LEGACY).post('/topapi/v2/user/get').query(true).reply(200, { errcode: 60121, errmsg: '找不到该用户' });
		const error = await failure(dingTalkNode(getUnionId('nobody'), withSession(TOKEN)).execute());
		expect(error.message).toBe('DingTalk error 60121: 找不到该用户');
		expect(error.description).toMatch(/No user with this user ID/);
	});

	it('fails when DingTalk returns no unionid', async () => {
		nock(LEGACY).post('/topapi/v2/user/get').query(true).reply(200, { errcode: 0, result: { userid: 'manager4220' } });
		const error = await failure(dingTalkNode(getUnionId(), withSession(TOKEN)).execute());
		expect(error.context.vendorCode).toBe('noUnionId');
		expect(error.description).toMatch(/qyapi_get_member/);
	});

	it('requires a user ID before any network call', async () => {
		const error = await failure(dingTalkNode(getUnionId(' '), withSession(TOKEN)).execute());
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe('User ID is required');
	});
});
