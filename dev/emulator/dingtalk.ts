/**
 * DingTalk emulator: the app access token (v1.0 oauth2/accessToken, expiry → 400 InvalidAuthentication),
 * storage event subscribe/unsubscribe with the documented error table, the old API's user lookup and
 * auth-scopes read, per-API QPS limits, and HTTP push of check_url and storage events to the URL "set in
 * the developer console", encrypted and signed like DingTalk, retried after the configured delays when
 * the reply is not a valid encrypted "success". With the app's event subscription in Stream mode
 * (`deliveryMode: 'stream'`, or POST /_emulator/dingtalk/delivery {"mode":"stream"}, as the console's
 * switch), fired events go over Stream connections instead (./dingtalk-stream.ts), and HTTP push is off.
 *
 * The crypto below is written from ../shared/docs/vendor-dingtalk.md section 6.3 and does not import
 * the pack's code, so that the two implementations check each other. Where DingTalk documents nothing,
 * the emulator's choice is marked ASSUMED.
 */
import crypto from 'node:crypto';
import { createDingTalkStream, type StreamConfig, type StreamFault } from './dingtalk-stream';
import { deliver, faultFrom, injectFault, type Delivery, type Fault, type RequestContext } from './server';

export const DEFAULT_AES_KEY = 'Emu1atorAesKey0000000000000000000000000000A'; // 43 characters, as the console shows it

// ---- DingTalk's HTTP push crypto (independent implementation) ----

function aesKeyBytes(aesKey: string): Buffer {
	const key = Buffer.from(`${aesKey}=`, 'base64');
	if (key.length !== 32) throw new Error('aes_key must decode to 32 bytes');
	return key;
}

export function sign(token: string, timestamp: string | number, nonce: string, encrypt: string): string {
	return crypto.createHash('sha1').update([token, String(timestamp), nonce, encrypt].sort().join('')).digest('hex');
}

export function encrypt(aesKey: string, text: string, ownerKey: string): string {
	const key = aesKeyBytes(aesKey);
	const body = Buffer.from(text, 'utf8');
	const length = Buffer.alloc(4);
	length.writeUInt32BE(body.length, 0);
	const plain = Buffer.concat([crypto.randomBytes(16), length, body, Buffer.from(ownerKey, 'utf8')]);
	const pad = 32 - (plain.length % 32); // PKCS#7 over 32-byte blocks, as DingTalk's own libraries do
	const cipher = crypto.createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
	return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
}

/** Returns { text, ownerKey } or throws with DingTalk's error code (900xxx) as the reason. */
export function decrypt(aesKey: string, encrypted: string): { text: string; ownerKey: string } {
	const key = aesKeyBytes(aesKey);
	const data = Buffer.from(encrypted, 'base64');
	if (data.length === 0 || data.length % 16 !== 0) throw new Error('900007 ciphertext length is not a multiple of the block size');
	const decipher = crypto.createDecipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
	const padded = Buffer.concat([decipher.update(data), decipher.final()]);
	const pad = padded[padded.length - 1];
	if (pad < 1 || pad > 32) throw new Error('900008 invalid padding');
	const plain = padded.subarray(0, padded.length - pad);
	const length = plain.readUInt32BE(16);
	if (20 + length > plain.length) throw new Error('900008 message length exceeds plaintext');
	return { text: plain.subarray(20, 20 + length).toString('utf8'), ownerKey: plain.subarray(20 + length).toString('utf8') };
}

function randomNonce(): string {
	return crypto.randomBytes(12).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 8).padEnd(8, 'x');
}

// ---- the emulator ----

type Tamper = 'ownerKey' | 'ciphertext' | 'token' | 'signature';

interface DingTalkUser {
	unionid: string;
	name: string;
	canSubscribe: boolean;
}

interface StorageSubscription {
	scope: string;
	scopeId: string;
	unionId: string;
	at: number;
}

interface PushAttempt {
	at: number;
	statusCode: number;
	elapsedMs: number;
	accepted: boolean;
	reason: string | undefined;
	response: string;
}

interface PushDelivery {
	id: string;
	kind: 'check_url' | 'event';
	/** Undefined when none was given and none is saved in the console. */
	url: string | undefined;
	payload: object;
	tamper?: Tamper;
	retry: boolean;
	attempts: PushAttempt[];
	accepted: boolean;
	nextAttemptAt?: number;
}

/** The fields the control endpoints and the OpenAPI calls read from a JSON body. */
interface DingTalkBody {
	callbackUrl?: string;
	tamper?: Tamper;
	scope?: string;
	scopeId?: string;
	force?: boolean;
	retry?: boolean;
	eventId?: string;
	eventType?: string;
	bizId?: string;
	spaceId?: string;
	dentryId?: string;
	extension?: string;
	unionId?: string;
	type?: string;
	expireTokensAfterCalls?: number;
	seconds?: number;
	rateLimitEvery?: number;
	retryDelaysMs?: unknown[];
	replyTimeoutMs?: number;
	qpsLimit?: number;
	ownerKey?: string;
	mode?: string;
	kind?: string;
	text?: string;
	frame?: unknown;
	appKey?: string;
	appSecret?: string;
	userid?: string;
}

const bodyOf = (ctx: RequestContext) => (ctx.json ?? {}) as DingTalkBody;

export function createDingTalkEmulator({
	appKey = 'dingemulatorappkey01',
	appSecret = 'dingtalk-emulator-app-secret',
	corpId = 'dingemulatorcorp0001',
	callbackToken = 'emulatorToken123',
	aesKey = DEFAULT_AES_KEY,
	ownerKey,
	tokenLifetimeSeconds = 7200,
	// DingTalk retries a failed push after 10 s and then 30 s (vendor-dingtalk.md 6.6).
	retryDelaysMs = [10_000, 30_000],
	replyTimeoutMs = 1500,
	qpsLimit = 20, // ASSUMED per-app-per-API figure; DingTalk publishes limits per API only in its console
	users = {
		manager4220: { unionid: 'emuUnionAdmin4220', name: 'Emulator Admin', canSubscribe: true },
		staff0001: { unionid: 'emuUnionStaff0001', name: 'Emulator Staff', canSubscribe: false },
	},
	spaces = ['24000001', '24000002'],
	// The HTTP push URL as if already saved in the developer console (skips the check_url on saving).
	callbackUrl,
	// The console's event subscription mode: HTTP push, or Stream (no URL; events over WebSocket connections).
	deliveryMode = 'http',
	stream: streamConfig = {},
}: {
	appKey?: string;
	appSecret?: string;
	corpId?: string;
	callbackToken?: string;
	aesKey?: string;
	ownerKey?: string;
	tokenLifetimeSeconds?: number;
	retryDelaysMs?: number[];
	replyTimeoutMs?: number;
	qpsLimit?: number;
	users?: Record<string, DingTalkUser>;
	spaces?: string[];
	callbackUrl?: string;
	deliveryMode?: 'http' | 'stream';
	stream?: Partial<StreamConfig>;
} = {}) {
	const stream = createDingTalkStream({ appKey, appSecret, config: streamConfig });
	const state = {
		tokens: new Map<string, number>(), // token -> expiresAt (ms)
		tokenLifetimeSeconds, // of the tokens issued from now on; POST …/token-lifetime {"seconds"} changes it
		subscriptions: new Map<string, StorageSubscription>(), // `${scope}:${scopeId}` -> subscription
		callbackUrl,
		deliveries: [] as PushDelivery[],
		faults: [] as Fault[],
		calls: new Map<string, number>(), // `${path}:${second}` -> count
		apiCalls: 0,
		expireTokensAfterCalls: undefined as number | undefined, // all tokens expire once this many more API calls were answered
		rateLimitEvery: undefined as number | undefined, // every Nth API call is answered 403 QpsLimitForAppkeyAndApi
		ownerKey: ownerKey || appKey,
		retryDelaysMs: [...retryDelaysMs],
		replyTimeoutMs,
		qpsLimit,
		deliveryMode,
		timers: new Set<NodeJS.Timeout>(),
	};
	const error = (code: string, message: string) => ({ code, message, requestid: crypto.randomBytes(8).toString('hex') });

	function currentToken(): string | undefined {
		for (const [token, expiresAt] of state.tokens) if (expiresAt > Date.now()) return token;
		return undefined;
	}

	function overQpsLimit(ctx: RequestContext): boolean {
		const key = `${ctx.path}:${Math.floor(Date.now() / 1000)}`;
		const count = (state.calls.get(key) || 0) + 1;
		state.calls.set(key, count);
		return count > state.qpsLimit;
	}

	// ---- HTTP push ----

	function envelope(payload: object, { tamper }: { tamper?: Tamper } = {}) {
		const timestamp = String(Date.now());
		const nonce = randomNonce();
		let encrypted = encrypt(aesKey, JSON.stringify(payload), tamper === 'ownerKey' ? 'dingsomeoneelse00000' : state.ownerKey);
		if (tamper === 'ciphertext') {
			// Flipping the first byte garbles block 0 and flips the length field in block 1.
			const bytes = Buffer.from(encrypted, 'base64');
			bytes[0] ^= 0xff;
			encrypted = bytes.toString('base64');
		}
		let signature = sign(tamper === 'token' ? 'not-the-token' : callbackToken, timestamp, nonce, encrypted);
		if (tamper === 'signature') signature = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
		const query = new URLSearchParams({ msg_signature: signature, timestamp, nonce });
		return { query, body: JSON.stringify({ encrypt: encrypted }) };
	}

	/** What DingTalk checks in a reply: 200, JSON, a valid signature, and "success" encrypted for this app. */
	function judgeReply(result: Delivery, elapsedMs: number): string | undefined {
		if (result.error) return `no answer: ${result.error}`;
		if (elapsedMs > state.replyTimeoutMs) return `answered after ${elapsedMs} ms (limit ${state.replyTimeoutMs} ms)`;
		if (result.statusCode !== 200) return `HTTP ${result.statusCode}`;
		let reply: Record<string, unknown>;
		try {
			reply = JSON.parse(result.body);
		} catch {
			return 'reply is not JSON';
		}
		for (const field of ['msg_signature', 'timeStamp', 'nonce', 'encrypt']) {
			if (typeof reply[field] !== 'string' || reply[field] === '') return `reply lacks ${field}`;
		}
		const { timeStamp, nonce, encrypt: encrypted, msg_signature: signature } = reply as Record<string, string>;
		if (sign(callbackToken, timeStamp, nonce, encrypted) !== signature) return 'reply signature does not match';
		let decrypted;
		try {
			decrypted = decrypt(aesKey, encrypted);
		} catch (cause) {
			return `reply does not decrypt: ${(cause as Error).message}`;
		}
		if (decrypted.ownerKey !== state.ownerKey) return `reply owner key is ${decrypted.ownerKey}, expected ${state.ownerKey}`;
		if (decrypted.text !== 'success') return `reply says ${JSON.stringify(decrypted.text)}, not "success"`;
		return undefined;
	}

	async function attempt(delivery: PushDelivery): Promise<PushDelivery> {
		const { query, body } = envelope(delivery.payload, { tamper: delivery.tamper });
		const started = Date.now();
		const url = delivery.url as string;
		const result = await deliver(`${url}${url.includes('?') ? '&' : '?'}${query}`, {
			headers: { 'content-type': 'application/json', 'user-agent': 'DingTalk-HttpPush/emulator' },
			body,
		});
		const elapsedMs = Date.now() - started;
		const reason = judgeReply(result, elapsedMs);
		delivery.attempts.push({ at: started, statusCode: result.statusCode, elapsedMs, accepted: !reason, reason, response: result.body });
		delivery.accepted = !reason;
		const retryDelay = state.retryDelaysMs[delivery.attempts.length - 1];
		if (reason && delivery.retry && retryDelay !== undefined) {
			delivery.nextAttemptAt = Date.now() + retryDelay;
			const timer = setTimeout(() => {
				state.timers.delete(timer);
				attempt(delivery);
			}, retryDelay);
			timer.unref();
			state.timers.add(timer);
		} else {
			delivery.nextAttemptAt = undefined;
		}
		return delivery;
	}

	function push(
		kind: PushDelivery['kind'],
		payload: object,
		{ url = state.callbackUrl, tamper, retry = true }: { url?: string; tamper?: Tamper; retry?: boolean } = {},
	): Promise<PushDelivery> {
		const delivery: PushDelivery = { id: `d${state.deliveries.length + 1}`, kind, url, payload, tamper, retry, attempts: [], accepted: false };
		state.deliveries.push(delivery);
		return attempt(delivery);
	}

	function storagePayload(body: DingTalkBody, subscription: StorageSubscription | undefined) {
		const eventId = body.eventId || crypto.randomUUID().replace(/-/g, '');
		const scope = subscription ? subscription.scope : body.scope || 'ORG';
		const scopeId = subscription ? subscription.scopeId : body.scopeId || corpId;
		return {
			EventType: body.eventType || 'storage_dentry_update',
			EventTime: Date.now(),
			CorpId: corpId,
			BizId: body.bizId || `biz-${eventId}`,
			eventId,
			spaceId: body.spaceId || (scope === 'SPACE' ? scopeId : spaces[0]),
			dentryId: body.dentryId || String(100000 + state.deliveries.length + stream.events.length),
			eventScope: scope,
			eventScopeId: scopeId,
			extension: body.extension || 'pdf',
			unionId: body.unionId || Object.values(users)[0].unionid,
			type: body.type || 'FILE',
		};
	}

	async function handleControl(ctx: RequestContext) {
		const body = bodyOf(ctx);
		const route = ctx.path.replace('/_emulator/dingtalk/', '');
		if (route === 'state' && ctx.method === 'GET') {
			return ctx.reply(200, {
				subscriptions: [...state.subscriptions.values()],
				callbackUrl: state.callbackUrl,
				deliveries: state.deliveries.map(({ tamper, retry, ...rest }) => ({ ...rest, tamper, retry })),
				validTokens: [...state.tokens.values()].filter((expiresAt) => expiresAt > Date.now()).length,
				deliveryMode: state.deliveryMode,
				stream: stream.snapshot().counters,
			});
		}
		if (route === 'delivery' && ctx.method === 'POST') {
			if (body.mode !== 'http' && body.mode !== 'stream') return ctx.reply(400, { error: 'mode must be "http" or "stream"' });
			state.deliveryMode = body.mode;
			return ctx.reply(200, { ok: true });
		}
		if (route === 'stream' && ctx.method === 'GET') {
			return ctx.reply(200, { ...stream.snapshot(), ...(ctx.query.frames ? { received: stream.received } : {}) });
		}
		if (route === 'stream/fault' && ctx.method === 'POST') {
			if (!['abrupt', 'silence', 'disconnect', 'close'].includes(String(body.kind))) {
				return ctx.reply(400, { error: 'kind must be abrupt, silence, disconnect or close' });
			}
			return ctx.reply(200, { affected: stream.fault(body.kind as StreamFault) });
		}
		if (route === 'stream/config' && ctx.method === 'POST') {
			stream.configure(body as Record<string, unknown>);
			return ctx.reply(200, { config: stream.config });
		}
		if (route === 'stream/send' && ctx.method === 'POST') {
			const text = typeof body.text === 'string' ? body.text : JSON.stringify(body.frame);
			return ctx.reply(200, { sent: stream.sendRaw(text) });
		}
		if (route === 'console' && ctx.method === 'POST') {
			// Saving the HTTP push URL in the developer console: DingTalk first sends check_url and saves
			// the URL only when the reply is a valid encrypted "success".
			const delivery = await push('check_url', { EventType: 'check_url' }, { url: body.callbackUrl, retry: false });
			if (delivery.accepted) state.callbackUrl = body.callbackUrl;
			return ctx.reply(200, { saved: delivery.accepted, delivery });
		}
		if (route === 'check-url' && ctx.method === 'POST') {
			// The console's "verify" button for the saved URL.
			const delivery = await push('check_url', { EventType: 'check_url' }, { retry: false, tamper: body.tamper });
			return ctx.reply(200, { delivery });
		}
		if (route === 'fire' && ctx.method === 'POST') {
			if (state.deliveryMode === 'http' && !state.callbackUrl) return ctx.reply(409, { error: 'no HTTP push URL saved in the console' });
			const subscription = body.scope
				? state.subscriptions.get(`${body.scope}:${body.scopeId}`)
				: [...state.subscriptions.values()][0];
			if (!subscription && !body.force) return ctx.reply(409, { error: 'no storage event subscription covers this scope' });
			if (state.deliveryMode === 'stream') return ctx.reply(200, { event: stream.fire(storagePayload(body, subscription)) });
			const delivery = await push('event', storagePayload(body, subscription), { tamper: body.tamper, retry: body.retry !== false });
			return ctx.reply(200, { delivery });
		}
		if (route === 'forget' && ctx.method === 'POST') {
			const removed = [...state.subscriptions.keys()];
			state.subscriptions.clear();
			return ctx.reply(200, { removed });
		}
		if (route === 'expire-tokens' && ctx.method === 'POST') {
			for (const token of state.tokens.keys()) state.tokens.set(token, 0);
			return ctx.reply(200, { ok: true });
		}
		if (route === 'token-lifetime' && ctx.method === 'POST') {
			state.tokenLifetimeSeconds = Number(body.seconds);
			return ctx.reply(200, { ok: true });
		}
		if (route === 'faults' && ctx.method === 'POST') {
			state.faults.push(faultFrom(ctx));
			return ctx.reply(200, { ok: true });
		}
		if (route === 'schedule' && ctx.method === 'POST') {
			state.apiCalls = 0;
			state.expireTokensAfterCalls = body.expireTokensAfterCalls;
			state.rateLimitEvery = body.rateLimitEvery;
			return ctx.reply(200, { ok: true });
		}
		if (route === 'config' && ctx.method === 'POST') {
			if (Array.isArray(body.retryDelaysMs)) state.retryDelaysMs = body.retryDelaysMs.map(Number);
			if (body.replyTimeoutMs !== undefined) state.replyTimeoutMs = Number(body.replyTimeoutMs);
			if (body.qpsLimit !== undefined) state.qpsLimit = Number(body.qpsLimit);
			if (body.ownerKey !== undefined) state.ownerKey = String(body.ownerKey);
			return ctx.reply(200, { ok: true });
		}
		if (route === 'reset' && ctx.method === 'POST') {
			for (const timer of state.timers) clearTimeout(timer);
			state.timers.clear();
			state.tokens.clear();
			state.tokenLifetimeSeconds = tokenLifetimeSeconds;
			state.subscriptions.clear();
			state.deliveries.length = 0;
			state.faults.length = 0;
			state.calls.clear();
			state.apiCalls = 0;
			state.expireTokensAfterCalls = undefined;
			state.rateLimitEvery = undefined;
			state.callbackUrl = undefined;
			state.deliveryMode = deliveryMode;
			stream.reset();
			return ctx.reply(200, { ok: true });
		}
		return ctx.reply(404, { error: 'unknown control endpoint' });
	}

	// ---- OpenAPI ----

	function issueToken(ctx: RequestContext) {
		const body = bodyOf(ctx);
		if (body.appKey !== appKey || body.appSecret !== appSecret) {
			return ctx.reply(400, error('invalidClientIdOrSecret', '无效的clientId或者clientSecret'));
		}
		// Asking again while a token is valid returns the same token with its life extended.
		const token = currentToken() || `dt-${crypto.randomBytes(12).toString('hex')}`;
		state.tokens.set(token, Date.now() + state.tokenLifetimeSeconds * 1000);
		return ctx.reply(200, { accessToken: token, expireIn: state.tokenLifetimeSeconds });
	}

	const tokenIsValid = (token: unknown) => typeof token === 'string' && (state.tokens.get(token) || 0) > Date.now();

	function storageEvents(ctx: RequestContext, action: 'subscribe' | 'unsubscribe') {
		const body = bodyOf(ctx);
		const unionId = ctx.query.unionId;
		if (!unionId) return ctx.reply(400, error('paramError', '参数错误: unionId'));
		if (body.scope !== 'ORG' && body.scope !== 'SPACE') return ctx.reply(400, error('paramError.scope', `参数错误: scope ${body.scope}`));
		if (typeof body.scopeId !== 'string' || body.scopeId === '') return ctx.reply(400, error('paramError.scopeId', '参数错误: scopeId'));
		const user = Object.values(users).find((candidate) => candidate.unionid === unionId);
		if (!user || !user.canSubscribe) return ctx.reply(403, error('permissionDenied', '用户缺少订阅事件的权限'));
		// ASSUMED: a scope ID that does not exist is reported as paramError.scopeId.
		if (body.scope === 'ORG' && body.scopeId !== corpId) return ctx.reply(400, error('paramError.scopeId', `参数错误: scopeId ${body.scopeId}`));
		if (body.scope === 'SPACE' && !spaces.includes(body.scopeId)) return ctx.reply(400, error('paramError.scopeId', `参数错误: scopeId ${body.scopeId}`));
		const key = `${body.scope}:${body.scopeId}`;
		// ASSUMED: subscribing twice and unsubscribing an unsubscribed scope both succeed.
		if (action === 'subscribe') state.subscriptions.set(key, { scope: body.scope, scopeId: body.scopeId, unionId, at: Date.now() });
		else state.subscriptions.delete(key);
		return ctx.reply(200, { success: true });
	}

	function legacyApi(ctx: RequestContext) {
		if (!tokenIsValid(ctx.query.access_token)) {
			return ctx.reply(200, { errcode: 88, sub_code: '40014', sub_msg: '不合法的access_token', errmsg: 'ding talk error[subcode=40014,submsg=不合法的access_token]', request_id: 'emu' });
		}
		if (ctx.path === '/auth/scopes' && ctx.method === 'GET') {
			return ctx.reply(200, { errcode: 0, errmsg: 'ok', auth_user_field: ['name', 'unionid'], auth_org_scopes: { authed_dept: [1], authed_user: [] } });
		}
		if (ctx.path === '/topapi/v2/user/get' && ctx.method === 'POST') {
			const userid = bodyOf(ctx).userid;
			const user = userid === undefined ? undefined : users[userid];
			if (!user) return ctx.reply(200, { errcode: 60121, errmsg: '找不到该用户', request_id: 'emu' });
			return ctx.reply(200, { errcode: 0, errmsg: 'ok', result: { userid, unionid: user.unionid, name: user.name }, request_id: 'emu' });
		}
		return ctx.reply(404, { errcode: 404, errmsg: 'not found' });
	}

	async function handle(ctx: RequestContext) {
		if (ctx.path.startsWith('/_emulator/dingtalk/')) return handleControl(ctx);

		if (injectFault(state.faults, ctx, () => error('systemError', 'InjectedFault'))) return;

		if (ctx.path === '/v1.0/oauth2/accessToken' && ctx.method === 'POST') return issueToken(ctx);
		// The Stream gateway takes the App Key and App Secret in the body, no access token.
		if (ctx.path === '/v1.0/gateway/connections/open' && ctx.method === 'POST') return stream.openTicket(ctx);
		state.apiCalls += 1;
		if (state.expireTokensAfterCalls !== undefined && state.apiCalls > state.expireTokensAfterCalls) {
			for (const token of state.tokens.keys()) state.tokens.set(token, 0);
			state.expireTokensAfterCalls = undefined;
		}
		if (!ctx.path.startsWith('/v1.0/')) return legacyApi(ctx);

		const token = ctx.headers['x-acs-dingtalk-access-token'];
		if (!token) return ctx.reply(400, error('AuthenticationFailed.MissingParameter', '缺少参数：x-acs-dingtalk-access-token'));
		if (!tokenIsValid(token)) return ctx.reply(400, error('InvalidAuthentication', '不合法的access_token'));
		if ((state.rateLimitEvery && state.apiCalls % state.rateLimitEvery === 0) || overQpsLimit(ctx)) return ctx.reply(403, error('Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', '应用调用该接口的并发量超过限制'));

		if (ctx.path === '/v1.0/storage/events/subscribe' && ctx.method === 'POST') return storageEvents(ctx, 'subscribe');
		if (ctx.path === '/v1.0/storage/events/unsubscribe' && ctx.method === 'POST') return storageEvents(ctx, 'unsubscribe');
		return ctx.reply(404, error('NotFound', 'no such API'));
	}

	return { name: 'dingtalk', state, handle, push, stream, appKey, appSecret, corpId, callbackToken, aesKey, users, spaces };
}


export type DingTalkEmulator = ReturnType<typeof createDingTalkEmulator>;
