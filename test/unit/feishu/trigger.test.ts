import nock from 'nock';
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import { CLOCK_SKEW_MS, REPLAY_WINDOW_MS } from '../../../nodes/Feishu/verify';
import { NodeHarness, type WebhookRequest } from '../../harness/node-harness';
import { deeplyNested, oddBodies, outboundRequestsDuring } from '../../harness/odd-bodies';
import {
	BASE,
	DOCX,
	ENCRYPT_KEY,
	FOLDER,
	FOLDER_QUERY,
	VERIFICATION_TOKEN,
	driveEvent,
	encryptLikeFeishu,
	feishuTrigger,
	feishuTriggerOptions,
	signedDelivery,
	signLikeFeishu,
	tenantWithToken,
	watching,
} from './fixtures';

const files = '/open-apis/drive/v1/files';
const authorized = () => nock(BASE).matchHeader('authorization', 'Bearer t-cached');
const docxAndFolder = watching([
	[DOCX, 'docx'],
	[FOLDER, 'folder'],
]);
const subscribed = [
	{ fileToken: DOCX, fileType: 'docx' },
	{ fileToken: FOLDER, fileType: 'folder' },
];

describe('Feishu Trigger lifecycle', () => {
	it('checkExists answers from static data without calling Feishu', async () => {
		expect(await feishuTrigger(docxAndFolder).hook('checkExists')).toBe(false);
		expect(await feishuTrigger(docxAndFolder, { subscribedFiles: subscribed }).hook('checkExists')).toBe(true);
	});

	it('create subscribes every file (a folder with its event_type) and records exactly those', async () => {
		const docx = authorized().post(`${files}/${DOCX}/subscribe`).query({ file_type: 'docx' }).reply(200, { code: 0, data: {} });
		const folder = authorized().post(`${files}/${FOLDER}/subscribe`).query(FOLDER_QUERY).reply(200, { code: 0, data: {} });
		const harness = feishuTrigger(docxAndFolder);

		await harness.activate();

		expect(docx.isDone() && folder.isDone()).toBe(true);
		expect(harness.staticData.subscribedFiles).toEqual(subscribed);
		expect(await harness.hook('checkExists')).toBe(true);
	});

	it('accepts a pasted link as a watched file and subscribes each file only once', async () => {
		const docx = authorized().post(`${files}/${DOCX}/subscribe`).query({ file_type: 'docx' }).reply(200, { code: 0, data: {} });
		const harness = feishuTrigger(watching([[`https://acme.feishu.cn/docx/${DOCX}`, 'docx'], [DOCX, 'docx']]));
		await harness.hook('create');
		expect(docx.isDone()).toBe(true);
		expect(harness.staticData.subscribedFiles).toEqual([{ fileToken: DOCX, fileType: 'docx' }]);
	});

	it('create rolls back what it subscribed when a later file fails, and records nothing', async () => {
		authorized().post(`${files}/${DOCX}/subscribe`).query(true).reply(200, { code: 0, data: {} });
		authorized().post(`${files}/${FOLDER}/subscribe`).query(true).reply(403, { code: 1069603, msg: 'forbidden' });
		const rollback = authorized().delete(`${files}/${DOCX}/delete_subscribe`).query({ file_type: 'docx' }).reply(200, { code: 0, data: {} });
		const harness = feishuTrigger(docxAndFolder);

		await expect(harness.hook('create')).rejects.toMatchObject({ context: { vendorCode: '1069603' } });

		expect(rollback.isDone()).toBe(true);
		expect(harness.staticData.subscribedFiles).toBeUndefined();
	});

	it('fails activation before any request when no file or no event is chosen, or a token is invalid', async () => {
		await expect(feishuTrigger(watching([])).hook('create')).rejects.toThrow('Add at least one file or folder to watch');
		await expect(feishuTrigger(watching([[DOCX, 'docx']], [])).hook('checkExists')).rejects.toThrow('Choose at least one event');
		await expect(feishuTrigger(watching([['bad token', 'docx']])).hook('create')).rejects.toThrow('File is not a valid file token');
	});

	it('after the files changed, checkExists unsubscribes the removed one and create adds the new one', async () => {
		const removed = authorized().delete(`${files}/${FOLDER}/delete_subscribe`).query(FOLDER_QUERY).reply(200, { code: 0, data: {} });
		const added = authorized().post(`${files}/shtcnNewSheet/subscribe`).query({ file_type: 'sheet' }).reply(200, { code: 0, data: {} });
		const harness = feishuTrigger(
			watching([
				[DOCX, 'docx'],
				['shtcnNewSheet', 'sheet'],
			]),
			{ subscribedFiles: subscribed },
		);

		expect(await harness.hook('checkExists')).toBe(false);
		await harness.hook('create');

		expect(removed.isDone() && added.isDone()).toBe(true);
		expect(harness.staticData.subscribedFiles).toEqual([
			{ fileToken: DOCX, fileType: 'docx' },
			{ fileToken: 'shtcnNewSheet', fileType: 'sheet' },
		]);
	});

	it('in a test run, leaves files that were already subscribed alone so that its delete cannot remove them', async () => {
		const docxStatus = authorized().get(`${files}/${DOCX}/get_subscribe`).query({ file_type: 'docx' }).reply(200, { code: 0, data: { is_subscribe: true } });
		const folderStatus = authorized().get(`${files}/${FOLDER}/get_subscribe`).query(FOLDER_QUERY).reply(200, { code: 0, data: { is_subscribe: false } });
		const folder = authorized().post(`${files}/${FOLDER}/subscribe`).query(true).reply(200, { code: 0, data: {} });
		const harness = feishuTrigger(docxAndFolder);

		await harness.hook('create', { mode: 'manual', isTest: true });

		expect(docxStatus.isDone() && folderStatus.isDone() && folder.isDone()).toBe(true);
		expect(harness.staticData.subscribedFiles).toEqual([subscribed[1]]);
	});

	it('checkExists keeps a removed file it could not unsubscribe, so that a later activation tries again', async () => {
		authorized().delete(`${files}/${FOLDER}/delete_subscribe`).query(true).reply(400, { code: 1064230, msg: 'locked_for_data_migration' });
		const harness = feishuTrigger(watching([[DOCX, 'docx']]), { subscribedFiles: subscribed });

		expect(await harness.hook('checkExists')).toBe(false);

		expect(harness.staticData.subscribedFiles).toEqual(subscribed);
	});

	it('delete unsubscribes exactly the recorded files and clears static data', async () => {
		const docx = authorized().delete(`${files}/${DOCX}/delete_subscribe`).query({ file_type: 'docx' }).reply(200, { code: 0, data: {} });
		const folder = authorized().delete(`${files}/${FOLDER}/delete_subscribe`).query(FOLDER_QUERY).reply(200, { code: 0, data: {} });
		const harness = feishuTrigger(watching([['shtcnNotRecorded', 'sheet']]), { subscribedFiles: subscribed });

		expect(await harness.hook('delete')).toBe(true);

		expect(docx.isDone() && folder.isDone()).toBe(true);
		expect(harness.staticData.subscribedFiles).toBeUndefined();
	});

	it('delete counts a file Feishu already forgot (1069605) as unsubscribed', async () => {
		authorized().delete(`${files}/${DOCX}/delete_subscribe`).query(true).reply(400, { code: 1069605, msg: 'Unsubscribed' });
		const harness = feishuTrigger(watching([[DOCX, 'docx']]), { subscribedFiles: [subscribed[0]] });
		expect(await harness.hook('delete')).toBe(true);
		expect(harness.staticData.subscribedFiles).toBeUndefined();
	});

	it('delete returns false and keeps the file it could not unsubscribe', async () => {
		authorized().delete(`${files}/${DOCX}/delete_subscribe`).query(true).reply(403, { code: 1069603, msg: 'forbidden' });
		authorized().delete(`${files}/${FOLDER}/delete_subscribe`).query(true).reply(200, { code: 0, data: {} });
		const harness = feishuTrigger(docxAndFolder, { subscribedFiles: subscribed });

		expect(await harness.hook('delete')).toBe(false);

		expect(harness.staticData.subscribedFiles).toEqual([subscribed[0]]);
	});

	it('delete with nothing recorded touches nothing', async () => {
		expect(await feishuTrigger(docxAndFolder).hook('delete')).toBe(true);
	});
});

describe('Feishu Trigger webhook: URL verification', () => {
	it('answers the encrypted challenge of vendor vector FS-2 with plain JSON', async () => {
		const encrypt =
			'tT1xP+ovuc0T3b/rnZX3ax76exqAn0ANQ6/U45GcciC0mgNBc8JtvqOJGNAPMKpgRs2dVU1NYk9VDeqS8T4SYtU0hzNU54aS84WnxvZ3VFfDcy/RyABlNqlUiGyLDzFI0yxdCMT4KR/YEQXlt6nZi50KwRlZ+A75r645KesZuLMljezYyY8VeeXEVjPw35+e';
		const harness = feishuTrigger(docxAndFolder, undefined, {
			...tenantWithToken(),
			encryptSecret: 'mazhe.nerd',
			verificationToken: 'iRdCP2WwXNBXRM3mGLqhrgch3cn0gbT6',
		});

		const { result, response } = await harness.webhook({ body: { encrypt } });

		expect(result).toEqual({ noWebhookResponse: true });
		expect(response).toMatchObject({ statusCode: 200, body: { challenge: '5634b122-c042-4634-bc7f-b07a3c3e77ad' }, ended: true });
	});

	it('rejects a challenge that carries a signature which does not match', async () => {
		const delivery = signedDelivery({ challenge: 'c-1', token: VERIFICATION_TOKEN, type: 'url_verification' });
		const { response } = await feishuTrigger(docxAndFolder).webhook({ ...delivery, headers: { ...delivery.headers, 'x-lark-signature': '0'.repeat(64) } });
		expect(response).toMatchObject({ statusCode: 401, body: 'Unauthorized' });
	});

	it('answers a challenge that carries a valid signature', async () => {
		const { response } = await feishuTrigger(docxAndFolder).webhook(signedDelivery({ challenge: 'c-2', token: VERIFICATION_TOKEN, type: 'url_verification' }));
		expect(response.body).toEqual({ challenge: 'c-2' });
	});

	it('answers a plain challenge when no Encrypt Key is set', async () => {
		const harness = feishuTrigger(docxAndFolder, undefined, { ...tenantWithToken(), encryptSecret: '' });
		const { response } = await harness.webhook({ body: { challenge: 'c-1', token: VERIFICATION_TOKEN, type: 'url_verification' } });
		expect(response.body).toEqual({ challenge: 'c-1' });
	});

	it.each([
		['a wrong token (plain)', { ...tenantWithToken(), encryptSecret: '' }, { challenge: 'c-1', token: 'wrong', type: 'url_verification' }],
		['a wrong token (encrypted)', tenantWithToken(), { encrypt: encryptLikeFeishu(ENCRYPT_KEY, JSON.stringify({ challenge: 'c-1', token: 'wrong', type: 'url_verification' })) }],
		['a plain challenge while an Encrypt Key is set', tenantWithToken(), { challenge: 'c-1', token: VERIFICATION_TOKEN, type: 'url_verification' }],
		['a challenge encrypted with another key', tenantWithToken(), { encrypt: encryptLikeFeishu('other', JSON.stringify({ challenge: 'c-1', token: VERIFICATION_TOKEN, type: 'url_verification' })) }],
	])('rejects %s with 401 and echoes nothing', async (_label, credentials, body) => {
		const { result, response } = await feishuTrigger(docxAndFolder, undefined, credentials).webhook({ body });
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response).toMatchObject({ statusCode: 401, body: 'Unauthorized' });
	});
});

describe('Feishu Trigger webhook: events', () => {
	it('emits one item with the schema 2.0 header fields and the event, and answers success', async () => {
		const payload = driveEvent({ eventId: 'evt-one' });
		const { result, response } = await feishuTrigger(docxAndFolder).webhook(signedDelivery(payload));

		expect(response).toMatchObject({ statusCode: 200, body: { msg: 'success' }, ended: true });
		expect(result.noWebhookResponse).toBe(true);
		expect(result.workflowData).toEqual([
			[
				{
					json: {
						schema: '2.0',
						event_id: 'evt-one',
						event_type: 'drive.file.edit_v1',
						create_time: payload.header.create_time,
						app_id: payload.header.app_id,
						tenant_key: 'tenant-1',
						event: payload.event,
					},
				},
			],
		]);
	});

	it('starts one execution for the same event delivered twice', async () => {
		const harness = feishuTrigger(docxAndFolder);
		const payload = driveEvent({ eventId: 'evt-twice' });
		const first = await harness.webhook(signedDelivery(payload));
		const second = await harness.webhook(signedDelivery(payload));
		expect(first.result.workflowData).toHaveLength(1);
		expect(second.result.workflowData).toBeUndefined();
		expect(second.response).toMatchObject({ statusCode: 200, body: { msg: 'success' } });
	});

	it('passes on a folder\'s created-in-folder event by its folder_token', async () => {
		const payload = driveEvent({
			eventType: 'drive.file.created_in_folder_v1',
			event: { file_type: 'docx', file_token: 'doxcnBrandNew', folder_token: FOLDER, operator_id: { open_id: 'ou_1' }, subscriber_ids: [] },
		});
		const harness = feishuTrigger(watching([[FOLDER, 'folder']], ['drive.file.created_in_folder_v1']));
		const { result } = await harness.webhook(signedDelivery(payload));
		expect((result.workflowData?.[0][0].json.event as { file_token: string }).file_token).toBe('doxcnBrandNew');
	});

	it.each([
		['an event type that was not chosen', driveEvent({ eventType: 'drive.file.title_updated_v1' })],
		['a file the trigger does not watch', driveEvent({ event: { file_type: 'docx', file_token: 'doxcnSomeoneElse' } })],
	])('acknowledges %s without starting an execution', async (_label, payload) => {
		const { result, response } = await feishuTrigger(docxAndFolder).webhook(signedDelivery(payload));
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response).toMatchObject({ statusCode: 200, body: { msg: 'success' } });
	});

	it('accepts a plain event with the right token when no Encrypt Key is set', async () => {
		const harness = feishuTrigger(docxAndFolder, undefined, { ...tenantWithToken(), encryptSecret: '' });
		const { result } = await harness.webhook({ body: driveEvent() });
		expect(result.workflowData?.[0]).toHaveLength(1);
	});

	const tampered = () => {
		const delivery = signedDelivery(driveEvent());
		const body = JSON.parse(delivery.rawBody) as { encrypt: string };
		const bytes = Buffer.from(body.encrypt, 'base64');
		bytes[20] ^= 1;
		const rawBody = JSON.stringify({ encrypt: bytes.toString('base64') });
		return { ...delivery, rawBody, body: JSON.parse(rawBody) };
	};
	const stale = () => signedDelivery(driveEvent(), ENCRYPT_KEY, String(Math.floor((Date.now() - REPLAY_WINDOW_MS) / 1000) - 5));
	const wrongSignature = () => {
		const delivery = signedDelivery(driveEvent());
		return { ...delivery, headers: { ...delivery.headers, 'x-lark-signature': 'f'.repeat(64) } };
	};
	const unsigned = () => {
		const delivery = signedDelivery(driveEvent());
		const { 'x-lark-signature': _dropped, ...headers } = delivery.headers;
		return { ...delivery, headers };
	};
	const reserialised = () => {
		const delivery = signedDelivery(driveEvent());
		return { ...delivery, rawBody: JSON.stringify(delivery.body, null, 1) };
	};

	it.each([
		['a tampered body', tampered],
		['a body re-serialised after signing', reserialised],
		['a wrong signature', wrongSignature],
		['a missing signature', unsigned],
		['a stale timestamp', stale],
		['a wrong Verification Token inside a correctly signed body', () => signedDelivery(driveEvent({ token: 'wrong' }))],
		['a body signed with another Encrypt Key', () => signedDelivery(driveEvent(), 'another key')],
		['a plain event while an Encrypt Key is set', () => ({ body: driveEvent() })],
	])('answers %s with 401 and starts no execution', async (_label, delivery) => {
		const { result, response } = await feishuTrigger(docxAndFolder).webhook(delivery());
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response).toMatchObject({ statusCode: 401, body: 'Unauthorized' });
	});

	it('rejects an encrypted event when the credential has no Encrypt Key', async () => {
		const harness = feishuTrigger(docxAndFolder, undefined, { ...tenantWithToken(), encryptSecret: '' });
		const { response } = await harness.webhook(signedDelivery(driveEvent()));
		expect(response.statusCode).toBe(401);
	});

	it('rejects everything when the credential has no Verification Token', async () => {
		const harness = feishuTrigger(docxAndFolder, undefined, { ...tenantWithToken(), verificationToken: '' });
		const { result, response } = await harness.webhook(signedDelivery(driveEvent()));
		expect(result.workflowData).toBeUndefined();
		expect(response.statusCode).toBe(401);
	});

	it('answers 400 to a body that is not a JSON object', async () => {
		const { result, response } = await feishuTrigger(docxAndFolder).webhook({ rawBody: 'not json', body: {} });
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response.statusCode).toBe(400);
	});

	it('answers 400 to an authentic payload that is not a schema 2.0 event', async () => {
		const payload = { uuid: 'u-1', token: VERIFICATION_TOKEN, type: 'event_callback', event: {}, header: { token: VERIFICATION_TOKEN } };
		const { result, response } = await feishuTrigger(docxAndFolder).webhook(signedDelivery(payload));
		expect(result.workflowData).toBeUndefined();
		expect(response.statusCode).toBe(400);
	});
});

describe('Feishu Trigger webhook: bodies Feishu never sends', () => {
	const plainCredentials = { ...tenantWithToken(), encryptSecret: '' };
	// Headers of a genuine delivery, so that only the body is wrong.
	const headers = () => signedDelivery(driveEvent()).headers;

	it.each(oddBodies().flatMap(([label, request]): Array<[string, string, WebhookRequest, ICredentialDataDecryptedObject]> => [
		[label, 'with an Encrypt Key', { ...request, headers: { ...headers(), ...request.headers } }, tenantWithToken()],
		[label, 'without an Encrypt Key', request, plainCredentials],
	]))('answers %s (%s) with 4xx, starts nothing and calls nothing', async (_label, _mode, request, credentials) => {
		let outcome: Awaited<ReturnType<ReturnType<typeof feishuTrigger>['webhook']>> | undefined;
		const outbound = await outboundRequestsDuring(async () => {
			outcome = await feishuTrigger(docxAndFolder, undefined, credentials).webhook(request);
		});
		expect(outcome!.result).toEqual({ noWebhookResponse: true });
		expect(outcome!.response.statusCode).toBeGreaterThanOrEqual(400);
		expect(outcome!.response.statusCode).toBeLessThan(500);
		expect(outbound).toEqual([]);
	});

	it('answers a correctly signed payload nested 100,000 levels deep with 400 instead of throwing', async () => {
		const deep = `{"schema":"2.0","header":{"event_id":"evt-deep","event_type":"drive.file.edit_v1","token":"${VERIFICATION_TOKEN}"},"event":${deeplyNested()}}`;
		const rawBody = JSON.stringify({ encrypt: encryptLikeFeishu(ENCRYPT_KEY, deep) });
		const timestamp = String(Math.floor(Date.now() / 1000));
		const request = {
			rawBody,
			body: JSON.parse(rawBody),
			headers: { 'x-lark-request-timestamp': timestamp, 'x-lark-request-nonce': 'n', 'x-lark-signature': signLikeFeishu(timestamp, 'n', ENCRYPT_KEY, rawBody) },
		};
		const { result, response } = await feishuTrigger(docxAndFolder).webhook(request);
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response.statusCode).toBe(400);
	});

	it('answers a plain event whose event is nested 100,000 levels deep with 400 instead of throwing', async () => {
		const payload = driveEvent();
		const rawBody = JSON.stringify(payload).replace(/"event":\{.*\}\}$/, `"event":${deeplyNested()}}`);
		const { result, response } = await feishuTrigger(docxAndFolder, undefined, plainCredentials).webhook({ rawBody, body: JSON.parse(rawBody) });
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response.statusCode).toBe(400);
	});

	it('acknowledges a signed event whose event_type is {"toString":1,"valueOf":1} without throwing, and starts nothing', async () => {
		const payload = JSON.parse(JSON.stringify(driveEvent()).replace('"event_type":"drive.file.edit_v1"', '"event_type":{"toString":1,"valueOf":1}'));
		const { result, response } = await feishuTrigger(docxAndFolder).webhook(signedDelivery(payload));
		expect(response).toMatchObject({ statusCode: 200, body: { msg: 'success' } });
		expect(result).toEqual({ noWebhookResponse: true });
	});

	it('answers a body without raw bytes (multipart) with 4xx', async () => {
		const { result, response } = await feishuTrigger(docxAndFolder, undefined, plainCredentials).webhook({ body: { challenge: 'c', type: 'url_verification' }, rawBody: null });
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response.statusCode).toBe(401);
	});
});

describe('Feishu Trigger webhook: replay window', () => {
	const nowSeconds = () => Math.floor(Date.now() / 1000);
	const hoursAgo = (hours: number) => Date.now() - hours * 3_600_000;

	it.each([
		['fresh', () => String(nowSeconds())],
		['7 hours old: the 6 h retry carrying the first attempt\'s timestamp', () => String(Math.floor(hoursAgo(7) / 1000))],
		['23 hours old', () => String(Math.floor(hoursAgo(23) / 1000))],
		['4 minutes ahead', () => String(nowSeconds() + 240)],
	])('runs a correctly signed event whose timestamp is %s', async (_label, timestamp) => {
		const { result, response } = await feishuTrigger(docxAndFolder).webhook(signedDelivery(driveEvent(), ENCRYPT_KEY, timestamp()));
		expect(response.statusCode).toBe(200);
		expect(result.workflowData?.[0]).toHaveLength(1);
	});

	it('does not hold a signed event to its create_time (an ordered event may wait behind another)', async () => {
		const payload = driveEvent();
		payload.header.create_time = String(hoursAgo(48));
		const { result } = await feishuTrigger(docxAndFolder).webhook(signedDelivery(payload));
		expect(result.workflowData?.[0]).toHaveLength(1);
	});

	it.each([
		['25 hours old', () => String(Math.floor(hoursAgo(25) / 1000))],
		['from the year 2000', () => '946684800'],
		['6 minutes ahead', () => String(nowSeconds() + 360)],
		['in hexadecimal ("0x…" of the current second)', () => `0x${nowSeconds().toString(16)}`],
		['with a leading space', () => ` ${nowSeconds()}`],
		['with a trailing newline', () => `${nowSeconds()}\n`],
		['with a plus sign', () => `+${nowSeconds()}`],
		['in exponent notation', () => `${nowSeconds()}e0`],
		['with leading zeros', () => `00${nowSeconds()}`],
		['empty', () => ''],
	])('answers a correctly signed event whose timestamp is %s with 401 and starts nothing', async (_label, timestamp) => {
		const trigger = new NodeHarness({ ...feishuTriggerOptions(docxAndFolder), workflowId: `wf-replay-${Math.random()}` });
		const { result, response } = await trigger.webhook(signedDelivery(driveEvent(), ENCRYPT_KEY, timestamp()));
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response).toMatchObject({ statusCode: 401, body: 'Unauthorized' });
	});

	const plainCredentials = { ...tenantWithToken(), encryptSecret: '' };
	const plainEvent = (createTime: unknown) => {
		const payload = driveEvent();
		const { create_time: _replaced, ...header } = payload.header;
		return { body: { ...payload, header: createTime === undefined ? header : { ...header, create_time: createTime } } };
	};

	it.each([
		['7 hours old: the 6 h retry of an event', () => String(hoursAgo(7))],
		['23 hours old', () => String(hoursAgo(23))],
	])('without an Encrypt Key, runs an event whose create_time is %s', async (_label, createTime) => {
		const { result, response } = await feishuTrigger(docxAndFolder, undefined, plainCredentials).webhook(plainEvent(createTime()));
		expect(response.statusCode).toBe(200);
		expect(result.workflowData?.[0]).toHaveLength(1);
	});

	it.each([
		['25 hours old (a replay after the de-duplication log forgot it)', () => String(hoursAgo(25))],
		['from the year 2000', () => '946684800000'],
		['10 minutes ahead', () => String(Date.now() + 600_000)],
		['in hexadecimal', () => `0x${Date.now().toString(16)}`],
		['with a leading space', () => ` ${Date.now()}`],
		['a number with a fraction', () => Date.now() + 0.5],
		['missing', () => undefined],
		['null', () => null],
	])('without an Encrypt Key, answers an event whose create_time is %s with 401 and starts nothing', async (_label, createTime) => {
		const trigger = new NodeHarness({ ...feishuTriggerOptions(docxAndFolder, undefined, plainCredentials), workflowId: `wf-replay-${Math.random()}` });
		const { result, response } = await trigger.webhook(plainEvent(createTime()));
		expect(result).toEqual({ noWebhookResponse: true });
		expect(response).toMatchObject({ statusCode: 401, body: 'Unauthorized' });
	});

	it('exports the window it applies: a day back, five minutes ahead', () => {
		expect(REPLAY_WINDOW_MS).toBe(24 * 3_600_000);
		expect(CLOCK_SKEW_MS).toBe(5 * 60_000);
	});
});
