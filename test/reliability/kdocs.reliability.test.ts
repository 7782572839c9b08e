/**
 * Kdocs Trigger under attack and under faults: forged callbacks are all rejected without running or
 * calling anything; 50 activate/deactivate cycles against a faulty emulator leave nothing behind.
 */
import { KdocsApi } from '../../credentials/KdocsApi.credentials';
import { KdocsTrigger } from '../../nodes/Kdocs/KdocsTrigger.node';
import { NodeHarness, type WebhookRequest } from '../harness/n8n';
import { playCorpus } from './corpus';
import { printLifecycle } from './report';
import { strayRequests } from './setup';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startEmulator } = require('../emulator/server');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createKdocsEmulator } = require('../emulator/kdocs');

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

function trigger(staticData: object = {}) {
	return new NodeHarness({
		nodeType: new KdocsTrigger(),
		credentialTypes: { kdocsApi: new KdocsApi() },
		credentials: { kdocsApi: { baseUrl: emulator.url, accessToken: emulator.vendor.accessToken } },
		parameters,
		staticData: { 'node:Kdocs Trigger': staticData },
	});
}

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

describe('Kdocs Trigger: lifecycle under faults', () => {
	it('survives 50 activate/deactivate cycles with 5xx, dropped connections, 404s and lost webhooks', async () => {
		await control('reset');
		const staticData = {};
		const faultsByCycle: Array<Array<object>> = [
			[],
			[{ method: 'POST', pathIncludes: '/webhook/sheets/', status: 502 }],
			[{ method: 'GET', pathIncludes: '/webhook/mine', status: 503 }],
			[{ method: 'POST', pathIncludes: '/webhook/sheets/', dropAfter: true }],
			[{ method: 'DELETE', pathIncludes: '/webhook/', drop: true, times: 5 }],
			[{ method: 'DELETE', pathIncludes: '/webhook/', status: 500, times: 5 }],
			[{ method: 'GET', pathIncludes: '/webhook/mine', drop: true }],
			[{ method: 'GET', pathIncludes: '/webhook/mine', status: 500, times: 5 }],
		];
		let faultsInjected = 0;
		let failuresSurfaced = 0;
		const unclearFailures: string[] = [];
		let maxConcurrent = 0;

		for (let cycle = 0; cycle < 50; cycle++) {
			const harness = trigger(staticData);
			Object.assign(harness.staticData, staticData);
			for (const fault of faultsByCycle[cycle % faultsByCycle.length]) {
				await control('faults', fault);
				faultsInjected++;
			}
			const loseWebhook = cycle % 5 === 4;
			try {
				await harness.activate();
			} catch (error) {
				failuresSurfaced++;
				if (!/^Kdocs[ :]/.test((error as Error).message)) unclearFailures.push((error as Error).message);
			}
			maxConcurrent = Math.max(maxConcurrent, (await webhooksOnFile()).length);
			if (loseWebhook) {
				await control('forget');
				faultsInjected++;
			}
			const deleted = await harness.hook('delete');
			if (!deleted) failuresSurfaced++;
			Object.keys(staticData).forEach((key) => delete (staticData as Record<string, unknown>)[key]);
			Object.assign(staticData, harness.staticData);
			emulator.vendor.state.faults.length = 0;
		}

		const final = trigger(staticData);
		Object.assign(final.staticData, staticData);
		await final.activate();
		expect(await final.hook('delete')).toBe(true);
		const leftover = await webhooksOnFile();
		const ids = leftover.map((hook) => hook.webhook_id);

		expect(unclearFailures).toEqual([]);
		expect(failuresSurfaced).toBeGreaterThan(0);
		expect(maxConcurrent).toBeLessThanOrEqual(2);
		expect(leftover).toEqual([]);
		printLifecycle({ vendor: 'Kdocs', cycles: 50, faultsInjected, failuresSurfaced, leaked: leftover.length, duplicates: ids.length - new Set(ids).size });
	});
});

describe('Kdocs node: token expiry and rate limiting in a 500-item run', () => {
	it('finishes every item, renewing the token exactly once when it expires', async () => {
		await control('reset');
		await fetch(`${emulator.url}/_emulator/requests`, { method: 'DELETE' });
		await control('schedule', { expireTokensAfterCalls: 250, rateLimitEvery: 37 });
		const { Kdocs } = await import('../../nodes/Kdocs/Kdocs.node');
		const node = new NodeHarness({
			nodeType: new Kdocs(),
			credentialTypes: { kdocsApi: new KdocsApi() },
			credentials: {
				kdocsApi: {
					baseUrl: emulator.url,
					appId: emulator.vendor.appId,
					appSecretKey: emulator.vendor.appKey,
					refreshToken: emulator.vendor.refreshToken,
				},
			},
			parameters: { resource: 'webhook', operation: 'getMine', file: { __rl: true, mode: 'id', value: FILE } },
		});
		await control('seed-webhooks', { file_token: FILE, count: 1 });

		const items = await node.execute(Array.from({ length: 500 }, (_, i) => ({ i })));
		await control('schedule', {});

		const refreshes = emulator.requests.filter((request: { path: string }) => request.path === '/api/v1/oauth2/refresh_token');
		const rateLimited = emulator.requests.length - refreshes.length - 500;
		expect(items).toHaveLength(500);
		expect(items.every((item, i) => item.pairedItem && (item.pairedItem as { item: number }).item === i && item.json.webhookId)).toBe(true);
		// One token at the start, one after the expiry at call 250; nothing else.
		expect(refreshes).toHaveLength(2);
		expect(rateLimited).toBeGreaterThan(10);
		process.stderr.write(`[reliability] Kdocs 500-item run: 500 succeeded, ${refreshes.length} token fetches (1 initial + 1 renewal), ${rateLimited} extra calls after 429/expiry\n`);
	});
});
