/**
 * Feishu / Lark open platform emulator: the tenant_access_token endpoint (2 h tokens, the same token
 * handed out again while 30+ minutes remain, 99991663 once expired), user_info for user tokens, the
 * drive subscribe / get_subscribe / delete_subscribe family with its error codes and real rate limits
 * (subscribe 50/s and 1000/min, the other two 10/min each; HTTP 429 + 99991400 + x-ogw-ratelimit-*
 * headers), and event delivery to the app's request URL: the url_verification challenge and schema 2.0
 * drive events, AES-256-CBC encrypted and X-Lark-Signature signed like Feishu when an Encrypt Key is set.
 * The user sign-in (authorize page, v2 token endpoint, the user tokens it issues) is in
 * ./feishu-user-sign-in.ts; the drive APIs answer an expired one with 99991677.
 *
 * Facts follow ../shared/docs/vendor-feishu.md. This file implements the protocol on its own (no code
 * from nodes/). Where the docs leave a detail open, the choice is marked ASSUMED.
 */
import crypto from 'node:crypto';
import { createFeishuLongConnection, ENDPOINT_PATH, type LongConnectionOptions } from './feishu-long-connection';
import { createFeishuUserSignIn } from './feishu-user-sign-in';
import { deliver, faultFrom, injectFault, matchPath, type Fault, type RequestContext } from './server';

const FILE_TYPES = new Set(['doc', 'docx', 'sheet', 'bitable', 'file', 'folder', 'slides']);
const FOLDER_EVENT_TYPE = 'file.created_in_folder_v1';
const TOKEN_PATH = '/open-apis/auth/v3/tenant_access_token/internal';
const REUSE_THRESHOLD_MS = 30 * 60 * 1000;

const envelope = (code: number, msg: string, data?: object) => (data === undefined ? { code, msg } : { code, msg, data });

export function encryptPayload(encryptKey: string, text: string): string {
	const key = crypto.createHash('sha256').update(encryptKey, 'utf8').digest();
	const iv = crypto.randomBytes(16);
	const cipher = crypto.createCipheriv('aes-256-cbc', key, iv);
	return Buffer.concat([iv, cipher.update(text, 'utf8'), cipher.final()]).toString('base64');
}

export function signPayload(timestamp: string, nonce: string, encryptKey: string, rawBody: Buffer | string): string {
	return crypto.createHash('sha256').update(timestamp + nonce + encryptKey).update(rawBody).digest('hex');
}

const userId = (name: string) => ({ open_id: `ou_${name}`, union_id: `on_${name}`, user_id: '' });

/** The fields the control endpoints read from a JSON body. */
interface FeishuBody {
	url?: string;
	token?: string;
	event_id?: string;
	event_type?: string;
	event?: object;
	file_token?: string;
	file_type?: string;
	folder_token?: string;
	tamper?: Tamper;
	repeat?: number;
	ignoreSubscription?: boolean;
	files?: { token: string; type: string; forbidden?: boolean; locked?: boolean; missing?: boolean }[];
	expireTokensAfterCalls?: number;
	seconds?: number;
	rateLimitEvery?: number;
	app_id?: string;
	app_secret?: string;
}

/** How a push is spoiled: a stale timestamp, the wrong key, a changed signature or a flipped body byte. */
type Tamper = 'timestamp' | 'key' | 'signature' | 'body';

interface FeishuFile {
	type: string;
	forbidden?: boolean;
	locked?: boolean;
	missing?: boolean;
}

interface FileSubscription {
	file_token: string;
	file_type: string;
	event_type: string | undefined;
	identity: 'tenant' | 'user';
	at: number;
}

interface PushRecord {
	url: string;
	payload: object;
	headers: Record<string, string>;
	tamper?: Tamper;
	statusCode: number;
	response: string;
	error?: string;
	at: number;
}

interface RateWindow {
	limit: number;
	windowMs: number;
	start: number;
	count: number;
}

const bodyOf = (ctx: RequestContext) => (ctx.json ?? {}) as FeishuBody;

/** Event bodies shaped after the SDKs' event models (vendor doc section 6). */
function sampleEvent(eventType: string, { file_token, file_type, folder_token }: FeishuBody) {
	const common = { file_type, file_token };
	switch (eventType) {
		case 'drive.file.created_in_folder_v1':
			return { file_type: file_type || 'docx', file_token, folder_token, operator_id: userId('operator'), subscriber_ids: [userId('subscriber')] };
		case 'drive.file.edit_v1':
		case 'drive.file.read_v1':
			return { ...common, operator_id_list: [userId('operator')], subscriber_id_list: [userId('subscriber')] };
		case 'drive.file.permission_member_added_v1':
		case 'drive.file.permission_member_removed_v1':
			return { ...common, operator_id: userId('operator'), user_list: [userId('member')], chat_list: [], open_department_id_list: [], subscriber_id_list: [userId('subscriber')] };
		case 'drive.file.permission_member_applied_v1':
			return { ...common, operator_id: userId('operator'), approver_id: userId('approver'), application_user_list: [userId('applicant')], application_chat_list: [], application_department_list: [], application_remark: 'please', permission: 'view', subscriber_ids: [userId('subscriber')] };
		case 'drive.file.bitable_record_changed_v1':
			return { ...common, table_id: 'tblEmulator', revision: 7, operator_id: userId('operator'), action_list: [{ record_id: 'recEmulator', action: 'record_edited', before_value: [], after_value: [] }], subscriber_id_list: [userId('subscriber')], update_time: Math.floor(Date.now() / 1000) }; // ASSUMED action value
		case 'drive.file.bitable_field_changed_v1':
			return { ...common, table_id: 'tblEmulator', operator_id: userId('operator'), action_list: [{ action: 'field_edited', field_id: 'fldEmulator', before_value: {}, after_value: {} }], revision: 7, subscriber_id_list: [userId('subscriber')], update_time: Math.floor(Date.now() / 1000) }; // ASSUMED action value
		default:
			return { ...common, operator_id: userId('operator'), subscriber_id_list: [userId('subscriber')] };
	}
}

export function createFeishuEmulator({
	appId = 'cli_emulator_app',
	appSecret = 'emulator-app-secret',
	verificationToken = 'emulator-verification-token',
	encryptKey = 'emulator-encrypt-key',
	userAccessToken = 'u-emulator-user-token',
	tokenLifetimeSeconds = 7200,
	// Feishu sends expiry codes with HTTP 200 or 400 depending on the API.
	expiredTokenStatus = 400,
	// Some older Feishu APIs answer the rate limit with HTTP 400 instead of 429 (same body).
	rateLimitStatus = 429,
	limits = { subscribePerSecond: 50, subscribePerMinute: 1000, getPerMinute: 10, deletePerMinute: 10 },
	// The docs spell the field is_subscribe; the 2024 Go SDK is_subseribe.
	subscribeField = 'is_subscribe',
	// ASSUMED: whether Feishu signs the url_verification push; the Go SDK skips the check for it.
	signChallenge = false,
	// ASSUMED: any token names an existing file of the requested type unless registered otherwise.
	openWorld = true,
	// The developer console's Request URL, when known up front (npm start); tests set it through /request-url.
	requestUrl,
	// Added before every API answer, to stand in for the round trip to open.feishu.cn (benchmarks).
	latencyMs = 0,
	// The long-connection side (./feishu-long-connection.ts): ClientConfig, re-push timeout, faults.
	longConnection: longConnectionOptions = {},
}: {
	appId?: string;
	appSecret?: string;
	verificationToken?: string;
	encryptKey?: string;
	userAccessToken?: string;
	tokenLifetimeSeconds?: number;
	expiredTokenStatus?: number;
	rateLimitStatus?: number;
	limits?: { subscribePerSecond: number; subscribePerMinute: number; getPerMinute: number; deletePerMinute: number };
	subscribeField?: string;
	signChallenge?: boolean;
	openWorld?: boolean;
	requestUrl?: string;
	latencyMs?: number;
	longConnection?: LongConnectionOptions;
} = {}) {
	const newWindows = (): Record<'subscribeSecond' | 'subscribeMinute' | 'getMinute' | 'deleteMinute', RateWindow> => ({
		subscribeSecond: { limit: limits.subscribePerSecond, windowMs: 1000, start: 0, count: 0 },
		subscribeMinute: { limit: limits.subscribePerMinute, windowMs: 60_000, start: 0, count: 0 },
		getMinute: { limit: limits.getPerMinute, windowMs: 60_000, start: 0, count: 0 },
		deleteMinute: { limit: limits.deletePerMinute, windowMs: 60_000, start: 0, count: 0 },
	});
	const state = {
		tokens: new Map<string, number>(), // token -> expiresAt (ms)
		tokenLifetimeSeconds, // of the tokens issued from now on; POST …/token-lifetime {"seconds"} changes it
		currentToken: undefined as string | undefined,
		issuedTokens: 0,
		files: new Map<string, FeishuFile>(), // token -> file
		subscriptions: new Map<string, FileSubscription>(), // file_token -> subscription
		requestUrl,
		deliveries: [] as PushRecord[],
		faults: [] as Fault[],
		expireTokensAfterCalls: undefined as number | undefined, // all tokens expire once this many more API calls were answered
		rateLimitEvery: undefined as number | undefined, // every Nth API call is answered like an exhausted limit
		apiCalls: 0,
		windows: newWindows(),
		rateLimited: 0,
	};

	/** Counts a call against every window it belongs to; answers 429 when any of them is exhausted. */
	function withinLimits(ctx: RequestContext, windowNames: (keyof typeof state.windows)[]): boolean {
		const now = Date.now();
		const windows = windowNames.map((name) => state.windows[name]);
		for (const window of windows) {
			if (now >= window.start + window.windowMs) {
				window.start = now;
				window.count = 0;
			}
		}
		const exhausted = windows.find((window) => window.count >= window.limit);
		if (exhausted) {
			state.rateLimited += 1;
			const resetSeconds = Math.max(1, Math.ceil((exhausted.start + exhausted.windowMs - now) / 1000));
			ctx.reply(rateLimitStatus, envelope(99991400, 'request trigger frequency limit'), {
				'x-ogw-ratelimit-limit': String(exhausted.limit),
				'x-ogw-ratelimit-reset': String(resetSeconds),
			});
			return false;
		}
		for (const window of windows) window.count += 1;
		return true;
	}

	function issueTenantToken(ctx: RequestContext) {
		const body = bodyOf(ctx);
		if (body.app_id !== appId) return ctx.reply(400, envelope(10003, 'invalid param')); // ASSUMED code for an unknown app_id
		if (body.app_secret !== appSecret) return ctx.reply(400, envelope(10014, 'app secret invalid')); // ASSUMED code
		const now = Date.now();
		const currentExpiry = state.currentToken && state.tokens.get(state.currentToken);
		if (currentExpiry && currentExpiry - now >= REUSE_THRESHOLD_MS) {
			return ctx.reply(200, { code: 0, msg: 'ok', tenant_access_token: state.currentToken, expire: Math.floor((currentExpiry - now) / 1000) });
		}
		const token = `t-${crypto.randomBytes(16).toString('hex')}`;
		state.tokens.set(token, now + state.tokenLifetimeSeconds * 1000);
		state.currentToken = token;
		state.issuedTokens += 1;
		return ctx.reply(200, { code: 0, msg: 'ok', tenant_access_token: token, expire: state.tokenLifetimeSeconds });
	}

	/** Returns 'tenant' or 'user' for a valid bearer token, or answers the error and returns undefined. */
	function authenticate(ctx: RequestContext): 'tenant' | 'user' | undefined {
		const match = /^Bearer (.+)$/.exec(ctx.headers.authorization || '');
		if (!match) {
			ctx.reply(400, envelope(99991661, 'Missing access token for authorization. Please make a request with token attached.')); // [S] code
			return undefined;
		}
		const token = match[1];
		if (token === userAccessToken) return 'user';
		const signedIn = userSignIn.accessTokenStatus(token);
		if (signedIn === 'valid') return 'user';
		if (signedIn === 'expired') {
			ctx.reply(expiredTokenStatus, envelope(99991677, 'Authentication token expired')); // [S] code and msg
			return undefined;
		}
		const expiresAt = state.tokens.get(token);
		if (expiresAt !== undefined && expiresAt > Date.now()) return 'tenant';
		if (token.startsWith('u-')) {
			ctx.reply(expiredTokenStatus, envelope(99991668, 'Invalid access token for authorization. Please make a request with token attached.')); // [S] code
			return undefined;
		}
		ctx.reply(expiredTokenStatus, envelope(99991663, 'Invalid access token for authorization. Please make a request with token attached.'));
		return undefined;
	}

	/** Checks file_type / event_type and the file itself; answers the vendor error and returns undefined on failure. */
	function resolveFile(ctx: RequestContext, fileToken: string) {
		const fileType = ctx.query.file_type;
		const eventType = ctx.query.event_type;
		if (!FILE_TYPES.has(fileType)) return void ctx.reply(400, envelope(1069602, 'param error'));
		if (fileType === 'folder' ? eventType !== FOLDER_EVENT_TYPE : eventType !== undefined) {
			return void ctx.reply(400, envelope(1069602, 'param error'));
		}
		const registered = state.files.get(fileToken);
		const file = registered || (openWorld ? { type: fileType } : undefined);
		// ASSUMED: a token of another type reads as "not found".
		if (!file || file.missing || file.type !== fileType) return void ctx.reply(400, envelope(1069604, 'document not found'));
		if (file.forbidden) return void ctx.reply(403, envelope(1069603, 'forbidden'));
		return { fileType, eventType, file };
	}

	function buildEvent(body: FeishuBody) {
		const eventType = body.event_type || 'drive.file.edit_v1';
		return {
			schema: '2.0',
			header: {
				event_id: body.event_id || crypto.randomBytes(16).toString('hex'),
				event_type: eventType,
				create_time: String(Date.now()),
				token: body.token ?? verificationToken,
				app_id: appId,
				tenant_key: 'emulator-tenant',
			},
			event: { ...sampleEvent(eventType, body), ...(body.event || {}) },
		};
	}

	/** Encrypts and signs a payload like Feishu, optionally spoiled in one way (tamper), and posts it. */
	async function push(url: string, payload: object, { sign = Boolean(encryptKey), tamper }: { sign?: boolean; tamper?: Tamper } = {}): Promise<PushRecord> {
		const plain = JSON.stringify(payload);
		let rawBody = encryptKey ? JSON.stringify({ encrypt: encryptPayload(encryptKey, plain) }) : plain;
		const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Feishu-OpenPlatform-Emulator' };
		if (sign) {
			let timestamp = String(Math.floor(Date.now() / 1000));
			// Older than the trigger's replay window (a day: Feishu retries for about 7.1 h).
			if (tamper === 'timestamp') timestamp = String(Math.floor(Date.now() / 1000) - 25 * 3600);
			const nonce = crypto.randomBytes(8).toString('hex');
			const signature = signPayload(timestamp, nonce, tamper === 'key' ? `${encryptKey}-wrong` : encryptKey, Buffer.from(rawBody));
			headers['x-lark-request-timestamp'] = timestamp;
			headers['x-lark-request-nonce'] = nonce;
			headers['x-lark-signature'] = tamper === 'signature' ? signature.replace(/^./, (c) => (c === '0' ? '1' : '0')) : signature;
		}
		if (tamper === 'body') {
			// One flipped byte inside the ciphertext (or the plain JSON), after signing.
			const bytes = Buffer.from(rawBody);
			const index = Math.floor(bytes.length / 2);
			bytes[index] = bytes[index] === 0x41 ? 0x42 : 0x41;
			rawBody = bytes.toString();
		}
		const result = await deliver(url, { headers, body: rawBody });
		const record = { url, payload, headers, tamper, statusCode: result.statusCode, response: result.body, error: result.error, at: Date.now() };
		state.deliveries.push(record);
		return record;
	}

	/** Only events of subscribed files are pushed, as on Feishu; a folder's event needs the folder subscribed. */
	function isSubscribed(body: FeishuBody): boolean {
		if ((body.event_type || 'drive.file.edit_v1') === 'drive.file.created_in_folder_v1') {
			return body.folder_token !== undefined && state.subscriptions.get(body.folder_token)?.file_type === 'folder';
		}
		return body.file_token !== undefined && state.subscriptions.has(body.file_token);
	}

	async function handleControl(ctx: RequestContext) {
		const body = bodyOf(ctx);
		const route = ctx.path.replace('/_emulator/feishu/', '');
		if (route.startsWith('long-connection/')) return longConnection.control(route.slice('long-connection/'.length), ctx);
		if (route === 'user-tokens' && ctx.method === 'POST') return userSignIn.control(ctx);
		if (route === 'state' && ctx.method === 'GET') {
			return ctx.reply(200, {
				subscriptions: [...state.subscriptions.values()],
				issuedTokens: state.issuedTokens,
				requestUrl: state.requestUrl,
				deliveries: state.deliveries,
				rateLimited: state.rateLimited,
				userTokenGrants: userSignIn.state.grants,
			});
		}
		if (ctx.method !== 'POST') return ctx.reply(404, { error: 'unknown control endpoint' });
		switch (route) {
			case 'request-url':
				// What the developer console's "Request URL" field does; no API exists for it on Feishu.
				state.requestUrl = body.url;
				return ctx.reply(200, { ok: true });
			case 'challenge': {
				const url = body.url || state.requestUrl;
				const challenge = crypto.randomUUID();
				const record = await push(String(url), { challenge, token: body.token ?? verificationToken, type: 'url_verification' }, { sign: Boolean(encryptKey) && signChallenge });
				let answered = false;
				try {
					answered = JSON.parse(record.response).challenge === challenge;
				} catch {
					answered = false;
				}
				return ctx.reply(200, { challenge, answered, statusCode: record.statusCode, response: record.response });
			}
			case 'fire': {
				const url = body.url || state.requestUrl;
				if (!url) return ctx.reply(400, { error: 'set the request URL first (/_emulator/feishu/request-url)' });
				if (!body.ignoreSubscription && !isSubscribed(body)) return ctx.reply(200, { delivered: [], skipped: 'not subscribed' });
				const payload = buildEvent(body);
				const delivered = [];
				for (let i = 0; i < (body.repeat || 1); i++) delivered.push(await push(url, payload, { tamper: body.tamper }));
				return ctx.reply(200, { delivered });
			}
			case 'files':
				for (const file of body.files || []) state.files.set(file.token, { type: file.type, forbidden: file.forbidden, locked: file.locked, missing: file.missing });
				return ctx.reply(200, { ok: true });
			case 'forget': {
				const removed = [...state.subscriptions.keys()].filter((token) => body.file_token === undefined || token === body.file_token);
				removed.forEach((token) => state.subscriptions.delete(token));
				return ctx.reply(200, { removed });
			}
			case 'expire-tokens':
				for (const token of state.tokens.keys()) state.tokens.set(token, 0);
				return ctx.reply(200, { ok: true });
			case 'token-lifetime':
				state.tokenLifetimeSeconds = Number(body.seconds);
				return ctx.reply(200, { ok: true });
			case 'faults':
				state.faults.push(faultFrom(ctx));
				return ctx.reply(200, { ok: true });
			case 'schedule':
				state.expireTokensAfterCalls = body.expireTokensAfterCalls;
				state.rateLimitEvery = body.rateLimitEvery;
				state.apiCalls = 0;
				return ctx.reply(200, { ok: true });
			case 'reset-limits':
				state.windows = newWindows();
				state.rateLimited = 0;
				return ctx.reply(200, { ok: true });
			case 'reset':
				state.tokens.clear();
				state.tokenLifetimeSeconds = tokenLifetimeSeconds;
				state.currentToken = undefined;
				state.issuedTokens = 0;
				state.files.clear();
				state.subscriptions.clear();
				state.deliveries.length = 0;
				state.faults.length = 0;
				state.windows = newWindows();
				state.rateLimited = 0;
				state.expireTokensAfterCalls = undefined;
				state.rateLimitEvery = undefined;
				state.apiCalls = 0;
				longConnection.reset();
				userSignIn.reset();
				return ctx.reply(200, { ok: true });
			default:
				return ctx.reply(404, { error: 'unknown control endpoint' });
		}
	}

	async function handle(ctx: RequestContext) {
		if (ctx.path.startsWith('/_emulator/')) return handleControl(ctx);
		if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));

		if (injectFault(state.faults, ctx, (fault) => envelope(fault.status, 'injected fault'))) return;

		if (ctx.path === TOKEN_PATH && ctx.method === 'POST') return issueTenantToken(ctx);
		if (userSignIn.handle(ctx)) return undefined;
		// The long connection's endpoint takes the App ID and App Secret, no token.
		if (ctx.path === ENDPOINT_PATH && ctx.method === 'POST') return longConnection.endpoint(ctx);

		state.apiCalls += 1;
		if (state.rateLimitEvery && state.apiCalls % state.rateLimitEvery === 0) {
			state.rateLimited += 1;
			return ctx.reply(rateLimitStatus, envelope(99991400, 'request trigger frequency limit'), { 'x-ogw-ratelimit-limit': '50', 'x-ogw-ratelimit-reset': '0' });
		}
		if (state.expireTokensAfterCalls !== undefined && state.apiCalls > state.expireTokensAfterCalls) {
			for (const token of state.tokens.keys()) state.tokens.set(token, 0);
			state.expireTokensAfterCalls = undefined;
		}

		const identity = authenticate(ctx);
		if (!identity) return undefined;

		if (ctx.path === '/open-apis/authen/v1/user_info' && ctx.method === 'GET') {
			if (identity !== 'user') return ctx.reply(400, envelope(99991668, 'Invalid access token for authorization. Please make a request with token attached.')); // ASSUMED
			return ctx.reply(200, envelope(0, 'success', { name: 'Emulator User', ...userId('emulator') }));
		}

		let params = matchPath('/open-apis/drive/v1/files/:token/subscribe', ctx.path);
		if (params && ctx.method === 'POST') {
			if (!withinLimits(ctx, ['subscribeSecond', 'subscribeMinute'])) return undefined;
			const resolved = resolveFile(ctx, params.token);
			if (!resolved) return undefined;
			state.subscriptions.set(params.token, { file_token: params.token, file_type: resolved.fileType, event_type: resolved.eventType, identity, at: Date.now() });
			return ctx.reply(200, envelope(0, 'success', {}));
		}

		params = matchPath('/open-apis/drive/v1/files/:token/get_subscribe', ctx.path);
		if (params && ctx.method === 'GET') {
			if (!withinLimits(ctx, ['getMinute'])) return undefined;
			if (!resolveFile(ctx, params.token)) return undefined;
			return ctx.reply(200, envelope(0, 'success', { [subscribeField]: state.subscriptions.has(params.token) }));
		}

		params = matchPath('/open-apis/drive/v1/files/:token/delete_subscribe', ctx.path);
		if (params && ctx.method === 'DELETE') {
			if (!withinLimits(ctx, ['deleteMinute'])) return undefined;
			const resolved = resolveFile(ctx, params.token);
			if (!resolved) return undefined;
			if (resolved.file.locked) return ctx.reply(400, envelope(1064230, 'locked_for_data_migration'));
			// ASSUMED: unsubscribing a file without a subscription answers 1069605 "Unsubscribed".
			if (!state.subscriptions.has(params.token)) return ctx.reply(400, envelope(1069605, 'Unsubscribed'));
			state.subscriptions.delete(params.token);
			return ctx.reply(200, envelope(0, 'success', {}));
		}

		return ctx.reply(404, envelope(404, 'not found'));
	}

	// The user sign-in's page and token endpoint, and the user_access_tokens it issued.
	const userSignIn = createFeishuUserSignIn({ appId, appSecret });

	// Over a long connection the same drive events go to a connected client instead of the request URL.
	const longConnection = createFeishuLongConnection(
		{
			appId,
			appSecret,
			event: (fields) => {
				const body = fields as FeishuBody;
				return body.ignoreSubscription || isSubscribed(body) ? buildEvent(body) : undefined;
			},
		},
		longConnectionOptions,
	);

	return { name: 'feishu', state, handle, push, longConnection, appId, appSecret, verificationToken, encryptKey, userAccessToken };
}


export type FeishuEmulator = ReturnType<typeof createFeishuEmulator>;
