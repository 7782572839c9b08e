/**
 * The Kdocs slice in a real n8n: the pack installed as a community package, credentials pointing at
 * the Kdocs emulator, workflows created and activated through n8n's public API.
 */
import { kdocsEmulatorCredential } from '../../dev/emulator/credentials';
import { PACK_VENDORS, vendorActionWorkflow, vendorTriggerWorkflow } from '../../dev/n8n/pack-nodes';
import { cycleThroughFaults, whileActive, type FaultCycle } from './activation';
import { emulatorControl, startWithEmulator } from './suite';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { postJson, ACTIVATION_FAULT_TIMES } = require('../../dev/n8n/launcher');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createKdocsEmulator } = require('../../dev/emulator/kdocs');

jest.setTimeout(180_000);

const FILE = 'wfoKKYzWR2jyxMHCFVuBxa42RSf8tpndOUeHQQzryfI';
const FULL_FILE = 'dbtSecondFile000000000000000000000000000000';
const TRIGGER_WEBHOOK_ID = '7d9e1c52-4b1a-4c55-9d0e-0000000e2e01';

type Json = Record<string, any>;

let n8n: any;
let emulator: any;
let credential: { id: string; name: string };

const emulatorApi = emulatorControl('kdocs', () => emulator);
const { control, emulatorState, emulatorRequests, clearRequests } = emulatorApi;

function triggerWorkflow(name: string, parameters: Json = {}) {
	return vendorTriggerWorkflow(PACK_VENDORS.kdocs, name, {
		webhookId: TRIGGER_WEBHOOK_ID,
		parameters: { file: { __rl: true, mode: 'id', value: FILE }, sheet: { __rl: true, mode: 'id', value: '1' }, event: 'recordCreate', ...parameters },
		credential,
	});
}

const kdocsAction = (webhookId: string, parameters: Json, useCredential = credential) =>
	vendorActionWorkflow(PACK_VENDORS.kdocs, webhookId, { parameters: { resource: 'webhook', ...parameters }, credential: useCredential });

beforeAll(async () => {
	({ emulator, n8n, credential } = await startWithEmulator(createKdocsEmulator(), kdocsEmulatorCredential));
});

afterAll(async () => {
	await n8n?.stop();
	await emulator?.close();
});

describe('Kdocs Trigger in a real n8n', () => {
	let workflowId: string;

	it('registers its own webhook URL with a secret on activation', async () => {
		const workflow = await n8n.createWorkflow(triggerWorkflow('Kdocs trigger e2e'));
		workflowId = workflow.id;
		const activation = await n8n.activate(workflowId);
		expect(activation).toMatchObject({ status: 200 });

		const { webhooks } = await emulatorState();
		expect(webhooks).toHaveLength(1);
		const callback = new URL(webhooks[0].callback_url);
		expect(`${callback.origin}${callback.pathname}`).toBe(n8n.webhookUrl(TRIGGER_WEBHOOK_ID));
		expect(callback.searchParams.get('k')).toMatch(/^[0-9a-f]{64}$/);
		expect(webhooks[0]).toMatchObject({ file_token: FILE, sheet_id: 1, type: 'dbt.record.create' });

		const stored = await n8n.getWorkflow(workflowId);
		expect(stored.staticData['node:Kdocs Trigger'].webhookId).toBe(webhooks[0].webhook_id);
	});

	it('turns an emulator event into an execution whose items match the event', async () => {
		const { delivered } = await control('fire', { file_token: FILE });
		expect(delivered).toHaveLength(1);
		expect(delivered[0].statusCode).toBe(200);
		expect(JSON.parse(delivered[0].response)).toEqual({ code: 0 });

		const [execution] = await n8n.waitForExecutions(workflowId, 1);
		expect(execution.status).toBe('success');
		const items = execution.data.resultData.runData['Kdocs Trigger'][0].data.main[0].map((item: Json) => item.json);
		const sent = delivered[0].payload;
		expect(items).toEqual([
			{
				webhookId: sent.webhook_id,
				event: 'recordCreate',
				type: 'dbt.record.create',
				normalizedType: 'dbt.record.create',
				fileToken: FILE,
				timestamp: sent.events[0].timestamp,
				content: sent.events[0].content,
			},
		]);
	});

	it('rejects a wrong secret or an unknown webhook_id with 401 and starts nothing', async () => {
		const { webhooks } = await emulatorState();
		const callback = new URL(webhooks[0].callback_url);
		const event = { webhook_id: webhooks[0].webhook_id, type: 'dbt.record.create', events: [{ timestamp: Date.now(), content: { sheetId: 1 } }] };

		const wrongSecret = new URL(callback);
		wrongSecret.searchParams.set('k', 'f'.repeat(64));
		expect((await postJson(wrongSecret.toString(), event)).status).toBe(401);

		const noSecret = `${callback.origin}${callback.pathname}`;
		expect((await postJson(noSecret, event)).status).toBe(401);

		expect((await postJson(callback.toString(), { ...event, webhook_id: 'not-ours' })).status).toBe(401);

		expect(await n8n.executionsAfterQuiet(workflowId)).toHaveLength(1);
	});

	it('accepts the plural dbt.sheets.* spelling and delivers each event once', async () => {
		await control('reset-deliveries');
		const { webhooks } = await emulatorState();
		const body = {
			webhook_id: webhooks[0].webhook_id,
			type: 'dbt.records.create',
			events: [
				{ timestamp: 1763700000001, content: { sheetId: 1, recordIds: ['A1'] } },
				{ timestamp: 1763700000002, content: { sheetId: 1, recordIds: ['A2'] } },
			],
		};
		expect((await postJson(webhooks[0].callback_url, body)).status).toBe(200);
		expect((await postJson(webhooks[0].callback_url, body)).status).toBe(200);

		const executions = await n8n.waitForExecutions(workflowId, 2);
		expect(await n8n.executionsAfterQuiet(workflowId)).toHaveLength(2);
		const items = executions[1].data.resultData.runData['Kdocs Trigger'][0].data.main[0].map((item: Json) => item.json);
		expect(items.map((item: Json) => [item.type, item.normalizedType, item.content.recordIds[0]])).toEqual([
			['dbt.records.create', 'dbt.record.create', 'A1'],
			['dbt.records.create', 'dbt.record.create', 'A2'],
		]);
	});

	it('deletes its registration on deactivation', async () => {
		const { webhooks } = await emulatorState();
		expect((await n8n.deactivate(workflowId)).status).toBe(200);
		expect((await emulatorState()).webhooks).toHaveLength(0);
		const deletes = (await emulatorRequests()).filter((request) => request.method === 'DELETE');
		expect(deletes.map((request) => request.path)).toEqual([`/api/v1/openapi/dbt/${FILE}/webhook/${webhooks[0].webhook_id}`]);
	});

	it('recreates the registration on re-activation after Kdocs forgot it', async () => {
		expect((await n8n.activate(workflowId)).status).toBe(200);
		const first = (await emulatorState()).webhooks[0];
		await control('forget', { webhook_id: first.webhook_id });
		expect((await n8n.deactivate(workflowId)).status).toBe(200);
		expect((await n8n.activate(workflowId)).status).toBe(200);

		const { webhooks } = await emulatorState();
		expect(webhooks).toHaveLength(1);
		expect(webhooks[0].webhook_id).not.toBe(first.webhook_id);
		const { delivered } = await control('fire', { file_token: FILE });
		expect(delivered[0].statusCode).toBe(200);
		await n8n.waitForExecutions(workflowId, 3);
		await n8n.deactivate(workflowId);
		expect((await emulatorState()).webhooks).toHaveLength(0);
	});
});

describe('Kdocs Trigger during activation', () => {
	it('accepts an event Kdocs sends the moment the webhook is registered, before n8n has saved the activation', async () => {
		await control('reset-deliveries');
		await control('fire-on-register', { enabled: true });
		const workflow = await n8n.createWorkflow(triggerWorkflow('Kdocs early event e2e'));
		try {
			expect((await n8n.activate(workflow.id)).status).toBe(200);
			let deliveries: Json[] = [];
			for (let waited = 0; deliveries.length === 0 && waited < 10_000; waited += 100) {
				deliveries = (await emulatorState()).deliveries;
				await new Promise((resolve) => setTimeout(resolve, 100));
			}
			expect(deliveries.map((delivery) => delivery.statusCode)).toEqual([200]);
			const [execution] = await n8n.waitForExecutions(workflow.id, 1);
			expect(execution.status).toBe('success');
		} finally {
			await control('fire-on-register', { enabled: false });
			await n8n.deactivate(workflow.id);
		}
		expect((await emulatorState()).webhooks).toEqual([]);
	});
});

describe('Kdocs Trigger reliability in a real n8n', () => {
	it('rejects a batch of forged callbacks with 4xx: no execution, no call to Kdocs', async () => {
		const workflow = await n8n.createWorkflow(triggerWorkflow('Kdocs forgeries e2e'));
		await whileActive(n8n, workflow.id, async () => {
			const [hook] = (await emulatorState()).webhooks;
			const callback = new URL(hook.callback_url);
			const secret = callback.searchParams.get('k') as string;
			const endpoint = `${callback.origin}${callback.pathname}`;
			const body = { webhook_id: hook.webhook_id, type: 'dbt.record.create', events: [{ timestamp: Date.now(), content: { sheetId: 1 } }] };
			const flip = (at: number) => secret.slice(0, at) + (secret[at] === '0' ? '1' : '0') + secret.slice(at + 1);
			const forgeries: Array<[string, Json | string]> = [
				...[0, 7, 31, 32, 63].map((at): [string, Json] => [`${endpoint}?k=${flip(at)}`, body]),
				[`${endpoint}?k=${secret.slice(0, -1)}`, body],
				[`${endpoint}?k=${secret}0`, body],
				[`${endpoint}?k=${secret.toUpperCase()}`, body],
				[`${endpoint}?key=${secret}`, body],
				[endpoint, body],
				[`${endpoint}?k=${secret}`, { ...body, webhook_id: 'forged' }],
				[`${endpoint}?k=${secret}`, { ...body, webhook_id: `${hook.webhook_id} ` }],
				[`${endpoint}?k=${secret}`, { type: 'dbt.record.create', events: [] }],
				[`${endpoint}?k=${secret}`, { webhook_id: hook.webhook_id, events: 'nope' }],
				[`${endpoint}?k=${secret}`, {}],
				[`${endpoint}?k=${secret}`, 'not json'],
			];
			await clearRequests();
			const statuses = [];
			for (const [url, payload] of forgeries) statuses.push((await postJson(url, payload)).status);

			expect(statuses.filter((status) => status < 400 || status >= 500)).toEqual([]);
			expect(await n8n.executionsAfterQuiet(workflow.id)).toEqual([]);
			expect(await emulatorRequests()).toEqual([]);
		});
	});

	it('leaves no webhook behind after activate/deactivate cycles with injected faults', async () => {
		const workflow = await n8n.createWorkflow(triggerWorkflow('Kdocs faults e2e'));
		const cycles: FaultCycle[] = [
			{ fault: { method: 'POST', pathIncludes: '/webhook/sheets/', status: 502, times: ACTIVATION_FAULT_TIMES } },
			{ fault: { method: 'POST', pathIncludes: '/webhook/sheets/', dropAfter: true } },
			{ fault: { method: 'GET', pathIncludes: '/webhook/mine', status: 503 }, forget: true },
			{ fault: { method: 'DELETE', pathIncludes: '/webhook/', status: 500, times: 5 } },
			{ fault: { method: 'DELETE', pathIncludes: '/webhook/', drop: true, times: 5 } },
		];
		const { activationErrors } = await cycleThroughFaults(n8n, workflow.id, emulatorApi, { cycles, forget: () => control('forget') });

		expect(activationErrors.length).toBeGreaterThan(0);
		for (const message of activationErrors) expect(message).toMatch(/^Kdocs (answered with a server error|could not be reached)/);
		expect((await emulatorState()).webhooks.filter((hook: Json) => hook.file_token === FILE)).toEqual([]);
	});
});

describe('Kdocs node in a real n8n', () => {
	it('creates, lists and deletes a webhook', async () => {
		const created = await n8n.runActionWorkflow(
			kdocsAction('kdocs-create', {
				operation: 'create',
				file: { __rl: true, mode: 'id', value: FILE },
				sheet: { __rl: true, mode: 'id', value: '583' },
				event: 'cellFieldsUpdate',
				fields: ['N'],
				callbackUrl: 'http://127.0.0.1:9/kdocs events',
			}),
		);
		expect(created.response.status).toBe(200);
		const webhookId = created.response.body[0].webhookId;
		const { webhooks } = await emulatorState();
		expect(webhooks).toEqual([
			expect.objectContaining({ webhook_id: webhookId, sheet_id: 583, fields: ['N'], callback_url: 'http://127.0.0.1:9/kdocs%20events' }),
		]);

		const listed = await n8n.runActionWorkflow(kdocsAction('kdocs-list', { operation: 'getMine', file: { __rl: true, mode: 'id', value: FILE } }));
		expect(listed.response.body).toEqual([expect.objectContaining({ webhookId, fileToken: FILE })]);

		const deleted = await n8n.runActionWorkflow(
			kdocsAction('kdocs-delete', { operation: 'delete', file: { __rl: true, mode: 'id', value: FILE }, webhookId }),
		);
		expect(deleted.response.body).toEqual([{ deleted: true, existed: true, webhookId, fileToken: FILE }]);
		expect((await emulatorState()).webhooks).toHaveLength(0);
	});

	it('explains the 10-webhooks limit (30016) and names the webhooks to delete', async () => {
		const { created } = await control('seed-webhooks', { file_token: FULL_FILE, sheet_id: 2, count: 10 });
		const { execution } = await n8n.runActionWorkflow(
			kdocsAction('kdocs-full', {
				operation: 'create',
				file: { __rl: true, mode: 'id', value: FULL_FILE },
				sheet: { __rl: true, mode: 'id', value: '2' },
				event: 'recordCreate',
				callbackUrl: 'https://hooks.example.com/x',
			}),
		);
		expect(execution.status).toBe('error');
		const error = execution.data.resultData.error;
		expect(error.message).toBe('Kdocs error 30016: TooManyWebhooks');
		for (const id of created) expect(error.description).toContain(id);
	});

	it('renews an expired token once through the refresh token and succeeds', async () => {
		const refreshing = await n8n.createCredential('Kdocs (refresh)', 'kdocsApi', {
			baseUrl: emulator.url,
			appId: emulator.vendor.appId,
			appSecretKey: emulator.vendor.appKey,
			refreshToken: emulator.vendor.refreshToken,
		});
		const list = (id: string) =>
			kdocsAction(id, { operation: 'getMine', file: { __rl: true, mode: 'id', value: FILE } }, { id: refreshing.id, name: 'Kdocs (refresh)' });

		await fetch(`${emulator.url}/_emulator/requests`, { method: 'DELETE' });
		expect((await n8n.runActionWorkflow(list('kdocs-refresh-1'))).execution.status).toBe('success');
		await control('expire-tokens');
		expect((await n8n.runActionWorkflow(list('kdocs-refresh-2'))).execution.status).toBe('success');

		const calls = (await emulatorRequests()).map((request) => `${request.method} ${request.path} ${request.body?.refresh_token ?? ''}`.trim());
		expect(calls).toEqual([
			'POST /api/v1/oauth2/refresh_token ' + emulator.vendor.refreshToken,
			`GET /api/v1/openapi/dbt/${FILE}/webhook/mine`,
			`GET /api/v1/openapi/dbt/${FILE}/webhook/mine`,
			'POST /api/v1/oauth2/refresh_token ' + emulator.vendor.refreshToken,
			`GET /api/v1/openapi/dbt/${FILE}/webhook/mine`,
		]);
	});
});
