import nock from 'nock';
import { NodeApiError, NodeOperationError, type INodeParameterResourceLocator, type INodeParameters } from 'n8n-workflow';
import { FILE_TYPES } from '../../../nodes/Feishu/api';
import { retryPolicy } from '../../../nodes/shared/transport';
import { BASE, DOCX, FOLDER, FOLDER_QUERY, byToken, feishuNode } from './fixtures';

const files = '/open-apis/drive/v1/files';
const op = (operation: string, file: INodeParameterResourceLocator | string = byToken(DOCX), fileType = 'docx'): INodeParameters => ({
	resource: 'fileSubscription',
	operation,
	file,
	fileType,
});
const authorized = () => nock(BASE).matchHeader('authorization', 'Bearer t-cached');

describe('Feishu node: File Subscription > Subscribe', () => {
	it.each(FILE_TYPES.filter((type) => type !== 'folder'))('subscribes a %s without event_type', async (fileType) => {
		const call = authorized()
			.post(`${files}/${DOCX}/subscribe`, (body) => body === undefined || Object.keys(body).length === 0)
			.query((query) => JSON.stringify(query) === JSON.stringify({ file_type: fileType }))
			.reply(200, { code: 0, msg: 'success', data: {} });

		const items = await feishuNode(op('subscribe', byToken(DOCX), fileType)).execute();

		expect(call.isDone()).toBe(true);
		expect(items).toEqual([{ json: { fileToken: DOCX, fileType, subscribed: true }, pairedItem: { item: 0 } }]);
	});

	it('subscribes a folder with event_type=file.created_in_folder_v1', async () => {
		const call = authorized().post(`${files}/${FOLDER}/subscribe`).query(FOLDER_QUERY).reply(200, { code: 0, data: {} });
		await feishuNode(op('subscribe', byToken(FOLDER), 'folder')).execute();
		expect(call.isDone()).toBe(true);
	});

	it('takes the token from a pasted link', async () => {
		const call = authorized().post(`${files}/${DOCX}/subscribe`).query({ file_type: 'docx' }).reply(200, { code: 0, data: {} });
		const link: INodeParameterResourceLocator = { __rl: true, mode: 'url', value: `https://acme.feishu.cn/docx/${DOCX}?from=share` };
		const items = await feishuNode(op('subscribe', link)).execute();
		expect(call.isDone()).toBe(true);
		expect(items[0].json.fileToken).toBe(DOCX);
	});

	it.each([
		['an empty token', byToken(''), 'docx', 'File is required'],
		['a token with a slash', byToken('abc/def'), 'docx', 'File is not a valid file token'],
		['an unknown type from an expression', byToken(DOCX), 'wiki', 'Unknown file type "wiki"'],
	])('rejects %s before any request', async (_label, file, fileType, message) => {
		const error = await feishuNode(op('subscribe', file, fileType)).execute().catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as Error).message).toBe(message);
	});

	it('refuses an unknown operation instead of falling back to another one', async () => {
		await expect(feishuNode(op('remove')).execute()).rejects.toThrow('Unknown operation "remove"');
	});

	it.each([
		[500, 1069601, 'failure'],
		[400, 1069602, 'param error'],
		[403, 1069603, 'forbidden'],
		[400, 1069604, 'document not found'],
	])('turns HTTP %i / %i into a NodeApiError with the code and a hint', async (status, code, msg) => {
		authorized()
			.post(`${files}/${DOCX}/subscribe`)
			.query({ file_type: 'docx' })
			.times(code === 1069601 ? retryPolicy.maxAttempts : 1)
			.reply(status, { code, msg });

		const error = (await feishuNode(op('subscribe')).execute().catch((e: unknown) => e)) as NodeApiError;

		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe(`Feishu error ${code}: ${msg}`);
		expect(error.context.vendorCode).toBe(String(code));
		expect(error.httpCode).toBe(String(status));
		expect(error.description).toEqual(expect.any(String));
	});

	it('explains 1069603 with how to add the app to the document', async () => {
		authorized().post(`${files}/${DOCX}/subscribe`).query(true).reply(403, { code: 1069603, msg: 'forbidden' });
		const error = (await feishuNode(op('subscribe')).execute().catch((e: unknown) => e)) as NodeApiError;
		expect(error.description).toContain('"…" > "More" > "Add Application"');
		expect(error.description).toContain('share the file with that user with manage rights');
	});

	it('retries 1069601 (HTTP 500) as Feishu advises', async () => {
		authorized().post(`${files}/${DOCX}/subscribe`).query(true).reply(500, { code: 1069601, msg: 'failure' });
		const retried = authorized().post(`${files}/${DOCX}/subscribe`).query(true).reply(200, { code: 0, data: {} });
		await feishuNode(op('subscribe')).execute();
		expect(retried.isDone()).toBe(true);
	});

	it('keeps going with Continue On Fail and reports the vendor code on the failed item', async () => {
		authorized().post(`${files}/bad1/subscribe`).query(true).reply(400, { code: 1069604, msg: 'document not found' });
		authorized().post(`${files}/good1/subscribe`).query(true).reply(200, { code: 0, data: {} });
		const harness = feishuNode(op('subscribe', '={{ { __rl: true, mode: "id", value: $json.token } }}'), undefined, true);

		const items = await harness.execute([{ token: 'bad1' }, { token: 'good1' }]);

		expect(items[0]).toEqual({
			json: expect.objectContaining({ error: 'Feishu error 1069604: document not found', code: '1069604' }),
			pairedItem: { item: 0 },
		});
		expect(items[1]).toEqual({ json: { fileToken: 'good1', fileType: 'docx', subscribed: true }, pairedItem: { item: 1 } });
	});
});

describe('Feishu node: rate limits', () => {
	const savedMaxDelay = retryPolicy.maxDelayMs;
	afterEach(() => {
		retryPolicy.maxDelayMs = savedMaxDelay;
	});

	it('waits x-ogw-ratelimit-reset seconds after HTTP 429 / 99991400, then retries', async () => {
		retryPolicy.maxDelayMs = 5_000;
		const limited = authorized()
			.post(`${files}/${DOCX}/subscribe`)
			.query(true)
			.reply(429, { code: 99991400, msg: 'request trigger frequency limit' }, { 'x-ogw-ratelimit-limit': '50', 'x-ogw-ratelimit-reset': '1' });
		let retriedAt = 0;
		authorized()
			.post(`${files}/${DOCX}/subscribe`)
			.query(true)
			.reply(() => {
				retriedAt = Date.now();
				return [200, { code: 0, data: {} }];
			});
		const start = Date.now();

		await feishuNode(op('subscribe')).execute();

		expect(limited.isDone()).toBe(true);
		expect(retriedAt - start).toBeGreaterThanOrEqual(950);
	});

	it('also treats HTTP 400 with 99991400 (older APIs) as rate limited', async () => {
		authorized().post(`${files}/${DOCX}/subscribe`).query(true).reply(400, { code: 99991400, msg: 'limit' }, { 'x-ogw-ratelimit-reset': '0' });
		const retried = authorized().post(`${files}/${DOCX}/subscribe`).query(true).reply(200, { code: 0, data: {} });
		await feishuNode(op('subscribe')).execute();
		expect(retried.isDone()).toBe(true);
	});

	/** A reply that takes a while and records how many requests were being answered at the same time. */
	function slowReply(counter: { now: number; peak: number }, body: object) {
		return (_uri: string, _body: unknown, callback: (error: Error | null, result: [number, object]) => void) => {
			counter.now++;
			counter.peak = Math.max(counter.peak, counter.now);
			setTimeout(() => {
				counter.now--;
				callback(null, [200, body]);
			}, 10);
		};
	}

	it('processes many items concurrently (at most 50), keeps their order and loses none to the limit', async () => {
		const tokens = Array.from({ length: 120 }, (_, i) => `doxcnBulk${i}`);
		const counter = { now: 0, peak: 0 };
		for (const [index, token] of tokens.entries()) {
			if (index % 7 === 0) {
				authorized().post(`${files}/${token}/subscribe`).query(true).reply(429, { code: 99991400, msg: 'limit' }, { 'x-ogw-ratelimit-reset': '0' });
			}
			authorized().post(`${files}/${token}/subscribe`).query({ file_type: 'docx' }).reply(slowReply(counter, { code: 0, data: {} }));
		}
		const harness = feishuNode(op('subscribe', '={{ { __rl: true, mode: "id", value: $json.token } }}'));

		const items = await harness.execute(tokens.map((token) => ({ token })));

		expect(items.map((item) => item.json.fileToken)).toEqual(tokens);
		expect(items.every((item) => item.json.subscribed === true)).toBe(true);
		expect(counter.peak).toBeGreaterThan(10);
		expect(counter.peak).toBeLessThanOrEqual(50);
	});

	it.each([
		['getStatus', 'get', 'get_subscribe', { is_subscribe: true }],
		['unsubscribe', 'delete', 'delete_subscribe', {}],
	] as const)('runs %s at most 10 at a time (its limit is 10/min)', async (operation, method, action, data) => {
		const tokens = Array.from({ length: 25 }, (_, i) => `doxcnStatus${i}`);
		const counter = { now: 0, peak: 0 };
		for (const token of tokens) {
			authorized()[method](`${files}/${token}/${action}`).query({ file_type: 'docx' }).reply(slowReply(counter, { code: 0, data }));
		}
		await feishuNode(op(operation, '={{ { __rl: true, mode: "id", value: $json.token } }}')).execute(tokens.map((token) => ({ token })));
		expect(counter.peak).toBe(10);
	});
});

describe('Feishu node: File Subscription > Get Status', () => {
	it.each([
		['is_subscribe', true],
		['is_subscribe', false],
		['is_subseribe', true],
		['is_subseribe', false],
	])('reads %s = %s', async (field, value) => {
		const call = authorized()
			.get(`${files}/${DOCX}/get_subscribe`)
			.query({ file_type: 'docx' })
			.reply(200, { code: 0, msg: 'success', data: { [field]: value } });
		const items = await feishuNode(op('getStatus')).execute();
		expect(call.isDone()).toBe(true);
		expect(items[0].json).toEqual({ fileToken: DOCX, fileType: 'docx', subscribed: value });
	});

	it('asks about a folder with its event_type', async () => {
		const call = authorized().get(`${files}/${FOLDER}/get_subscribe`).query(FOLDER_QUERY).reply(200, { code: 0, data: { is_subscribe: true } });
		await feishuNode(op('getStatus', byToken(FOLDER), 'folder')).execute();
		expect(call.isDone()).toBe(true);
	});

	it('reads 1069605 (Unsubscribed) as not subscribed', async () => {
		authorized().get(`${files}/${DOCX}/get_subscribe`).query(true).reply(400, { code: 1069605, msg: 'Unsubscribed' });
		const items = await feishuNode(op('getStatus')).execute();
		expect(items[0].json.subscribed).toBe(false);
	});

	it('fails on 1069603 with the vendor code', async () => {
		authorized().get(`${files}/${DOCX}/get_subscribe`).query(true).reply(403, { code: 1069603, msg: 'forbidden' });
		await expect(feishuNode(op('getStatus')).execute()).rejects.toMatchObject({ context: { vendorCode: '1069603' } });
	});
});

describe('Feishu node: File Subscription > Unsubscribe', () => {
	it('deletes the subscription', async () => {
		const call = authorized()
			.delete(`${files}/${DOCX}/delete_subscribe`)
			.query({ file_type: 'docx' })
			.reply(200, { code: 0, msg: 'success', data: {} });
		const items = await feishuNode(op('unsubscribe')).execute();
		expect(call.isDone()).toBe(true);
		expect(items[0].json).toEqual({ fileToken: DOCX, fileType: 'docx', subscribed: false, wasSubscribed: true });
	});

	it('unsubscribes a folder with its event_type', async () => {
		const call = authorized().delete(`${files}/${FOLDER}/delete_subscribe`).query(FOLDER_QUERY).reply(200, { code: 0, data: {} });
		await feishuNode(op('unsubscribe', byToken(FOLDER), 'folder')).execute();
		expect(call.isDone()).toBe(true);
	});

	it('treats 1069605 (Unsubscribed) as done', async () => {
		authorized().delete(`${files}/${DOCX}/delete_subscribe`).query(true).reply(400, { code: 1069605, msg: 'Unsubscribed' });
		const items = await feishuNode(op('unsubscribe')).execute();
		expect(items[0].json).toMatchObject({ subscribed: false, wasSubscribed: false });
	});

	it('explains 1064230 (locked for data migration)', async () => {
		authorized().delete(`${files}/${DOCX}/delete_subscribe`).query(true).reply(400, { code: 1064230, msg: 'locked_for_data_migration' });
		await expect(feishuNode(op('unsubscribe')).execute()).rejects.toMatchObject({
			context: { vendorCode: '1064230' },
			description: expect.stringContaining('migrates its data'),
		});
	});
});
