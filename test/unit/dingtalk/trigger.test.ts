import { Logger } from '@n8n/backend-common';
import { Container } from '@n8n/di';
import nock from 'nock';
import { NodeOperationError } from 'n8n-workflow';
import {
	AES_KEY,
	APP_KEY,
	BASE,
	CALLBACK_TOKEN,
	CORP_ID,
	TOKEN,
	UNION_ID,
	appCredentials,
	decryptLikeDingTalk,
	dingTalkTrigger,
	dingTalkTriggerOptions,
	signLikeDingTalk,
	signedPush,
	triggerParameters,
	updateEvent,
} from './fixtures';
import { MAX_PUSH_BYTES } from '../../../nodes/DingTalk/verify';
import { NodeHarness } from '../../harness/node-harness';
import { oddBodies, outboundRequestsDuring } from '../../harness/odd-bodies';

const session = { ...appCredentials, sessionToken: TOKEN, sessionExpiresAt: Date.now() + 3_600_000 };
const subscribed = { scope: 'ORG', scopeId: CORP_ID, unionId: UNION_ID };

function storageCall(action: 'subscribe' | 'unsubscribe', body = { scope: 'ORG', scopeId: CORP_ID }, unionId = UNION_ID) {
	return nock(BASE, { reqheaders: { 'x-acs-dingtalk-access-token': TOKEN } })
		.post(`/v1.0/storage/events/${action}`, body)
		.query({ unionId });
}

/** Checks that a reply is the encrypted "success" DingTalk accepts, for the given owner key. */
function expectEncryptedSuccess(body: unknown, ownerKey = APP_KEY) {
	const reply = body as Record<string, string>;
	expect(Object.keys(reply).sort()).toEqual(['encrypt', 'msg_signature', 'nonce', 'timeStamp']);
	expect(signLikeDingTalk(CALLBACK_TOKEN, reply.timeStamp, reply.nonce, reply.encrypt)).toBe(reply.msg_signature);
	expect(decryptLikeDingTalk(AES_KEY, reply.encrypt)).toEqual({ text: 'success', ownerKey });
}

describe('DingTalk Trigger lifecycle', () => {
	it('subscribes the scope on activation and remembers it', async () => {
		const call = storageCall('subscribe').reply(200, { success: true });
		const trigger = dingTalkTrigger(triggerParameters(), undefined, session);

		await trigger.activate();

		expect(call.isDone()).toBe(true);
		expect(trigger.staticData).toEqual(subscribed);
	});

	it('checkExists trusts the remembered subscription when the parameters are unchanged (no status API exists)', async () => {
		const trigger = dingTalkTrigger(triggerParameters(), { ...subscribed }, session);
		expect(await trigger.hook('checkExists')).toBe(true);
	});

	it('checkExists says no without a remembered subscription', async () => {
		expect(await dingTalkTrigger(triggerParameters(), {}, session).hook('checkExists')).toBe(false);
	});

	it('checkExists unsubscribes the old scope when the parameters changed, and activation subscribes the new one', async () => {
		const old = storageCall('unsubscribe').reply(200, { success: true });
		const fresh = storageCall('subscribe', { scope: 'SPACE', scopeId: '24000001' }).reply(200, { success: true });
		const trigger = dingTalkTrigger(triggerParameters({ scope: 'SPACE', scopeId: '24000001' }), { ...subscribed }, session);

		await trigger.activate();

		expect(old.isDone() && fresh.isDone()).toBe(true);
		expect(trigger.staticData).toEqual({ scope: 'SPACE', scopeId: '24000001', unionId: UNION_ID });
	});

	it('checkExists still lets activation proceed when the old scope cannot be unsubscribed', async () => {
		storageCall('unsubscribe').reply(403, { code: 'permissionDenied', message: 'no' });
		const fresh = storageCall('subscribe', { scope: 'ORG', scopeId: CORP_ID }, 'other-union').reply(200, { success: true });
		const trigger = dingTalkTrigger(triggerParameters({ unionId: 'other-union' }), { ...subscribed }, session);
		await trigger.activate();
		expect(fresh.isDone()).toBe(true);
		expect(trigger.staticData.unionId).toBe('other-union');
	});

	it('in test mode, checkExists never unsubscribes the scope an active workflow may rely on', async () => {
		const trigger = dingTalkTrigger(triggerParameters({ unionId: 'other-union' }), { ...subscribed }, session);
		expect(await trigger.hook('checkExists', { isTest: true })).toBe(false);
		expect(trigger.staticData).toEqual(subscribed);
	});

	it('create fails with the DingTalk advice as its message (all n8n versions show it) and remembers nothing', async () => {
		storageCall('subscribe').reply(403, { code: 'permissionDenied', message: '用户缺少订阅事件的权限' });
		const trigger = dingTalkTrigger(triggerParameters(), {}, session);
		const error = (await trigger.hook('create').catch((e: unknown) => e)) as Error & { description: string };
		expect(error).toBeInstanceOf(Error);
		expect(error.description).toMatch(/^DingTalk.*Storage\.Event\.Write/);
		expect(error.message).toBe(`${error.description} (code permissionDenied)`);
		expect(trigger.staticData).toEqual({});
	});

	it.each([
		[{ callbackToken: '' }, 'The credential has no Callback Token'],
		[{ aesSecretKey: 'short' }, "The credential's AES Key must be 43 letters or digits"],
		[{ appKey: '', corpId: '' }, 'The credential needs the App Key (or the Corp ID)'],
	])('create checks the callback settings %p before subscribing', async (override, message) => {
		const trigger = dingTalkTrigger(triggerParameters(), {}, { ...session, ...override });
		const error = await trigger.hook('create').catch((e: Error) => e);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as Error).message).toBe(message);
	});

	it('create requires at least one event type and valid parameters before subscribing', async () => {
		await expect(dingTalkTrigger(triggerParameters({ events: [] }), {}, session).hook('create')).rejects.toThrow('Choose at least one event');
		await expect(dingTalkTrigger(triggerParameters({ unionId: '' }), {}, session).hook('create')).rejects.toThrow(
			'Operator Union ID is required',
		);
	});

	it('delete unsubscribes and forgets the subscription', async () => {
		const call = storageCall('unsubscribe').reply(200, { success: true });
		const trigger = dingTalkTrigger(triggerParameters(), { ...subscribed }, session);
		expect(await trigger.hook('delete')).toBe(true);
		expect(call.isDone()).toBe(true);
		expect(trigger.staticData).toEqual({});
	});

	it('delete returns false, keeps the subscription and logs when DingTalk refuses', async () => {
		const call = nock(BASE).post('/v1.0/storage/events/unsubscribe').query(true).times(5).reply(500, { code: 'systemError', message: 'x' });
		const trigger = dingTalkTrigger(triggerParameters(), { ...subscribed }, session);
		const warn = jest.spyOn(Container.get(Logger), 'warn');
		expect(await trigger.hook('delete')).toBe(false);
		expect(call.isDone()).toBe(true);
		expect(trigger.staticData).toEqual({ ...subscribed, unsubscribeFailed: true });
		expect(warn).toHaveBeenCalledWith(expect.stringMatching(/ORG ding6ccabc44d2c8d38b could not be unsubscribed: DingTalk error systemError/));
		warn.mockRestore();
	});

	it('after a failed unsubscribe, the next activation subscribes again instead of trusting what it remembers', async () => {
		const again = storageCall('subscribe', { scope: 'ORG', scopeId: CORP_ID }).reply(200, { success: true });
		const trigger = dingTalkTrigger(triggerParameters(), { ...subscribed, unsubscribeFailed: true }, session);
		await trigger.activate();
		expect(again.isDone()).toBe(true);
		expect(trigger.staticData).toEqual(subscribed);
	});

	it('delete has nothing to do without a remembered subscription', async () => {
		expect(await dingTalkTrigger(triggerParameters(), {}, session).hook('delete')).toBe(true);
	});

	it('after "Listen for test event", delete keeps the scope subscribed', async () => {
		const trigger = dingTalkTrigger(triggerParameters(), { ...subscribed }, session);
		expect(await trigger.hook('delete', { isTest: true })).toBe(true);
		expect(trigger.staticData).toEqual(subscribed);
	});
});

describe('DingTalk Trigger webhook', () => {
	it('answers check_url with the encrypted success and starts nothing', async () => {
		const { result, response } = await dingTalkTrigger().webhook(signedPush({ EventType: 'check_url' }));
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response.statusCode).toBe(200);
		expect(response.ended).toBe(true);
		expectEncryptedSuccess(response.body);
	});

	it('emits one item per storage event and acknowledges it at once', async () => {
		const event = updateEvent('event-emit-1');
		const { result, response } = await dingTalkTrigger().webhook(signedPush(event));

		expectEncryptedSuccess(response.body);
		expect(result.noWebhookResponse).toBe(true);
		expect(result.workflowData).toEqual([
			[
				{
					json: {
						eventType: 'storage_dentry_update',
						eventId: 'event-emit-1',
						eventTime: 1700000000000,
						corpId: CORP_ID,
						bizId: 'biz-event-emit-1',
						spaceId: '123456',
						dentryId: '987654',
						eventScope: 'ORG',
						eventScopeId: CORP_ID,
						extension: 'pdf',
						unionId: UNION_ID,
						type: 'FILE',
					},
				},
			],
		]);
	});

	it('starts nothing for a redelivered event (same eventId), but still acknowledges it', async () => {
		const trigger = dingTalkTrigger();
		const first = await trigger.webhook(signedPush(updateEvent('event-dup-1')));
		const again = await trigger.webhook(signedPush(updateEvent('event-dup-1'), { nonce: 'other', timestamp: String(Date.now() + 10) }));
		expect(first.result.workflowData).toHaveLength(1);
		expect(again.result).toEqual({ noWebhookResponse: true });
		expectEncryptedSuccess(again.response.body);
	});

	it('de-duplicates on BizId when eventId is missing', async () => {
		const { eventId: _eventId, ...withoutEventId } = updateEvent('biz-only');
		const trigger = dingTalkTrigger();
		expect((await trigger.webhook(signedPush(withoutEventId))).result.workflowData).toHaveLength(1);
		expect((await trigger.webhook(signedPush(withoutEventId))).result.workflowData).toBeUndefined();
	});

	it('acknowledges but drops event types that were not chosen, and unknown events', async () => {
		const trigger = dingTalkTrigger(triggerParameters({ events: ['storage_dentry_create'] }));
		for (const payload of [updateEvent('not-chosen'), { EventType: 'user_add_org', UserId: ['u'] }, { nothing: true }]) {
			const { result, response } = await trigger.webhook(signedPush(payload));
			expect(result).toEqual({ noWebhookResponse: true });
			expectEncryptedSuccess(response.body);
		}
	});

	it('accepts the "signature" spelling and a CorpId owner key, replying with the same owner key', async () => {
		const push = signedPush(updateEvent('event-corp-1'), { ownerKey: CORP_ID });
		const { msg_signature, ...query } = push.query;
		const { result, response } = await dingTalkTrigger().webhook({ body: push.body, query: { ...query, signature: msg_signature } });
		expect(result.workflowData).toHaveLength(1);
		expectEncryptedSuccess(response.body, CORP_ID);
	});

	const rejected: Array<[string, () => { body: object; query: Record<string, string> }]> = [
		['a wrong signature', () => {
			const push = signedPush(updateEvent('bad-sig'));
			return { ...push, query: { ...push.query, msg_signature: '0'.repeat(40) } };
		}],
		['a signature made with another token', () => signedPush(updateEvent('bad-token'), { token: 'another' })],
		['a wrong owner key', () => signedPush(updateEvent('bad-owner'), { ownerKey: 'dingsomeoneelse00000' })],
		['corrupted ciphertext', () => {
			const push = signedPush(updateEvent('bad-cipher'));
			const bytes = Buffer.from(push.body.encrypt, 'base64');
			bytes[bytes.length - 20] ^= 0x55;
			const encrypt = bytes.toString('base64');
			return { body: { encrypt }, query: { ...push.query, msg_signature: signLikeDingTalk(CALLBACK_TOKEN, push.query.timestamp, push.query.nonce, encrypt) } };
		}],
		['a plaintext that is not JSON', () => signedPush('not json')],
		['a JSON array', () => signedPush('[1,2]')],
		['a missing signature', () => {
			const push = signedPush(updateEvent('no-sig'));
			const { msg_signature: _s, ...query } = push.query;
			return { ...push, query };
		}],
		['a missing nonce', () => {
			const push = signedPush(updateEvent('no-nonce'));
			const { nonce: _n, ...query } = push.query;
			return { ...push, query };
		}],
		['a missing encrypt field', () => ({ body: { plain: 'x' }, query: signedPush(updateEvent('no-enc')).query })],
	];
	it.each(rejected)('rejects %s with 401 and starts nothing', async (_name, build) => {
		const { result, response } = await dingTalkTrigger().webhook(build());
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response.statusCode).toBe(401);
		expect(response.body).toBe('Unauthorized');
	});

	it('rejects every push with 401 while the credential has no valid AES key', async () => {
		const trigger = dingTalkTrigger(triggerParameters(), undefined, { ...appCredentials, aesSecretKey: 'nope' });
		const { result, response } = await trigger.webhook(signedPush({ EventType: 'check_url' }));
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response.statusCode).toBe(401);
	});

	it('a rejected push does not use up its eventId: the authentic one still runs', async () => {
		const trigger = dingTalkTrigger();
		await trigger.webhook(signedPush(updateEvent('event-after-forgery'), { ownerKey: 'dingsomeoneelse00000' }));
		const { result } = await trigger.webhook(signedPush(updateEvent('event-after-forgery')));
		expect(result.workflowData).toHaveLength(1);
	});
});

describe('DingTalk Trigger webhook: bodies DingTalk never sends', () => {
	// The query is genuine, so only the body is wrong.
	const query = () => signedPush(updateEvent('odd-body')).query;

	it.each(oddBodies())('answers %s with 4xx, starts nothing and calls nothing', async (_label, request) => {
		let outcome: Awaited<ReturnType<ReturnType<typeof dingTalkTrigger>['webhook']>> | undefined;
		const outbound = await outboundRequestsDuring(async () => {
			outcome = await dingTalkTrigger().webhook({ ...request, query: query() });
		});
		expect(outcome!.result).toEqual({ noWebhookResponse: true });
		expect(outcome!.response.statusCode).toBeGreaterThanOrEqual(400);
		expect(outcome!.response.statusCode).toBeLessThan(500);
		expect(outcome!.response.ended).toBe(true);
		expect(outbound).toEqual([]);
	});

	it('answers a body over 1 MiB with 413 before checking anything', async () => {
		const { result, response } = await dingTalkTrigger().webhook({ body: { encrypt: 'A'.repeat(MAX_PUSH_BYTES) }, query: query() });
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response.statusCode).toBe(413);
	});

	it('acknowledges a signed push whose fields are {"toString":1,"valueOf":1} without throwing, and starts nothing', async () => {
		const trap = { toString: 1, valueOf: 1 };
		const { result, response } = await dingTalkTrigger().webhook(signedPush({ ...updateEvent('trap'), EventType: trap, eventId: trap, BizId: trap }));
		expect(response.statusCode).toBe(200);
		expectEncryptedSuccess(response.body);
		expect(result).toEqual({ noWebhookResponse: true });
	});

	it('answers a body without raw bytes (multipart) that is not a push with 401', async () => {
		const { result, response } = await dingTalkTrigger().webhook({ body: { encrypt: 'x' }, rawBody: null, query: query() });
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response.statusCode).toBe(401);
	});
});

describe('DingTalk Trigger webhook: replay window', () => {
	const seconds = (ms: number) => String(Math.floor(ms / 1000));

	it.each([
		['the first retry (10 s later, same timestamp)', () => String(Date.now() - 10_000)],
		['the last retry (10 s + 30 s + reply deadlines later, same timestamp)', () => String(Date.now() - 45_000)],
		['a timestamp in seconds, 45 s old', () => seconds(Date.now() - 45_000)],
		['a clock 4 minutes ahead', () => String(Date.now() + 4 * 60_000)],
	])('runs a genuine push signed with %s', async (_label, timestamp) => {
		const { result, response } = await dingTalkTrigger().webhook(signedPush(updateEvent(`retry-${timestamp()}`), { timestamp: timestamp() }));
		expect(response.statusCode).toBe(200);
		expect(result.workflowData?.[0]).toHaveLength(1);
	});

	const nowSeconds = () => Math.floor(Date.now() / 1000);
	it.each([
		['6 minutes old', () => String(Date.now() - 6 * 60_000)],
		['25 hours old (a replay after the de-duplication log forgot it)', () => String(Date.now() - 25 * 3_600_000)],
		['from the year 2000', () => '946684800000'],
		['6 minutes ahead', () => String(Date.now() + 6 * 60_000)],
		['in hexadecimal ("0x…" of the current second)', () => `0x${nowSeconds().toString(16)}`],
		['with a leading space', () => ` ${nowSeconds()}`],
		['with a trailing space', () => `${nowSeconds()} `],
		['with a plus sign', () => `+${nowSeconds()}`],
		['in exponent notation', () => `${nowSeconds()}e0`],
		['with a fraction', () => `${Date.now()}.5`],
		['in full-width digits', () => String(nowSeconds()).replace(/[0-9]/g, (digit) => String.fromCharCode(0xff10 + Number(digit)))],
		['with leading zeros', () => `000${Date.now()}`],
		['of 17 digits', () => `${Date.now()}0000`],
	])('answers a correctly signed push with a timestamp %s with 401 and starts nothing', async (_label, timestamp) => {
		// A new workflow: nothing remembered, as after a restart.
		const trigger = new NodeHarness({ ...dingTalkTriggerOptions(), workflowId: `wf-replay-${Math.random()}` });
		const { result, response } = await trigger.webhook(signedPush(updateEvent(`stale-${Math.random()}`), { timestamp: timestamp() }));
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response).toMatchObject({ statusCode: 401, body: 'Unauthorized' });
	});

	it('a push refused as stale does not use up its eventId, and a replay of an accepted push later still starts nothing', async () => {
		const trigger = dingTalkTrigger();
		const stale = await trigger.webhook(signedPush(updateEvent('window-1'), { timestamp: String(Date.now() - 10 * 60_000) }));
		const fresh = await trigger.webhook(signedPush(updateEvent('window-1')));
		const replayed = await trigger.webhook(signedPush(updateEvent('window-1'), { nonce: 'replayed' }));
		expect(stale.response.statusCode).toBe(401);
		expect(fresh.result.workflowData?.[0]).toHaveLength(1);
		expect(replayed.response.statusCode).toBe(200);
		expect(replayed.result.workflowData).toBeUndefined();
	});

	it('logs a refused signed timestamp once, with control characters replaced and its length capped', async () => {
		const warn = jest.spyOn(Container.get(Logger), 'warn');
		const trigger = new NodeHarness({ ...dingTalkTriggerOptions(), workflowId: 'wf-log-once' });
		const timestamp = `1\n2026-01-01 INFO forged line\u001b[31m${'9'.repeat(500)}`;
		await trigger.webhook(signedPush(updateEvent('log-1'), { timestamp }));
		await trigger.webhook(signedPush(updateEvent('log-2'), { timestamp }));
		const lines = warn.mock.calls.map(([message]) => String(message)).filter((message) => message.includes('signed timestamp'));
		warn.mockRestore();
		expect(lines).toHaveLength(1);
		expect(lines[0]).not.toMatch(/[\u0000-\u001f\u007f]/);
		expect(lines[0].length).toBeLessThan(300);
	});
});
