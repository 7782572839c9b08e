import nock from 'nock';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import { retryPolicy } from '../../../nodes/shared/transport';
import { outboundRequestsDuring } from '../../harness/odd-bodies';
import { BASE, FILE, TOKEN, fileLocator, kdocsNode, pastedToken, refreshable, sheetLocator } from './fixtures';

const DBT = `/api/v1/openapi/dbt/${FILE}`;
const create = (extra: Record<string, unknown> = {}) => ({
	resource: 'webhook',
	operation: 'create',
	file: fileLocator(),
	sheet: sheetLocator(),
	event: 'recordCreate',
	callbackUrl: 'https://hooks.example.com/kdocs',
	...extra,
});
const kdocs = () => nock(BASE);
/** Kdocs' Java sample sends JSON with its content type; the curl sample leaves it out. We send it. */
const kdocsJson = () => nock(BASE, { reqheaders: { 'content-type': /application\/json/ } });

/** nock hangs axios when given a plain object; a real Error with a code behaves like a dropped socket. */
const networkError = (code: string, message: string) => Object.assign(new Error(message), { code });

async function failure(promise: Promise<unknown>) {
	try {
		await promise;
	} catch (error) {
		return error as NodeApiError | NodeOperationError;
	}
	throw new Error('expected the node to fail');
}

describe('Kdocs node: Webhook > Create', () => {
	it.each([
		['sheetIcon', '/webhook/sheets/1/icon', {}],
		['sheetDescription', '/webhook/sheets/1/description', {}],
		['sheetRemove', '/webhook/sheets/1/remove', {}],
		['recordCreate', '/webhook/sheets/1/records/create', {}],
		['fieldCreate', '/webhook/sheets/1/fields/create', {}],
		['cellFieldsUpdate', '/webhook/sheets/1/cells/fields/update', { fields: ['N', 'P'] }],
		['cellRecordsUpdate', '/webhook/sheets/1/cells/records/update', { records: ['PP', 'PQ'] }],
		['viewRemove', '/webhook/sheets/1/views/B/remove', {}],
	])('%s posts to %s with exactly the body that kind needs', async (event, path, extraBody) => {
		const scope = kdocsJson()
			.post(`${DBT}${path}`, { callback_url: 'https://hooks.example.com/kdocs', ...extraBody })
			.query({ access_token: TOKEN })
			.reply(200, { code: 0, data: { webhook_id: `wh-${event}` } });

		const [item] = await kdocsNode(create({ event, fields: ['N', 'P'], records: 'PP, PQ', view: 'B' })).execute();

		expect(scope.isDone()).toBe(true);
		expect(item.json.webhookId).toBe(`wh-${event}`);
		expect(item.json.kind).toBe(event);
		expect(item.pairedItem).toEqual({ item: 0 });
	});

	it('percent-encodes spaces and non-ASCII characters of the callback URL', async () => {
		const scope = kdocs()
			.post(`${DBT}/webhook/sheets/1/records/create`, { callback_url: 'https://hooks.example.com/kd%20ocs/%E4%BA%8B%E4%BB%B6?a=b%20c' })
			.query({ access_token: TOKEN })
			.reply(200, { code: 0, data: { webhook_id: 'wh-1' } });
		await kdocsNode(create({ callbackUrl: 'https://hooks.example.com/kd ocs/事件?a=b c' })).execute();
		expect(scope.isDone()).toBe(true);
	});

	it.each([
		[{ file: fileLocator('') }, 'File is required'],
		[{ file: fileLocator('bad token!') }, 'File is not a valid file token'],
		[{ sheet: sheetLocator('Leads') }, 'Sheet must be a numeric sheet ID'],
		[{ event: 'cellFieldsUpdate', fields: [] }, 'Choose at least one field'],
		[{ event: 'cellRecordsUpdate', records: ' , ' }, 'Enter at least one record ID'],
		[{ event: 'viewRemove', view: '' }, 'View is required'],
		[{ callbackUrl: '' }, 'Callback URL is required'],
		[{ callbackUrl: 'not a url' }, 'Callback URL is not a valid URL'],
		[{ callbackUrl: 'ftp://example.com/x' }, 'Callback URL must use http or https'],
	])('rejects %j before any request: %s', async (parameters, message) => {
		const error = await failure(kdocsNode(create(parameters)).execute());
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe(message);
	});

	it('names the existing webhooks when the document already has 10 (30016)', async () => {
		const scope = kdocs()
			.post(`${DBT}/webhook/sheets/1/records/create`)
			.query({ access_token: TOKEN })
			.reply(200, { code: 30016, message: 'TooManyWebhooks' });
		const listing = kdocs()
			.get(`${DBT}/webhook/mine`)
			.query({ access_token: TOKEN })
			.reply(200, {
				code: 0,
				data: { webhooks: [{ webhook_id: 'old-1', callback_url: 'https://a.example.com/1' }, { webhook_id: 'old-2', callback_url: 'https%3A%2F%2Fb.example.com%2F2' }] },
			});

		const error = await failure(kdocsNode(create()).execute());

		expect(scope.isDone() && listing.isDone()).toBe(true);
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe('Kdocs error 30016: TooManyWebhooks');
		expect(error.description).toBe(
			`Kdocs allows 10 webhooks per document and file ${FILE} has reached it. Delete one of these webhooks first (Kdocs node: Webhook > Delete): old-1 (https://a.example.com/1), old-2 (https://b.example.com/2).`,
		);
	});

	it('still explains 30016 when the webhook list cannot be read', async () => {
		kdocs().post(`${DBT}/webhook/sheets/1/records/create`).query(true).reply(200, { code: 30016, message: 'TooManyWebhooks' });
		kdocs().get(`${DBT}/webhook/mine`).query(true).reply(403, { code: 10003, message: 'PermissionDenied' });
		const error = await failure(kdocsNode(create()).execute());
		expect(error.description).toMatch(/Delete webhooks you no longer need first/);
	});

	it('reports a success answer without webhook_id as an API error', async () => {
		kdocs().post(`${DBT}/webhook/sheets/1/records/create`).query(true).reply(200, { code: 0, data: {} });
		const error = await failure(kdocsNode(create()).execute());
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe('Kdocs error no webhook_id: Kdocs accepted the subscription but returned no webhook_id');
	});

	it('does not resend a create after a 5xx (it is not idempotent)', async () => {
		kdocs().post(`${DBT}/webhook/sheets/1/records/create`).query(true).once().reply(502, 'Bad Gateway');
		const error = await failure(kdocsNode(create()).execute());
		expect(error.message).toBe('Kdocs error HTTP 502: Bad Gateway');
		expect(error.description).toBe('Kdocs answered with a server error (HTTP 502: Bad Gateway). This is usually temporary: try again later.');
		expect((error as NodeApiError).httpCode).toBe('502');
	});
});

describe('Kdocs node: tokens', () => {
	it('fails with the fix hint when a pasted token is invalid, without retrying', async () => {
		const scope = kdocs()
			.post(`${DBT}/webhook/sheets/1/records/create`)
			.query({ access_token: TOKEN })
			.once()
			.reply(401, { code: 20007, message: 'AccessTokenInvalid', hint: 'access_token is invalid' });
		const error = await failure(kdocsNode(create()).execute());
		expect(scope.isDone()).toBe(true);
		expect(error.message).toBe('Kdocs error 20007: AccessTokenInvalid');
		expect(error.description).toMatch(/Paste a new token, or set App ID, App Key and Refresh Token/);
	});

	it('fetches a token through the refresh token first and saves it in the credential', async () => {
		const scope = nock(BASE)
			.post('/api/v1/oauth2/refresh_token', { app_key: 'app-key-1', refresh_token: 'refresh-1' })
			.query({ app_id: 'app-1' })
			.reply(200, { code: 0, data: { access_token: 'fresh-1', expires_in: 86400, refresh_token: 'refresh-2' } })
			.get(`${DBT}/webhook/mine`)
			.query({ access_token: 'fresh-1' })
			.reply(200, { code: 0, data: { webhooks: [] } });
		const harness = kdocsNode({ resource: 'webhook', operation: 'getMine', file: fileLocator() }, refreshable);

		expect(await harness.execute()).toEqual([]);

		expect(scope.isDone()).toBe(true);
		expect(harness.storedCredentials.kdocsApi).toMatchObject({ sessionToken: 'fresh-1', refreshToken: 'refresh-2' });
		expect(Number(harness.storedCredentials.kdocsApi.sessionExpiresAt)).toBeGreaterThan(Date.now() + 86_000_000);
	});

	it('renews an expired token once (20007) and repeats the call', async () => {
		const scope = nock(BASE)
			.get(`${DBT}/webhook/mine`)
			.query({ access_token: 'stale' })
			.reply(200, { code: 20007, message: 'AccessTokenInvalid' })
			.post('/api/v1/oauth2/refresh_token')
			.query({ app_id: 'app-1' })
			.once()
			.reply(200, { code: 0, data: { access_token: 'fresh-2', expires_in: 3600 } })
			.get(`${DBT}/webhook/mine`)
			.query({ access_token: 'fresh-2' })
			.reply(200, { code: 0, data: { webhooks: [{ webhook_id: 'w1', callback_url: 'https://x.example.com' }] } });
		const harness = kdocsNode(
			{ resource: 'webhook', operation: 'getMine', file: fileLocator() },
			{ ...refreshable, sessionToken: 'stale', sessionExpiresAt: Date.now() + 3_600_000 },
		);

		const items = await harness.execute();

		expect(scope.isDone()).toBe(true);
		expect(items.map((item) => item.json.webhookId)).toEqual(['w1']);
		expect(harness.credentialsHelper.updates).toHaveLength(1);
	});

	it('gives up after one renewal when Kdocs keeps rejecting the token', async () => {
		nock(BASE).get(`${DBT}/webhook/mine`).query(true).twice().reply(401, { code: 20007, message: 'AccessTokenInvalid' });
		nock(BASE).post('/api/v1/oauth2/refresh_token').query(true).once().reply(200, { code: 0, data: { access_token: 'fresh-3', expires_in: 3600 } });
		const harness = kdocsNode(
			{ resource: 'webhook', operation: 'getMine', file: fileLocator() },
			{ ...refreshable, sessionToken: 'stale', sessionExpiresAt: Date.now() + 3_600_000 },
		);
		const error = await failure(harness.execute());
		expect(error.message).toBe('Kdocs error 20007: AccessTokenInvalid');
	});

	it('renews a token that is about to expire before sending', async () => {
		const scope = nock(BASE)
			.post('/api/v1/oauth2/refresh_token')
			.query({ app_id: 'app-1' })
			.reply(200, { code: 0, data: { access_token: 'fresh-4', expires_in: 3600 } })
			.get(`${DBT}/webhook/mine`)
			.query({ access_token: 'fresh-4' })
			.reply(200, { code: 0, data: { webhooks: [] } });
		const harness = kdocsNode(
			{ resource: 'webhook', operation: 'getMine', file: fileLocator() },
			{ ...refreshable, sessionToken: 'old', sessionExpiresAt: Date.now() + 10_000 },
		);
		await harness.execute();
		expect(scope.isDone()).toBe(true);
	});

	it('reports a refused renewal with the way out', async () => {
		nock(BASE).post('/api/v1/oauth2/refresh_token').query(true).reply(200, { code: 20002, message: 'InvalidRefreshToken' });
		const error = await failure(kdocsNode({ resource: 'webhook', operation: 'getMine', file: fileLocator() }, refreshable).execute());
		expect(error.message).toMatch(/^Kdocs refused to renew the access token \(code 20002: InvalidRefreshToken\)/);
	});
});

describe('Kdocs node: List Mine and Delete', () => {
	it('lists one item per webhook, paired with its input item', async () => {
		kdocs()
			.get(`${DBT}/webhook/mine`)
			.query({ access_token: TOKEN })
			.reply(200, {
				code: 0,
				data: { webhooks: [{ webhook_id: 'w1', callback_url: 'https://a.example.com', type: 'dbt.sheet.icon', sheet_id: 1 }, { webhook_id: 'w2', callback_url: 'https://b.example.com' }] },
			});
		const items = await kdocsNode({ resource: 'webhook', operation: 'getMine', file: fileLocator() }).execute();
		expect(items).toEqual([
			{ json: { webhookId: 'w1', callbackUrl: 'https://a.example.com', type: 'dbt.sheet.icon', sheet_id: 1, fileToken: FILE }, pairedItem: { item: 0 } },
			{ json: { webhookId: 'w2', callbackUrl: 'https://b.example.com', fileToken: FILE }, pairedItem: { item: 0 } },
		]);
	});

	it('retries an idempotent read after 5xx and a dropped connection', async () => {
		kdocs().get(`${DBT}/webhook/mine`).query(true).reply(503, { code: 503, message: 'ServiceUnavailable' });
		kdocs().get(`${DBT}/webhook/mine`).query(true).replyWithError(networkError('ECONNRESET', 'socket hang up'));
		kdocs().get(`${DBT}/webhook/mine`).query(true).reply(200, { code: 0, data: { webhooks: [] } });
		expect(await kdocsNode({ resource: 'webhook', operation: 'getMine', file: fileLocator() }).execute()).toEqual([]);
	});

	it('stops retrying a failing read after the attempt limit', async () => {
		kdocs().get(`${DBT}/webhook/mine`).query(true).times(retryPolicy.maxAttempts).reply(500, { code: 500, message: 'InternalError' });
		const error = await failure(kdocsNode({ resource: 'webhook', operation: 'getMine', file: fileLocator() }).execute());
		expect(error.message).toBe('Kdocs error 500: InternalError');
	});

	it('waits for Retry-After on 429 and then succeeds', async () => {
		kdocs().get(`${DBT}/webhook/mine`).query(true).reply(429, { code: 429, message: 'TooManyRequests' }, { 'Retry-After': '0' });
		kdocs().get(`${DBT}/webhook/mine`).query(true).reply(200, { code: 0, data: { webhooks: [] } });
		expect(await kdocsNode({ resource: 'webhook', operation: 'getMine', file: fileLocator() }).execute()).toEqual([]);
	});

	it('explains an unreachable host', async () => {
		kdocs().get(`${DBT}/webhook/mine`).query(true).times(retryPolicy.maxAttempts).replyWithError(networkError('ECONNREFUSED', 'connect ECONNREFUSED'));
		const error = await failure(kdocsNode({ resource: 'webhook', operation: 'getMine', file: fileLocator() }).execute());
		expect(error.message).toMatch(/^Kdocs could not be reached/);
		expect(error.description).toBe(`Kdocs could not be reached at ${BASE}. Check the credential's base URL and the network path to it.`);
	});

	it('deletes a webhook through the one (unconfirmed) delete path', async () => {
		const scope = kdocs().delete(`${DBT}/webhook/w1`).query({ access_token: TOKEN }).reply(200, { code: 0 });
		const items = await kdocsNode({ resource: 'webhook', operation: 'delete', file: fileLocator(), webhookId: 'w1' }).execute();
		expect(scope.isDone()).toBe(true);
		expect(items[0].json).toEqual({ deleted: true, existed: true, webhookId: 'w1', fileToken: FILE });
	});

	it('treats deleting an unknown webhook as done', async () => {
		kdocs().delete(`${DBT}/webhook/gone`).query(true).reply(404, { code: 30004, message: 'WebhookNotFound' });
		const items = await kdocsNode({ resource: 'webhook', operation: 'delete', file: fileLocator(), webhookId: 'gone' }).execute();
		expect(items[0].json).toEqual({ deleted: true, existed: false, webhookId: 'gone', fileToken: FILE });
	});

	it('requires a webhook ID to delete', async () => {
		const error = await failure(kdocsNode({ resource: 'webhook', operation: 'delete', file: fileLocator(), webhookId: ' ' }).execute());
		expect(error.message).toBe('Webhook ID is required');
	});

	it('with Continue On Fail, turns a failing item into an error item and goes on', async () => {
		kdocs().delete(`${DBT}/webhook/w2`).query(true).reply(200, { code: 0 });
		kdocs().delete(`${DBT}/webhook/w3`).query(true).reply(403, { code: 10003, message: 'PermissionDenied' });
		const harness = kdocsNode(
			{ resource: 'webhook', operation: 'delete', file: fileLocator(), webhookId: '={{ $json.id }}' },
			pastedToken,
			true,
		);
		const items = await harness.execute([{ id: '' }, { id: 'w2' }, { id: 'w3' }]);
		expect(items).toEqual([
			{ json: { error: 'Webhook ID is required', description: 'Enter a value for "Webhook ID".' }, pairedItem: { item: 0 } },
			{ json: { deleted: true, existed: true, webhookId: 'w2', fileToken: FILE }, pairedItem: { item: 1 } },
			{
				json: {
					error: 'Kdocs error 10003: PermissionDenied',
					description: 'Kdocs: The authorized user lacks permission on this document. Use the account that owns or can edit the file.',
					code: '10003',
				},
				pairedItem: { item: 2 },
			},
		]);
	});
});

describe('Kdocs node: operations', () => {
	it('fails an unknown operation before any request instead of deleting the webhook', async () => {
		let error: NodeApiError | NodeOperationError | undefined;
		const outbound = await outboundRequestsDuring(async () => {
			error = await failure(kdocsNode({ resource: 'webhook', operation: 'remove', file: fileLocator(), webhookId: 'w1' }).execute());
		});
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error?.message).toBe('Unknown operation "remove" for resource "webhook"');
		expect(outbound).toEqual([]);
	});
});
