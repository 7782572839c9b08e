/**
 * Kdocs Trigger under attack and under faults: forged callbacks are all rejected without running or
 * calling anything; 50 activate/deactivate cycles against a faulty emulator leave nothing behind.
 */
import type { IDataObject } from 'n8n-workflow';
import { MAX_EVENTS_PER_CALLBACK } from '../../nodes/Kdocs/verify';
import { NodeHarness, type WebhookRequest } from '../harness/node-harness';
import { oddBodies, outboundRequestsDuring } from '../harness/odd-bodies';
import { kdocsNode, kdocsTrigger, kdocsTriggerOptions } from '../unit/kdocs/fixtures';
import { runThroughExpiryAndRateLimits } from './action-run';
import { playCorpus } from './corpus';
import { playLifecycle, type Fault } from './lifecycle';
import { webhookReceiver } from './receiver';
import { strayRequests } from './setup';
import { kdocsEmulatorCredential } from '../../dev/emulator/credentials';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startEmulator } = require('../../dev/emulator/server');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createKdocsEmulator } = require('../../dev/emulator/kdocs');

const FILE = 'wfoKKYzWR2jyxMHCFVuBxa42RSf8tpndOUeHQQzryfI';
const parameters = {
	file: { __rl: true, mode: 'id', value: FILE },
	sheet: { __rl: true, mode: 'id', value: '1' },
	event: 'recordCreate',
};

let emulator: any;
const control = (route: string, body: object = {}) =>
	fetch(`${emulator.url}/_emulator/kdocs/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
const webhooksOnFile = async () => (((await (await fetch(`${emulator.url}/_emulator/kdocs/state`)).json()) as { webhooks: any[] }).webhooks).filter((hook) => hook.file_token === FILE);

const triggerOptions = (staticData: IDataObject = {}) => kdocsTriggerOptions(parameters, staticData, kdocsEmulatorCredential(emulator).data);
const trigger = (staticData: IDataObject = {}) => kdocsTrigger(parameters, staticData, kdocsEmulatorCredential(emulator).data);

beforeAll(async () => {
	emulator = await startEmulator(createKdocsEmulator());
});

afterAll(async () => {
	await emulator?.close();
});

describe('Kdocs Trigger: forged, tampered and malformed callbacks', () => {
	it('rejects every forgery with 4xx, runs nothing, calls nothing; accepts every genuine callback once', async () => {
		const harness = trigger();
		await harness.activate();
		const { webhookId, callbackSecret } = harness.staticData as { webhookId: string; callbackSecret: string };
		const requestsBefore = emulator.requests.length;
		let sequence = 0;
		const genuineBody = () => ({ webhook_id: webhookId, type: 'dbt.record.create', events: [{ timestamp: 1_763_700_000_000 + ++sequence, content: { sheetId: 1, recordIds: [`R${sequence}`] } }] });
		const genuine = (body: object = genuineBody()): WebhookRequest => ({ query: { k: callbackSecret }, body });
		const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === '0' ? '1' : '0') + text.slice(at + 1);

		const forgeries: Array<[string, WebhookRequest]> = [
			...Array.from({ length: 32 }, (_, i): [string, WebhookRequest] => [`secret digit ${i * 2} changed`, { query: { k: flip(callbackSecret, i * 2) }, body: genuineBody() }]),
			['secret truncated by one', { query: { k: callbackSecret.slice(0, -1) }, body: genuineBody() }],
			['secret truncated to half', { query: { k: callbackSecret.slice(0, 32) }, body: genuineBody() }],
			['secret with a character appended', { query: { k: `${callbackSecret}0` }, body: genuineBody() }],
			['secret in upper case', { query: { k: callbackSecret.toUpperCase() }, body: genuineBody() }],
			['empty secret', { query: { k: '' }, body: genuineBody() }],
			['no secret', { query: {}, body: genuineBody() }],
			['secret under another name', { query: { key: callbackSecret }, body: genuineBody() }],
			['secret given twice', { query: { k: [callbackSecret, callbackSecret] as unknown as string }, body: genuineBody() }],
			['another registration’s secret', { query: { k: 'f'.repeat(64) }, body: genuineBody() }],
			['webhook_id of someone else', genuine({ ...genuineBody(), webhook_id: 'someone-else' })],
			['webhook_id empty', genuine({ ...genuineBody(), webhook_id: '' })],
			['webhook_id missing', genuine({ type: 'dbt.record.create', events: [] })],
			['webhook_id null', genuine({ ...genuineBody(), webhook_id: null })],
			['webhook_id with a trailing space', genuine({ ...genuineBody(), webhook_id: `${webhookId} ` })],
			['webhook_id in upper case', genuine({ ...genuineBody(), webhook_id: webhookId.toUpperCase() })],
			['webhook_id truncated', genuine({ ...genuineBody(), webhook_id: webhookId.slice(0, -1) })],
			['events missing', genuine({ webhook_id: webhookId, type: 'dbt.record.create' })],
			['events as an object', genuine({ webhook_id: webhookId, events: { timestamp: 1 } })],
			['events as a string', genuine({ webhook_id: webhookId, events: '[]' })],
			['events null', genuine({ webhook_id: webhookId, events: null })],
			['empty JSON body', genuine({})],
			['body that is not JSON', { query: { k: callbackSecret }, body: {}, rawBody: 'webhook_id=1&events=2', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
		];

		await playCorpus({ vendor: 'Kdocs', harness, forgeries, genuine: Array.from({ length: 10 }, () => genuine()) });
		expect(emulator.requests.length).toBe(requestsBefore);
		expect(strayRequests).toEqual([]);
		await harness.hook('delete');
	});
});

describe('Kdocs Trigger: bodies Kdocs never sends, and oversized batches', () => {
	it('answers each odd body after a valid secret with 4xx and no exception; runs nothing, calls nothing', async () => {
		await control('reset');
		const harness = trigger();
		await harness.activate();
		const { callbackSecret } = harness.staticData as { callbackSecret: string };
		const requestsBefore = emulator.requests.length;
		const statuses = new Set<number>();
		for (const [label, request] of oddBodies()) {
			const outbound = await outboundRequestsDuring(async () => {
				const { result, response } = await harness.webhook({ ...request, query: { k: callbackSecret } });
				statuses.add(response.statusCode);
				if (response.statusCode < 400 || response.statusCode >= 500 || result.workflowData !== undefined) {
					throw new Error(`${label} answered ${response.statusCode}`);
				}
			});
			expect([label, outbound]).toEqual([label, []]);
		}
		expect(emulator.requests.length).toBe(requestsBefore);
		expect(strayRequests).toEqual([]);
		process.stderr.write(`[reliability] Kdocs odd bodies: ${oddBodies().length} tried with a valid secret, all answered ${[...statuses].sort().join('/')}\n`);
		await harness.hook('delete');
	});

	it(`refuses a callback of more than ${MAX_EVENTS_PER_CALLBACK} events with 413 over HTTP, and one trigger's flood leaves another's history alone`, async () => {
		await control('reset');
		const quiet = new NodeHarness({ ...triggerOptions(), workflowId: 'wf-kdocs-quiet' });
		const busy = new NodeHarness({ ...triggerOptions(), workflowId: 'wf-kdocs-busy' });
		// Both stand-in workflows share the harness's webhook URL; create() alone keeps the first registration.
		await quiet.hook('create');
		await busy.hook('create');
		const quietReceiver = await webhookReceiver(quiet);
		const busyReceiver = await webhookReceiver(busy);
		// The emulator posts to the URL each trigger registered, here served by a stand-in for n8n's webhook server.
		const hookOf = (harness: NodeHarness, url: string) => {
			const { webhookId } = harness.staticData as { webhookId: string };
			const hook = emulator.vendor.state.webhooks.get(webhookId);
			return { ...hook, callback_url: `${url}${new URL(hook.callback_url).search}` };
		};
		const events = (count: number, first: number) => Array.from({ length: count }, (_, i) => ({ timestamp: first + i, content: { sheetId: 1, recordIds: [`R${first + i}`] } }));
		try {
			const old = { events: events(1, 42) };
			expect((await emulator.vendor.fire(hookOf(quiet, quietReceiver.url), old)).statusCode).toBe(200);
			expect(quietReceiver.executions).toHaveLength(1);

			const tooMany = await emulator.vendor.fire(hookOf(busy, busyReceiver.url), { events: events(MAX_EVENTS_PER_CALLBACK + 1, 1_000) });
			expect(tooMany.statusCode).toBe(413);
			expect(busyReceiver.executions).toHaveLength(0);

			for (let round = 0; round < 11; round++) {
				const { statusCode } = await emulator.vendor.fire(hookOf(busy, busyReceiver.url), { events: events(MAX_EVENTS_PER_CALLBACK, 10_000 + round * MAX_EVENTS_PER_CALLBACK) });
				expect(statusCode).toBe(200);
			}
			expect(busyReceiver.executions.flat()).toHaveLength(11 * MAX_EVENTS_PER_CALLBACK);

			const redelivered = await emulator.vendor.fire(hookOf(quiet, quietReceiver.url), old);
			expect(redelivered.statusCode).toBe(200);
			expect(quietReceiver.executions).toHaveLength(1);
			process.stderr.write(`[reliability] Kdocs batches: ${MAX_EVENTS_PER_CALLBACK + 1} events answered 413; 11 × ${MAX_EVENTS_PER_CALLBACK} events to one trigger, an old event redelivered to another started nothing\n`);
		} finally {
			await quietReceiver.close();
			await busyReceiver.close();
			await quiet.hook('delete');
			await busy.hook('delete');
		}
	});
});

describe('Kdocs Trigger: lifecycle under faults', () => {
	it('survives 50 activate/deactivate cycles with 5xx, dropped connections, 404s and lost webhooks', async () => {
		await control('reset');
		const faultsByCycle: Fault[][] = [
			[],
			[{ method: 'POST', pathIncludes: '/webhook/sheets/', status: 502 }],
			[{ method: 'GET', pathIncludes: '/webhook/mine', status: 503 }],
			[{ method: 'POST', pathIncludes: '/webhook/sheets/', dropAfter: true }],
			[{ method: 'DELETE', pathIncludes: '/webhook/', drop: true, times: 5 }],
			[{ method: 'DELETE', pathIncludes: '/webhook/', status: 500, times: 5 }],
			[{ method: 'GET', pathIncludes: '/webhook/mine', drop: true }],
			[{ method: 'GET', pathIncludes: '/webhook/mine', status: 500, times: 5 }],
		];
		await playLifecycle({
			vendor: 'Kdocs',
			clearFailure: /^Kdocs[ :]/,
			emulator,
			control,
			faultsByCycle,
			registrationPath: '/webhook/sheets/',
			trigger,
			registrations: webhooksOnFile,
			// Kdocs registers a webhook per callback URL: two with the trigger's URL are a duplicate.
			targetOf: (hook) => hook.callback_url,
			idOf: (hook) => hook.webhook_id,
			tracked: (staticData) => (staticData.webhookId ? [staticData.webhookId as string] : []),
			forget: () => control('forget'),
		});
	});
});

describe('Kdocs node: token expiry and rate limiting in a 500-item run', () => {
	it('finishes every item, renewing the token exactly once when it expires', async () => {
		await control('reset');
		// Control calls are neither API calls the schedule counts nor requests the emulator logs.
		await control('seed-webhooks', { file_token: FILE, count: 1 });
		const refreshTokenCredential = { baseUrl: emulator.url, appId: emulator.vendor.appId, appSecretKey: emulator.vendor.appKey, refreshToken: emulator.vendor.refreshToken };
		const { output: items, tokenFetches, extraCalls } = await runThroughExpiryAndRateLimits({
			emulator,
			control,
			node: kdocsNode({ resource: 'webhook', operation: 'getMine', file: { __rl: true, mode: 'id', value: FILE } }, refreshTokenCredential),
			items: Array.from({ length: 500 }, (_, i) => ({ i })),
			tokenPath: '/api/v1/oauth2/refresh_token',
		});

		expect(items.every((item, i) => item.pairedItem && (item.pairedItem as { item: number }).item === i && item.json.webhookId)).toBe(true);
		process.stderr.write(`[reliability] Kdocs 500-item run: 500 succeeded, ${tokenFetches} token fetches (1 initial + 1 renewal), ${extraCalls} extra calls after 429/expiry\n`);
	});
});
