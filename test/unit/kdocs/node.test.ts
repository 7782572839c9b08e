import nock from 'nock';
import { BASE, FILE, TOKEN, fileLocator, kdocsNode, sheetLocator } from './fixtures';

const create = (extra: Record<string, unknown> = {}) => ({
	resource: 'webhook',
	operation: 'create',
	file: fileLocator(),
	sheet: sheetLocator(),
	event: 'recordCreate',
	callbackUrl: 'https://hooks.example.com/kdocs',
	...extra,
});

describe('Kdocs node: Webhook > Create', () => {
	it('posts the callback URL to the record-create endpoint with the token in the query', async () => {
		const scope = nock(BASE, { reqheaders: { 'content-type': /application\/json/ } })
			.post(`/api/v1/openapi/dbt/${FILE}/webhook/sheets/1/records/create`, { callback_url: 'https://hooks.example.com/kdocs' })
			.query({ access_token: TOKEN })
			.reply(200, { code: 0, data: { webhook_id: 'wh-1' } });

		const items = await kdocsNode(create()).execute();

		expect(scope.isDone()).toBe(true);
		expect(items).toEqual([
			{
				json: {
					webhookId: 'wh-1',
					fileToken: FILE,
					sheetId: '1',
					kind: 'recordCreate',
					callbackUrl: 'https://hooks.example.com/kdocs',
				},
				pairedItem: { item: 0 },
			},
		]);
	});
});
