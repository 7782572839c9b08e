/**
 * The SMN emulator is the counterpart of the E2E suite; these checks pin the protocol details the
 * E2E relies on (gateway errors, throttling, idempotent add, the confirmation link).
 */
import nock from 'nock';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startEmulator } = require('../../../dev/emulator/server');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createSmnEmulator } = require('../../../dev/emulator/smn');

let emulator: any;
const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
	const response = await fetch(`${emulator.url}${path}`, {
		method,
		headers: { 'content-type': 'application/json', ...headers },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	return { status: response.status, token: response.headers.get('x-subject-token'), body: (await response.json()) as any };
};

beforeAll(async () => {
	nock.enableNetConnect('127.0.0.1');
	emulator = await startEmulator(createSmnEmulator());
}, 60_000);
// The harness re-enables every connection after the file; nothing to undo here.
afterAll(async () => {
	await emulator.close();
});

describe('SMN emulator', () => {
	let token: string;
	const topics = () => `/v2/${emulator.vendor.projectId}/notifications/topics`;

	it('issues a project-scoped token in X-Subject-Token and rejects a wrong password like IAM', async () => {
		const signIn = (password: string) =>
			call('POST', '/v3/auth/tokens', {
				auth: {
					identity: { methods: ['password'], password: { user: { name: 'n8n-smn', password, domain: { name: emulator.vendor.domainName } } } },
					scope: { project: { name: emulator.vendor.region } },
				},
			});
		const ok = await signIn('emulator-password');
		expect(ok.status).toBe(201);
		expect(ok.body.token.project.id).toBe(emulator.vendor.projectId);
		token = ok.token as string;
		const wrong = await signIn('nope');
		expect(wrong).toMatchObject({ status: 401, body: { error: { code: 401, message: 'The username or password is wrong.' } } });
	});

	it('answers a missing or expired token with APIG.0301', async () => {
		expect((await call('GET', topics())).body.error_code).toBe('APIG.0301');
		expect((await call('GET', topics(), undefined, { 'x-auth-token': token })).status).toBe(200);
		await call('POST', '/_emulator/smn/expire-tokens', {});
		const expired = await call('GET', topics(), undefined, { 'x-auth-token': token });
		expect(expired.status).toBe(401);
		expect(expired.body.error_msg).toMatch(/token expires/);
	});

	it('throttles with APIG.0308 when a rate limit is set', async () => {
		await call('POST', '/_emulator/smn/rate-limit', { limit: 1, windowMs: 60_000 });
		await call('GET', topics());
		expect(await call('GET', topics())).toMatchObject({ status: 429, body: { error_code: 'APIG.0308' } });
		await call('POST', '/_emulator/smn/reset', {});
	});
});
