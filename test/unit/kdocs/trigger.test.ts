import nock from 'nock';
import { NODE_WEBHOOK_ID, NodeHarness, WEBHOOK_BASE_URL, WEBHOOK_TEST_BASE_URL } from '../../harness/node-harness';
import { deeplyNested, oddBodies, outboundRequestsDuring } from '../../harness/odd-bodies';
import { normalizeEventType } from '../../../nodes/Kdocs/callback';
import { MAX_EVENTS_PER_CALLBACK } from '../../../nodes/Kdocs/verify';
import { retryPolicy } from '../../../nodes/shared/transport';
import { BASE, FILE, TOKEN, fileLocator, kdocsTrigger, kdocsTriggerOptions, sheetLocator } from './fixtures';

const DBT = `/api/v1/openapi/dbt/${FILE}`;
const WEBHOOK_URL = `${WEBHOOK_BASE_URL}/${NODE_WEBHOOK_ID}/webhook`;
const SECRET = 'a'.repeat(64);
const parameters = { file: fileLocator(), sheet: sheetLocator(), event: 'recordCreate' };
const targetKey = JSON.stringify({ fileToken: FILE, sheetId: '1', kind: 'recordCreate' });
const registered = { webhookId: 'wh-1', callbackSecret: SECRET, fileToken: FILE, targetKey };
const mine = (...webhooks: object[]) => ({ code: 0, data: { webhooks } });

/** Kdocs accepting the registration create() makes as `webhookId`; `sent.callbackUrl` is the URL it was given. */
function acceptRegistration(webhookId: string, query: Record<string, string> | true = true) {
	const sent = { callbackUrl: '' };
	nock(BASE)
		.post(`${DBT}/webhook/sheets/1/records/create`, (body) => ((sent.callbackUrl = body.callback_url), true))
		.query(query)
		.reply(200, { code: 0, data: { webhook_id: webhookId } });
	return sent;
}

describe('Kdocs Trigger lifecycle', () => {
	it('create registers its webhook URL plus a 256-bit secret and remembers the webhook', async () => {
		let sentCallback = '';
		const scope = nock(BASE)
			.post(`${DBT}/webhook/sheets/1/records/create`, (body) => {
				sentCallback = body.callback_url;
				return Object.keys(body).length === 1;
			})
			.query({ access_token: TOKEN })
			.reply(200, { code: 0, data: { webhook_id: 'wh-9' } });
		const trigger = kdocsTrigger(parameters);

		expect(await trigger.hook('create')).toBe(true);

		expect(scope.isDone()).toBe(true);
		const callback = new URL(sentCallback);
		expect(`${callback.origin}${callback.pathname}`).toBe(WEBHOOK_URL);
		expect(callback.searchParams.get('k')).toMatch(/^[0-9a-f]{64}$/);
		expect(trigger.staticData).toEqual({ webhookId: 'wh-9', callbackSecret: callback.searchParams.get('k'), fileToken: FILE, targetKey });
	});

	it('create derives the secret from the credential, the workflow and the node: the same each time, another with another credential', async () => {
		const registeredSecret = async (credentials?: { accessToken: string }) => {
			const sent = acceptRegistration('wh-9', { access_token: credentials?.accessToken ?? TOKEN });
			await kdocsTrigger(parameters, {}, credentials).hook('create');
			return new URL(sent.callbackUrl).searchParams.get('k');
		};
		const first = await registeredSecret();
		expect(await registeredSecret()).toBe(first);
		expect(await registeredSecret({ accessToken: 'another-token' })).not.toBe(first);
	});

	it('create in test mode registers the test URL', async () => {
		const sent = acceptRegistration('wh-t');
		await kdocsTrigger(parameters).hook('create', { mode: 'manual', isTest: true });
		expect(sent.callbackUrl.startsWith(`${WEBHOOK_TEST_BASE_URL}/${NODE_WEBHOOK_ID}/webhook?k=`)).toBe(true);
	});

	it('create fails with the 30016 explanation and remembers nothing', async () => {
		nock(BASE).post(`${DBT}/webhook/sheets/1/records/create`).query(true).reply(200, { code: 30016, message: 'TooManyWebhooks' });
		nock(BASE).get(`${DBT}/webhook/mine`).query(true).reply(200, mine({ webhook_id: 'x1', callback_url: 'https://e.example.com' }));
		const trigger = kdocsTrigger(parameters);
		const error = (await trigger.hook('create').catch((e: unknown) => e)) as Error & { description: string };
		expect(error).toBeInstanceOf(Error);
		expect(error.description).toContain('x1 (https://e.example.com)');
		expect(error.message).toBe(`${error.description} (code 30016)`);
		expect(trigger.staticData).toEqual({});
	});

	it('checkExists confirms a registration Kdocs still lists', async () => {
		nock(BASE).get(`${DBT}/webhook/mine`).query({ access_token: TOKEN }).reply(200, mine({ webhook_id: 'wh-1', callback_url: `${WEBHOOK_URL}?k=${SECRET}` }));
		const trigger = kdocsTrigger(parameters, { ...registered });
		expect(await trigger.hook('checkExists')).toBe(true);
		expect(trigger.staticData).toEqual(registered);
	});

	it('checkExists forgets a registration Kdocs lost, so n8n creates a new one', async () => {
		nock(BASE).get(`${DBT}/webhook/mine`).query(true).reply(200, mine());
		const trigger = kdocsTrigger(parameters, { ...registered });
		expect(await trigger.hook('checkExists')).toBe(false);
		expect(trigger.staticData).toEqual({});
	});

	it('checkExists adopts a listing with our exact callback URL under another id', async () => {
		nock(BASE).get(`${DBT}/webhook/mine`).query(true).reply(200, mine({ webhook_id: 'wh-renamed', callback_url: `${WEBHOOK_URL}?k=${SECRET}` }));
		const trigger = kdocsTrigger(parameters, { ...registered });
		expect(await trigger.hook('checkExists')).toBe(true);
		expect(trigger.staticData.webhookId).toBe('wh-renamed');
	});

	it('checkExists removes leftover registrations of this URL and leaves others alone', async () => {
		nock(BASE)
			.get(`${DBT}/webhook/mine`)
			.query(true)
			.reply(
				200,
				mine(
					{ webhook_id: 'wh-1', callback_url: `${WEBHOOK_URL}?k=${SECRET}` },
					{ webhook_id: 'stale', callback_url: `${WEBHOOK_URL}?k=${'b'.repeat(64)}` },
					{ webhook_id: 'foreign', callback_url: 'https://someone.example.com/hook' },
				),
			);
		const removal = nock(BASE).delete(`${DBT}/webhook/stale`).query({ access_token: TOKEN }).reply(200, { code: 0 });
		expect(await kdocsTrigger(parameters, { ...registered }).hook('checkExists')).toBe(true);
		expect(removal.isDone()).toBe(true);
	});

	it('checkExists replaces a registration made for other parameters', async () => {
		const removal = nock(BASE).delete(`${DBT}/webhook/wh-1`).query(true).reply(200, { code: 0 });
		nock(BASE).get(`${DBT}/webhook/mine`).query(true).reply(200, mine());
		const trigger = kdocsTrigger({ ...parameters, event: 'fieldCreate' }, { ...registered });
		expect(await trigger.hook('checkExists')).toBe(false);
		expect(removal.isDone()).toBe(true);
		expect(trigger.staticData).toEqual({});
	});

	it('checkExists without a registration only looks', async () => {
		nock(BASE).get(`${DBT}/webhook/mine`).query(true).reply(200, mine({ webhook_id: 'foreign', callback_url: 'https://someone.example.com/hook' }));
		expect(await kdocsTrigger(parameters).hook('checkExists')).toBe(false);
	});

	it('delete removes the registration and forgets it', async () => {
		const removal = nock(BASE).delete(`${DBT}/webhook/wh-1`).query({ access_token: TOKEN }).reply(200, { code: 0 });
		const trigger = kdocsTrigger(parameters, { ...registered });
		expect(await trigger.hook('delete')).toBe(true);
		expect(removal.isDone()).toBe(true);
		expect(trigger.staticData).toEqual({});
	});

	it('delete counts an already deleted webhook as success', async () => {
		nock(BASE).delete(`${DBT}/webhook/wh-1`).query(true).reply(404, { code: 30004, message: 'WebhookNotFound' });
		const trigger = kdocsTrigger(parameters, { ...registered });
		expect(await trigger.hook('delete')).toBe(true);
		expect(trigger.staticData).toEqual({});
	});

	it('delete keeps the id and reports false when Kdocs fails', async () => {
		nock(BASE).delete(`${DBT}/webhook/wh-1`).query(true).times(retryPolicy.maxAttempts).reply(500, { code: 500, message: 'InternalError' });
		const trigger = kdocsTrigger(parameters, { ...registered });
		expect(await trigger.hook('delete')).toBe(false);
		expect(trigger.staticData).toEqual(registered);
	});

	it('delete with nothing registered has nothing to do', async () => {
		expect(await kdocsTrigger(parameters).hook('delete')).toBe(true);
	});
});

const event = (timestamp = 1763700000000, extra: object = {}) => ({
	webhook_id: 'wh-1',
	type: 'dbt.record.create',
	events: [{ timestamp, content: { sheetId: 1, recordIds: ['PP'] } }],
	...extra,
});

describe('Kdocs Trigger callbacks', () => {

	it('emits one item per event and answers {"code":0}', async () => {
		const trigger = kdocsTrigger(parameters, { ...registered });
		const body = event(1763700000100, {
			events: [
				{ timestamp: 1763700000100, content: { recordIds: ['A'] } },
				{ timestamp: 1763700000101, content: { recordIds: ['B'] } },
			],
		});
		const { result, response } = await trigger.webhook({ body, query: { k: SECRET } });
		expect(response).toMatchObject({ statusCode: 200, body: { code: 0 }, ended: true });
		expect(result.noWebhookResponse).toBe(true);
		expect(result.workflowData![0].map((item) => item.json)).toEqual([
			{ webhookId: 'wh-1', event: 'recordCreate', type: 'dbt.record.create', normalizedType: 'dbt.record.create', fileToken: FILE, timestamp: 1763700000100, content: { recordIds: ['A'] } },
			{ webhookId: 'wh-1', event: 'recordCreate', type: 'dbt.record.create', normalizedType: 'dbt.record.create', fileToken: FILE, timestamp: 1763700000101, content: { recordIds: ['B'] } },
		]);
	});

	it('passes a redelivered event on only once', async () => {
		const trigger = kdocsTrigger(parameters, { ...registered });
		const first = await trigger.webhook({ body: event(1763700000200), query: { k: SECRET } });
		const again = await trigger.webhook({ body: event(1763700000200), query: { k: SECRET } });
		expect(first.result.workflowData).toHaveLength(1);
		expect(again.result).toEqual({ noWebhookResponse: true });
		expect(again.response).toMatchObject({ statusCode: 200, body: { code: 0 } });
	});

	it.each([
		['a wrong secret', { k: 'b'.repeat(64) }, event(1)],
		['no secret', {}, event(2)],
		['a secret of another length', { k: 'a' }, event(3)],
		['an unknown webhook_id', { k: SECRET }, event(4, { webhook_id: 'wh-2' })],
		['no webhook_id', { k: SECRET }, { type: 'dbt.record.create', events: [] }],
	])('rejects %s with 401 and runs nothing', async (_label, query, body) => {
		const { result, response } = await kdocsTrigger(parameters, { ...registered }).webhook({ body, query: query as Record<string, string> });
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response).toMatchObject({ statusCode: 401, body: 'Unauthorized', ended: true });
	});

	it('verifies a callback that arrives before n8n has saved what create() wrote (static data still empty)', async () => {
		const sent = acceptRegistration('wh-early');
		await kdocsTrigger(parameters).hook('create');
		const secret = new URL(sent.callbackUrl).searchParams.get('k') as string;

		const early = await kdocsTrigger(parameters).webhook({ body: event(7, { webhook_id: 'wh-early' }), query: { k: secret } });
		expect(early.response).toMatchObject({ statusCode: 200, body: { code: 0 } });
		expect(early.result.workflowData![0].map((item) => item.json)).toEqual([
			{ webhookId: 'wh-early', event: 'recordCreate', type: 'dbt.record.create', normalizedType: 'dbt.record.create', fileToken: FILE, timestamp: 7, content: { sheetId: 1, recordIds: ['PP'] } },
		]);
		const forged = await kdocsTrigger(parameters).webhook({ body: event(8, { webhook_id: 'wh-early' }), query: { k: SECRET } });
		expect(forged.response.statusCode).toBe(401);
		const withoutId = await kdocsTrigger(parameters).webhook({ body: event(9, { webhook_id: '' }), query: { k: secret } });
		expect(withoutId.response.statusCode).toBe(401);
	});

	it('rejects every callback while nothing is registered', async () => {
		const { result, response } = await kdocsTrigger(parameters).webhook({ body: event(5), query: { k: '' } });
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response.statusCode).toBe(401);
	});

	it('answers 400 to a verified callback without an events array', async () => {
		const { result, response } = await kdocsTrigger(parameters, { ...registered }).webhook({ body: event(6, { events: 'nope' }), query: { k: SECRET } });
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response.statusCode).toBe(400);
	});

	it('maps both spellings of the event type to the singular form', () => {
		expect(normalizeEventType('dbt.sheets.icon')).toBe('dbt.sheet.icon');
		expect(normalizeEventType('dbt.sheet.icon')).toBe('dbt.sheet.icon');
		expect(normalizeEventType('dbt.records.create')).toBe('dbt.record.create');
		expect(normalizeEventType('dbt.cells.records.update')).toBe('dbt.cell.records.update');
		expect(normalizeEventType('dbt.views.remove')).toBe('dbt.view.remove');
	});
});

describe('Kdocs Trigger callbacks: bodies Kdocs never sends', () => {
	it.each(oddBodies())('answers %s after a valid secret with 4xx, starts nothing and calls nothing', async (_label, request) => {
		let outcome: Awaited<ReturnType<ReturnType<typeof kdocsTrigger>['webhook']>> | undefined;
		const outbound = await outboundRequestsDuring(async () => {
			outcome = await kdocsTrigger(parameters, { ...registered }).webhook({ ...request, query: { k: SECRET } });
		});
		expect(outcome!.result).toEqual({ noWebhookResponse: true });
		expect(outcome!.response.statusCode).toBeGreaterThanOrEqual(400);
		expect(outcome!.response.statusCode).toBeLessThan(500);
		expect(outbound).toEqual([]);
	});

	it('answers an event whose content is nested 100,000 levels deep with 400, and runs none of its batch', async () => {
		const trigger = kdocsTrigger(parameters, { ...registered });
		const rawBody = `{"webhook_id":"wh-1","type":"dbt.record.create","events":[{"timestamp":1763700009001,"content":{"recordIds":["ok"]}},{"timestamp":1763700009002,"content":${deeplyNested()}}]}`;
		const { result, response } = await trigger.webhook({ rawBody, body: JSON.parse(rawBody), query: { k: SECRET } });
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response.statusCode).toBe(400);
		// Nothing of the refused batch was remembered: the sound event still runs when it comes again.
		const again = await trigger.webhook({ body: event(1763700009001, { events: [{ timestamp: 1763700009001, content: { recordIds: ['ok'] } }] }), query: { k: SECRET } });
		expect(again.result.workflowData?.[0]).toHaveLength(1);
	});
});

describe('Kdocs Trigger callbacks: values that make String() throw', () => {
	it('handles an event whose timestamp is {"toString":1,"valueOf":1} without throwing', async () => {
		const rawBody = '{"webhook_id":"wh-1","type":"dbt.record.create","events":[{"timestamp":{"toString":1,"valueOf":1},"content":{"recordIds":["T"]}}]}';
		const { result, response } = await kdocsTrigger(parameters, { ...registered }).webhook({ rawBody, body: JSON.parse(rawBody), query: { k: SECRET } });
		expect(response.statusCode).toBe(200);
		expect(result.workflowData?.[0]).toHaveLength(1);
	});

	it('answers a webhook_id of {"toString":1} with 401 without throwing', async () => {
		const rawBody = '{"webhook_id":{"toString":1,"valueOf":1},"events":[]}';
		const { result, response } = await kdocsTrigger(parameters, { ...registered }).webhook({ rawBody, body: JSON.parse(rawBody), query: { k: SECRET } });
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response.statusCode).toBe(401);
	});
});

describe('Kdocs Trigger callbacks: events per callback', () => {
	const batch = (count: number, first: number, webhookId = 'wh-1') => ({
		webhook_id: webhookId,
		type: 'dbt.record.create',
		events: Array.from({ length: count }, (_, i) => ({ timestamp: first + i, content: { sheetId: 1, recordIds: [`R${first + i}`] } })),
	});

	it(`accepts ${MAX_EVENTS_PER_CALLBACK} events in one callback`, async () => {
		const { result, response } = await kdocsTrigger(parameters, { ...registered }).webhook({ body: batch(MAX_EVENTS_PER_CALLBACK, 1_000_000), query: { k: SECRET } });
		expect(response.statusCode).toBe(200);
		expect(result.workflowData?.[0]).toHaveLength(MAX_EVENTS_PER_CALLBACK);
	});

	it.each([MAX_EVENTS_PER_CALLBACK + 1, 100_000])('answers %i events with 413, starts nothing and remembers none of them', async (count) => {
		const trigger = kdocsTrigger(parameters, { ...registered });
		const first = 2_000_000 + count;
		const { result, response } = await trigger.webhook({ body: batch(count, first), query: { k: SECRET } });
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response.statusCode).toBe(413);
		const resent = await trigger.webhook({ body: batch(MAX_EVENTS_PER_CALLBACK, first), query: { k: SECRET } });
		expect(resent.result.workflowData?.[0]).toHaveLength(MAX_EVENTS_PER_CALLBACK);
	});

	it('a flood of batches to one trigger does not make another trigger run an old event again', async () => {
		const triggerOf = (workflowId: string) => new NodeHarness({ ...kdocsTriggerOptions(parameters, { ...registered }), workflowId });
		const quiet = triggerOf('wf-quiet');
		const busy = triggerOf('wf-busy');
		const old = event(1763700007777);
		expect((await quiet.webhook({ body: old, query: { k: SECRET } })).result.workflowData?.[0]).toHaveLength(1);

		// More events than a de-duplication log keeps (10,000), each batch within the limit.
		let accepted = 0;
		for (let round = 0; round < 11; round++) {
			const { result } = await busy.webhook({ body: batch(MAX_EVENTS_PER_CALLBACK, 3_000_000 + round * MAX_EVENTS_PER_CALLBACK), query: { k: SECRET } });
			accepted += result.workflowData?.[0].length ?? 0;
		}
		expect(accepted).toBe(11 * MAX_EVENTS_PER_CALLBACK);

		const redelivered = await quiet.webhook({ body: old, query: { k: SECRET } });
		expect(redelivered.response).toMatchObject({ statusCode: 200, body: { code: 0 } });
		expect(redelivered.result.workflowData).toBeUndefined();
	});
});
