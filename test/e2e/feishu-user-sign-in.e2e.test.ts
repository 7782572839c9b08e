/**
 * Feishu user identity in a real n8n: the OAuth2 credential signs in through n8n's own OAuth2 routes
 * against the emulator's authorize page and token endpoint (no browser: the emulator consents at once),
 * then the Feishu node and the Feishu Trigger act as that user, and the user_access_token is renewed
 * with the rotating refresh token when Feishu reports it expired (and, where n8n records the expiry,
 * shortly before).
 */
import { feishuSignInEmulatorCredential } from '../../dev/emulator/credentials';
import { PACK_VENDORS, triggerNode, vendorActionWorkflow, type PackVendor } from '../../dev/n8n/pack-nodes';
import { layout, targetVersion } from '../../dev/n8n/install';
import { emulatorControl, startWithEmulator } from './suite';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createFeishuEmulator } = require('../../dev/emulator/feishu');

jest.setTimeout(180_000);

type Json = Record<string, any>;

const AUTHORIZE_PATH = '/open-apis/authen/v1/authorize';
const TOKEN_PATH = '/open-apis/authen/v2/oauth/token';
const TRIGGER_WEBHOOK_ID = '7d9e1c52-4b1a-4c55-9d0e-0000000fe5a1';
const TRIGGER_DOC = 'doxcnE2eSignInTrigger00001';
const LONG_CONNECTION_DOC = 'doxcnE2eSignInLongConn0001';
// The long connection needs Node's global WebSocket (Node 22+); n8n 2.8.4 is tested on Node 20.
const HAS_WEBSOCKET = Number(layout(targetVersion()).nodeVersion.split('.')[0]) >= 22;

/** The Feishu nodes set to act as the signed-in user. */
const FEISHU_USER: PackVendor = { ...PACK_VENDORS.feishu, credentialType: 'feishuOAuth2Api' };
const AS_USER = { authentication: 'userSignIn' };

let n8n: any;
let emulator: any;
let credential: { id: string; name: string };

const { control, emulatorState, emulatorRequests, clearRequests } = emulatorControl('feishu', () => emulator);

const cookiesOf = (response: Response) => response.headers.getSetCookie().map((cookie) => cookie.split(';')[0]);

/**
 * What the editor's "Connect my account" does: n8n hands out the authorize URL (for the owner's session),
 * the browser follows it, and Feishu redirects back to n8n's callback, which exchanges the code.
 */
async function signIn(credentialId: string): Promise<string> {
	const auth = await fetch(`${n8n.baseUrl}/rest/oauth2-credential/auth?id=${credentialId}`, {
		headers: { cookie: n8n.cookie, 'browser-id': 'e2e' },
	});
	expect(auth.status).toBe(200);
	const authorizeUrl = ((await auth.json()) as { data: string }).data;
	// n8n 2.x may bind the flow to the browser with a cookie of its own; a browser would send it back.
	const cookie = [n8n.cookie, ...cookiesOf(auth)].join('; ');
	const consent = await fetch(authorizeUrl, { redirect: 'manual' });
	expect(consent.status).toBe(302);
	const callback = await fetch(String(consent.headers.get('location')), { headers: { cookie, 'browser-id': 'e2e' } });
	const page = await callback.text();
	expect(callback.status).toBe(200);
	return page;
}

const grants = async (): Promise<Json[]> => (await emulatorState()).userTokenGrants;

/** Runs the Feishu node once, as the user, subscribing one file; returns the execution and the node's items. */
async function subscribeAsUser(fileToken: string) {
	const webhookId = `feishu-sign-in-${fileToken}`;
	const { response, execution } = await n8n.runActionWorkflow(
		vendorActionWorkflow(FEISHU_USER, webhookId, {
			parameters: { ...AS_USER, resource: 'fileSubscription', operation: 'subscribe', file: { __rl: true, mode: 'id', value: fileToken }, fileType: 'docx' },
			credential,
		}),
	);
	return { response, execution };
}

const driveCalls = async (fileToken: string) =>
	(await emulatorRequests()).filter((r: Json) => r.path === `/open-apis/drive/v1/files/${fileToken}/subscribe`);

beforeAll(async () => {
	({ emulator, n8n, credential } = await startWithEmulator(createFeishuEmulator(), feishuSignInEmulatorCredential));
});

afterAll(async () => {
	await n8n?.stop();
	await emulator?.close();
});

describe('Feishu user sign-in in a real n8n', () => {
	it('signs in through n8n\'s OAuth2 callback: authorize with offline_access, code exchanged with client id and secret in the body', async () => {
		await clearRequests();
		const page = await signIn(credential.id);
		expect(page).not.toMatch(/error/i);

		const requests = await emulatorRequests();
		const [authorize] = requests.filter((r: Json) => r.path === AUTHORIZE_PATH);
		expect(authorize.method).toBe('GET');
		expect(authorize.query).toMatchObject({
			client_id: emulator.vendor.appId,
			redirect_uri: `${n8n.baseUrl}/rest/oauth2-credential/callback`,
			response_type: 'code',
			scope: 'offline_access docs:event:subscribe',
		});
		expect(authorize.query.state).toEqual(expect.any(String));

		const [exchange] = requests.filter((r: Json) => r.path === TOKEN_PATH);
		expect(exchange.method).toBe('POST');
		expect(exchange.headers.authorization).toBeUndefined();
		const form = Object.fromEntries(new URLSearchParams(exchange.body));
		expect(form).toMatchObject({
			grant_type: 'authorization_code',
			client_id: emulator.vendor.appId,
			client_secret: emulator.vendor.appSecret,
			redirect_uri: `${n8n.baseUrl}/rest/oauth2-credential/callback`,
		});
		const [grant] = await grants();
		expect(grant).toMatchObject({ grantType: 'authorization_code', encoding: 'form', issuedRefreshToken: expect.stringMatching(/^ur-/) });
		expect(grant.error).toBeUndefined();
	});

	it('subscribes a file as the user with the signed-in user_access_token', async () => {
		await clearRequests();
		const { response, execution } = await subscribeAsUser('doxcnE2eSignIn00000000001');

		expect(execution.status).toBe('success');
		expect(response.body).toEqual([{ fileToken: 'doxcnE2eSignIn00000000001', fileType: 'docx', subscribed: true }]);
		const [firstGrant] = await grants();
		const calls = await driveCalls('doxcnE2eSignIn00000000001');
		expect(calls.map((r: Json) => [r.method, r.query, r.headers.authorization])).toEqual([
			['POST', { file_type: 'docx' }, `Bearer ${firstGrant.accessToken}`],
		]);
		const subscription = (await emulatorState()).subscriptions.find((s: Json) => s.file_token === 'doxcnE2eSignIn00000000001');
		expect(subscription.identity).toBe('user');
	});

	it('renews an expired user token with the refresh token, twice in a row (the second with the rotated one)', async () => {
		for (const fileToken of ['doxcnE2eSignIn00000000002', 'doxcnE2eSignIn00000000003']) {
			const before = await grants();
			const expiredToken = before[before.length - 1].accessToken;
			await clearRequests();
			await control('user-tokens', { expire: true });

			const { response, execution } = await subscribeAsUser(fileToken);

			expect(execution.status).toBe('success');
			expect(response.body).toEqual([{ fileToken, fileType: 'docx', subscribed: true }]);
			const after = await grants();
			expect(after).toHaveLength(before.length + 1);
			const renewal = after[after.length - 1];
			// Each refresh presents the refresh token the previous grant issued: n8n stored the rotated one.
			expect(renewal).toMatchObject({ grantType: 'refresh_token', refreshToken: before[before.length - 1].issuedRefreshToken });
			expect(renewal.error).toBeUndefined();
			const calls = await driveCalls(fileToken);
			expect(calls.map((r: Json) => r.headers.authorization)).toEqual([`Bearer ${expiredToken}`, `Bearer ${renewal.accessToken}`]);
		}
	});

	it('refuses a refresh token that was already used (rotation)', async () => {
		const [first] = await grants();
		const reuse = await fetch(`${emulator.url}${TOKEN_PATH}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ grant_type: 'refresh_token', client_id: emulator.vendor.appId, client_secret: emulator.vendor.appSecret, refresh_token: first.issuedRefreshToken }),
		});
		expect(reuse.status).toBe(400);
		expect(await reuse.json()).toMatchObject({ error: 'invalid_grant', code: expect.any(Number) });
	});

	it('renews a token about to expire before sending where n8n records the expiry (n8n_expires_at), else uses it while valid', async () => {
		// A token that lives 30 s is inside the transport's 60 s margin from the start.
		await control('user-tokens', { lifetimeSeconds: 30, expire: true });
		await subscribeAsUser('doxcnE2eSignIn00000000004');
		await control('user-tokens', { lifetimeSeconds: 7200 });
		const before = await grants();
		await clearRequests();

		const { execution } = await subscribeAsUser('doxcnE2eSignIn00000000005');

		expect(execution.status).toBe('success');
		const after = await grants();
		const calls = await driveCalls('doxcnE2eSignIn00000000005');
		expect(calls).toHaveLength(1);
		// n8n 2.40 stores oauthTokenData.n8n_expires_at; 2.8 and 1.123 keep only the relative expires_in.
		const [major, minor] = targetVersion().split('.').map(Number);
		const n8nRecordsExpiry = major > 2 || (major === 2 && minor >= 40);
		if (n8nRecordsExpiry) {
			expect(after).toHaveLength(before.length + 1);
			expect(after[after.length - 1].grantType).toBe('refresh_token');
			expect(calls[0].headers.authorization).toBe(`Bearer ${after[after.length - 1].accessToken}`);
		} else {
			expect(after).toHaveLength(before.length);
			expect(calls[0].headers.authorization).toBe(`Bearer ${before[before.length - 1].accessToken}`);
		}
	});
});

describe('Feishu Trigger as the signed-in user in a real n8n', () => {
	let workflowId: string;

	it('subscribes as the user on activation, starts a run for an event, and unsubscribes as the user on deactivation', async () => {
		await control('request-url', { url: n8n.webhookUrl(TRIGGER_WEBHOOK_ID) });
		await clearRequests();
		const workflow = await n8n.createWorkflow({
			name: 'Feishu trigger as user',
			nodes: [
				triggerNode(FEISHU_USER, {
					webhookId: TRIGGER_WEBHOOK_ID,
					parameters: { ...AS_USER, files: { file: [{ file: TRIGGER_DOC, fileType: 'docx' }] }, events: ['drive.file.edit_v1'] },
					credential,
				}),
			],
		});
		workflowId = workflow.id;
		expect((await n8n.activate(workflowId)).status).toBe(200);
		const userToken = (await grants()).at(-1)?.accessToken;
		const subscribes = await driveCalls(TRIGGER_DOC);
		expect(subscribes.map((r: Json) => [r.method, r.headers.authorization])).toEqual([['POST', `Bearer ${userToken}`]]);
		expect((await emulatorState()).subscriptions.find((s: Json) => s.file_token === TRIGGER_DOC).identity).toBe('user');

		// Verified with the OAuth2 credential's Verification Token and Encrypt Key.
		const { delivered } = await control('fire', { file_token: TRIGGER_DOC, file_type: 'docx', event_id: 'evt-e2e-sign-in' });
		expect(delivered[0].statusCode).toBe(200);
		const [execution] = await n8n.waitForExecutions(workflowId, 1);
		expect(execution.status).toBe('success');
		const [item] = execution.data.resultData.runData['Feishu Trigger'][0].data.main[0];
		expect(item.json).toMatchObject({ event_id: 'evt-e2e-sign-in', event_type: 'drive.file.edit_v1', event: { file_token: TRIGGER_DOC } });

		await clearRequests();
		expect((await n8n.deactivate(workflowId)).status).toBe(200);
		const deletes = (await emulatorRequests()).filter((r: Json) => r.path === `/open-apis/drive/v1/files/${TRIGGER_DOC}/delete_subscribe`);
		expect(deletes.map((r: Json) => [r.method, r.headers.authorization])).toEqual([['DELETE', `Bearer ${userToken}`]]);
		expect((await emulatorState()).subscriptions.some((s: Json) => s.file_token === TRIGGER_DOC)).toBe(false);
	});

});

(HAS_WEBSOCKET ? describe : describe.skip)('Feishu Long Connection Trigger as the signed-in user in a real n8n', () => {
	it('opens the connection with the sign-in\'s client id and secret (the App ID and Secret) and subscribes as the user', async () => {
		await clearRequests();
		const workflow = await n8n.createWorkflow({
			name: 'Feishu long connection as user',
			nodes: [
				{
					id: 'feishu-lc-as-user',
					name: 'Feishu Long Connection Trigger',
					type: 'n8n-nodes-event-subscriptions.feishuLongConnectionTrigger',
					typeVersion: 1,
					position: [0, 0],
					parameters: { ...AS_USER, files: { file: [{ file: LONG_CONNECTION_DOC, fileType: 'docx' }] }, events: ['drive.file.edit_v1'] },
					credentials: { feishuOAuth2Api: credential },
				},
			],
		});
		expect((await n8n.activate(workflow.id)).status).toBe(200);
		try {
			const requests = await emulatorRequests();
			const endpoint = requests.filter((r: Json) => r.path === '/callback/ws/endpoint');
			expect(endpoint.map((r: Json) => r.body)).toEqual([{ AppID: emulator.vendor.appId, AppSecret: emulator.vendor.appSecret }]);
			const userToken = (await grants()).at(-1)?.accessToken;
			expect((await driveCalls(LONG_CONNECTION_DOC)).map((r: Json) => r.headers.authorization)).toEqual([`Bearer ${userToken}`]);

			await control('long-connection/fire', { file_token: LONG_CONNECTION_DOC, file_type: 'docx', event_id: 'evt-e2e-sign-in-lc' });
			const [execution] = await n8n.waitForExecutions(workflow.id, 1);
			const [item] = execution.data.resultData.runData['Feishu Long Connection Trigger'][0].data.main[0];
			expect(item.json).toMatchObject({ event_id: 'evt-e2e-sign-in-lc', event: { file_token: LONG_CONNECTION_DOC } });
		} finally {
			expect((await n8n.deactivate(workflow.id)).status).toBe(200);
		}
		expect((await emulatorState()).subscriptions.some((s: Json) => s.file_token === LONG_CONNECTION_DOC)).toBe(false);
	});
});

describe('Feishu user sign-in revoked in a real n8n', () => {
	it('fails a run with "reconnect" when the refresh token is refused, and runs again once the user signs in again', async () => {
		await control('user-tokens', { expire: true, revokeRefreshTokens: true });

		const { execution } = await subscribeAsUser('doxcnE2eSignInRevoked0001');

		expect(execution.status).toBe('error');
		const { message, description } = execution.data.resultData.error;
		expect(`${message} ${description}`).toMatch(/reconnect/i);
		const refused = (await grants()).at(-1);
		expect(refused).toMatchObject({ grantType: 'refresh_token', error: 'invalid_grant' });

		await signIn(credential.id);
		const again = await subscribeAsUser('doxcnE2eSignInRevoked0002');
		expect(again.execution.status).toBe('success');
		expect((await grants()).at(-1)).toMatchObject({ grantType: 'authorization_code' });
	});
});
