import nock from 'nock';
import type { INodeParameters } from 'n8n-workflow';
import { PROJECT, SMN, SUBSCRIPTION, TOPIC, V2, smnNode, urnLocator } from './fixtures';

const add = (extra: INodeParameters = {}): INodeParameters => ({
	resource: 'subscription',
	operation: 'add',
	topic: urnLocator(),
	protocol: 'https',
	endpoint: 'https://hooks.example.com/smn',
	...extra,
});

const noCallExpected = async (parameters: INodeParameters, message: RegExp | string) => {
	// nock.disableNetConnect() is active: any request would fail with a network error instead.
	const error = await smnNode(parameters).execute().catch((e) => e);
	expect(error.constructor.name).toBe('NodeOperationError');
	expect(error.message).toMatch(message);
};

describe('SMN node: Subscription > Add', () => {
	it('posts protocol, endpoint, remark and extension headers and reports a new subscription (201)', async () => {
		const scope = nock(SMN)
			.post(`${V2}/topics/${TOPIC}/subscriptions`, {
				protocol: 'https',
				endpoint: 'https://hooks.example.com/smn',
				remark: 'orders feed',
				extension: { header: { 'x-source': 'n8n' } },
			})
			.reply(201, { request_id: 'req-1', subscription_urn: SUBSCRIPTION });

		const items = await smnNode(
			add({ subscriptionOptions: { remark: 'orders feed', headers: { header: [{ name: 'x-source', value: 'n8n' }] } } }),
		).execute();

		expect(scope.isDone()).toBe(true);
		expect(items).toEqual([
			{
				json: { subscriptionUrn: SUBSCRIPTION, created: true, requestId: 'req-1', topicUrn: TOPIC, protocol: 'https', endpoint: 'https://hooks.example.com/smn' },
				pairedItem: { item: 0 },
			},
		]);
	});

	it('reports an endpoint that already exists (200, SMN.0190) with its URN', async () => {
		nock(SMN)
			.post(`${V2}/topics/${TOPIC}/subscriptions`)
			.reply(200, { request_id: 'req-2', subscription_urn: SUBSCRIPTION, code: 'SMN.0190', message: 'endpoint already exists' });

		const [item] = await smnNode(add()).execute();

		expect(item.json).toMatchObject({ subscriptionUrn: SUBSCRIPTION, created: false });
	});

	it('finds the URN by listing the topic when the 200 answer carries none', async () => {
		nock(SMN).post(`${V2}/topics/${TOPIC}/subscriptions`).reply(200, { request_id: 'req-3' });
		const list = nock(SMN)
			.get(`${V2}/topics/${TOPIC}/subscriptions`)
			.query({ offset: 0, limit: 100 })
			.reply(200, {
				subscription_count: 2,
				subscriptions: [
					{ subscription_urn: `${TOPIC}:${'0'.repeat(32)}`, endpoint: 'https://other.example.com', protocol: 'https' },
					{ subscription_urn: SUBSCRIPTION, endpoint: 'https://hooks.example.com/smn', protocol: 'https' },
				],
			});

		const [item] = await smnNode(add()).execute();

		expect(list.isDone()).toBe(true);
		expect(item.json).toMatchObject({ subscriptionUrn: SUBSCRIPTION, created: false });
	});

	it('sends the robot keyword for feishu and the client credentials for welink', async () => {
		const feishu = nock(SMN)
			.post(`${V2}/topics/${TOPIC}/subscriptions`, { protocol: 'feishu', endpoint: 'https://open.feishu.cn/open-apis/bot/v2/hook/abc', extension: { keyword: 'alert' } })
			.reply(201, { subscription_urn: SUBSCRIPTION });
		const welink = nock(SMN)
			.post(`${V2}/topics/${TOPIC}/subscriptions`, { protocol: 'welink', endpoint: '123456', extension: { client_id: 'cid', client_secret: 'csec' } })
			.reply(201, { subscription_urn: SUBSCRIPTION });

		await smnNode(add({ protocol: 'feishu', endpoint: 'https://open.feishu.cn/open-apis/bot/v2/hook/abc', robotSecurity: 'keyword', robotKeyword: 'alert' })).execute();
		await smnNode(add({ protocol: 'welink', endpoint: '123456', welinkClientId: 'cid', welinkClientSecret: 'csec' })).execute();

		expect(feishu.isDone() && welink.isDone()).toBe(true);
	});

	it('normalises phone numbers and accepts email endpoints', async () => {
		const sms = nock(SMN).post(`${V2}/topics/${TOPIC}/subscriptions`, { protocol: 'sms', endpoint: '+8613800000000' }).reply(201, { subscription_urn: SUBSCRIPTION });
		const email = nock(SMN).post(`${V2}/topics/${TOPIC}/subscriptions`, { protocol: 'email', endpoint: 'ops@example.com' }).reply(201, { subscription_urn: SUBSCRIPTION });

		await smnNode(add({ protocol: 'sms', endpoint: '+86 138-0000-0000' })).execute();
		await smnNode(add({ protocol: 'email', endpoint: 'ops@example.com' })).execute();

		expect(sms.isDone() && email.isDone()).toBe(true);
	});

	it('turns SMN errors into NodeApiError with the vendor code and a hint', async () => {
		nock(SMN)
			.post(`${V2}/topics/${TOPIC}/subscriptions`)
			.reply(400, { request_id: 'r', code: 'SMN.0012', message: 'Invalid endpoint.' });

		const error = await smnNode(add()).execute().catch((e) => e);

		expect(error.constructor.name).toBe('NodeApiError');
		expect(error.message).toBe('Huawei Cloud SMN error SMN.0012: Invalid endpoint.');
		expect(error.description).toMatch(/must be public/);
		expect(error.context.vendorCode).toBe('SMN.0012');
	});

	it('with Continue On Fail returns the error and code as an item', async () => {
		nock(SMN).post(`${V2}/topics/${TOPIC}/subscriptions`).reply(404, { request_id: 'r', code: 'SMN.0006', message: 'Topic not found.' });

		const items = await smnNode(add(), undefined, true).execute();

		expect(items[0].json).toMatchObject({ code: 'SMN.0006', error: 'Huawei Cloud SMN error SMN.0006: Topic not found.' });
	});

	describe('rejects bad parameters before any request', () => {
		it.each([
			[{ protocol: 'https', endpoint: 'http://hooks.example.com' }, 'Endpoint must use https'],
			[{ protocol: 'http', endpoint: 'ftp://hooks.example.com' }, 'Endpoint must use http'],
			[{ protocol: 'https', endpoint: 'not a url' }, 'Endpoint is not a valid URL'],
			[{ protocol: 'email', endpoint: 'ops.example.com' }, 'Endpoint is not an email address'],
			[{ protocol: 'sms', endpoint: '+86 abc' }, 'Endpoint is not a phone number'],
			[{ protocol: 'functiongraph', endpoint: 'my-function' }, 'Endpoint is not a URN'],
			[{ protocol: 'wechat', endpoint: 'http://qyapi.weixin.qq.com/x' }, 'Endpoint must use https'],
			[{ protocol: 'welink', endpoint: '123', welinkClientId: 'cid' }, 'Client Secret is required'],
			[{ protocol: 'feishu', endpoint: 'https://open.feishu.cn/hook', robotSecurity: 'none' }, 'Feishu subscriptions need a keyword or a sign secret'],
			[{ protocol: 'feishu', endpoint: 'https://open.feishu.cn/hook', robotSecurity: 'signSecret' }, 'Sign Secret is required'],
			[{ protocol: 'dingTalkBot', endpoint: 'user-1', dingTalkAppKey: 'k', dingTalkAppSecret: 's' }, 'Robot Code is required'],
			[{ subscriptionOptions: { remark: '界'.repeat(43) } }, 'Remark is too long (129 bytes)'],
			[{ subscriptionOptions: { headers: { header: [{ name: 'x-smn-token', value: 'a' }] } } }, 'Header name "x-smn-token" is not allowed'],
			[{ subscriptionOptions: { headers: { header: [{ name: 'token', value: 'a' }] } } }, 'Header name "token" is not allowed'],
			[{ subscriptionOptions: { headers: { header: [{ name: 'x--a', value: 'a' }] } } }, 'Header name "x--a" is not allowed'],
			[{ subscriptionOptions: { headers: { header: [{ name: 'x-a', value: 'a' }, { name: 'X-A', value: 'b' }] } } }, 'Header "X-A" appears twice'],
			[{ subscriptionOptions: { headers: { header: [{ name: 'x-a', value: 'ü' }] } } }, 'not plain ASCII'],
			[{ subscriptionOptions: { headers: { header: Array.from({ length: 11 }, (_, i) => ({ name: `x-h${i}`, value: 'v' })) } } }, 'Too many headers (11)'],
			[{ subscriptionOptions: { headers: { header: [{ name: 'x-a', value: 'v'.repeat(1022) }] } } }, 'Headers are too long (1025 characters)'],
			[{ protocol: 'email', endpoint: 'a@b.co', subscriptionOptions: { headers: { header: [{ name: 'x-a', value: 'v' }] } } }, 'only to HTTP and HTTPS'],
			[{ topic: urnLocator('urn:smn:cn-north-4:p:orders/../x') }, 'Topic is not a valid topic URN'],
			[{ topic: { __rl: true, mode: 'id', value: 'xyz' } }, 'Topic ID is not valid'],
		])('%j', async (extra, message) => {
			await noCallExpected(add(extra), message);
		});
	});

	it('resolves a topic given by ID through the topic list', async () => {
		const id = 'a'.repeat(32);
		nock(SMN).get(`${V2}/topics`).query({ topic_id: id, offset: 0, limit: 1 }).reply(200, { topic_count: 1, topics: [{ topic_urn: TOPIC, topic_id: id }] });
		const post = nock(SMN).post(`${V2}/topics/${TOPIC}/subscriptions`).reply(201, { subscription_urn: SUBSCRIPTION });

		await smnNode(add({ topic: { __rl: true, mode: 'id', value: id } })).execute();

		expect(post.isDone()).toBe(true);
	});

	it('fails clearly when no topic has the given ID', async () => {
		nock(SMN).get(`${V2}/topics`).query(true).reply(200, { topic_count: 0, topics: [] });

		await expect(smnNode(add({ topic: { __rl: true, mode: 'id', value: 'b'.repeat(32) } })).execute()).rejects.toThrow(`No topic with ID ${'b'.repeat(32)}`);
	});
});

describe('SMN node: Subscription > List', () => {
	const page = (from: number, count: number) =>
		Array.from({ length: count }, (_, i) => ({ subscription_urn: `${TOPIC}:${String(from + i).padStart(32, '0')}`, status: 1 }));

	it('reads every page of a topic\'s subscriptions when Return All is on', async () => {
		const first = nock(SMN).get(`${V2}/topics/${TOPIC}/subscriptions`).query({ offset: 0, limit: 100, fuzzy_remark: 'n8n' }).reply(200, { subscription_count: 130, subscriptions: page(0, 100) });
		const second = nock(SMN).get(`${V2}/topics/${TOPIC}/subscriptions`).query({ offset: 100, limit: 100, fuzzy_remark: 'n8n' }).reply(200, { subscription_count: 130, subscriptions: page(100, 30) });

		const items = await smnNode({ resource: 'subscription', operation: 'list', scope: 'topic', topic: urnLocator(), returnAll: true, subscriptionFilters: { fuzzyRemark: 'n8n' } }).execute();

		expect(first.isDone() && second.isDone()).toBe(true);
		expect(items).toHaveLength(130);
		expect(items[129].pairedItem).toEqual({ item: 0 });
	});

	it('stops at the limit and asks only for what is missing', async () => {
		nock(SMN).get(`${V2}/subscriptions`).query({ offset: 0, limit: 100, protocol: 'https', status: 0, endpoint: 'https://a.example.com' }).reply(200, { subscriptions: page(0, 100) });
		nock(SMN).get(`${V2}/subscriptions`).query({ offset: 100, limit: 20, protocol: 'https', status: 0, endpoint: 'https://a.example.com' }).reply(200, { subscriptions: page(100, 20) });

		const items = await smnNode({
			resource: 'subscription',
			operation: 'list',
			scope: 'all',
			returnAll: false,
			limit: 120,
			subscriptionFilters: { protocol: 'https', status: 0, endpoint: 'https://a.example.com' },
		}).execute();

		expect(items).toHaveLength(120);
	});

	it('refuses project-only filters for a topic list before any call', async () => {
		await noCallExpected(
			{ resource: 'subscription', operation: 'list', scope: 'topic', topic: urnLocator(), returnAll: true, subscriptionFilters: { status: 1 } },
			'Filter status works only when listing all subscriptions of the project',
		);
	});
});

describe('SMN node: Subscription > Delete', () => {
	it('deletes by URN', async () => {
		const scope = nock(SMN).delete(`${V2}/subscriptions/${SUBSCRIPTION}`).reply(200, { request_id: 'r' });

		const [item] = await smnNode({ resource: 'subscription', operation: 'delete', subscriptionUrn: SUBSCRIPTION }).execute();

		expect(scope.isDone()).toBe(true);
		expect(item.json).toEqual({ deleted: true, existed: true, subscriptionUrn: SUBSCRIPTION });
	});

	it('treats a subscription SMN no longer knows (SMN.0013) as deleted', async () => {
		nock(SMN).delete(`${V2}/subscriptions/${SUBSCRIPTION}`).reply(404, { request_id: 'r', code: 'SMN.0013', message: 'Subscription not found.' });

		const [item] = await smnNode({ resource: 'subscription', operation: 'delete', subscriptionUrn: SUBSCRIPTION }).execute();

		expect(item.json).toMatchObject({ existed: false });
	});

	it('retries a 5xx once it is safe (delete is idempotent)', async () => {
		nock(SMN).delete(`${V2}/subscriptions/${SUBSCRIPTION}`).reply(500, { code: 'SMN.0018', message: 'Internal error.' });
		const retried = nock(SMN).delete(`${V2}/subscriptions/${SUBSCRIPTION}`).reply(200, { request_id: 'r' });

		await smnNode({ resource: 'subscription', operation: 'delete', subscriptionUrn: SUBSCRIPTION }).execute();

		expect(retried.isDone()).toBe(true);
	});

	it('rejects a malformed URN before any call', async () => {
		await noCallExpected({ resource: 'subscription', operation: 'delete', subscriptionUrn: TOPIC }, 'Subscription URN is not valid');
	});

	it('waits and retries when the gateway throttles (429 / APIG.0308)', async () => {
		nock(SMN)
			.delete(`${V2}/subscriptions/${SUBSCRIPTION}`)
			.reply(429, { error_code: 'APIG.0308', error_msg: 'The throttling threshold has been reached', request_id: 'r' }, { 'Retry-After': '0' });
		const retried = nock(SMN).delete(`${V2}/subscriptions/${SUBSCRIPTION}`).reply(200, { request_id: 'r' });

		await smnNode({ resource: 'subscription', operation: 'delete', subscriptionUrn: SUBSCRIPTION }).execute();

		expect(retried.isDone()).toBe(true);
	});
});

describe('SMN node: Topic', () => {
	it('lists topics with filters', async () => {
		const scope = nock(SMN)
			.get(`${V2}/topics`)
			.query({ offset: 0, limit: 5, name: 'orders', enterprise_project_id: '0' })
			.reply(200, { topic_count: 1, topics: [{ topic_urn: TOPIC, name: 'orders' }] });

		const items = await smnNode({ resource: 'topic', operation: 'list', returnAll: false, limit: 5, topicFilters: { name: 'orders', enterpriseProjectId: '0' } }).execute();

		expect(scope.isDone()).toBe(true);
		expect(items[0].json).toEqual({ topic_urn: TOPIC, name: 'orders' });
	});

	it('gets one topic', async () => {
		nock(SMN).get(`${V2}/topics/${TOPIC}`).reply(200, { request_id: 'r', topic_urn: TOPIC, name: 'orders', push_policy: 0 });

		const [item] = await smnNode({ resource: 'topic', operation: 'get', topic: urnLocator() }).execute();

		expect(item.json).toMatchObject({ name: 'orders', push_policy: 0 });
	});

	it('searches topics for the picker, page by page', async () => {
		nock(SMN)
			.get(`${V2}/topics`)
			.query({ offset: 0, limit: 50, fuzzy_name: 'ord' })
			.reply(200, { topic_count: 51, topics: Array.from({ length: 50 }, (_, i) => ({ topic_urn: `${TOPIC}${i}`, name: `orders${i}`, display_name: i === 0 ? 'Orders' : '' })) });

		const result = await smnNode({ resource: 'topic', operation: 'get' }).listSearch('searchTopics', 'ord');

		expect(result.results[0]).toEqual({ name: 'orders0 (Orders)', value: `${TOPIC}0` });
		expect(result.paginationToken).toBe('50');
	});
});

describe('SMN node: Message > Publish', () => {
	const publish = (extra: INodeParameters = {}): INodeParameters => ({ resource: 'message', operation: 'publish', topic: urnLocator(), content: 'message', message: 'Order 42 shipped', ...extra });

	it('publishes a message with subject and TTL (as a string)', async () => {
		const scope = nock(SMN)
			.post(`${V2}/topics/${TOPIC}/publish`, { message: 'Order 42 shipped', subject: 'Shipping', time_to_live: '600' })
			.reply(200, { request_id: 'req-p', message_id: 'msg-1' });

		const [item] = await smnNode(publish({ publishOptions: { subject: 'Shipping', timeToLive: 600 } })).execute();

		expect(scope.isDone()).toBe(true);
		expect(item.json).toEqual({ topicUrn: TOPIC, messageId: 'msg-1', requestId: 'req-p' });
	});

	it('publishes a message structure as a JSON string', async () => {
		const structure = { default: 'hi', email: 'Hello by mail' };
		const scope = nock(SMN).post(`${V2}/topics/${TOPIC}/publish`, { message_structure: JSON.stringify(structure) }).reply(200, { message_id: 'm' });

		await smnNode(publish({ content: 'structure', messageStructure: JSON.stringify(structure) })).execute();

		expect(scope.isDone()).toBe(true);
	});

	it('publishes a template with tags', async () => {
		const scope = nock(SMN)
			.post(`${V2}/topics/${TOPIC}/publish`, { message_template_name: 'order_shipped', tags: { order_id: '42', city: 'Xi\'an' } })
			.reply(200, { message_id: 'm' });

		await smnNode(publish({ content: 'template', templateName: 'order_shipped', templateTags: { tag: [{ name: 'order_id', value: '42' }, { name: 'city', value: 'Xi\'an' }] } })).execute();

		expect(scope.isDone()).toBe(true);
	});

	it.each([
		[{ message: '' }, 'Message is required'],
		[{ message: 'x'.repeat(256 * 1024 + 1) }, 'Message is too long'],
		[{ content: 'structure', messageStructure: '{"email": "x"}' }, 'Message Structure needs a "default" message'],
		[{ content: 'structure', messageStructure: '{not json' }, 'Message Structure is not valid JSON'],
		[{ content: 'template', templateName: '' }, 'Template Name is required'],
		[{ content: 'template', templateName: 't', templateTags: { tag: [{ name: 'a'.repeat(22), value: 'v' }] } }, 'is too long'],
		[{ publishOptions: { subject: 'é'.repeat(257) } }, 'Subject is too long (514 bytes)'],
		[{ publishOptions: { timeToLive: 86401 } }, 'Time to Live must be 1 to 86400 seconds'],
	])('rejects %j before any call', async (extra, message) => {
		await noCallExpected(publish(extra), message);
	});

	it('keeps the project id out of the URL template: it comes from the session', async () => {
		const scope = nock(SMN).post(`/v2/${PROJECT}/notifications/topics/${TOPIC}/publish`).reply(200, { message_id: 'm' });

		await smnNode(publish()).execute();

		expect(scope.isDone()).toBe(true);
	});
});
