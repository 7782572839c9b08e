/**
 * The Feishu slice in a real n8n: the pack installed as a community package, the credential pointing at
 * the Feishu emulator, workflows created and activated through n8n's public API.
 */
import { feishuEmulatorCredential } from '../../dev/emulator/credentials';
import { PACK_VENDORS, actionNode, vendorTriggerWorkflow } from '../../dev/n8n/pack-nodes';
import { cycleThroughFaults, whileActive, type FaultCycle } from './activation';
import { emulatorControl, startWithEmulator } from './suite';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { postJson, runWebhookNode, ACTIVATION_FAULT_TIMES } = require('../../dev/n8n/launcher');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createFeishuEmulator, encryptPayload, signPayload } = require('../../dev/emulator/feishu');

jest.setTimeout(180_000);

const WATCHED_DOC = 'doxcnE2eWatched000000000001';
const WATCHED_FOLDER = 'fldcnE2eWatched000000000001';
const OTHER_DOC = 'doxcnE2eOther0000000000001';
const TRIGGER_WEBHOOK_ID = '7d9e1c52-4b1a-4c55-9d0e-0000000fe501';

type Json = Record<string, any>;

let n8n: any;
let emulator: any;
let credential: { id: string; name: string };

const emulatorApi = emulatorControl('feishu', () => emulator);
const { control, emulatorState, emulatorRequests, clearRequests } = emulatorApi;

function triggerWorkflow(name: string) {
	return vendorTriggerWorkflow(PACK_VENDORS.feishu, name, {
		webhookId: TRIGGER_WEBHOOK_ID,
		parameters: {
			files: {
				file: [
					{ file: WATCHED_DOC, fileType: 'docx' },
					{ file: WATCHED_FOLDER, fileType: 'folder' },
				],
			},
			events: ['drive.file.edit_v1', 'drive.file.created_in_folder_v1'],
		},
		credential,
	});
}

/** Webhook → Split Out (one item per token) → Feishu node, answering with the Feishu node's items. */
function subscribeWorkflow(webhookId: string) {
	return {
		name: `Feishu subscribe ${webhookId}`,
		nodes: [
			runWebhookNode(webhookId),
			{
				id: 'e2e-split',
				name: 'Split',
				type: 'n8n-nodes-base.splitOut',
				typeVersion: 1,
				position: [200, 0],
				parameters: { fieldToSplitOut: 'body.tokens', options: { destinationFieldName: 'token' } },
			},
			{
				...actionNode(PACK_VENDORS.feishu, webhookId, {
					parameters: { resource: 'fileSubscription', operation: 'subscribe', file: { __rl: true, mode: 'id', value: '={{ $json.token }}' }, fileType: 'docx' },
					credential,
				}),
				position: [400, 0],
			},
		],
		connections: {
			Run: { main: [[{ node: 'Split', type: 'main', index: 0 }]] },
			Split: { main: [[{ node: 'Feishu', type: 'main', index: 0 }]] },
		},
	};
}

async function subscribeFiles(webhookId: string, tokens: string[]) {
	const created = await n8n.createWorkflow(subscribeWorkflow(webhookId));
	expect((await n8n.activate(created.id)).status).toBe(200);
	const response = await postJson(`${n8n.baseUrl}/webhook/${webhookId}`, { tokens });
	const [execution] = await n8n.waitForExecutions(created.id, 1, 60_000);
	await n8n.deactivate(created.id);
	return { response, execution };
}

beforeAll(async () => {
	({ emulator, n8n, credential } = await startWithEmulator(createFeishuEmulator(), feishuEmulatorCredential));
});

afterAll(async () => {
	await n8n?.stop();
	await emulator?.close();
});

describe('Feishu credential in a real n8n', () => {
	const testCredential = async (id: string, name: string, data: Json) =>
		(await n8n.rest('POST', 'credentials/test', { credentials: { id, name, type: 'feishuApi', data } })).data;
	// n8n saves what a credential test sends (with the fetched token), so it gets the complete data.
	const emulatorApp = () => feishuEmulatorCredential(emulator).data;

	it('passes the credential test for the app and fails it for a wrong App Secret', async () => {
		expect(await testCredential(credential.id, credential.name, emulatorApp())).toMatchObject({ status: 'OK' });

		const wrong = await n8n.createCredential('Feishu (wrong secret)', 'feishuApi', { ...emulatorApp(), appSecret: 'not-the-secret' });
		const result = await testCredential(wrong.id, 'Feishu (wrong secret)', { ...emulatorApp(), appSecret: 'not-the-secret' });
		expect(result.status).toBe('Error');
		expect(result.message).toContain('10014');
	});

	it('passes the credential test for a user token and fails it for an unknown one', async () => {
		const data = { host: 'custom', baseUrl: emulator.url, authentication: 'userToken', userAccessToken: emulator.vendor.userAccessToken };
		const userCredential = await n8n.createCredential('Feishu (user)', 'feishuApi', data);
		expect(await testCredential(userCredential.id, 'Feishu (user)', data)).toMatchObject({ status: 'OK' });
		const unknown = { ...data, userAccessToken: 'u-unknown' };
		expect((await testCredential(userCredential.id, 'Feishu (user)', unknown)).status).toBe('Error');
	});
});

describe('Feishu node in a real n8n', () => {
	it('subscribes 200 files within the real limits (50/s, 1000/min) with 0 failed items', async () => {
		const tokens = Array.from({ length: 200 }, (_, i) => `doxcnE2eBulk${String(i).padStart(3, '0')}`);
		const { response, execution } = await subscribeFiles('feishu-bulk', tokens);

		expect(execution.status).toBe('success');
		expect(response.status).toBe(200);
		expect(response.body).toHaveLength(200);
		expect(response.body).toEqual(tokens.map((fileToken) => ({ fileToken, fileType: 'docx', subscribed: true })));
		const state = await emulatorState();
		expect(state.subscriptions.map((s: Json) => s.file_token).sort()).toEqual([...tokens].sort());
		expect(state.rateLimited).toBeGreaterThan(0);
	});

	it('refreshes an expired tenant token once mid-run and no item fails', async () => {
		await clearRequests();
		await control('expire-tokens');
		const tokens = [OTHER_DOC, ...Array.from({ length: 29 }, (_, i) => `doxcnE2eExpiry${i}`)];

		const { response, execution } = await subscribeFiles('feishu-expiry', tokens);

		expect(execution.status).toBe('success');
		expect(response.body.every((item: Json) => item.subscribed === true)).toBe(true);
		const requests = await emulatorRequests();
		const tokenRequests = requests.filter((r) => r.path === '/open-apis/auth/v3/tenant_access_token/internal');
		expect(tokenRequests).toHaveLength(1);
		expect(requests.filter((r) => r.path.endsWith('/subscribe') && r.method === 'POST').length).toBeGreaterThanOrEqual(30);
	});
});

describe('Feishu Trigger in a real n8n', () => {
	let workflowId: string;

	beforeAll(async () => {
		await control('reset-limits');
		await control('request-url', { url: n8n.webhookUrl(TRIGGER_WEBHOOK_ID) });
	});

	it('subscribes its files at the emulator on activation', async () => {
		await clearRequests();
		const workflow = await n8n.createWorkflow(triggerWorkflow('Feishu trigger e2e'));
		workflowId = workflow.id;
		expect((await n8n.activate(workflowId)).status).toBe(200);

		const subscribes = (await emulatorRequests()).filter((r) => r.method === 'POST' && r.path.endsWith('/subscribe'));
		expect(subscribes.map((r) => [r.path, r.query])).toEqual([
			[`/open-apis/drive/v1/files/${WATCHED_DOC}/subscribe`, { file_type: 'docx' }],
			[`/open-apis/drive/v1/files/${WATCHED_FOLDER}/subscribe`, { file_type: 'folder', event_type: 'file.created_in_folder_v1' }],
		]);
		const stored = await n8n.getWorkflow(workflowId);
		expect(stored.staticData['node:Feishu Trigger'].subscribedFiles).toEqual([
			{ fileToken: WATCHED_DOC, fileType: 'docx' },
			{ fileToken: WATCHED_FOLDER, fileType: 'folder' },
		]);
	});

	it('answers the encrypted challenge with plain JSON and starts nothing', async () => {
		expect(await control('challenge')).toMatchObject({ answered: true, statusCode: 200 });
		expect(await control('challenge', { token: 'not-the-verification-token' })).toMatchObject({ answered: false, statusCode: 401 });
		expect(await n8n.executionsAfterQuiet(workflowId)).toHaveLength(0);
	});

	it('turns an encrypted, signed drive.file.edit_v1 into one execution', async () => {
		const { delivered } = await control('fire', { file_token: WATCHED_DOC, file_type: 'docx', event_id: 'evt-e2e-edit' });
		expect(delivered).toHaveLength(1);
		expect(delivered[0].statusCode).toBe(200);
		expect(delivered[0].headers['x-lark-signature']).toMatch(/^[0-9a-f]{64}$/);
		expect(JSON.parse(delivered[0].response)).toEqual({ msg: 'success' });

		const [execution] = await n8n.waitForExecutions(workflowId, 1);
		expect(execution.status).toBe('success');
		const items = execution.data.resultData.runData['Feishu Trigger'][0].data.main[0].map((item: Json) => item.json);
		const sent = delivered[0].payload;
		expect(items).toEqual([
			{
				schema: '2.0',
				event_id: 'evt-e2e-edit',
				event_type: 'drive.file.edit_v1',
				create_time: sent.header.create_time,
				app_id: emulator.vendor.appId,
				tenant_key: sent.header.tenant_key,
				event: sent.event,
			},
		]);
	});

	it('starts one execution for the same event delivered twice', async () => {
		const { delivered } = await control('fire', { file_token: WATCHED_DOC, file_type: 'docx', event_id: 'evt-e2e-twice', repeat: 2 });
		expect(delivered.map((d: Json) => d.statusCode)).toEqual([200, 200]);
		await n8n.waitForExecutions(workflowId, 2);
		expect(await n8n.executionsAfterQuiet(workflowId)).toHaveLength(2);
	});

	it('answers a tampered body, wrong signature, stale timestamp or wrong token with 401 and starts nothing', async () => {
		for (const spoiled of [{ tamper: 'body' }, { tamper: 'signature' }, { tamper: 'timestamp' }, { tamper: 'key' }, { token: 'wrong-token' }]) {
			const { delivered } = await control('fire', { file_token: WATCHED_DOC, file_type: 'docx', ...spoiled });
			expect([spoiled, delivered[0].statusCode]).toEqual([spoiled, 401]);
		}
		expect(await n8n.executionsAfterQuiet(workflowId)).toHaveLength(2);
	});

	it('passes on files created in the watched folder', async () => {
		const { delivered } = await control('fire', {
			event_type: 'drive.file.created_in_folder_v1',
			file_token: 'doxcnE2eCreated',
			folder_token: WATCHED_FOLDER,
		});
		expect(delivered[0].statusCode).toBe(200);
		const executions = await n8n.waitForExecutions(workflowId, 3);
		const item = executions[2].data.resultData.runData['Feishu Trigger'][0].data.main[0][0].json;
		expect(item).toMatchObject({ event_type: 'drive.file.created_in_folder_v1', event: { folder_token: WATCHED_FOLDER, file_token: 'doxcnE2eCreated' } });
	});

	it('unsubscribes exactly its own files on deactivation', async () => {
		await clearRequests();
		expect((await n8n.deactivate(workflowId)).status).toBe(200);

		const deletes = (await emulatorRequests()).filter((r) => r.method === 'DELETE');
		expect(deletes.map((r) => [r.path, r.query])).toEqual([
			[`/open-apis/drive/v1/files/${WATCHED_DOC}/delete_subscribe`, { file_type: 'docx' }],
			[`/open-apis/drive/v1/files/${WATCHED_FOLDER}/delete_subscribe`, { file_type: 'folder', event_type: 'file.created_in_folder_v1' }],
		]);
		const remaining = (await emulatorState()).subscriptions.map((s: Json) => s.file_token);
		expect(remaining).toContain(OTHER_DOC);
		expect(remaining).not.toContain(WATCHED_DOC);
		expect(remaining).not.toContain(WATCHED_FOLDER);
		const { skipped } = await control('fire', { file_token: WATCHED_DOC, file_type: 'docx' });
		expect(skipped).toBe('not subscribed');
	});
});

describe('Feishu Trigger reliability in a real n8n', () => {
	const ourFiles = async () =>
		(await emulatorState()).subscriptions.filter((s: Json) => s.file_token === WATCHED_DOC || s.file_token === WATCHED_FOLDER);

	beforeAll(async () => {
		await control('request-url', { url: n8n.webhookUrl(TRIGGER_WEBHOOK_ID) });
	});

	// Every cycle starts with fresh rate-limit windows: unsubscribe allows 10 calls a minute, and the
	// limits themselves are covered by the node tests above; here only the injected faults should bite.
	beforeEach(async () => {
		await control('reset-limits');
	});

	it('rejects a batch of forged callbacks with 4xx: no execution, no call to Feishu; a genuine event still runs', async () => {
		const workflow = await n8n.createWorkflow(triggerWorkflow('Feishu forgeries e2e'));
		await whileActive(n8n, workflow.id, async () => {
			const key = emulator.vendor.encryptKey;
			let sequence = 0;
			/** A drive.file.edit_v1 of the watched document: were any check to let it through, it would run the workflow. */
			const event = (header: Json = {}) => ({
				schema: '2.0',
				header: {
					event_id: `evt-e2e-forged-${++sequence}`,
					event_type: 'drive.file.edit_v1',
					create_time: String(Date.now()),
					token: emulator.vendor.verificationToken,
					app_id: emulator.vendor.appId,
					tenant_key: 'emulator-tenant',
					...header,
				},
				event: { file_token: WATCHED_DOC, file_type: 'docx', operator_id_list: [], subscriber_id_list: [] },
			});
			const encrypted = (payload: unknown, withKey = key) => JSON.stringify({ encrypt: encryptPayload(withKey, JSON.stringify(payload)) });
			const now = () => String(Math.floor(Date.now() / 1000));
			const signed = (rawBody: string, { timestamp = now(), nonce = 'e2enonce', signKey = key } = {}) => ({
				rawBody,
				headers: {
					'x-lark-request-timestamp': timestamp,
					'x-lark-request-nonce': nonce,
					'x-lark-signature': signPayload(timestamp, nonce, signKey, Buffer.from(rawBody)) as string,
				} as Record<string, string>,
			});
			const genuine = (payload: unknown = event()) => signed(encrypted(payload));
			const withHeaders = (change: (headers: Record<string, string>) => Record<string, string>) => {
				const request = genuine();
				return { ...request, headers: change({ ...request.headers }) };
			};
			const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === '0' ? '1' : '0') + text.slice(at + 1);
			const changedAfterSigning = () => {
				const request = genuine();
				const at = Math.floor(request.rawBody.length / 2);
				return { ...request, rawBody: request.rawBody.slice(0, at) + (request.rawBody[at] === 'A' ? 'B' : 'A') + request.rawBody.slice(at + 1) };
			};
			const truncatedCiphertext = () => {
				const bytes = Buffer.from(encryptPayload(key, JSON.stringify(event())), 'base64');
				return signed(JSON.stringify({ encrypt: bytes.subarray(0, bytes.length - 16).toString('base64') }));
			};
			const forgeries: Array<[string, { rawBody: string; headers: Record<string, string> }]> = [
				...[0, 31, 63].map((at): [string, ReturnType<typeof genuine>] => [`signature digit ${at} changed`, withHeaders((h) => ({ ...h, 'x-lark-signature': flip(h['x-lark-signature'], at) }))]),
				['signature truncated', withHeaders((h) => ({ ...h, 'x-lark-signature': h['x-lark-signature'].slice(0, -1) }))],
				['signature empty', withHeaders((h) => ({ ...h, 'x-lark-signature': '' }))],
				['signature and its headers missing', { rawBody: encrypted(event()), headers: {} }],
				['signed with another Encrypt Key', signed(encrypted(event()), { signKey: `${key}-wrong` })],
				['signed 25 hours ago', signed(encrypted(event()), { timestamp: String(Math.floor(Date.now() / 1000) - 25 * 3600) })],
				['timestamp changed after signing', withHeaders((h) => ({ ...h, 'x-lark-request-timestamp': String(Number(h['x-lark-request-timestamp']) - 1) }))],
				['nonce changed after signing', withHeaders((h) => ({ ...h, 'x-lark-request-nonce': 'othernonce' }))],
				['body changed after signing', changedAfterSigning()],
				['encrypt missing, signed', signed('{}')],
				['encrypted with another key, signed', signed(encrypted(event(), `${key}-other`))],
				['ciphertext cut by one block, signed', truncatedCiphertext()],
				['wrong verification token, encrypted and signed', genuine(event({ token: 'not-the-verification-token' }))],
				['verification token missing, encrypted and signed', genuine(event({ token: undefined }))],
				['plain event although an Encrypt Key is set, signed', signed(JSON.stringify(event()))],
				['challenge with a wrong token', { rawBody: encrypted({ challenge: 'c', token: 'not-the-verification-token', type: 'url_verification' }), headers: {} }],
				['body that is a JSON array, signed', signed(JSON.stringify([JSON.parse(encrypted(event()))]))],
				// n8n's own body parser answers this with 422 before the trigger runs.
				['body that is not JSON', { rawBody: 'not json', headers: {} }],
			];

			await clearRequests();
			const statuses: Array<[string, number]> = [];
			for (const [label, request] of forgeries) {
				statuses.push([label, (await postJson(n8n.webhookUrl(TRIGGER_WEBHOOK_ID), request.rawBody, request.headers)).status]);
			}

			expect(forgeries.length).toBeGreaterThanOrEqual(15);
			expect(statuses.filter(([, status]) => status < 400 || status >= 500)).toEqual([]);
			expect(await n8n.executionsAfterQuiet(workflow.id)).toEqual([]);
			expect(await emulatorRequests()).toEqual([]);
			// The same URL and keys do accept a genuine event, so the 4xx above are the trigger's verdict.
			const { rawBody, headers } = genuine();
			expect((await postJson(n8n.webhookUrl(TRIGGER_WEBHOOK_ID), rawBody, headers)).status).toBe(200);
			expect(await n8n.waitForExecutions(workflow.id, 1)).toHaveLength(1);
			expect(await emulatorRequests()).toEqual([]);
		});
		expect(await ourFiles()).toEqual([]);
	});

	it('leaves none of its files subscribed after activate/deactivate cycles with injected faults', async () => {
		const workflow = await n8n.createWorkflow(triggerWorkflow('Feishu faults e2e'));
		// What the trigger subscribed lives in static data (status calls are limited to 10 a minute), so an
		// active workflow makes no get_subscribe call and there is no "status" fault to inject.
		const cycles: FaultCycle[] = [
			// The document is subscribed first; the folder then fails for the whole cycle (subscribing is
			// retried by the node, and by newer n8n), so the activation fails and must take the document's
			// subscription back.
			{ fault: { method: 'POST', pathIncludes: `/${WATCHED_FOLDER}/subscribe`, status: 500, times: ACTIVATION_FAULT_TIMES } },
			{ fault: { method: 'POST', pathIncludes: `/${WATCHED_DOC}/subscribe`, dropAfter: true } },
			{ fault: { method: 'DELETE', pathIncludes: '/delete_subscribe', status: 500, times: 5 } },
			{ fault: { method: 'DELETE', pathIncludes: '/delete_subscribe', drop: true, times: 5 } },
			{ fault: { method: 'DELETE', pathIncludes: '/delete_subscribe', dropAfter: true } },
			{ forget: true },
		];
		const leftAfterFailedActivation: Json[] = [];
		const { failedCycles, activationErrors } = await cycleThroughFaults(n8n, workflow.id, emulatorApi, {
			cycles,
			forget: async () => {
				for (const file_token of [WATCHED_DOC, WATCHED_FOLDER]) await control('forget', { file_token });
			},
			beforeActivation: () => control('reset-limits'),
			afterActivation: async (activated) => {
				if (!activated) leftAfterFailedActivation.push(...(await ourFiles()));
			},
			whileFinallyActive: async () => expect((await ourFiles()).map((s: Json) => s.file_token).sort()).toEqual([WATCHED_DOC, WATCHED_FOLDER].sort()),
		});

		expect(failedCycles).toEqual([0]);
		for (const message of activationErrors) expect(message).toMatch(/^Feishu (answered with a server error|could not be reached)/);
		expect(leftAfterFailedActivation).toEqual([]);
		expect(await ourFiles()).toEqual([]);
	});
});

// A module, so that its helpers do not clash with the other E2E files under tsc.
export {};
