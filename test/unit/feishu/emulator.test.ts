/**
 * The Feishu node and trigger against the Feishu emulator (real HTTP on 127.0.0.1, the emulator's real
 * rate limits and token expiry), in-process: checks the emulator and the node agree on the protocol.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { retryPolicy } from '../../../nodes/shared/transport';
import { feishuNode, feishuTrigger, watching } from './fixtures';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startEmulator } = require('../../emulator/server');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createFeishuEmulator } = require('../../emulator/feishu');

type Json = Record<string, any>;

jest.setTimeout(60_000);

let emulator: any;
let credentials: Json;
const savedDelay = retryPolicy.maxDelayMs;

const control = async (route: string, body: Json = {}): Promise<Json> =>
	(await fetch(`${emulator.url}/_emulator/feishu/${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as Promise<Json>;
const state = async (): Promise<Json> => (await fetch(`${emulator.url}/_emulator/feishu/state`)).json() as Promise<Json>;

beforeAll(async () => {
	// Only the emulator on loopback; the shared nock setup allows everything again after the file.
	nock.enableNetConnect('127.0.0.1');
	// The emulator's reset header says "1 second"; the real wait is what keeps items within the limit.
	retryPolicy.maxDelayMs = 60_000;
	emulator = await startEmulator(createFeishuEmulator());
	credentials = {
		host: 'custom',
		baseUrl: emulator.url,
		authentication: 'tenantToken',
		appId: emulator.vendor.appId,
		appSecret: emulator.vendor.appSecret,
		verificationToken: emulator.vendor.verificationToken,
		encryptSecret: emulator.vendor.encryptKey,
	};
});

afterAll(async () => {
	retryPolicy.maxDelayMs = savedDelay;
	await emulator.close();
});

beforeEach(async () => {
	await control('reset');
});

const subscribeByItem = { resource: 'fileSubscription', operation: 'subscribe', file: '={{ { __rl: true, mode: "id", value: $json.token } }}', fileType: 'docx' };

it('subscribes 200 files within 50/s and 1000/min with no failed item', async () => {
	const tokens = Array.from({ length: 200 }, (_, i) => `doxcnEmulated${String(i).padStart(3, '0')}`);
	const harness = feishuNode(subscribeByItem, credentials as never);

	const items = await harness.execute(tokens.map((token) => ({ token })));

	expect(items.map((item) => item.json)).toEqual(tokens.map((fileToken) => ({ fileToken, fileType: 'docx', subscribed: true })));
	const after = await state();
	expect(after.subscriptions).toHaveLength(200);
	expect(after.rateLimited).toBeGreaterThan(0);
	expect(after.issuedTokens).toBe(1);
});

it('refreshes an expired tenant token once mid-run and loses no item', async () => {
	const harness = feishuNode(subscribeByItem, credentials as never);
	await harness.execute([{ token: 'doxcnWarmUp' }]);
	await control('expire-tokens');

	const tokens = Array.from({ length: 30 }, (_, i) => `doxcnAfterExpiry${i}`);
	const items = await harness.execute(tokens.map((token) => ({ token })));

	expect(items.every((item) => item.json.subscribed === true)).toBe(true);
	expect((await state()).issuedTokens).toBe(2);
});

/** A stand-in for n8n's webhook server: passes each push the emulator makes into the trigger's webhook(). */
async function webhookServer(harness: ReturnType<typeof feishuTrigger>) {
	const executions: Json[][] = [];
	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', async () => {
			const rawBody = Buffer.concat(chunks);
			let body: Json = {};
			try {
				body = JSON.parse(rawBody.toString());
			} catch {
				body = {};
			}
			const { result, response } = await harness.webhook({ rawBody, body, headers: req.headers as Record<string, string> });
			if (result.workflowData) executions.push(result.workflowData[0].map((item) => item.json));
			res.writeHead(response.statusCode, { 'content-type': 'application/json' });
			res.end(typeof response.body === 'string' ? response.body : JSON.stringify(response.body));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return { url: `http://127.0.0.1:${port}/webhook`, executions, close: () => new Promise((resolve) => server.close(resolve)) };
}

it('trigger: subscribes its files, answers the encrypted challenge, runs once per signed event, rejects tampering, unsubscribes only its files', async () => {
	const harness = feishuTrigger(
		watching([
			['doxcnWatched', 'docx'],
			['fldcnWatched', 'folder'],
		]),
		undefined,
		credentials as never,
	);
	await feishuNode({ ...subscribeByItem, file: { __rl: true, mode: 'id', value: 'doxcnOther' } }, credentials as never).execute();
	const receiver = await webhookServer(harness);
	await control('request-url', { url: receiver.url });

	try {
		await harness.activate();
		expect((await state()).subscriptions.map((s: Json) => [s.file_token, s.file_type, s.event_type ?? null])).toEqual([
			['doxcnOther', 'docx', null],
			['doxcnWatched', 'docx', null],
			['fldcnWatched', 'folder', 'file.created_in_folder_v1'],
		]);

		expect(await control('challenge')).toMatchObject({ answered: true, statusCode: 200 });
		expect(await control('challenge', { token: 'wrong' })).toMatchObject({ answered: false, statusCode: 401 });

		const fired = await control('fire', { file_token: 'doxcnWatched', file_type: 'docx', event_id: 'evt-emulated', repeat: 2 });
		expect(fired.delivered.map((d: Json) => d.statusCode)).toEqual([200, 200]);
		expect(receiver.executions).toHaveLength(1);
		expect(receiver.executions[0][0]).toMatchObject({ event_id: 'evt-emulated', event_type: 'drive.file.edit_v1', event: { file_token: 'doxcnWatched' } });

		const folderEvent = await control('fire', { event_type: 'drive.file.created_in_folder_v1', file_token: 'doxcnNew', folder_token: 'fldcnWatched' });
		expect(folderEvent.delivered[0].statusCode).toBe(200);
		expect(receiver.executions).toHaveLength(1); // only drive.file.edit_v1 was chosen

		for (const tamper of ['body', 'signature', 'timestamp', 'key']) {
			const { delivered } = await control('fire', { file_token: 'doxcnWatched', file_type: 'docx', tamper });
			expect([tamper, delivered[0].statusCode]).toEqual([tamper, 401]);
		}
		const wrongToken = await control('fire', { file_token: 'doxcnWatched', file_type: 'docx', token: 'wrong' });
		expect(wrongToken.delivered[0].statusCode).toBe(401);
		expect(receiver.executions).toHaveLength(1);

		await harness.hook('delete');
		expect((await state()).subscriptions.map((s: Json) => s.file_token)).toEqual(['doxcnOther']);
	} finally {
		await receiver.close();
	}
});
