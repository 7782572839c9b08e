/**
 * The Huawei Cloud SMN slice in a real n8n: the pack installed as a community package, credentials
 * pointing at the SMN emulator (IAM and SMN on the same loopback origin), workflows created and
 * activated through n8n's public API.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { smnEmulatorCredential } from '../../dev/emulator/credentials';
import { PACK_VENDORS, vendorActionWorkflow, vendorTriggerWorkflow } from '../../dev/n8n/pack-nodes';
import { cycleThroughFaults, whileActive, type FaultCycle } from './activation';
import { emulatorControl, startWithEmulator, waitFor } from './suite';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { postJson, ACTIVATION_FAULT_TIMES } = require('../../dev/n8n/launcher');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createSmnEmulator } = require('../../dev/emulator/smn');

jest.setTimeout(180_000);

const TRIGGER_WEBHOOK_ID = '7d9e1c52-4b1a-4c55-9d0e-0000000e2e03';

type Json = Record<string, any>;

let n8n: any;
let emulator: any;
let credential: { id: string; name: string };
let topicUrn: string;
/** A loopback server that must never be contacted: certificate and confirmation URLs "elsewhere" point here. */
let trap: http.Server;
const trapped: string[] = [];
let trapOrigin: string;

const emulatorApi = emulatorControl('smn', () => emulator);
const { control, emulatorState, emulatorRequests, clearRequests } = emulatorApi;

function triggerWorkflow(name: string) {
	return vendorTriggerWorkflow(PACK_VENDORS.smn, name, { webhookId: TRIGGER_WEBHOOK_ID, parameters: { topic: { __rl: true, mode: 'urn', value: topicUrn } }, credential });
}

const smnAction = (webhookId: string, parameters: Json, useCredential = credential) =>
	vendorActionWorkflow(PACK_VENDORS.smn, webhookId, { parameters, credential: useCredential });

const topic = () => ({ __rl: true, mode: 'urn', value: topicUrn });

beforeAll(async () => {
	trap = http.createServer((req, res) => {
		trapped.push(`${req.method} ${req.url}`);
		res.end('trap');
	});
	await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
	trapOrigin = `http://127.0.0.1:${(trap.address() as { port: number }).port}`;

	({ emulator, n8n, credential } = await startWithEmulator(createSmnEmulator(), smnEmulatorCredential));
	topicUrn = emulator.vendor.topicUrn('orders');
});

afterAll(async () => {
	await n8n?.stop();
	await emulator?.close();
	await new Promise((resolve) => trap?.close(resolve));
});

describe('SMN Trigger in a real n8n', () => {
	let workflowId: string;
	let subscriptionUrn: string;

	it('subscribes its own URL on activation, and confirms the verified confirmation', async () => {
		const workflow = await n8n.createWorkflow(triggerWorkflow('SMN trigger e2e'));
		workflowId = workflow.id;
		expect((await n8n.activate(workflowId)).status).toBe(200);

		const state = await waitFor(emulatorState, (s) => s.subscriptions.length === 1 && s.subscriptions[0].status === 1);
		expect(state.subscriptions[0]).toMatchObject({
			topic_urn: topicUrn,
			protocol: 'http',
			endpoint: n8n.webhookUrl(TRIGGER_WEBHOOK_ID),
			remark: `n8n workflow ${workflowId}`,
		});
		subscriptionUrn = state.subscriptions[0].subscription_urn;
		expect(state.deliveries).toEqual([expect.objectContaining({ type: 'SubscriptionConfirmation', statusCode: 200, response: 'OK' })]);

		const calls = (await emulatorRequests()).map((request) => `${request.method} ${request.path}`);
		expect(calls).toEqual(
			expect.arrayContaining([
				'POST /v3/auth/tokens',
				`POST /v2/${emulator.vendor.projectId}/notifications/topics/${topicUrn}/subscriptions`,
				expect.stringMatching(/^GET \/smn\/SMN_cn-north-4_[0-9a-f]{32}\.pem$/),
				'GET /v2/notifications/subscriptions/subscribe',
			]),
		);
		const stored = await n8n.getWorkflow(workflowId);
		expect(stored.staticData['node:SMN Trigger'].subscriptionUrn).toBe(subscriptionUrn);
		expect(await n8n.executionsAfterQuiet(workflowId)).toHaveLength(0);
	});

	it('turns a message published with the SMN node into one execution with the message', async () => {
		const published = await n8n.runActionWorkflow(
			smnAction('smn-publish', {
				resource: 'message',
				operation: 'publish',
				topic: topic(),
				content: 'message',
				message: '{"order":42,"status":"shipped"}',
				publishOptions: { subject: 'Order update', timeToLive: 600 },
			}),
		);
		expect(published.execution.status).toBe('success');
		const messageId = published.response.body[0].messageId;
		expect(messageId).toMatch(/^[0-9a-f]{32}$/);

		const [execution] = await n8n.waitForExecutions(workflowId, 1);
		const items = execution.data.resultData.runData['SMN Trigger'][0].data.main[0].map((item: Json) => item.json);
		expect(items).toEqual([
			{
				type: 'Notification',
				messageId,
				topicUrn,
				subject: 'Order update',
				message: { order: 42, status: 'shipped' },
				rawMessage: '{"order":42,"status":"shipped"}',
				timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
				subscriptionUrn,
			},
		]);
	});

	it('rejects forged, tampered, stale and elsewhere-pointing messages with 4xx, runs nothing and fetches nothing', async () => {
		await clearRequests();
		const fire = async (options: Json) => (await control('fire', { subscription_urn: subscriptionUrn, ...options })).statusCode;
		const elsewhereCertificate = `${trapOrigin}/smn/SMN_cn-north-4_${'a'.repeat(32)}.pem`;

		expect(await fire({ forge: true })).toBe(401);
		expect(await fire({ tamper: { message: 'tampered' } })).toBe(401);
		expect(await fire({ tamper: { topic_urn: emulator.vendor.topicUrn('alerts') } })).toBe(401);
		expect(await fire({ overrides: { timestamp: new Date(Date.now() - 3 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z') } })).toBe(401);
		expect(await fire({ overrides: { signing_cert_url: elsewhereCertificate } })).toBe(401);
		expect(await fire({ certificate: 'expired' })).toBe(401);
		expect(await fire({ certificate: 'redirect' })).toBe(401);
		expect(await fire({ type: 'SubscriptionConfirmation', overrides: { subscribe_url: `${trapOrigin}/v2/notifications/subscriptions/subscribe?token=x` } })).toBe(401);
		expect(await fire({ type: 'SubscriptionConfirmation', overrides: { subscribe_url: `${emulator.url}/_emulator/smn/forget` } })).toBe(401);
		// n8n's own body parser answers unparseable JSON with 422 before the trigger runs.
		expect((await postJson(n8n.webhookUrl(TRIGGER_WEBHOOK_ID), 'not json')).status).toBe(422);
		expect((await postJson(n8n.webhookUrl(TRIGGER_WEBHOOK_ID), { type: 'Notification' })).status).toBe(400);

		expect(trapped).toEqual([]);
		const calls = (await emulatorRequests()).map((request) => `${request.method} ${request.path}`);
		// Only the two allow-listed certificate URLs were read: the expired one, and the redirecting one (not followed).
		expect(calls.filter((call) => call.startsWith('GET'))).toHaveLength(2);
		expect(calls).not.toContain('GET /v2/notifications/subscriptions/subscribe');
		expect((await emulatorState()).subscriptions).toHaveLength(1);
		expect(await n8n.executionsAfterQuiet(workflowId)).toHaveLength(1);
	});

	it('starts no second execution for a message delivered again byte for byte', async () => {
		const { deliveries } = await emulatorState();
		const notification = deliveries.find((delivery: Json) => delivery.type === 'Notification' && delivery.statusCode === 200);

		const replayed = await control('fire', { subscription_urn: subscriptionUrn, replay: notification.message_id });

		expect(replayed.statusCode).toBe(200);
		expect(await n8n.executionsAfterQuiet(workflowId)).toHaveLength(1);
	});

	it('deletes its subscription on deactivation', async () => {
		await clearRequests();
		expect((await n8n.deactivate(workflowId)).status).toBe(200);

		expect((await emulatorState()).subscriptions).toHaveLength(0);
		const deletes = (await emulatorRequests()).filter((request) => request.method === 'DELETE');
		expect(deletes.map((request) => request.path)).toEqual([`/v2/${emulator.vendor.projectId}/notifications/subscriptions/${subscriptionUrn}`]);
	});

	it('subscribes again on re-activation after SMN forgot the subscription', async () => {
		expect((await n8n.activate(workflowId)).status).toBe(200);
		const first = (await waitFor(emulatorState, (s) => s.subscriptions[0]?.status === 1)).subscriptions[0];
		await control('forget', { subscription_urn: first.subscription_urn });
		expect((await n8n.deactivate(workflowId)).status).toBe(200);
		expect((await n8n.activate(workflowId)).status).toBe(200);

		const state = await waitFor(emulatorState, (s) => s.subscriptions.length === 1 && s.subscriptions[0].status === 1);
		expect(state.subscriptions[0].subscription_urn).not.toBe(first.subscription_urn);
		await n8n.deactivate(workflowId);
		expect((await emulatorState()).subscriptions).toHaveLength(0);
	});
});

describe('SMN Trigger reliability in a real n8n', () => {
	const ours = async () => (await emulatorState()).subscriptions.filter((s: Json) => s.endpoint === n8n.webhookUrl(TRIGGER_WEBHOOK_ID));
	/** SMN confirms asynchronously; the trigger visits the confirmation link it is sent. */
	const confirmed = () => waitFor(ours, (list) => list.length === 1 && list[0].status === 1);

	it('rejects a batch of forged messages with 4xx: no execution, no call to SMN but the certificate GETs they name; a genuine message still runs', async () => {
		const workflow = await n8n.createWorkflow(triggerWorkflow('SMN forgeries e2e'));
		await whileActive(n8n, workflow.id, async () => {
			// Confirming verified a message signed with the current certificate, so it is cached from here on.
			const [subscription] = await confirmed();
			const fire = async (options: Json) => (await control('fire', { subscription_urn: subscription.subscription_urn, ...options })).statusCode;
			const smnTime = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
			const certificatePath = (which: string) => new URL(emulator.vendor.certificateUrl(emulator.url, which)).pathname;
			// Fresh for every run: a certificate URL that failed within the last minute is answered from memory.
			const unknownCertificate = `/smn/SMN_${emulator.vendor.region}_${randomBytes(16).toString('hex')}.pem`;
			const subscribeUrl = (origin: string, topic = topicUrn) =>
				`${origin}/v2/notifications/subscriptions/subscribe?${new URLSearchParams({ topic_urn: topic, endpoint: n8n.webhookUrl(TRIGGER_WEBHOOK_ID), token: 'f'.repeat(64) })}`;
			const direct = async (body: Json | string, headers: Record<string, string> = {}) => (await postJson(n8n.webhookUrl(TRIGGER_WEBHOOK_ID), body, headers)).status;
			const signedElsewhere = () =>
				emulator.vendor.sign({ type: 'Notification', topic_urn: topicUrn, message_id: 'e'.repeat(32), message: 'hello', timestamp: smnTime(0) });

			// [label, send, the one certificate path it may make the trigger read at the trusted origin]
			const forgeries: Array<[string, () => Promise<number>, string?]> = [
				['signed with a key that is not SMN’s', () => fire({ forge: true })],
				['message changed after signing', () => fire({ tamper: { message: 'tampered' } })],
				['topic changed after signing', () => fire({ tamper: { topic_urn: emulator.vendor.topicUrn('alerts') } })],
				['subject added after signing', () => fire({ tamper: { subject: 'Injected' } })],
				['message_id changed after signing', () => fire({ tamper: { message_id: 'f'.repeat(32) } })],
				['signature emptied', () => fire({ tamper: { signature: '' } })],
				['signature_version v2', () => fire({ tamper: { signature_version: 'v2' } })],
				['signed three hours ago', () => fire({ overrides: { timestamp: smnTime(-3 * 3600_000) } })],
				['signed two hours ahead', () => fire({ overrides: { timestamp: smnTime(2 * 3600_000) } })],
				['certificate on another origin', () => fire({ overrides: { signing_cert_url: `${trapOrigin}${certificatePath('current')}` } })],
				['expired certificate', () => fire({ certificate: 'expired' }), certificatePath('expired')],
				['certificate URL that redirects', () => fire({ certificate: 'redirect' }), certificatePath('redirect')],
				['certificate that does not exist', () => fire({ overrides: { signing_cert_url: `${emulator.url}${unknownCertificate}` } }), unknownCertificate],
				['confirmation linking to another origin', () => fire({ type: 'SubscriptionConfirmation', overrides: { subscribe_url: subscribeUrl(trapOrigin) } })],
				['confirmation linking to the emulator’s controls', () => fire({ type: 'SubscriptionConfirmation', overrides: { subscribe_url: `${emulator.url}/_emulator/smn/forget` } })],
				['confirmation for another topic', () => fire({ type: 'SubscriptionConfirmation', overrides: { subscribe_url: subscribeUrl(emulator.url, emulator.vendor.topicUrn('alerts')) } })],
				['unknown message type', () => fire({ overrides: { type: 'Advertisement' } })],
				['X-SMN-MESSAGE-TYPE contradicting the body', () => direct(signedElsewhere(), { 'x-smn-message-type': 'SubscriptionConfirmation' })],
				['a bare type', () => direct({ type: 'Notification' }, { 'x-smn-message-type': 'Notification' })],
				// n8n's own body parser answers this with 422 before the trigger runs.
				['body that is not JSON', () => direct('not json')],
			];

			await clearRequests();
			const statuses: Array<[string, number]> = [];
			for (const [label, send] of forgeries) statuses.push([label, await send()]);

			expect(forgeries.length).toBeGreaterThanOrEqual(15);
			expect(statuses.filter(([, status]) => status < 400 || status >= 500)).toEqual([]);
			expect(await n8n.executionsAfterQuiet(workflow.id)).toEqual([]);
			// Each certificate named at the trusted origin was read at most once (and the redirect not followed);
			// nothing else. The trigger remembers a failed certificate URL for a minute, so the expired and the
			// redirecting one, already read by the previous suite, may be answered from memory; the fresh
			// unknown one must be read.
			const allowedCalls = forgeries.filter(([, , path]) => path).map(([, , path]) => `GET ${path}`);
			expect(allowedCalls).toHaveLength(3);
			const expectedCalls = (await emulatorRequests()).map((request) => `${request.method} ${request.path}`);
			expect(expectedCalls).toContain(`GET ${unknownCertificate}`);
			expect(expectedCalls.filter((call) => !allowedCalls.includes(call))).toEqual([]);
			expect(new Set(expectedCalls).size).toBe(expectedCalls.length);
			expect(trapped).toEqual([]);
			expect(await ours()).toEqual([expect.objectContaining({ subscription_urn: subscription.subscription_urn, status: 1 })]);

			// The same URL and certificate do accept a genuine message, so the 4xx above are the trigger's verdict.
			expect(await fire({ message: 'genuine after forgeries' })).toBe(200);
			expect(await n8n.waitForExecutions(workflow.id, 1)).toHaveLength(1);
			expect((await emulatorRequests()).map((request) => `${request.method} ${request.path}`)).toEqual(expectedCalls);
		});
		expect(await ours()).toEqual([]);
	});

	it('leaves no subscription behind after activate/deactivate cycles with injected faults', async () => {
		const workflow = await n8n.createWorkflow(triggerWorkflow('SMN faults e2e'));
		const list = `/topics/${topicUrn}/subscriptions`;
		// Every SMN call is idempotent and retried; five failures in a row are needed for a call to fail.
		const cycles: FaultCycle[] = [
			{ fault: { method: 'GET', pathIncludes: list, status: 503, times: ACTIVATION_FAULT_TIMES } },
			{ fault: { method: 'POST', pathIncludes: list, status: 500 } },
			// SMN subscribed, the answer is lost: the retry must get the same subscription back (200 "already exists").
			{ fault: { method: 'POST', pathIncludes: list, dropAfter: true } },
			{ fault: { method: 'DELETE', pathIncludes: '/subscriptions/', status: 500, times: 5 } },
			{ fault: { method: 'DELETE', pathIncludes: '/subscriptions/', drop: true, times: 5 } },
			{ forget: true },
		];
		let mostSubscriptions = 0;
		const { failedCycles, activationErrors } = await cycleThroughFaults(n8n, workflow.id, emulatorApi, {
			cycles,
			forget: async () => {
				for (const { subscription_urn } of await ours()) await control('forget', { subscription_urn });
			},
			afterActivation: async (activated) => {
				if (activated) await confirmed();
				mostSubscriptions = Math.max(mostSubscriptions, (await ours()).length);
			},
			whileFinallyActive: confirmed,
		});

		expect(failedCycles).toEqual([0]);
		for (const message of activationErrors) expect(message).toMatch(/^Huawei Cloud SMN (answered with a server error|could not be reached)/);
		expect(mostSubscriptions).toBeLessThanOrEqual(1);
		expect(await ours()).toEqual([]);
	});
});

describe('SMN node in a real n8n', () => {
	it('adds (201 then 200 "already exists"), lists and deletes a subscription', async () => {
		const add = {
			resource: 'subscription',
			operation: 'add',
			topic: topic(),
			protocol: 'https',
			endpoint: 'https://hooks.example.com/smn',
			subscriptionOptions: { remark: 'e2e', headers: { header: [{ name: 'x-source', value: 'n8n' }] } },
		};
		const first = await n8n.runActionWorkflow(smnAction('smn-add-1', add));
		expect(first.response.body).toEqual([
			expect.objectContaining({ created: true, topicUrn, protocol: 'https', endpoint: 'https://hooks.example.com/smn' }),
		]);
		const subscriptionUrn = first.response.body[0].subscriptionUrn;
		const again = await n8n.runActionWorkflow(smnAction('smn-add-2', add));
		expect(again.response.body).toEqual([expect.objectContaining({ created: false, subscriptionUrn })]);

		const listed = await n8n.runActionWorkflow(smnAction('smn-list', { resource: 'subscription', operation: 'list', scope: 'topic', topic: topic(), returnAll: true }));
		expect(listed.response.body).toEqual([
			expect.objectContaining({ subscription_urn: subscriptionUrn, status: 0, remark: 'e2e', extension: { header: { 'x-source': 'n8n' } } }),
		]);

		const deleted = await n8n.runActionWorkflow(smnAction('smn-delete', { resource: 'subscription', operation: 'delete', subscriptionUrn }));
		expect(deleted.response.body).toEqual([{ deleted: true, existed: true, subscriptionUrn }]);
		expect((await emulatorState()).subscriptions).toHaveLength(0);
	});

	it('fails bad parameters with a clear message before any request', async () => {
		await clearRequests();
		const { execution } = await n8n.runActionWorkflow(
			smnAction('smn-bad', { resource: 'subscription', operation: 'add', topic: topic(), protocol: 'https', endpoint: 'http://hooks.example.com/smn' }),
		);
		expect(execution.status).toBe('error');
		expect(execution.data.resultData.error.message).toBe('Endpoint must use https');
		expect(await emulatorRequests()).toEqual([]);
	});

	it('signs with an access key and renews an expired password token once', async () => {
		const signing = await n8n.createCredential('Huawei Cloud (AK/SK)', 'huaweiCloudApi', {
			region: emulator.vendor.region,
			authType: 'aksk',
			accessKeyId: Object.keys(emulator.vendor.accessKeys)[0],
			secretAccessKey: Object.values(emulator.vendor.accessKeys)[0],
			// n8n's public API requires every field the chosen authentication shows, even optional ones.
			securityToken: '',
			projectId: emulator.vendor.projectId,
			smnEndpoint: emulator.url,
		});
		const listTopics = { resource: 'topic', operation: 'list', returnAll: true };
		const signed = await n8n.runActionWorkflow(smnAction('smn-aksk', listTopics, { id: signing.id, name: 'Huawei Cloud (AK/SK)' }));
		expect(signed.response.body.map((item: Json) => item.name).sort()).toEqual(['alerts', 'orders']);

		await control('expire-tokens');
		await clearRequests();
		const renewed = await n8n.runActionWorkflow(smnAction('smn-renew', listTopics));
		expect(renewed.execution.status).toBe('success');
		expect((await emulatorRequests()).map((request) => `${request.method} ${request.path}`)).toEqual([
			`GET /v2/${emulator.vendor.projectId}/notifications/topics`,
			'POST /v3/auth/tokens',
			`GET /v2/${emulator.vendor.projectId}/notifications/topics`,
		]);
	});
});
