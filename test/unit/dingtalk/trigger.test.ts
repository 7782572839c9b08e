import { Logger } from '@n8n/backend-common';
import { Container } from '@n8n/di';
import nock from 'nock';
import { NodeOperationError } from 'n8n-workflow';
import { decryptMessage, signatureMatches } from '../../../nodes/DingTalk/crypto';
import {
	AES_KEY,
	APP_KEY,
	BASE,
	CALLBACK_TOKEN,
	CORP_ID,
	TOKEN,
	UNION_ID,
	appCredentials,
	dingTalkTrigger,
	signedPush,
	triggerParameters,
	updateEvent,
} from './fixtures';

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
	expect(signatureMatches(CALLBACK_TOKEN, reply.timeStamp, reply.nonce, reply.encrypt, reply.msg_signature)).toBe(true);
	expect(decryptMessage(AES_KEY, reply.encrypt, [ownerKey])).toEqual({ message: 'success', ownerKey });
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
		const again = await trigger.webhook(signedPush(updateEvent('event-dup-1'), { nonce: 'other', timestamp: '1700000010000' }));
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
			const { callbackSignature } = jest.requireActual('../../../nodes/DingTalk/crypto');
			return { body: { encrypt }, query: { ...push.query, msg_signature: callbackSignature(CALLBACK_TOKEN, push.query.timestamp, push.query.nonce, encrypt) } };
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
