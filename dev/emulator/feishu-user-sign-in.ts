/**
 * Feishu's user sign-in (OAuth 2.0 authorization code, authen v2) for the Feishu emulator: the authorize
 * page, which consents at once and redirects back so that tests need no browser; the token endpoint
 * with both grants; and the user_access_tokens it issued, for the drive APIs to accept.
 *
 * Facts follow ../shared/docs/vendor-feishu.md 2.3: codes are valid 5 minutes and once; a refresh token
 * comes only with offline_access; refreshing rotates it and the old one is then refused. Feishu's docs
 * show a JSON body; n8n's OAuth2 client sends RFC 6749 form encoding, and whether Feishu's live endpoint
 * takes that is not confirmed, so both are accepted here and each grant records which one it got.
 */
import crypto from 'node:crypto';
import type { RequestContext } from './server';

export const AUTHORIZE_PATH = '/open-apis/authen/v1/authorize';
export const USER_TOKEN_PATH = '/open-apis/authen/v2/oauth/token';

const CODE_LIFETIME_MS = 5 * 60 * 1000;
const REFRESH_TOKEN_LIFETIME_SECONDS = 604_800;

interface AuthorizationCode {
	redirectUri: string;
	scope: string;
	expiresAt: number;
	used: boolean;
}

/** One request to the token endpoint, as the E2E tests read it back. */
export interface TokenGrant {
	grantType: string;
	encoding: 'json' | 'form';
	/** The refresh token presented (refresh_token grant). */
	refreshToken?: string;
	/** What it answered: the tokens issued, or the error. */
	accessToken?: string;
	issuedRefreshToken?: string;
	error?: string;
	at: number;
}

type TokenRequest = Record<string, string | undefined>;

/** RFC 6749 section 5.2 error, with a Feishu code beside it (vendor doc: errors carry code). */
const oauthError = (code: number, error: string, description: string) => ({ code, error, error_description: description });

function tokenRequestOf(ctx: RequestContext): { body: TokenRequest; encoding: 'json' | 'form' } {
	if (ctx.json && typeof ctx.json === 'object') return { body: ctx.json as TokenRequest, encoding: 'json' };
	return { body: Object.fromEntries(new URLSearchParams(ctx.rawBody.toString('utf8'))), encoding: 'form' };
}

export function createFeishuUserSignIn({ appId, appSecret }: { appId: string; appSecret: string }) {
	const state = {
		codes: new Map<string, AuthorizationCode>(),
		accessTokens: new Map<string, number>(), // user_access_token -> expiresAt (ms)
		refreshTokens: new Map<string, { scope: string; current: boolean }>(),
		grants: [] as TokenGrant[],
		accessTokenLifetimeSeconds: 7200,
	};

	function issueTokens(scope: string) {
		const accessToken = `u-${crypto.randomBytes(16).toString('hex')}`;
		state.accessTokens.set(accessToken, Date.now() + state.accessTokenLifetimeSeconds * 1000);
		const reply: Record<string, unknown> = {
			code: 0,
			access_token: accessToken,
			expires_in: state.accessTokenLifetimeSeconds,
			token_type: 'Bearer',
			scope,
		};
		if (scope.split(' ').includes('offline_access')) {
			const refreshToken = `ur-${crypto.randomBytes(16).toString('hex')}`;
			state.refreshTokens.set(refreshToken, { scope, current: true });
			reply.refresh_token = refreshToken;
			reply.refresh_token_expires_in = REFRESH_TOKEN_LIFETIME_SECONDS;
		}
		return reply;
	}

	/** GET authorize: checks what Feishu checks, consents for the user and redirects with code and state. */
	function authorize(ctx: RequestContext) {
		const { client_id: clientId, redirect_uri: redirectUri, response_type: responseType, scope = '', state: flowState } = ctx.query;
		if (clientId !== appId) return ctx.reply(400, oauthError(20002, 'invalid_client', 'unknown client_id')); // ASSUMED code
		if (!redirectUri) return ctx.reply(400, oauthError(20001, 'invalid_request', 'redirect_uri is required')); // ASSUMED code
		if (responseType !== 'code') return ctx.reply(400, oauthError(20001, 'unsupported_response_type', 'response_type must be code')); // ASSUMED code
		const code = crypto.randomBytes(12).toString('hex');
		state.codes.set(code, { redirectUri, scope, expiresAt: Date.now() + CODE_LIFETIME_MS, used: false });
		const target = new URL(redirectUri);
		target.searchParams.set('code', code);
		if (flowState !== undefined) target.searchParams.set('state', flowState);
		return ctx.reply(302, '', { location: target.toString() });
	}

	/** POST token: authorization_code and refresh_token grants, client id and secret in the body. */
	function token(ctx: RequestContext) {
		const { body, encoding } = tokenRequestOf(ctx);
		const grant: TokenGrant = { grantType: String(body.grant_type ?? ''), encoding, refreshToken: body.refresh_token, at: Date.now() };
		state.grants.push(grant);
		const fail = (status: number, code: number, error: string, description: string) => {
			grant.error = error;
			return ctx.reply(status, oauthError(code, error, description));
		};
		if (body.client_id !== appId || body.client_secret !== appSecret) {
			return fail(400, 20002, 'invalid_client', 'client_id or client_secret is wrong'); // ASSUMED code
		}
		let scope: string;
		if (grant.grantType === 'authorization_code') {
			const code = state.codes.get(String(body.code));
			if (!code || code.used || code.expiresAt < Date.now()) {
				return fail(400, 20003, 'invalid_grant', 'the authorization code is invalid, expired or already used'); // ASSUMED code
			}
			code.used = true;
			if (body.redirect_uri !== code.redirectUri) return fail(400, 20004, 'invalid_grant', 'redirect_uri does not match'); // ASSUMED code
			scope = code.scope;
		} else if (grant.grantType === 'refresh_token') {
			const presented = state.refreshTokens.get(String(body.refresh_token));
			// Rotation: a refresh token works once; reusing the old one is refused like a revoked one.
			if (!presented?.current) return fail(400, 20064, 'invalid_grant', 'the refresh token is invalid or has been used'); // ASSUMED code
			presented.current = false;
			scope = presented.scope;
		} else {
			return fail(400, 20001, 'unsupported_grant_type', 'grant_type must be authorization_code or refresh_token'); // ASSUMED code
		}
		const reply = issueTokens(scope);
		grant.accessToken = String(reply.access_token);
		grant.issuedRefreshToken = reply.refresh_token as string | undefined;
		return ctx.reply(200, reply);
	}

	return {
		state,
		/** Answers the sign-in's own requests; returns false for every other path. */
		handle(ctx: RequestContext): boolean {
			if (ctx.path === AUTHORIZE_PATH && ctx.method === 'GET') {
				authorize(ctx);
				return true;
			}
			if (ctx.path === USER_TOKEN_PATH && ctx.method === 'POST') {
				token(ctx);
				return true;
			}
			return false;
		},
		/** 'valid', 'expired' or 'unknown' for a bearer token the drive APIs received. */
		accessTokenStatus(accessToken: string): 'valid' | 'expired' | 'unknown' {
			const expiresAt = state.accessTokens.get(accessToken);
			if (expiresAt === undefined) return 'unknown';
			return expiresAt > Date.now() ? 'valid' : 'expired';
		},
		/**
		 * POST /_emulator/feishu/user-tokens: { expire?: true, lifetimeSeconds?: n, revokeRefreshTokens?: true }
		 * for the issued and the next tokens; revoking stands for a user who withdrew the app's access.
		 */
		control(ctx: RequestContext) {
			const body = (ctx.json ?? {}) as { expire?: boolean; lifetimeSeconds?: number; revokeRefreshTokens?: boolean };
			if (body.lifetimeSeconds !== undefined) state.accessTokenLifetimeSeconds = body.lifetimeSeconds;
			if (body.expire) for (const accessToken of state.accessTokens.keys()) state.accessTokens.set(accessToken, 0);
			if (body.revokeRefreshTokens) for (const refreshToken of state.refreshTokens.values()) refreshToken.current = false;
			return ctx.reply(200, { ok: true });
		},
		reset() {
			state.codes.clear();
			state.accessTokens.clear();
			state.refreshTokens.clear();
			state.grants.length = 0;
			state.accessTokenLifetimeSeconds = 7200;
		},
	};
}
