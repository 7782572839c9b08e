/** Feishu callback benchmark case: signature over the raw body, AES-256-CBC decryption, token check, de-duplication. */
import crypto from 'node:crypto';
import path from 'node:path';
import type { ICredentialDataDecryptedObject, IExecuteFunctions, IHttpRequestOptions, INodeExecutionData } from 'n8n-workflow';
import type { FeishuApi as FeishuApiType } from '../../credentials/FeishuApi.credentials';
import type { Feishu as FeishuType } from '../../nodes/Feishu/Feishu.node';
import type { FeishuTrigger as FeishuTriggerType } from '../../nodes/Feishu/FeishuTrigger.node';
import { createFeishuEmulator, encryptPayload, signPayload, type FeishuEmulator } from '../emulator/feishu';
import { startEmulator, type RunningEmulator } from '../emulator/server';
import { fromDist, type Bench } from './context';

const dist = path.join(__dirname, '..', '..', 'dist', 'nodes', 'Feishu');
const credentialsDist = path.join(__dirname, '..', '..', 'dist', 'credentials', 'FeishuApi.credentials.js');
/** Added to every emulator answer, standing in for the round trip to open.feishu.cn. */
const LATENCY_MS = 50;
const BULK_ITEMS = 1000;
const SEQUENTIAL_ITEMS = 50;
const ENCRYPT_KEY = 'bench-encrypt-key';
const VERIFICATION_TOKEN = 'bench-verification-token';
const FILE = 'doxcnBench000000000000001';
// Encrypting is the sender's work, so deliveries are prepared before measuring; beyond the pool they repeat
// (and are then suppressed as duplicates after full verification).
const POOL = 20_000;

function prepareDeliveries() {
	const timestamp = String(Math.floor(Date.now() / 1000));
	return Array.from({ length: POOL }, (_, i) => {
		const payload = {
			schema: '2.0',
			header: { event_id: `evt-bench-${i}`, event_type: 'drive.file.edit_v1', create_time: '1763700000000', token: VERIFICATION_TOKEN, app_id: 'cli_bench', tenant_key: 't' },
			event: { file_type: 'docx', file_token: FILE, operator_id_list: [{ open_id: 'ou_1' }], subscriber_id_list: [] },
		};
		const rawBody = Buffer.from(JSON.stringify({ encrypt: encryptPayload(ENCRYPT_KEY, JSON.stringify(payload)) }));
		const nonce = `nonce-${i}`;
		return { rawBody, body: JSON.parse(rawBody.toString()) as { encrypt: string }, timestamp, nonce, signature: signPayload(timestamp, nonce, ENCRYPT_KEY, rawBody) };
	});
}

/** Sends one request the way n8n's helpers do for this pack (JSON, query string, full response, no throw on 4xx/5xx). */
/** The request options the pack's transport passes to n8n's helpers. */
type RequestOptions = Pick<IHttpRequestOptions, 'url' | 'method' | 'headers' | 'body' | 'returnFullResponse'> & { qs?: Record<string, unknown> };

async function sendRequest(options: RequestOptions) {
	const url = new URL(options.url);
	for (const [key, value] of Object.entries(options.qs || {})) url.searchParams.set(key, String(value));
	const response = await fetch(url, {
		method: options.method || 'GET',
		headers: { ...(options.body ? { 'content-type': 'application/json' } : {}), ...((options.headers || {}) as Record<string, string>) },
		body: options.body ? JSON.stringify(options.body) : undefined,
	});
	const text = await response.text();
	const body = text ? JSON.parse(text) : {};
	if (!options.returnFullResponse) return body;
	return { statusCode: response.status, headers: Object.fromEntries(response.headers), body };
}

/**
 * Just enough of IExecuteFunctions to run the Feishu node's execute() over items: credentials with
 * n8n's preAuthentication/authenticate order, and each item's file token read from its JSON.
 */
function executeContext({
	FeishuApi,
	items,
	operation,
	credentials,
}: {
	FeishuApi: typeof FeishuApiType;
	items: { token: string }[];
	operation: string;
	credentials: ICredentialDataDecryptedObject;
}): IExecuteFunctions {
	const credentialType = new FeishuApi();
	const stored: ICredentialDataDecryptedObject = { sessionToken: '', sessionExpiresAt: 0, ...credentials };
	const helpers = { httpRequest: sendRequest };
	const context = {
		getInputData: () => items.map((json) => ({ json })),
		getNodeParameter: (name: string, itemIndex: number) =>
			({ operation, resource: 'fileSubscription', fileType: 'docx', file: items[itemIndex]?.token })[name],
		continueOnFail: () => false,
		getNode: () => ({ name: 'Feishu', type: 'bench', typeVersion: 1, parameters: {} }),
		getCredentials: async () => ({ ...stored }),
		logger: { debug() {}, info() {}, warn() {}, error() {} },
		helpers: {
			...helpers,
			async httpRequestWithAuthentication(
				_type: string,
				options: IHttpRequestOptions,
				additional?: { credentialsDecrypted?: { data?: ICredentialDataDecryptedObject } },
			) {
				const used = additional?.credentialsDecrypted?.data ?? { ...stored };
				if (used.sessionToken === '') Object.assign(stored, await credentialType.preAuthentication.call({ helpers } as never, used));
				return await sendRequest(await credentialType.authenticate({ ...used, ...stored }, options));
			},
		},
	};
	return context as unknown as IExecuteFunctions;
}

async function bulkRun(emulator: RunningEmulator<FeishuEmulator>, count: number) {
	const { Feishu } = await fromDist<{ Feishu: typeof FeishuType }>(path.join(dist, 'Feishu.node.js'));
	const { FeishuApi } = await fromDist<{ FeishuApi: typeof FeishuApiType }>(credentialsDist);
	const items = Array.from({ length: count }, (_, i) => ({ token: `doxcnBulk${i}` }));
	const context = executeContext({
		FeishuApi,
		items,
		operation: 'subscribe',
		credentials: { host: 'custom', baseUrl: emulator.url, authentication: 'tenantToken', appId: emulator.vendor.appId, appSecret: emulator.vendor.appSecret },
	});
	const start = performance.now();
	const [output] = await new Feishu().execute.call(context);
	const seconds = (performance.now() - start) / 1000;
	const failed = count - output.filter((item: INodeExecutionData) => item.json.subscribed === true).length;
	return { rate: count / seconds, failed };
}

/** The plain loop a builder would otherwise write: one subscribe call after another, same token, same emulator. */
async function sequentialRun(emulator: RunningEmulator<FeishuEmulator>, count: number) {
	const { tenant_access_token: token } = await sendRequest({
		method: 'POST',
		url: `${emulator.url}/open-apis/auth/v3/tenant_access_token/internal`,
		body: { app_id: emulator.vendor.appId, app_secret: emulator.vendor.appSecret },
	});
	const start = performance.now();
	for (let i = 0; i < count; i++) {
		const answer = await sendRequest({
			method: 'POST',
			url: `${emulator.url}/open-apis/drive/v1/files/doxcnLoop${i}/subscribe`,
			qs: { file_type: 'docx' },
			headers: { Authorization: `Bearer ${token}` },
		});
		if (answer.code !== 0) throw new Error(`sequential loop failed: ${JSON.stringify(answer)}`);
	}
	return count / ((performance.now() - start) / 1000);
}

export const feishuBench: Bench = {
	name: 'Feishu',
	async bulkCase() {
		const emulator = await startEmulator(createFeishuEmulator({ latencyMs: LATENCY_MS }));
		try {
			const { rate: node, failed } = await bulkRun(emulator, BULK_ITEMS);
			// A fresh per-second window, so that the loop does not pay for the bulk run's last second.
			await fetch(`${emulator.url}/_emulator/feishu/reset-limits`, { method: 'POST' });
			const sequential = await sequentialRun(emulator, SEQUENTIAL_ITEMS);
			const limit = emulator.vendor.state.windows.subscribeSecond.limit;
			return [
				[`Bulk subscribe: Feishu, ${BULK_ITEMS} files, ${LATENCY_MS} ms latency`, `${node.toFixed(1)}/s`, `${limit}/s vendor limit`, (node / limit).toFixed(2), '≥ 0.90'],
				['Bulk subscribe: Feishu against a one-at-a-time loop', `${node.toFixed(1)}/s`, `${sequential.toFixed(1)}/s loop`, (node / sequential).toFixed(1), '—'],
				['Bulk subscribe: Feishu failed items', String(failed), `of ${BULK_ITEMS}`, '—', '0'],
			];
		} finally {
			await emulator.close();
		}
	},
	async callbackCase() {
		const { FeishuTrigger } = await fromDist<{ FeishuTrigger: typeof FeishuTriggerType }>(path.join(dist, 'FeishuTrigger.node.js'));
		const deliveries = prepareDeliveries();
		const at = (i: number) => deliveries[i % POOL];
		const digest = (value: string) => crypto.createHash('sha256').update(value).digest();
		return {
			trigger: new FeishuTrigger(),
			contextFor: (i) => {
				const delivery = at(i);
				return {
					parameters: { events: ['drive.file.edit_v1'], files: { file: [{ file: FILE, fileType: 'docx' }] } },
					credentials: { verificationToken: VERIFICATION_TOKEN, encryptSecret: ENCRYPT_KEY },
					request: {
						body: delivery.body,
						rawBody: delivery.rawBody,
						headers: {
							'x-lark-request-timestamp': delivery.timestamp,
							'x-lark-request-nonce': delivery.nonce,
							'x-lark-signature': delivery.signature,
						},
					},
				};
			},
			// The same node:crypto work on the same bytes: the signature hash, its constant-time comparison,
			// key derivation and AES-256-CBC decryption, and the constant-time token comparison.
			ceiling: (i) => {
				const delivery = at(i);
				const expected = crypto.createHash('sha256').update(delivery.timestamp + delivery.nonce + ENCRYPT_KEY).update(delivery.rawBody).digest('hex');
				crypto.timingSafeEqual(digest(expected), digest(delivery.signature));
				const raw = Buffer.from(delivery.body.encrypt, 'base64');
				const decipher = crypto.createDecipheriv('aes-256-cbc', digest(ENCRYPT_KEY), raw.subarray(0, 16));
				Buffer.concat([decipher.update(raw.subarray(16)), decipher.final()]);
				crypto.timingSafeEqual(digest(VERIFICATION_TOKEN), digest(VERIFICATION_TOKEN));
			},
			accepted: (_result, response) => response.statusCode === 200,
		};
	},
};
