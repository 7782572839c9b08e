/**
 * Kdocs open platform emulator: OAuth token refresh, the user/file/schema reads the nodes use, the
 * eight dbt webhook subscribe endpoints, webhook/mine and delete, the 10-webhooks-per-document limit
 * (30016), token checks (20007) and delivery of callbacks to registered callback_urls.
 *
 * Documented behaviour follows ../shared/docs/vendor-kdocs.md. Where Kdocs publishes nothing
 * (delete path, "not found" and quota answers, webhook/mine item fields), the emulator's choice is
 * marked ASSUMED and matches what the nodes are written against; the README lists these.
 */
import crypto from 'node:crypto';
import { deliver, faultFrom, injectFault, matchPath, type Fault, type RequestContext } from './server';

export const MAX_WEBHOOKS_PER_DOCUMENT = 10;

interface Webhook {
	webhook_id: string;
	file_token: string;
	sheet_id: number;
	view_id?: string;
	fields?: string[];
	records?: string[];
	callback_url: string;
	type: string;
	created_at: number;
}

interface EventKind {
	type: string;
	sample(sheetId: number, hook: Webhook, serial: number): object;
}

interface KdocsSheet {
	id: number;
	name: string;
	fields: { id: string; name: string; type: string }[];
	views: { id: string; name: string; type: string }[];
}

interface CallbackRecord {
	webhook_id: string;
	callback_url: string;
	payload: object;
	statusCode: number;
	response: string;
	error?: string;
}

/** The fields the control endpoints and the API calls read from a JSON body. */
interface KdocsBody {
	webhook_id?: string;
	file_token?: string;
	sheet_id?: string | number;
	events?: object[];
	count?: number;
	callback_url?: unknown;
	expireTokensAfterCalls?: number;
	seconds?: number;
	rateLimitEvery?: number;
	enabled?: boolean;
	pluralTypes?: boolean;
	app_key?: string;
	refresh_token?: string;
	fields?: unknown;
	records?: unknown;
}

/** A subscribe path's parameters (file, sheet, and view or the event kind). */
interface SubscribeParams {
	file: string;
	sheet: string;
	view?: string;
	kind?: (typeof KINDS)[number];
}

const bodyOf = (ctx: RequestContext) => (ctx.json ?? {}) as KdocsBody;

const KINDS: (EventKind & { suffix: string })[] = [
	{ suffix: 'icon', type: 'dbt.sheet.icon', sample: (sheetId) => ({ sheetId, originalValue: '📄', value: '📊' }) },
	{ suffix: 'description', type: 'dbt.sheet.description', sample: (sheetId) => ({ sheetId, originalValue: '', value: 'Quarterly leads' }) },
	{ suffix: 'remove', type: 'dbt.sheet.remove', sample: (sheetId) => ({ sheetId }) },
	// Every created record has an id of its own, so two creations in the same millisecond differ.
	{ suffix: 'records/create', type: 'dbt.record.create', sample: (sheetId, _hook, serial) => ({ sheetId, recordIds: [`rec${serial}`] }) },
	{ suffix: 'fields/create', type: 'dbt.field.create', sample: (sheetId) => ({ sheetId, fieldId: 'Q', name: 'Owner' }) },
	{ suffix: 'cells/fields/update', type: 'dbt.cell.fields.update', sample: (sheetId, hook) => ({ sheetId, recordId: 'PP', fieldId: (hook.fields || ['N'])[0], originalValue: 'old', value: 'new' }) },
	{ suffix: 'cells/records/update', type: 'dbt.cell.records.update', sample: (sheetId, hook) => ({ sheetId, recordId: (hook.records || ['PP'])[0], fieldId: 'N', originalValue: 'old', value: 'new' }) },
];
const VIEW_REMOVE: EventKind = { type: 'dbt.view.remove', sample: (sheetId: number, hook: Webhook) => ({ sheetId, viewId: hook.view_id }) };

function defaultFiles(): Record<string, { fname: string; sheets: KdocsSheet[] }> {
	return {
		wfoKKYzWR2jyxMHCFVuBxa42RSf8tpndOUeHQQzryfI: {
			fname: 'Sales pipeline.dbt',
			sheets: [
				{
					id: 1,
					name: 'Leads',
					fields: [
						{ id: 'N', name: 'Company', type: 'SingleLineText' },
						{ id: 'P', name: 'Stage', type: 'SingleSelect' },
					],
					views: [{ id: 'B', name: 'Grid view', type: 'Grid' }],
				},
				{ id: 583, name: 'Accounts', fields: [{ id: 'N', name: 'Name', type: 'SingleLineText' }], views: [{ id: 'C', name: 'All', type: 'Grid' }] },
			],
		},
		dbtSecondFile000000000000000000000000000000: {
			fname: 'Hiring.dbt',
			sheets: [{ id: 2, name: 'Candidates', fields: [{ id: 'N', name: 'Name', type: 'SingleLineText' }], views: [{ id: 'B', name: 'Board', type: 'Kanban' }] }],
		},
	};
}

export function createKdocsEmulator({
	accessToken = 'kdocs-emulator-token',
	appId = 'kdocs-emulator-app',
	appKey = 'kdocs-emulator-app-key',
	refreshToken = 'kdocs-emulator-refresh-token',
	tokenLifetimeSeconds = 86_400,
	dailyQuota = 100_000,
	pluralTypes = false,
}: {
	accessToken?: string;
	appId?: string;
	appKey?: string;
	refreshToken?: string;
	tokenLifetimeSeconds?: number;
	dailyQuota?: number;
	pluralTypes?: boolean;
} = {}) {
	const state = {
		files: defaultFiles(),
		webhooks: new Map<string, Webhook>(), // webhook_id -> webhook
		tokens: new Map<string, number>([[accessToken, Infinity]]),
		tokenLifetimeSeconds, // of the tokens issued from now on; POST …/token-lifetime {"seconds"} changes it
		quotaUsed: 0,
		dailyQuota,
		pluralTypes,
		deliveries: [] as CallbackRecord[],
		faults: [] as Fault[],
		expireTokensAfterCalls: undefined as number | undefined, // all tokens expire once this many more API calls were answered
		rateLimitEvery: undefined as number | undefined, // every Nth API call is answered 429
		apiCalls: 0,
		// Fires an event the moment a webhook is registered, before the registration is answered, as a busy
		// sheet may: it reaches n8n while the activation that registered it is still under way.
		fireOnRegister: false,
		eventSerial: 0,
	};
	const api = (code: number, message: string, extra: object = {}) => ({ code, message, ...extra });

	function tokenIsValid(token: string | undefined): boolean {
		const expiresAt = token === undefined ? undefined : state.tokens.get(token);
		return expiresAt !== undefined && expiresAt > Date.now();
	}

	function webhooksOf(fileToken: string): Webhook[] {
		return [...state.webhooks.values()].filter((hook) => hook.file_token === fileToken);
	}

	function eventPayload(hook: Webhook, overrides: KdocsBody = {}) {
		const kind = hook.view_id !== undefined ? VIEW_REMOVE : (KINDS.find((k) => k.type === hook.type) as EventKind);
		const type = state.pluralTypes ? kind.type.replace(/^dbt\.(sheet|record|field|cell|view)\./, 'dbt.$1s.') : kind.type;
		return {
			webhook_id: hook.webhook_id,
			type,
			events: overrides.events || [{ timestamp: Date.now(), content: kind.sample(hook.sheet_id, hook, ++state.eventSerial) }],
		};
	}

	async function fire(hook: Webhook, overrides?: KdocsBody): Promise<CallbackRecord> {
		const payload = eventPayload(hook, overrides);
		const result = await deliver(hook.callback_url, {
			headers: { 'content-type': 'application/json', 'user-agent': 'Kdocs-Webhook/emulator' },
			body: JSON.stringify(payload),
		});
		const record = { webhook_id: hook.webhook_id, callback_url: hook.callback_url, payload, statusCode: result.statusCode, response: result.body, error: result.error };
		state.deliveries.push(record);
		return record;
	}

	async function handleControl(ctx: RequestContext) {
		const body = bodyOf(ctx);
		if (ctx.path === '/_emulator/kdocs/state' && ctx.method === 'GET') {
			return ctx.reply(200, { webhooks: [...state.webhooks.values()], deliveries: state.deliveries, quotaUsed: state.quotaUsed });
		}
		if (ctx.path === '/_emulator/kdocs/fire' && ctx.method === 'POST') {
			// Fires one callback per matching webhook: by webhook_id, or every webhook of a file (optionally of one sheet).
			const hooks = [...state.webhooks.values()].filter(
				(hook) =>
					(body.webhook_id === undefined || hook.webhook_id === body.webhook_id) &&
					(body.file_token === undefined || hook.file_token === body.file_token) &&
					(body.sheet_id === undefined || String(hook.sheet_id) === String(body.sheet_id)),
			);
			const results = [];
			for (const hook of hooks) results.push(await fire(hook, body));
			return ctx.reply(200, { delivered: results });
		}
		if (ctx.path === '/_emulator/kdocs/forget' && ctx.method === 'POST') {
			// Simulates Kdocs losing webhooks on its side.
			const removed = [...state.webhooks.keys()].filter((id) => body.webhook_id === undefined || id === body.webhook_id);
			removed.forEach((id) => state.webhooks.delete(id));
			return ctx.reply(200, { removed });
		}
		if (ctx.path === '/_emulator/kdocs/seed-webhooks' && ctx.method === 'POST') {
			// Adds webhooks that someone else created, e.g. to fill a document up to the 10-webhook limit.
			const created = [];
			for (let i = 0; i < (body.count || 1); i++) {
				const id = `seed-${crypto.randomBytes(4).toString('hex')}`;
				state.webhooks.set(id, { webhook_id: id, file_token: body.file_token as string, sheet_id: Number(body.sheet_id || 1), type: 'dbt.record.create', callback_url: (body.callback_url || `https://other.example.com/hook/${i}`) as string, created_at: Date.now() });
				created.push(id);
			}
			return ctx.reply(200, { created });
		}
		if (ctx.path === '/_emulator/kdocs/reset-deliveries' && ctx.method === 'POST') {
			state.deliveries.length = 0;
			return ctx.reply(200, { ok: true });
		}
		if (ctx.path === '/_emulator/kdocs/expire-tokens' && ctx.method === 'POST') {
			for (const token of state.tokens.keys()) state.tokens.set(token, 0);
			return ctx.reply(200, { ok: true });
		}
		if (ctx.path === '/_emulator/kdocs/token-lifetime' && ctx.method === 'POST') {
			state.tokenLifetimeSeconds = Number(body.seconds);
			return ctx.reply(200, { ok: true });
		}
		if (ctx.path === '/_emulator/kdocs/schedule' && ctx.method === 'POST') {
			state.expireTokensAfterCalls = body.expireTokensAfterCalls;
			state.rateLimitEvery = body.rateLimitEvery;
			state.apiCalls = 0;
			return ctx.reply(200, { ok: true });
		}
		if (ctx.path === '/_emulator/kdocs/fire-on-register' && ctx.method === 'POST') {
			state.fireOnRegister = Boolean(body.enabled);
			return ctx.reply(200, { ok: true });
		}
		if (ctx.path === '/_emulator/kdocs/faults' && ctx.method === 'POST') {
			state.faults.push(faultFrom(ctx));
			return ctx.reply(200, { ok: true });
		}
		if (ctx.path === '/_emulator/kdocs/reset' && ctx.method === 'POST') {
			state.webhooks.clear();
			state.deliveries.length = 0;
			state.faults.length = 0;
			state.quotaUsed = 0;
			state.tokens = new Map([[accessToken, Infinity]]);
			state.tokenLifetimeSeconds = tokenLifetimeSeconds;
			state.pluralTypes = Boolean(body.pluralTypes);
			state.fireOnRegister = false;
			return ctx.reply(200, { ok: true });
		}
		return ctx.reply(404, { error: 'unknown control endpoint' });
	}

	async function handle(ctx: RequestContext) {
		if (ctx.path.startsWith('/_emulator/')) return handleControl(ctx);

		if (injectFault(state.faults, ctx, (fault) => api(fault.status, 'InjectedFault'))) return;

		if (ctx.path === '/api/v1/oauth2/refresh_token' && ctx.method === 'POST') {
			const body = bodyOf(ctx);
			if (ctx.query.app_id !== appId || body.app_key !== appKey) return ctx.reply(200, api(20003, 'InvalidApp'));
			if (body.refresh_token !== refreshToken) return ctx.reply(200, api(20002, 'InvalidRefreshToken'));
			const token = `kdocs-${crypto.randomBytes(12).toString('hex')}`;
			state.tokens.set(token, Date.now() + state.tokenLifetimeSeconds * 1000);
			return ctx.reply(200, { code: 0, result: 'ok', data: { access_token: token, expires_in: state.tokenLifetimeSeconds, refresh_token: refreshToken, app_id: appId } });
		}

		state.apiCalls += 1;
		if (state.rateLimitEvery && state.apiCalls % state.rateLimitEvery === 0) {
			return ctx.reply(429, api(429, 'TooManyRequests'), { 'retry-after': '0' }); // ASSUMED shape
		}
		if (state.expireTokensAfterCalls !== undefined && state.apiCalls > state.expireTokensAfterCalls) {
			for (const token of state.tokens.keys()) state.tokens.set(token, 0);
			state.expireTokensAfterCalls = undefined;
		}
		if (!tokenIsValid(ctx.query.access_token)) {
			return ctx.reply(401, api(20007, 'AccessTokenInvalid', { hint: ctx.query.access_token ? 'access_token is invalid or expired' : 'access_token is required' }));
		}

		if (ctx.path === '/api/v1/openapi/user/basic' && ctx.method === 'GET') {
			return ctx.reply(200, { code: 0, data: { id: 'u-emulator', name: 'Emulator User', avatar: '' } });
		}
		if (ctx.path === '/api/v1/openapi/personal/files/flat' && ctx.method === 'GET') {
			const offset = Number(ctx.query.offset || 0);
			const count = Number(ctx.query.count || 50);
			const all = Object.entries(state.files).map(([file_token, file]) => ({ id: file_token, file_token, fname: file.fname, ftype: 'dbt' }));
			const page = all.slice(offset, offset + count);
			return ctx.reply(200, { code: 0, data: { files: page, next_offset: offset + count < all.length ? offset + count : -1 } });
		}

		let params = matchPath('/api/v1/openapi/dbt/:file/schemas', ctx.path);
		if (params && ctx.method === 'GET') {
			const file = state.files[params.file];
			if (!file) return ctx.reply(404, api(10004, 'FileNotFound')); // ASSUMED code
			return ctx.reply(200, { code: 0, data: { schemas: file.sheets } });
		}

		params = matchPath('/api/v1/openapi/dbt/:file/webhook/mine', ctx.path);
		if (params && ctx.method === 'GET') {
			if (!consumeQuota(ctx)) return;
			const webhooks = webhooksOf(params.file).map(({ webhook_id, callback_url, type, sheet_id, view_id, fields, records, created_at }) => ({
				webhook_id,
				callback_url,
				type,
				sheet_id,
				...(view_id !== undefined ? { view_id } : {}),
				...(fields ? { fields } : {}),
				...(records ? { records } : {}),
				created_at,
			}));
			return ctx.reply(200, { code: 0, data: { webhooks } }); // ASSUMED item schema
		}

		const subscribeParams = (matchPath('/api/v1/openapi/dbt/:file/webhook/sheets/:sheet/views/:view/remove', ctx.path) ||
			KINDS.map((kind) => {
				const match = matchPath(`/api/v1/openapi/dbt/:file/webhook/sheets/:sheet/${kind.suffix}`, ctx.path);
				return match && { ...match, kind };
			}).find(Boolean)) as SubscribeParams | undefined;
		if (subscribeParams && ctx.method === 'POST') {
			if (!consumeQuota(ctx)) return;
			return subscribe(ctx, subscribeParams);
		}

		params = matchPath('/api/v1/openapi/dbt/:file/webhook/:webhook', ctx.path);
		if (params && ctx.method === 'DELETE') {
			if (!consumeQuota(ctx)) return;
			const hook = state.webhooks.get(params.webhook);
			if (!hook || hook.file_token !== params.file) return ctx.reply(404, api(30004, 'WebhookNotFound')); // ASSUMED
			state.webhooks.delete(params.webhook);
			return ctx.reply(200, { code: 0, data: {} });
		}

		return ctx.reply(404, api(404, 'NotFound'));
	}

	function consumeQuota(ctx: RequestContext): boolean {
		state.quotaUsed += 1;
		if (state.quotaUsed <= state.dailyQuota) return true;
		ctx.reply(429, api(429, 'TooManyRequests'), { 'retry-after': '1' }); // ASSUMED shape of Kdocs' quota answer
		return false;
	}

	async function subscribe(ctx: RequestContext, params: SubscribeParams) {
		const file = state.files[params.file];
		if (!file) return ctx.reply(404, api(10004, 'FileNotFound'));
		const sheet = file.sheets.find((s) => String(s.id) === params.sheet);
		if (!sheet) return ctx.reply(400, api(10002, 'SheetNotFound')); // ASSUMED code
		const body = bodyOf(ctx);
		let callbackUrl = typeof body.callback_url === 'string' ? body.callback_url : '';
		if (/^https?%3A/i.test(callbackUrl)) callbackUrl = decodeURIComponent(callbackUrl);
		if (!/^https?:\/\//.test(callbackUrl)) return ctx.reply(400, api(10001, 'InvalidCallbackUrl')); // ASSUMED code
		if (params.kind?.suffix === 'cells/fields/update' && (!Array.isArray(body.fields) || body.fields.length === 0)) {
			return ctx.reply(400, api(10001, 'InvalidArgument', { hint: 'fields is required' }));
		}
		if (params.kind?.suffix === 'cells/records/update' && (!Array.isArray(body.records) || body.records.length === 0)) {
			return ctx.reply(400, api(10001, 'InvalidArgument', { hint: 'records is required' }));
		}
		if (params.view !== undefined && !sheet.views.some((v) => v.id === params.view)) {
			return ctx.reply(400, api(10002, 'ViewNotFound'));
		}
		if (webhooksOf(params.file).length >= MAX_WEBHOOKS_PER_DOCUMENT) {
			return ctx.reply(200, api(30016, 'TooManyWebhooks'));
		}
		const webhook_id = crypto.randomBytes(8).toString('hex');
		state.webhooks.set(webhook_id, {
			webhook_id,
			file_token: params.file,
			sheet_id: sheet.id,
			type: params.view !== undefined ? VIEW_REMOVE.type : (params.kind as EventKind).type,
			...(params.view !== undefined ? { view_id: params.view } : {}),
			...(Array.isArray(body.fields) ? { fields: body.fields } : {}),
			...(Array.isArray(body.records) ? { records: body.records } : {}),
			callback_url: callbackUrl,
			created_at: Date.now(),
		});
		if (state.fireOnRegister) await fire(state.webhooks.get(webhook_id) as Webhook);
		return ctx.reply(200, { code: 0, data: { webhook_id } });
	}

	return { name: 'kdocs', state, handle, fire, accessToken, appId, appKey, refreshToken };
}


export type KdocsEmulator = ReturnType<typeof createKdocsEmulator>;
