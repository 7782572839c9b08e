/**
 * The DingTalk slice in a real n8n: the pack installed as a community package, credentials pointing at
 * the DingTalk emulator (which serves both the v1.0 and the old API), workflows created and activated
 * through n8n's public API, and HTTP pushes sent by the emulator to the trigger's production URL.
 */
import { dingTalkEmulatorCredential } from '../../dev/emulator/credentials';
import { PACK_VENDORS, vendorActionWorkflow, vendorTriggerWorkflow } from '../../dev/n8n/pack-nodes';
import { cycleThroughFaults, whileActive, type FaultCycle } from './activation';
import { emulatorControl, startWithEmulator } from './suite';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { postJson, sleep, ACTIVATION_FAULT_TIMES } = require('../../dev/n8n/launcher');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createDingTalkEmulator, sign, encrypt } = require('../../dev/emulator/dingtalk');

// A module of its own, so that its helpers do not clash with the other E2E files' script-scope names.
export {};

jest.setTimeout(180_000);

const TRIGGER_WEBHOOK_ID = '3c1f2a7e-8d44-4c1b-9e0f-0000000d1e01';
const ADMIN_UNION_ID = 'emuUnionAdmin4220';
// Short stand-ins for DingTalk's 10 s and 30 s, so that "no retry" can be observed within the test.
const RETRY_DELAYS_MS = [400, 800];
const AFTER_RETRIES_MS = 2_500;

type Json = Record<string, any>;

let n8n: any;
let emulator: any;
let credential: { id: string; name: string };

const emulatorApi = emulatorControl('dingtalk', () => emulator);
const { control, emulatorState, emulatorRequests, clearRequests } = emulatorApi;

function credentialData() {
	return dingTalkEmulatorCredential(emulator).data;
}

function triggerWorkflow(name: string, parameters: Json = {}) {
	return vendorTriggerWorkflow(PACK_VENDORS.dingtalk, name, {
		webhookId: TRIGGER_WEBHOOK_ID,
		parameters: { scope: 'ORG', scopeId: emulator.vendor.corpId, unionId: ADMIN_UNION_ID, events: ['storage_dentry_update', 'storage_dentry_delete'], ...parameters },
		credential,
	});
}

const dingTalkAction = (webhookId: string, parameters: Json, useCredential = credential) => vendorActionWorkflow(PACK_VENDORS.dingtalk, webhookId, { parameters, credential: useCredential });

async function deliveryAfterRetries(id: string) {
	await sleep(AFTER_RETRIES_MS);
	return (await emulatorState()).deliveries.find((delivery: Json) => delivery.id === id);
}

beforeAll(async () => {
	({ emulator, n8n, credential } = await startWithEmulator(createDingTalkEmulator({ retryDelaysMs: RETRY_DELAYS_MS, replyTimeoutMs: 5_000 }), dingTalkEmulatorCredential));
});

afterAll(async () => {
	await n8n?.stop();
	await emulator?.close();
});

describe('DingTalk Trigger in a real n8n', () => {
	let workflowId: string;

	it('subscribes its scope on activation', async () => {
		const workflow = await n8n.createWorkflow(triggerWorkflow('DingTalk trigger e2e'));
		workflowId = workflow.id;
		expect((await n8n.activate(workflowId)).status).toBe(200);

		const { subscriptions } = await emulatorState();
		expect(subscriptions).toEqual([expect.objectContaining({ scope: 'ORG', scopeId: emulator.vendor.corpId, unionId: ADMIN_UNION_ID })]);
		const calls = (await emulatorRequests()).map((request) => `${request.method} ${request.path}`);
		expect(calls).toEqual(['POST /v1.0/oauth2/accessToken', 'POST /v1.0/storage/events/subscribe']);
		const stored = await n8n.getWorkflow(workflowId);
		expect(stored.staticData['node:DingTalk Trigger']).toEqual({ scope: 'ORG', scopeId: emulator.vendor.corpId, unionId: ADMIN_UNION_ID });
	});

	it('answers check_url with a reply the console accepts, and starts nothing', async () => {
		const { saved, delivery } = await control('console', { callbackUrl: n8n.webhookUrl(TRIGGER_WEBHOOK_ID) });
		expect(saved).toBe(true);
		expect(delivery.attempts).toEqual([expect.objectContaining({ statusCode: 200, accepted: true })]);
		expect(await n8n.executionsAfterQuiet(workflowId, 500)).toHaveLength(0);
	});

	it('turns an encrypted storage_dentry_update into one execution, and DingTalk accepts the reply without retrying', async () => {
		const { delivery } = await control('fire', { eventType: 'storage_dentry_update', eventId: 'e2e-event-1' });
		expect(delivery.attempts[0]).toMatchObject({ statusCode: 200, accepted: true });

		const [execution] = await n8n.waitForExecutions(workflowId, 1);
		expect(execution.status).toBe('success');
		const items = execution.data.resultData.runData['DingTalk Trigger'][0].data.main[0].map((item: Json) => item.json);
		const sent = delivery.payload;
		expect(items).toEqual([
			{
				eventType: 'storage_dentry_update',
				eventId: 'e2e-event-1',
				eventTime: sent.EventTime,
				corpId: sent.CorpId,
				bizId: sent.BizId,
				spaceId: sent.spaceId,
				dentryId: sent.dentryId,
				eventScope: 'ORG',
				eventScopeId: emulator.vendor.corpId,
				extension: sent.extension,
				unionId: sent.unionId,
				type: sent.type,
			},
		]);
		expect((await deliveryAfterRetries(delivery.id)).attempts).toHaveLength(1);
	});

	it('starts nothing for a duplicate eventId or an event type that was not chosen, yet acknowledges both', async () => {
		const duplicate = (await control('fire', { eventType: 'storage_dentry_update', eventId: 'e2e-event-1' })).delivery;
		const notChosen = (await control('fire', { eventType: 'storage_dentry_create', eventId: 'e2e-event-2' })).delivery;
		expect(duplicate.attempts[0].accepted).toBe(true);
		expect(notChosen.attempts[0].accepted).toBe(true);
		expect(await n8n.executionsAfterQuiet(workflowId)).toHaveLength(1);
	});

	it.each(['signature', 'ownerKey', 'ciphertext'])(
		'answers a push with a wrong %s with 401, starts nothing, and DingTalk retries it',
		async (tamper) => {
			const { delivery } = await control('fire', { eventType: 'storage_dentry_update', eventId: `e2e-forged-${tamper}`, tamper });
			expect(delivery.attempts[0]).toMatchObject({ statusCode: 401, accepted: false });
			const settled = await deliveryAfterRetries(delivery.id);
			expect(settled.attempts.map((attempt: Json) => attempt.statusCode)).toEqual([401, 401, 401]);
			expect(await n8n.executionsAfterQuiet(workflowId, 500)).toHaveLength(1);
		},
	);

	it('unsubscribes on deactivation', async () => {
		await clearRequests();
		expect((await n8n.deactivate(workflowId)).status).toBe(200);
		expect((await emulatorState()).subscriptions).toEqual([]);
		const unsubscribes = (await emulatorRequests()).filter((request) => request.path === '/v1.0/storage/events/unsubscribe');
		expect(unsubscribes.map((request) => [request.query.unionId, request.body])).toEqual([
			[ADMIN_UNION_ID, { scope: 'ORG', scopeId: emulator.vendor.corpId }],
		]);
	});
});

describe('DingTalk Trigger reliability in a real n8n', () => {
	/** A push as DingTalk sends it, to the trigger's production URL: signed query, encrypted body. */
	function push(encrypted: string, { token = emulator.vendor.callbackToken, timestamp = String(Date.now()), nonce = 'e2enonce' } = {}) {
		return { query: { msg_signature: sign(token, timestamp, nonce, encrypted), timestamp, nonce } as Record<string, string>, body: { encrypt: encrypted } as Json };
	}
	const storageEvent = (eventId: string) =>
		JSON.stringify({ EventType: 'storage_dentry_update', eventId, spaceId: emulator.vendor.spaces[0], dentryId: '1', eventScope: 'ORG', eventScopeId: emulator.vendor.corpId });
	const genuine = (eventId: string, plain = storageEvent(eventId)) => push(encrypt(emulator.vendor.aesKey, plain, emulator.vendor.appKey));
	const send = (request: { query: Record<string, string>; body: Json | string }) =>
		postJson(`${n8n.webhookUrl(TRIGGER_WEBHOOK_ID)}?${new URLSearchParams(request.query)}`, request.body);
	const ourScopes = async () =>
		(await emulatorState()).subscriptions.filter((s: Json) => s.scope === 'ORG' && s.scopeId === emulator.vendor.corpId);

	it('rejects a batch of forged pushes with 401: no execution, no call to DingTalk; a genuine push still runs', async () => {
		const workflow = await n8n.createWorkflow(triggerWorkflow('DingTalk forgeries e2e'));
		await whileActive(n8n, workflow.id, async () => {
			const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === '0' ? '1' : '0') + text.slice(at + 1);
			const withQuery = (change: (query: Record<string, string>) => Record<string, string>) => {
				const request = genuine('e2e-forged');
				return { ...request, query: change({ ...request.query }) };
			};
			const corrupted = () => {
				const bytes = Buffer.from(genuine('e2e-forged').body.encrypt, 'base64');
				bytes[19] ^= 0x5a;
				return push(bytes.toString('base64'));
			};
			const forgeries: Array<[string, { query: Record<string, string>; body: Json | string }]> = [
				...[0, 13, 39].map((at): [string, ReturnType<typeof genuine>] => [`signature digit ${at} changed`, withQuery((q) => ({ ...q, msg_signature: flip(q.msg_signature, at) }))]),
				['signature truncated', withQuery((q) => ({ ...q, msg_signature: q.msg_signature.slice(0, -1) }))],
				['signature empty', withQuery((q) => ({ ...q, msg_signature: '' }))],
				['signature missing', withQuery(({ msg_signature: _s, ...q }) => q)],
				['signed with another token', push(encrypt(emulator.vendor.aesKey, storageEvent('e2e-forged'), emulator.vendor.appKey), { token: 'not-the-token' })],
				['timestamp changed after signing', withQuery((q) => ({ ...q, timestamp: String(Number(q.timestamp) + 1) }))],
				['nonce changed after signing', withQuery((q) => ({ ...q, nonce: 'othernonce' }))],
				['no query at all', { query: {}, body: genuine('e2e-forged').body }],
				['encrypt missing', { ...genuine('e2e-forged'), body: {} }],
				['encrypt empty', push('')],
				['encrypt not whole blocks', push('c2hvcnQ=')],
				['ciphertext corrupted, re-signed', corrupted()],
				['encrypted with another AES key', push(encrypt('Other0AesKey000000000000000000000000000000B', storageEvent('e2e-forged'), emulator.vendor.appKey))],
				['owner key of another app', push(encrypt(emulator.vendor.aesKey, storageEvent('e2e-forged'), 'dingsomeoneelse00000'))],
				['owner key empty', push(encrypt(emulator.vendor.aesKey, storageEvent('e2e-forged'), ''))],
				['plaintext that is not JSON', genuine('e2e-forged', 'EventType=storage_dentry_update')],
			];
			// n8n's own body parser answers unparseable JSON with 422 before the trigger runs.
			const notJson: [string, { query: Record<string, string>; body: string }] = ['body that is not JSON', { ...genuine('e2e-forged'), body: 'not json' }];

			await clearRequests();
			const statuses: Array<[string, number]> = [];
			for (const [label, request] of forgeries) statuses.push([label, (await send(request)).status]);
			const notJsonStatus = (await send(notJson[1])).status;

			expect(forgeries.length).toBeGreaterThanOrEqual(15);
			expect(statuses.filter(([, status]) => status !== 401)).toEqual([]);
			expect(notJsonStatus).toBe(422);
			expect(await n8n.executionsAfterQuiet(workflow.id)).toEqual([]);
			expect(await emulatorRequests()).toEqual([]);
			// The same URL and keys do accept a genuine push, so the 401s above are the trigger's verdict.
			expect((await send(genuine('e2e-genuine-after-forgeries'))).status).toBe(200);
			expect(await n8n.waitForExecutions(workflow.id, 1)).toHaveLength(1);
			expect(await emulatorRequests()).toEqual([]);
		});
		expect(await ourScopes()).toEqual([]);
	});

	it('leaves no scope subscribed after activate/deactivate cycles with injected faults', async () => {
		const workflow = await n8n.createWorkflow(triggerWorkflow('DingTalk faults e2e'));
		const subscribe = '/storage/events/subscribe';
		const unsubscribe = '/storage/events/unsubscribe';
		// DingTalk has no list API: what the trigger subscribed lives in static data, so there is no "list" fault.
		const cycles: FaultCycle[] = [
			// Subscribing is idempotent and retried (by the node, and by newer n8n), so the fault lasts the cycle.
			{ fault: { method: 'POST', pathIncludes: subscribe, status: 500, times: ACTIVATION_FAULT_TIMES } },
			{ fault: { method: 'POST', pathIncludes: subscribe, dropAfter: true } },
			{ fault: { method: 'POST', pathIncludes: unsubscribe, status: 500, times: 5 } },
			{ fault: { method: 'POST', pathIncludes: unsubscribe, drop: true, times: 5 } },
			{ fault: { method: 'POST', pathIncludes: unsubscribe, dropAfter: true } },
			{ forget: true },
		];
		let mostScopes = 0;
		const { failedCycles, activationErrors } = await cycleThroughFaults(n8n, workflow.id, emulatorApi, {
			cycles,
			forget: () => control('forget'),
			afterActivation: async () => {
				mostScopes = Math.max(mostScopes, (await ourScopes()).length);
			},
			whileFinallyActive: async () => expect(await ourScopes()).toHaveLength(1),
		});

		expect(failedCycles).toEqual([0]);
		for (const message of activationErrors) expect(message).toMatch(/^DingTalk (failed on its side|answered with a server error|could not be reached)/);
		expect(mostScopes).toBeLessThanOrEqual(1);
		expect(await ourScopes()).toEqual([]);
	});
});

describe('DingTalk node in a real n8n', () => {
	const storage = (operation: string, extra: Json = {}) => ({
		resource: 'storageEvent',
		operation,
		scope: 'SPACE',
		scopeId: emulator.vendor.spaces[0],
		unionId: ADMIN_UNION_ID,
		...extra,
	});

	it('looks up a union ID, subscribes and unsubscribes; an expired token is renewed once', async () => {
		const fresh = await n8n.createCredential('DingTalk (refresh)', 'dingTalkApi', credentialData());
		await clearRequests();

		const lookup = await n8n.runActionWorkflow(dingTalkAction('dt-union', { resource: 'user', operation: 'getUnionId', userId: 'manager4220' }, fresh));
		expect(lookup.response.body).toEqual([{ userId: 'manager4220', unionId: ADMIN_UNION_ID, name: 'Emulator Admin' }]);

		const subscribed = await n8n.runActionWorkflow(dingTalkAction('dt-subscribe', storage('subscribe'), fresh));
		expect(subscribed.response.body).toEqual([
			{ success: true, subscribed: true, scope: 'SPACE', scopeId: emulator.vendor.spaces[0], unionId: ADMIN_UNION_ID },
		]);
		expect((await emulatorState()).subscriptions).toEqual([expect.objectContaining({ scope: 'SPACE', scopeId: emulator.vendor.spaces[0] })]);

		await control('expire-tokens');
		const unsubscribed = await n8n.runActionWorkflow(dingTalkAction('dt-unsubscribe', storage('unsubscribe'), fresh));
		expect(unsubscribed.execution.status).toBe('success');
		expect((await emulatorState()).subscriptions).toEqual([]);

		const calls = (await emulatorRequests()).map((request) => `${request.method} ${request.path}`);
		expect(calls).toEqual([
			'POST /v1.0/oauth2/accessToken',
			'POST /topapi/v2/user/get',
			'POST /v1.0/storage/events/subscribe',
			'POST /v1.0/storage/events/unsubscribe',
			'POST /v1.0/oauth2/accessToken',
			'POST /v1.0/storage/events/unsubscribe',
		]);
	});

	it('explains permissionDenied with the missing permission and console switch', async () => {
		const { execution } = await n8n.runActionWorkflow(dingTalkAction('dt-denied', storage('subscribe', { unionId: 'emuUnionStaff0001' })));
		expect(execution.status).toBe('error');
		const error = execution.data.resultData.error;
		expect(error.message).toMatch(/^DingTalk error permissionDenied: 用户缺少订阅事件的权限/);
		expect(error.description).toMatch(/Storage\.Event\.Write.*storage events switch/s);
	});
});
