/**
 * The shared transport's renewal of a token n8n holds for an OAuth2 credential (Feishu's user sign-in):
 * before sending when n8n recorded that the token expires within the margin, and once after the vendor
 * reports it expired with its own code, never in a loop. n8n-core's two OAuth2 helpers are stood in for
 * by a minimal pair over HTTP (sign with the stored token; refresh with the stored refresh token and store
 * the reply over the old data, as n8n-core does); the real ones are proven in
 * test/e2e/feishu-user-sign-in.e2e.test.ts.
 */
import nock from 'nock';
import type { IDataObject } from 'n8n-workflow';
import { feishuUserApi, subscribeFile } from '../../../nodes/Feishu/api';
import { SESSION_RENEWAL_MARGIN_MS } from '../../../lib/session';
import { vendorRequest, type RequestContext } from '../../../nodes/shared/transport';

const BASE = 'https://open.feishu.example';
const TOKEN_PATH = '/open-apis/authen/v2/oauth/token';
const DOC = 'doxcnUnitOAuth2';
const subscribePath = `/open-apis/drive/v1/files/${DOC}/subscribe`;
const expired = { code: 99991677, msg: 'Authentication token expired' };
const ok = { code: 0, msg: 'success', data: {} };

interface Stored {
	host: string;
	baseUrl: string;
	oauthTokenData: IDataObject;
}

function signedInContext(tokenData: IDataObject) {
	const stored: Stored = { host: 'custom', baseUrl: BASE, oauthTokenData: tokenData };
	let refreshes = 0;
	const context = {
		getNode: () => ({ id: 'n', name: 'Feishu', type: 'feishu', typeVersion: 1, position: [0, 0], parameters: { authentication: 'userSignIn' } }),
		getCredentials: async () => structuredClone(stored),
		helpers: {
			async httpRequestWithAuthentication(_type: string, options: { method: string; url: string; qs?: IDataObject }) {
				const query = new URLSearchParams(options.qs as Record<string, string>).toString();
				const response = await fetch(`${options.url}?${query}`, {
					method: options.method,
					headers: { authorization: `Bearer ${String(stored.oauthTokenData.access_token)}` },
				});
				return { statusCode: response.status, headers: {}, body: await response.json() };
			},
			async refreshOAuth2Token() {
				refreshes += 1;
				const response = await fetch(`${BASE}${TOKEN_PATH}`, {
					method: 'POST',
					headers: { 'content-type': 'application/x-www-form-urlencoded' },
					body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: String(stored.oauthTokenData.refresh_token) }),
				});
				const reply = (await response.json()) as IDataObject;
				if (!response.ok) throw new Error(`refresh refused: ${String(reply.error)}`);
				stored.oauthTokenData = { ...stored.oauthTokenData, ...reply };
				return reply;
			},
		},
	};
	return { context: context as unknown as RequestContext, stored, refreshCount: () => refreshes };
}

const api = () => nock(BASE);
const refreshGrant = (refreshToken: string) => (body: string) =>
	new URLSearchParams(body).get('grant_type') === 'refresh_token' && new URLSearchParams(body).get('refresh_token') === refreshToken;

describe('transport: OAuth2 token renewal', () => {
	it('renews once after the vendor reports the token expired, retries with the new token and stores the rotated refresh token', async () => {
		const { context, stored, refreshCount } = signedInContext({ access_token: 'u-old', refresh_token: 'ur-1' });
		api().post(subscribePath).query({ file_type: 'docx' }).matchHeader('authorization', 'Bearer u-old').reply(400, expired);
		api().post(TOKEN_PATH, refreshGrant('ur-1')).reply(200, { access_token: 'u-new', refresh_token: 'ur-2', expires_in: 7200 });
		api().post(subscribePath).query({ file_type: 'docx' }).matchHeader('authorization', 'Bearer u-new').reply(200, ok);

		await subscribeFile.call(context, { fileToken: DOC, fileType: 'docx' });

		expect(refreshCount()).toBe(1);
		expect(stored.oauthTokenData).toMatchObject({ access_token: 'u-new', refresh_token: 'ur-2' });
	});

	it('renews at most once per call: an expiry code after the renewal fails the call instead of looping', async () => {
		const { context, refreshCount } = signedInContext({ access_token: 'u-old', refresh_token: 'ur-1' });
		api().post(subscribePath).query(true).reply(400, expired);
		api().post(TOKEN_PATH, refreshGrant('ur-1')).reply(200, { access_token: 'u-new', refresh_token: 'ur-2' });
		api().post(subscribePath).query(true).matchHeader('authorization', 'Bearer u-new').reply(400, expired);

		await expect(subscribeFile.call(context, { fileToken: DOC, fileType: 'docx' })).rejects.toThrow('Feishu error 99991677');
		expect(refreshCount()).toBe(1);
	});

	it('renews before sending when n8n recorded that the token expires within the margin', async () => {
		const soon = String(Date.now() + SESSION_RENEWAL_MARGIN_MS / 2);
		const { context, refreshCount } = signedInContext({ access_token: 'u-old', refresh_token: 'ur-1', n8n_expires_at: soon });
		api().post(TOKEN_PATH, refreshGrant('ur-1')).reply(200, { access_token: 'u-new', refresh_token: 'ur-2' });
		api().post(subscribePath).query(true).matchHeader('authorization', 'Bearer u-new').reply(200, ok);

		await subscribeFile.call(context, { fileToken: DOC, fileType: 'docx' });
		expect(refreshCount()).toBe(1);
	});

	it('sends a token that is not near its recorded expiry, or has no recorded expiry, as it is', async () => {
		for (const tokenData of [{ n8n_expires_at: String(Date.now() + 3_600_000) }, { expires_in: 7200 }]) {
			const { context, refreshCount } = signedInContext({ access_token: 'u-current', refresh_token: 'ur-1', ...tokenData });
			api().post(subscribePath).query(true).matchHeader('authorization', 'Bearer u-current').reply(200, ok);
			await subscribeFile.call(context, { fileToken: DOC, fileType: 'docx' });
			expect(refreshCount()).toBe(0);
		}
	});

	it('renews once for items that see the same expired token at the same time: a rotated refresh token is not presented twice', async () => {
		const { context, refreshCount } = signedInContext({ access_token: 'u-old', refresh_token: 'ur-1' });
		api().post(subscribePath).query(true).matchHeader('authorization', 'Bearer u-old').times(3).reply(400, expired);
		api().post(TOKEN_PATH, refreshGrant('ur-1')).delay(50).reply(200, { access_token: 'u-new', refresh_token: 'ur-2' });
		api().post(subscribePath).query(true).matchHeader('authorization', 'Bearer u-new').times(3).reply(200, ok);

		await Promise.all([0, 1, 2].map(() => subscribeFile.call(context, { fileToken: DOC, fileType: 'docx' })));
		expect(refreshCount()).toBe(1);
	});

	it('fails with "reconnect the credential" when the vendor refuses the refresh token, without a second renewal', async () => {
		const { context, refreshCount } = signedInContext({ access_token: 'u-old', refresh_token: 'ur-revoked' });
		api().post(subscribePath).query(true).reply(400, expired);
		api().post(TOKEN_PATH, refreshGrant('ur-revoked')).reply(400, { code: 20064, error: 'invalid_grant', error_description: 'revoked' });

		const failure = subscribeFile.call(context, { fileToken: DOC, fileType: 'docx' });
		await expect(failure).rejects.toThrow('Feishu sign-in could not be renewed: refresh refused: invalid_grant');
		await expect(failure).rejects.toMatchObject({ description: expect.stringContaining('reconnect it') });
		expect(refreshCount()).toBe(1);
	});

	it('does not renew on codes that are not the vendor\'s token expiry', async () => {
		const { context, refreshCount } = signedInContext({ access_token: 'u-old', refresh_token: 'ur-1' });
		api().post(subscribePath).query(true).reply(403, { code: 1069603, msg: 'forbidden' });

		await expect(vendorRequest.call(context, feishuUserApi, { method: 'POST', path: subscribePath, qs: { file_type: 'docx' } })).rejects.toThrow(
			'Feishu error 1069603',
		);
		expect(refreshCount()).toBe(0);
	});
});
