/**
 * Huawei Cloud SMN emulator: IAM password tokens, the API gateway's token and AK/SK checks, SMN
 * topics, subscriptions (add/list/delete, statuses 0–4, idempotent add, error codes), publish, and
 * signed HTTP(S) deliveries with the confirmation flow. Deliveries go to loopback addresses only.
 *
 * Behaviour follows ../shared/docs/vendor-huawei-smn.md. Where the docs leave things open, the
 * emulator's choice is marked ASSUMED.
 */
import crypto from 'node:crypto';
import { deliver, faultFrom, injectFault, matchPath, type Delivery, type Fault, type RequestContext } from './server';
import { checkGatewaySignature, createSelfSignedCertificate, signSmnMessage, type SmnMessage } from './smn-crypto';

const PROTOCOLS = ['email', 'sms', 'functionstage', 'functiongraph', 'http', 'https', 'callnotify', 'wechat', 'dingding', 'feishu', 'welink', 'dingTalkBot'];
// ASSUMED: robot, function and WeLink subscriptions need no confirmation (status 2); the others start unconfirmed.
const NEEDS_CONFIRMATION = new Set(['email', 'sms', 'http', 'https', 'callnotify']);
const CONFIRMATIONS_PER_WINDOW = 200;
const CONFIRMATION_WINDOW_MS = 10 * 60 * 1000;

const hex = (bytes: number) => crypto.randomBytes(bytes).toString('hex');
const requestId = () => hex(16);
const smnError = (code: string, message: string) => ({ request_id: requestId(), code, message });
const gatewayError = (message: string) => ({ error_msg: message, error_code: 'APIG.0301', request_id: requestId() });

interface Topic {
	topic_urn: string;
	name: string;
	display_name: string;
	push_policy: number;
	enterprise_project_id: string;
	topic_id: string;
	create_time: string;
	update_time: string;
}

interface Subscription {
	topic_urn: string;
	protocol: string;
	subscription_urn: string;
	owner: string;
	endpoint: string;
	remark: string;
	/** 0 unconfirmed, 1 confirmed, 2 needs no confirmation, 3 unsubscribed, 4 deleted. */
	status: number;
	extension?: SubscriptionExtension;
	created_at: number;
	/** The token of the confirmation link last sent. */
	token?: string;
}

interface SubscriptionExtension {
	header?: Record<string, string>;
	keyword?: string;
	sign_secret?: string;
	client_id?: string;
	client_secret?: string;
}

interface SmnDelivery {
	subscription_urn: string;
	endpoint: string;
	type: unknown;
	message_id: unknown;
	raw: string;
	statusCode: number;
	response: string;
	error?: string;
	at: number;
}

/** Which certificate signs a message: SMN's current one, an expired one, or one behind a redirect. */
type CertificateChoice = 'current' | 'expired' | 'redirect';

/** The fields the control endpoints and the API calls read from a JSON body. */
interface SmnBody {
	protocol?: string;
	endpoint?: string;
	remark?: unknown;
	extension?: SubscriptionExtension;
	message_structure?: string;
	message_template_name?: string;
	tags?: Record<string, unknown>;
	message?: string;
	subject?: unknown;
	time_to_live?: unknown;
	subscription_urn?: string;
	name?: string;
	display_name?: string;
	replay?: string;
	type?: string;
	overrides?: SmnMessage;
	tamper?: SmnMessage;
	certificate?: CertificateChoice;
	forge?: boolean;
	status?: unknown;
	limit?: unknown;
	windowMs?: unknown;
	expireTokensAfterCalls?: number;
	seconds?: number;
	rateLimitEvery?: number;
	rejectLoopback?: boolean;
}

/** The IAM token request body (POST /v3/auth/tokens), as far as the emulator reads it. */
interface TokenRequest {
	auth?: {
		identity?: { methods?: unknown; password?: { user?: { name?: string; password?: string; domain?: { name?: string } } } };
		scope?: { project?: { id?: string; name?: string } };
	};
}

const bodyOf = (ctx: RequestContext) => (ctx.json ?? {}) as SmnBody;

export function createSmnEmulator({
	region = 'cn-north-4',
	projectId = '0919a0fb38f24ff5b3e8c4a1b2c3d4e5',
	domainName = 'emulator-account',
	users = [{ name: 'n8n-smn', password: 'emulator-password' }],
	accessKeys = { EMULATORAKEXAMPLE0001: 'emulator-secret-key-0001' },
	tokenLifetimeSeconds = 86_400,
	topics = ['orders', 'alerts'],
	templates = { order_shipped: 'Order {order_id} shipped to {city}' },
	retryOn5xx = 0,
	// ASSUMED: SMN sends the confirmation shortly after answering AddSubscription (the docs only say "asynchronously").
	confirmationDelayMs = 300,
}: {
	region?: string;
	projectId?: string;
	domainName?: string;
	users?: { name: string; password: string }[];
	accessKeys?: Record<string, string>;
	tokenLifetimeSeconds?: number;
	topics?: string[];
	templates?: Record<string, string>;
	retryOn5xx?: number;
	confirmationDelayMs?: number;
} = {}) {
	const signing = createSelfSignedCertificate({ commonName: `smn.${region}.myhuaweicloud.com` });
	const expired = createSelfSignedCertificate({
		commonName: `smn.${region}.myhuaweicloud.com`,
		notBefore: new Date(Date.now() - 2 * 365 * 24 * 3600 * 1000),
		notAfter: new Date(Date.now() - 24 * 3600 * 1000),
	});
	const forger = createSelfSignedCertificate({ commonName: 'forger.example' });
	const certificateNames = {
		current: `SMN_${region}_${hex(16)}.pem`,
		expired: `SMN_${region}_${hex(16)}.pem`,
		redirect: `SMN_${region}_${hex(16)}.pem`,
	};

	const state = {
		topics: new Map<string, Topic>(), // urn -> topic
		subscriptions: new Map<string, Subscription>(), // urn -> subscription
		tokens: new Map<string, number>(), // token -> expires at (ms)
		tokenLifetimeSeconds, // of the tokens issued from now on; POST …/token-lifetime {"seconds"} changes it
		deliveries: [] as SmnDelivery[],
		confirmationsSent: new Map<string, number[]>(), // endpoint -> timestamps
		faults: [] as Fault[],
		expireTokensAfterCalls: undefined as number | undefined, // every token expires once this many more API calls were answered
		rateLimitEvery: undefined as number | undefined, // every Nth API call is throttled (APIG.0308)
		apiCalls: 0,
		rejectLoopback: false,
		rateLimit: undefined as { limit: number; windowMs: number; hits: number[] } | undefined,
	};

	const topicUrn = (name: string) => `urn:smn:${region}:${projectId}:${name}`;
	function addTopic(name: string, displayName = ''): Topic {
		const topic: Topic = {
			topic_urn: topicUrn(name),
			name,
			display_name: displayName,
			push_policy: 0,
			enterprise_project_id: '0',
			topic_id: hex(16),
			create_time: new Date().toISOString(),
			update_time: new Date().toISOString(),
		};
		state.topics.set(topic.topic_urn, topic);
		return topic;
	}
	topics.forEach((name) => addTopic(name));

	const certificateUrl = (baseUrl: string | undefined, which: CertificateChoice = 'current') => `${baseUrl}/smn/${certificateNames[which]}`;

	function authenticate(ctx: RequestContext) {
		const token = ctx.headers['x-auth-token'] as string | undefined;
		if (token !== undefined) {
			const expiresAt = state.tokens.get(token);
			if (expiresAt === undefined) return gatewayError('Incorrect IAM authentication information: decrypt token fail');
			if (expiresAt <= Date.now()) return gatewayError(`Incorrect IAM authentication information: token expires, expires_at: ${new Date(expiresAt).toISOString()}`);
			return undefined;
		}
		if (ctx.headers.authorization) {
			const problem = checkGatewaySignature(
				{ method: ctx.method, path: ctx.path, query: ctx.query, headers: ctx.headers, body: ctx.rawBody },
				accessKeys,
			);
			if (problem) return gatewayError(`Incorrect IAM authentication information: ${problem}`);
			if (ctx.headers['x-project-id'] !== undefined && ctx.headers['x-project-id'] !== projectId) {
				return gatewayError('Incorrect IAM authentication information: project id mismatch'); // ASSUMED wording
			}
			return undefined;
		}
		return gatewayError('Incorrect IAM authentication information: x-auth-token not found');
	}

	function issueToken(ctx: RequestContext) {
		const auth = (ctx.json as TokenRequest | undefined)?.auth || {};
		const user = auth.identity && auth.identity.password && auth.identity.password.user;
		if (!user || !Array.isArray(auth.identity?.methods) || !auth.identity.methods.includes('password')) {
			return ctx.reply(400, { error: { code: 400, message: 'The request body is invalid.', title: 'Bad Request' } });
		}
		const known = users.find((u) => u.name === user.name && u.password === user.password);
		if (!known || !user.domain || user.domain.name !== domainName) {
			return ctx.reply(401, { error: { code: 401, message: 'The username or password is wrong.', title: 'Unauthorized' } });
		}
		const scope: { id?: string; name?: string } = (auth.scope && auth.scope.project) || {};
		if ((scope.id !== undefined && scope.id !== projectId) || (scope.id === undefined && scope.name !== region)) {
			return ctx.reply(400, { error: { code: 400, message: 'The project in scope does not exist.', title: 'Bad Request' } }); // ASSUMED
		}
		const token = `MII${hex(48)}`;
		const expiresAt = Date.now() + state.tokenLifetimeSeconds * 1000;
		state.tokens.set(token, expiresAt);
		const micro = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');
		return ctx.reply(
			201,
			{
				token: {
					expires_at: micro(expiresAt),
					issued_at: micro(Date.now()),
					methods: ['password'],
					project: { id: projectId, name: region, domain: { id: hex(16), name: domainName } },
					roles: [{ id: hex(16), name: 'smn_adm' }],
					user: { id: hex(16), name: known.name, domain: { id: hex(16), name: domainName }, password_expires_at: '' },
				},
			},
			{ 'X-Subject-Token': token },
		);
	}

	function page<T>(items: T[], query: Record<string, string>): T[] | undefined {
		const offset = Number(query.offset || 0);
		const limit = Number(query.limit || 100);
		if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(limit) || limit < 1 || limit > 100) return undefined;
		return items.slice(offset, offset + limit);
	}

	function validateEndpoint(protocol: string, endpoint: unknown): boolean {
		if (typeof endpoint !== 'string' || endpoint === '') return false;
		if (protocol === 'http' || protocol === 'https') {
			if (!endpoint.startsWith(`${protocol}://`)) return false;
			// Real SMN refuses private and loopback addresses; the emulator allows them so a local n8n can subscribe. ASSUMED switchable.
			return !(state.rejectLoopback && /^https?:\/\/(127\.|localhost|\[::1\])/.test(endpoint));
		}
		if (protocol === 'email') return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(endpoint);
		if (protocol === 'sms' || protocol === 'callnotify') return /^\+?[0-9]{5,20}$/.test(endpoint);
		return true;
	}

	function baseMessage(subscription: Subscription, type: string, fields: SmnMessage): SmnMessage {
		return {
			type,
			topic_urn: subscription.topic_urn,
			message_id: hex(16),
			timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
			...fields,
		};
	}

	function signed(
		message: SmnMessage,
		{ baseUrl, certificate = 'current', forge = false }: { baseUrl?: string; certificate?: CertificateChoice; forge?: boolean } = {},
	): SmnMessage {
		const key = forge ? forger : certificate === 'expired' ? expired : signing;
		const withCert = { signing_cert_url: certificateUrl(baseUrl, certificate === 'redirect' ? 'redirect' : certificate), ...message };
		return { ...withCert, signature_version: 'v1', signature: signSmnMessage(withCert, key.privateKey) };
	}

	async function send(subscription: Subscription, body: SmnMessage, rawOverride?: string): Promise<SmnDelivery> {
		const headers: Record<string, string> = {
			'content-type': 'application/json',
			'x-smn-message-type': body.type as string,
			'x-smn-message-id': body.message_id as string,
			'x-smn-topic-urn': body.topic_urn as string,
			'x-smn-subscription-urn': subscription.subscription_urn,
			...(subscription.status === 1 && subscription.extension && subscription.extension.header ? subscription.extension.header : {}),
		};
		const raw = rawOverride || JSON.stringify(body);
		let result: Delivery = { statusCode: 0, body: '' };
		for (let attempt = 0; attempt <= retryOn5xx; attempt++) {
			result = await deliver(subscription.endpoint, { headers, body: raw });
			if (!(result.statusCode >= 500)) break;
		}
		const record = { subscription_urn: subscription.subscription_urn, endpoint: subscription.endpoint, type: body.type, message_id: body.message_id, raw, statusCode: result.statusCode, response: result.body, error: result.error, at: Date.now() };
		state.deliveries.push(record);
		return record;
	}

	function confirmationFor(subscription: Subscription, baseUrl: string): SmnMessage {
		subscription.token = hex(32);
		const subscribeUrl = `${baseUrl}/v2/notifications/subscriptions/subscribe?${new URLSearchParams({ topic_urn: subscription.topic_urn, endpoint: subscription.endpoint, token: subscription.token })}`;
		return baseMessage(subscription, 'SubscriptionConfirmation', {
			message: `You are invited to subscribe to topic ${subscription.topic_urn}. To confirm the subscription, visit the subscribe_url included in this message. The URL is valid for 48 hours.`,
			subscribe_url: subscribeUrl,
		});
	}

	async function sendConfirmation(subscription: Subscription, baseUrl: string): Promise<SmnDelivery | { skipped: string }> {
		const sent = (state.confirmationsSent.get(subscription.endpoint) || []).filter((at) => at > Date.now() - CONFIRMATION_WINDOW_MS);
		if (sent.length >= CONFIRMATIONS_PER_WINDOW) return { skipped: 'confirmation rate limit (200 per 10 minutes)' };
		sent.push(Date.now());
		state.confirmationsSent.set(subscription.endpoint, sent);
		return send(subscription, signed(confirmationFor(subscription, baseUrl), { baseUrl }));
	}

	function listItem(subscription: Subscription) {
		const { topic_urn, protocol, subscription_urn, owner, endpoint, remark, status, extension } = subscription;
		return { topic_urn, protocol, subscription_urn, owner, endpoint, remark, status, filter_polices: [], ...(extension ? { extension } : {}) };
	}

	function addSubscription(ctx: RequestContext, topic: Topic) {
		const body = bodyOf(ctx);
		if (body.protocol === undefined || !PROTOCOLS.includes(body.protocol)) return ctx.reply(400, smnError('SMN.0011', 'Invalid protocol.'));
		if (!validateEndpoint(body.protocol, body.endpoint)) return ctx.reply(400, smnError('SMN.0012', 'Invalid endpoint.'));
		if (body.remark !== undefined && Buffer.byteLength(String(body.remark), 'utf8') > 128) return ctx.reply(400, smnError('SMN.0082', 'The remark is too long.'));
		if (body.protocol === 'feishu' && !(body.extension && (body.extension.keyword || body.extension.sign_secret))) {
			return ctx.reply(400, smnError('SMN.0160', 'Invalid endpoint.')); // ASSUMED code for a missing feishu keyword/sign_secret
		}
		if (body.protocol === 'welink' && !(body.extension && body.extension.client_id && body.extension.client_secret)) {
			return ctx.reply(400, smnError('SMN.0160', 'Invalid endpoint.')); // ASSUMED
		}
		const existing = [...state.subscriptions.values()].find((s) => s.topic_urn === topic.topic_urn && s.endpoint === body.endpoint && s.protocol === body.protocol);
		if (existing) {
			// ASSUMED body: the documented 200 carries SMN.0190 next to the existing URN.
			return ctx.reply(200, { request_id: requestId(), subscription_urn: existing.subscription_urn, code: 'SMN.0190', message: 'The endpoint already exists.' });
		}
		const subscription: Subscription = {
			topic_urn: topic.topic_urn,
			protocol: body.protocol,
			subscription_urn: `${topic.topic_urn}:${hex(16)}`,
			owner: projectId,
			endpoint: body.endpoint as string,
			remark: (body.remark || '') as string,
			status: NEEDS_CONFIRMATION.has(body.protocol) ? 0 : 2,
			...(body.extension ? { extension: body.extension } : {}),
			created_at: Date.now(),
		};
		state.subscriptions.set(subscription.subscription_urn, subscription);
		ctx.reply(201, { request_id: requestId(), subscription_urn: subscription.subscription_urn });
		if (body.protocol === 'http' || body.protocol === 'https') {
			// SMN confirms asynchronously, after answering the subscribe call.
			setTimeout(() => sendConfirmation(subscription, ctx.baseUrl), confirmationDelayMs);
		}
		return undefined;
	}

	function publish(ctx: RequestContext, topic: Topic) {
		const body = bodyOf(ctx);
		let text: (protocol: string) => string;
		if (body.message_structure !== undefined) {
			let structure: Record<string, string> | undefined;
			try {
				structure = JSON.parse(body.message_structure);
			} catch {
				return ctx.reply(400, smnError('SMN.0021', 'Invalid message_structure.'));
			}
			if (!structure || typeof structure.default !== 'string') return ctx.reply(400, smnError('SMN.0021', 'Invalid message_structure.'));
			const messages = structure;
			text = (protocol) => messages[protocol] ?? messages.default;
		} else if (body.message_template_name !== undefined) {
			const template = templates[body.message_template_name];
			if (!template) return ctx.reply(404, smnError('SMN.0034', 'Message template not found.')); // ASSUMED code
			const rendered = template.replace(/\{([A-Za-z0-9_]+)\}/g, (_, tag: string) => String((body.tags || {})[tag] ?? ''));
			text = () => rendered;
		} else if (typeof body.message === 'string' && body.message !== '') {
			if (Buffer.byteLength(body.message) > 256 * 1024) return ctx.reply(403, smnError('SMN.0009', 'Invalid message.'));
			const message = body.message;
			text = () => message;
		} else {
			return ctx.reply(403, smnError('SMN.0009', 'Invalid message.'));
		}
		if (body.subject !== undefined && Buffer.byteLength(String(body.subject)) > 512) return ctx.reply(403, smnError('SMN.0008', 'Invalid subject.'));
		if (body.time_to_live !== undefined && !(Number(body.time_to_live) >= 1 && Number(body.time_to_live) <= 86400)) {
			return ctx.reply(400, smnError('SMN.0009', 'Invalid time_to_live.')); // ASSUMED code
		}
		const messageId = hex(16);
		ctx.reply(200, { request_id: requestId(), message_id: messageId });
		const receivers = [...state.subscriptions.values()].filter((s) => s.topic_urn === topic.topic_urn && s.status === 1 && (s.protocol === 'http' || s.protocol === 'https'));
		setImmediate(() => {
			for (const subscription of receivers) {
				const message = baseMessage(subscription, 'Notification', {
					message: text(subscription.protocol),
					message_id: messageId,
					...(body.subject ? { subject: body.subject } : {}),
					unsubscribe_url: `${ctx.baseUrl}/v2/notifications/subscriptions/unsubscribe?subscription_urn=${encodeURIComponent(subscription.subscription_urn)}`,
				});
				send(subscription, signed(message, { baseUrl: ctx.baseUrl }));
			}
		});
		return undefined;
	}

	function findSubscription(body: SmnBody): Subscription | undefined {
		return [...state.subscriptions.values()].find(
			(s) => (body.subscription_urn === undefined || s.subscription_urn === body.subscription_urn) && (body.endpoint === undefined || s.endpoint === body.endpoint),
		);
	}

	async function handleControl(ctx: RequestContext) {
		const body = bodyOf(ctx);
		if (ctx.path === '/_emulator/smn/state' && ctx.method === 'GET') {
			return ctx.reply(200, {
				region,
				projectId,
				topics: [...state.topics.values()],
				subscriptions: [...state.subscriptions.values()].map(listItem),
				deliveries: state.deliveries,
				certificateUrl: certificateUrl(ctx.baseUrl),
			});
		}
		if (ctx.path === '/_emulator/smn/topics' && ctx.method === 'POST') {
			return ctx.reply(200, addTopic(body.name as string, body.display_name));
		}
		if (ctx.path === '/_emulator/smn/fire' && ctx.method === 'POST') {
			// Sends one message to a subscription's endpoint. Options model attacks:
			// overrides (signed over), tamper (changed after signing), forge (a key that is not SMN's),
			// certificate: 'expired' | 'redirect', replay: a message_id delivered before (sent again byte for byte).
			const subscription = findSubscription(body);
			if (!subscription) return ctx.reply(404, { error: 'no such subscription' });
			if (body.replay) {
				const earlier = state.deliveries.find((d) => d.message_id === body.replay);
				if (!earlier) return ctx.reply(404, { error: 'no such delivery' });
				return ctx.reply(200, await send(subscription, JSON.parse(earlier.raw), earlier.raw));
			}
			const type = body.type || 'Notification';
			const unsigned =
				type === 'Notification'
					? baseMessage(subscription, type, { message: body.message ?? 'hello from the emulator', ...(body.subject !== undefined ? { subject: body.subject } : {}) })
					: type === 'SubscriptionConfirmation'
						? confirmationFor(subscription, ctx.baseUrl)
						: baseMessage(subscription, type, { message: 'You have unsubscribed.', subscribe_url: `${ctx.baseUrl}/v2/notifications/subscriptions/subscribe?topic_urn=${encodeURIComponent(subscription.topic_urn)}&endpoint=${encodeURIComponent(subscription.endpoint)}&token=${hex(32)}` });
			const message = signed({ ...unsigned, ...(body.overrides || {}) }, { baseUrl: ctx.baseUrl, certificate: body.certificate, forge: Boolean(body.forge) });
			return ctx.reply(200, await send(subscription, { ...message, ...(body.tamper || {}) }));
		}
		if (ctx.path === '/_emulator/smn/resend-confirmation' && ctx.method === 'POST') {
			const subscription = findSubscription(body);
			if (!subscription) return ctx.reply(404, { error: 'no such subscription' });
			return ctx.reply(200, await sendConfirmation(subscription, ctx.baseUrl));
		}
		if (ctx.path === '/_emulator/smn/set-status' && ctx.method === 'POST') {
			const subscription = findSubscription(body);
			if (!subscription) return ctx.reply(404, { error: 'no such subscription' });
			subscription.status = Number(body.status);
			return ctx.reply(200, listItem(subscription));
		}
		if (ctx.path === '/_emulator/smn/forget' && ctx.method === 'POST') {
			const removed = [...state.subscriptions.keys()].filter((urn) => body.subscription_urn === undefined || urn === body.subscription_urn);
			removed.forEach((urn) => state.subscriptions.delete(urn));
			return ctx.reply(200, { removed });
		}
		if (ctx.path === '/_emulator/smn/expire-tokens' && ctx.method === 'POST') {
			for (const token of state.tokens.keys()) state.tokens.set(token, Date.now() - 1000);
			return ctx.reply(200, { ok: true });
		}
		if (ctx.path === '/_emulator/smn/rate-limit' && ctx.method === 'POST') {
			state.rateLimit = body.limit ? { limit: Number(body.limit), windowMs: Number(body.windowMs || 1000), hits: [] } : undefined;
			return ctx.reply(200, { ok: true });
		}
		if (ctx.path === '/_emulator/smn/token-lifetime' && ctx.method === 'POST') {
			state.tokenLifetimeSeconds = Number(body.seconds);
			return ctx.reply(200, { ok: true });
		}
		if (ctx.path === '/_emulator/smn/schedule' && ctx.method === 'POST') {
			state.expireTokensAfterCalls = body.expireTokensAfterCalls;
			state.rateLimitEvery = body.rateLimitEvery;
			state.apiCalls = 0;
			return ctx.reply(200, { ok: true });
		}
		if (ctx.path === '/_emulator/smn/faults' && ctx.method === 'POST') {
			state.faults.push(faultFrom(ctx));
			return ctx.reply(200, { ok: true });
		}
		if (ctx.path === '/_emulator/smn/reset' && ctx.method === 'POST') {
			state.subscriptions.clear();
			state.deliveries.length = 0;
			state.faults.length = 0;
			state.confirmationsSent.clear();
			state.tokens.clear();
			state.tokenLifetimeSeconds = tokenLifetimeSeconds;
			state.topics.clear();
			topics.forEach((name) => addTopic(name));
			state.rejectLoopback = Boolean(body.rejectLoopback);
			state.rateLimit = undefined;
			state.expireTokensAfterCalls = undefined;
			state.rateLimitEvery = undefined;
			state.apiCalls = 0;
			return ctx.reply(200, { ok: true });
		}
		return ctx.reply(404, { error: 'unknown control endpoint' });
	}

	async function handle(ctx: RequestContext) {
		if (ctx.path.startsWith('/_emulator/')) return handleControl(ctx);

		if (injectFault(state.faults, ctx, () => smnError('SMN.0018', 'Internal error.'))) return;

		if (ctx.path === '/v3/auth/tokens' && ctx.method === 'POST') return issueToken(ctx);

		let params = matchPath('/smn/:certificate', ctx.path);
		if (params && ctx.method === 'GET') {
			if (params.certificate === certificateNames.current) return ctx.reply(200, signing.pem, { 'content-type': 'application/octet-stream' });
			if (params.certificate === certificateNames.expired) return ctx.reply(200, expired.pem, { 'content-type': 'application/octet-stream' });
			if (params.certificate === certificateNames.redirect) return ctx.reply(302, '', { location: certificateUrl(ctx.baseUrl) });
			return ctx.reply(404, smnError('SMN.0404', 'Certificate not found.')); // ASSUMED
		}

		if (ctx.path === '/v2/notifications/subscriptions/subscribe' && ctx.method === 'GET') {
			// The public confirmation link: no IAM authentication, the token proves the message was received.
			const subscription = [...state.subscriptions.values()].find((s) => s.topic_urn === ctx.query.topic_urn && s.endpoint === ctx.query.endpoint);
			if (!subscription || !subscription.token || subscription.token !== ctx.query.token) return ctx.reply(403, smnError('SMN.0022', 'Invalid token.'));
			subscription.status = 1;
			return ctx.reply(200, { request_id: requestId(), subscription_urn: subscription.subscription_urn });
		}
		if (ctx.path === '/v2/notifications/subscriptions/unsubscribe' && ctx.method === 'GET') {
			const subscription = state.subscriptions.get(ctx.query.subscription_urn);
			if (!subscription) return ctx.reply(404, smnError('SMN.0013', 'Subscription not found.'));
			subscription.status = 3;
			return ctx.reply(200, { request_id: requestId(), subscription_urn: subscription.subscription_urn });
		}

		if (state.rateLimit) {
			const { limit, windowMs, hits } = state.rateLimit;
			const now = Date.now();
			while (hits.length > 0 && hits[0] <= now - windowMs) hits.shift();
			if (hits.length >= limit) {
				// ASSUMED: the gateway's throttling answer (APIG.0308, HTTP 429, no Retry-After header).
				return ctx.reply(429, { error_msg: 'The throttling threshold has been reached: policy user over ratelimit,limit:' + limit + ',time:1 second', error_code: 'APIG.0308', request_id: requestId() });
			}
			hits.push(now);
		}

		state.apiCalls += 1;
		if (state.rateLimitEvery && state.apiCalls % state.rateLimitEvery === 0) {
			return ctx.reply(429, { error_msg: 'The throttling threshold has been reached: policy user over ratelimit,limit:' + state.rateLimitEvery + ',time:1 second', error_code: 'APIG.0308', request_id: requestId() });
		}
		if (state.expireTokensAfterCalls !== undefined && state.apiCalls > state.expireTokensAfterCalls) {
			for (const token of state.tokens.keys()) state.tokens.set(token, Date.now() - 1000);
			state.expireTokensAfterCalls = undefined;
		}

		const unauthorized = authenticate(ctx);
		if (unauthorized) return ctx.reply(401, unauthorized);

		params = matchPath('/v2/:project/notifications/:rest', ctx.path.replace(/^(\/v2\/[^/]+\/notifications\/)(.*)$/, (_, head, rest) => head + encodeURIComponent(rest)));
		if (!params) return ctx.reply(404, smnError('SMN.0404', 'Not found.'));
		if (params.project !== projectId) return ctx.reply(403, smnError('SMN.0001', 'No permission for this project.')); // ASSUMED
		const rest = params.rest;

		if (rest === 'topics' && ctx.method === 'GET') {
			const q = ctx.query;
			const all = [...state.topics.values()]
				.filter((t) => (!q.name || t.name === q.name) && (!q.fuzzy_name || t.name.includes(q.fuzzy_name)) && (!q.topic_id || t.topic_id === q.topic_id) && (!q.fuzzy_display_name || t.display_name.includes(q.fuzzy_display_name)))
				.reverse();
			const items = page(all, q);
			if (!items) return ctx.reply(400, smnError('SMN.0015', 'Invalid offset or limit.'));
			return ctx.reply(200, { request_id: requestId(), topic_count: all.length, topics: items.map(({ topic_urn, name, display_name, push_policy, enterprise_project_id, topic_id }) => ({ topic_urn, name, display_name, push_policy, enterprise_project_id, topic_id })) });
		}
		if (rest === 'subscriptions' && ctx.method === 'GET') {
			const q = ctx.query;
			if (q.status !== undefined && !/^[0-4]$/.test(q.status)) return ctx.reply(400, smnError('SMN.0043', 'Invalid subscription status.')); // ASSUMED code
			const all = [...state.subscriptions.values()].filter((s) => (!q.protocol || s.protocol === q.protocol) && (q.status === undefined || s.status === Number(q.status)) && (!q.endpoint || s.endpoint === q.endpoint) && (!q.fuzzy_remark || s.remark.includes(q.fuzzy_remark)));
			const items = page(all, q);
			if (!items) return ctx.reply(400, smnError('SMN.0015', 'Invalid offset or limit.'));
			return ctx.reply(200, { request_id: requestId(), subscription_count: all.length, subscriptions: items.map(listItem) });
		}
		let match = /^subscriptions\/(.+)$/.exec(rest);
		if (match && ctx.method === 'DELETE') {
			if (!state.subscriptions.delete(match[1])) return ctx.reply(404, smnError('SMN.0013', 'Subscription not found.'));
			return ctx.reply(200, { request_id: requestId() });
		}
		match = /^topics\/([^/]+)(?:\/(subscriptions|publish))?(?:\/(.+))?$/.exec(rest);
		if (match) {
			const [, urn, child, childUrn] = match;
			if (!/^urn:smn:[a-z0-9-]+:[A-Za-z0-9-]+:[A-Za-z0-9_-]+$/.test(urn)) return ctx.reply(400, smnError('SMN.0005', 'Invalid topic_urn.'));
			const topic = state.topics.get(urn);
			if (!topic) return ctx.reply(404, smnError('SMN.0006', 'Topic not found.'));
			if (!child && ctx.method === 'GET') return ctx.reply(200, { request_id: requestId(), ...topic });
			if (child === 'subscriptions' && !childUrn && ctx.method === 'POST') return addSubscription(ctx, topic);
			if (child === 'subscriptions' && !childUrn && ctx.method === 'GET') {
				const all = [...state.subscriptions.values()].filter((s) => s.topic_urn === urn && (!ctx.query.fuzzy_remark || s.remark.includes(ctx.query.fuzzy_remark)));
				const items = page(all, ctx.query);
				if (!items) return ctx.reply(400, smnError('SMN.0015', 'Invalid offset or limit.'));
				return ctx.reply(200, { request_id: requestId(), subscription_count: all.length, subscriptions: items.map(listItem) });
			}
			if (child === 'subscriptions' && childUrn && ctx.method === 'DELETE') {
				const subscription = state.subscriptions.get(childUrn);
				if (!subscription || subscription.topic_urn !== urn) return ctx.reply(404, smnError('SMN.0013', 'Subscription not found.'));
				state.subscriptions.delete(childUrn);
				return ctx.reply(200, { request_id: requestId() });
			}
			if (child === 'publish' && ctx.method === 'POST') return publish(ctx, topic);
		}
		return ctx.reply(404, smnError('SMN.0404', 'Not found.'));
	}

	const vendor = {
		name: 'smn',
		baseUrl: undefined as string | undefined,
		state,
		handle,
		region,
		projectId,
		domainName,
		users,
		accessKeys,
		topicUrn,
		certificatePem: signing.pem,
		/** Signs a message as SMN would (see /_emulator/smn/fire for the options), for tests that deliver it themselves. */
		sign: (message: SmnMessage, options: { certificate?: CertificateChoice; forge?: boolean } = {}) => signed(message, { baseUrl: vendor.baseUrl, ...options }),
		certificateUrl,
	};
	return vendor;
}


export type SmnEmulator = ReturnType<typeof createSmnEmulator>;
