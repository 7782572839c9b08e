import type { ICredentialDataDecryptedObject, IDataObject, IN8nHttpFullResponse, ITriggerFunctions } from 'n8n-workflow';
import { dingTalkBaseUrl, dingTalkLegacyBaseUrl, usesAppCredentials } from '../../lib/dingtalk';
import { ConnectionRefused } from '../shared/long-connection';
import {
	backoffDelayMs,
	secondsHeaderToMs,
	vendorApiError,
	vendorRequest,
	type RequestContext,
	type VendorApi,
	type VendorError,
	type VendorResponse,
} from '../shared/transport';
import { SESSION_EXPIRES_AT_FIELD, SESSION_TOKEN_FIELD } from '../../lib/session';

export const STORAGE_EVENT_TYPES = ['storage_dentry_create', 'storage_dentry_update', 'storage_dentry_delete'] as const;
export type StorageEventType = (typeof STORAGE_EVENT_TYPES)[number];

export const SCOPES = ['ORG', 'SPACE'] as const;
export type Scope = (typeof SCOPES)[number];

export interface StorageSubscription {
	scope: Scope;
	scopeId: string;
	/** The operator: a user allowed to manage storage event subscriptions in that scope. */
	unionId: string;
}

const TOKEN_HINT =
	'The access token is invalid or has expired. With App Key and App Secret it is renewed automatically; a pasted token must be replaced (it lasts 2 hours).';
const PERMISSION_HINT =
	'The operator may not subscribe to storage events here, or the app is not set up for them. Check three things: ' +
	'(1) the app has the permission Storage.Event.Write (企业存储文件变更事件订阅写权限) under Permissions in the DingTalk developer console; ' +
	'(2) the storage events switch (存储事件) is on under Event Subscription; ' +
	'(3) the operator union ID belongs to a user who manages that scope (an org admin for ORG, a space manager for SPACE).';
const RATE_LIMIT_HINT =
	'DingTalk rate-limited the app. Calls were retried with back-off; wait a minute and run again, or spread the calls out.';
const VENDOR_FAILURE_HINT = 'DingTalk failed on its side. Retry later; if it persists, contact DingTalk support with the request ID.';

/** What each documented code means and what to do about it. */
const HINTS: Record<string, string> = {
	paramError: 'DingTalk rejected the parameters. Scope must be ORG or SPACE, and Scope ID and Operator Union ID are required.',
	'paramError.scope': 'Scope must be ORG (the whole organization) or SPACE (one storage space).',
	'paramError.scopeId':
		'The scope ID does not fit the scope: for ORG it is the CorpId of the organization, for SPACE the ID of a storage space (from the "add space" API).',
	permissionDenied: PERMISSION_HINT,
	systemError: VENDOR_FAILURE_HINT,
	unknownError: VENDOR_FAILURE_HINT,
	operationTimeout: `DingTalk timed out. ${VENDOR_FAILURE_HINT}`,
	InvalidAuthentication: TOKEN_HINT,
	'AuthenticationFailed.MissingParameter':
		'DingTalk received no x-acs-dingtalk-access-token header. Check that the request goes through the DingTalk credential.',
	'Forbidden.AccessDenied.AccessTokenPermissionDenied':
		'The app lacks the API permission for this call. In the developer console under Permissions, add Storage.Event.Write for storage events, or qyapi_get_member for reading users, then publish the app version.',
	'Forbidden.AccessDenied.IpNotInWhiteList':
		"n8n's public IP is not on the app's server IP allow-list. Add it in the developer console under Development Configuration > Security Settings.",
	// Old API (/topapi) codes.
	'40014': TOKEN_HINT,
	'42001': TOKEN_HINT,
	'60121': 'No user with this user ID exists in the organization. Copy the user ID (userid) from the admin console contacts page.',
	'60011': 'The app may not read this user. Widen the app\'s contact scope (通讯录权限范围) in the developer console.',
	'90002': RATE_LIMIT_HINT,
};

const RATE_LIMIT_CODES = new Set(['system.busy', 'systemBusy', 'request.too.fast', 'invokeFrequency', '90002']);

function isRateLimit(error: VendorError, response: VendorResponse): boolean {
	return (
		response.statusCode === 429 ||
		RATE_LIMIT_CODES.has(error.code) ||
		/^Forbidden\.AccessDenied\.Qp[sm]Limit/.test(error.code)
	);
}

function rateLimitDelayMs(error: VendorError, response: VendorResponse, attempt: number): number | undefined {
	if (!isRateLimit(error, response)) return undefined;
	return secondsHeaderToMs(response.headers, 'retry-after') ?? backoffDelayMs(attempt);
}

function hint(error: VendorError, response: VendorResponse): string | undefined {
	if (error.code === 'ipBanned') {
		return "DingTalk banned n8n's public IP for about 5 minutes after more than 10,000 calls in 20 seconds. Wait, then run again.";
	}
	return HINTS[error.code] ?? (isRateLimit(error, response) ? RATE_LIMIT_HINT : undefined);
}

const asObject = (body: unknown): IDataObject | undefined =>
	body && typeof body === 'object' && !Array.isArray(body) ? (body as IDataObject) : undefined;

/** v1.0 API: non-2xx with {code, message, requestid}; the per-IP ban answers {status: 1111, punish: "deny"} or HTML. */
function readError({ statusCode, body }: VendorResponse): VendorError | undefined {
	const envelope = asObject(body);
	if (envelope?.punish === 'deny') return { code: 'ipBanned', message: `IP banned, wait ${String(envelope.wait ?? '?')}` };
	if (statusCode < 400) return undefined;
	if (envelope && typeof envelope.code === 'string') {
		const message = typeof envelope.message === 'string' && envelope.message !== '' ? envelope.message : `HTTP ${statusCode}`;
		const requestId = envelope.requestid ?? envelope.requestId;
		return { code: envelope.code, message: requestId ? `${message} (request ID ${String(requestId)})` : message };
	}
	return { code: `HTTP ${statusCode}`, message: String(typeof body === 'string' ? body : '').slice(0, 200) || `HTTP ${statusCode}` };
}

/** Old API: HTTP 200 with errcode != 0; a bad token reads errcode 88 with sub_code 40014. */
function readLegacyError(response: VendorResponse): VendorError | undefined {
	const envelope = asObject(response.body);
	if (envelope?.punish === 'deny') return readError(response);
	if (!envelope || envelope.errcode === undefined) return response.statusCode >= 400 ? readError(response) : undefined;
	if (Number(envelope.errcode) === 0) return undefined;
	const code = envelope.sub_code !== undefined && String(envelope.sub_code) !== '' ? String(envelope.sub_code) : String(envelope.errcode);
	const message = String(envelope.sub_msg ?? envelope.errmsg ?? `errcode ${String(envelope.errcode)}`);
	return { code, message };
}

const LEGACY_TOKEN_CODES = new Set(['40014', '42001']);

const sharedProfile = {
	credentialType: 'dingTalkApi',
	tokenField: SESSION_TOKEN_FIELD,
	tokenExpiresAtField: SESSION_EXPIRES_AT_FIELD,
	canRefreshToken: (credentials: ICredentialDataDecryptedObject) => usesAppCredentials(credentials),
	rateLimitDelayMs,
	hint,
};

export const dingTalkApi: VendorApi = {
	...sharedProfile,
	name: 'DingTalk',
	baseUrl: dingTalkBaseUrl,
	readError,
	// DingTalk answers an expired token with 400; some gateways and mocks use 401.
	isTokenExpired: (error) => error.code === 'InvalidAuthentication',
};

export const dingTalkLegacyApi: VendorApi = {
	...sharedProfile,
	name: 'DingTalk',
	baseUrl: dingTalkLegacyBaseUrl,
	readError: readLegacyError,
	isTokenExpired: (error) => LEGACY_TOKEN_CODES.has(error.code),
};

async function storageEventCall(
	this: RequestContext,
	action: 'subscribe' | 'unsubscribe',
	subscription: StorageSubscription,
	itemIndex?: number,
): Promise<void> {
	const response = await vendorRequest.call(this, dingTalkApi, {
		method: 'POST',
		path: `/v1.0/storage/events/${action}`,
		qs: { unionId: subscription.unionId },
		body: { scope: subscription.scope, scopeId: subscription.scopeId },
		// Setting the same scope again is harmless, so a lost answer may be retried.
		idempotent: true,
		itemIndex,
	});
	if (response.success !== true) {
		throw vendorApiError(
			this,
			dingTalkApi,
			{ code: 'notSuccessful', message: `DingTalk did not confirm the ${action} call` },
			{ statusCode: 200, headers: {}, body: response },
			itemIndex,
			'DingTalk answered without "success": true. Run the node again; the call is safe to repeat.',
		);
	}
}

export async function subscribeStorageEvents(
	this: RequestContext,
	subscription: StorageSubscription,
	itemIndex?: number,
): Promise<void> {
	await storageEventCall.call(this, 'subscribe', subscription, itemIndex);
}

export async function unsubscribeStorageEvents(
	this: RequestContext,
	subscription: StorageSubscription,
	itemIndex?: number,
): Promise<void> {
	await storageEventCall.call(this, 'unsubscribe', subscription, itemIndex);
}

export interface UnionIdLookup extends IDataObject {
	userId: string;
	unionId: string;
	name: string;
}

/** The storage API names its operator by unionId; admins usually know the user ID (userid) instead. */
export async function getUnionId(this: RequestContext, userId: string, itemIndex?: number): Promise<UnionIdLookup> {
	const response = await vendorRequest.call(this, dingTalkLegacyApi, {
		method: 'POST',
		path: '/topapi/v2/user/get',
		body: { userid: userId },
		idempotent: true,
		itemIndex,
	});
	const user = asObject(response.result) ?? {};
	if (typeof user.unionid !== 'string' || user.unionid === '') {
		throw vendorApiError(
			this,
			dingTalkLegacyApi,
			{ code: 'noUnionId', message: `DingTalk returned no unionid for user ${userId}` },
			{ statusCode: 200, headers: {}, body: response },
			itemIndex,
			'The app may lack the qyapi_get_member permission, or the user has not activated DingTalk yet.',
		);
	}
	return { userId, unionId: user.unionid, name: String(user.name ?? '') };
}

/** Sent as the Stream client's `ua` (format name-sdk-lang/version, as DingTalk's own SDKs send it). */
export const STREAM_USER_AGENT = 'n8n-nodes-event-subscriptions-nodejs/0.1.0';

/** How long the ticket request may take; DingTalk's SDKs allow 5 s (Go) and 10 s (Python). */
const STREAM_TICKET_TIMEOUT_MS = 10_000;

/** Codes with which the gateway refuses the App Key and App Secret; asking again cannot help. */
const STREAM_AUTH_CODES = new Set(['authFailed', 'invalidClientIdOrSecret']);

export interface StreamTicket {
	/** The WebSocket URL, e.g. wss://wss-open-connection.dingtalk.com:443/connect. */
	endpoint: string;
	/** Good for one connection, for about 90 seconds. */
	ticket: string;
}

/** The App Key and App Secret a Stream connection is opened with; checked before anything is subscribed. */
export function streamClient(credentials: ICredentialDataDecryptedObject): { clientId: string; clientSecret: string } | undefined {
	const clientId = String(credentials.appKey ?? '').trim();
	const clientSecret = String(credentials.appSecret ?? '');
	return clientId && clientSecret ? { clientId, clientSecret } : undefined;
}

/**
 * Asks the gateway for a connection ticket: POST /v1.0/gateway/connections/open with the App Key and App
 * Secret in the body. The call carries no access token (the credential's authenticate would add one),
 * so it goes out as a plain request. Without `Accept: application/json` the gateway answers XML.
 * A refused App Key or App Secret throws ConnectionRefused; any other failure throws an Error, after
 * which the connection loop asks again with back-off.
 */
export async function openStreamTicket(
	this: ITriggerFunctions,
	credentials: ICredentialDataDecryptedObject,
): Promise<StreamTicket> {
	const client = streamClient(credentials);
	if (!client) {
		throw new ConnectionRefused(
			'DingTalk Stream mode needs the App Key and App Secret',
			'Fill in the App Key (Client ID) and App Secret (Client Secret) of the internal app in the DingTalk credential.',
		);
	}
	const response = (await this.helpers.httpRequest({
		method: 'POST',
		url: `${dingTalkBaseUrl(credentials)}/v1.0/gateway/connections/open`,
		headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
		body: { ...client, subscriptions: [{ type: 'EVENT', topic: '*' }], ua: STREAM_USER_AGENT },
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: STREAM_TICKET_TIMEOUT_MS,
	})) as IN8nHttpFullResponse;
	const answer: VendorResponse = { statusCode: response.statusCode, headers: response.headers ?? {}, body: response.body };
	const error = readError(answer);
	if (error && (answer.statusCode === 401 || STREAM_AUTH_CODES.has(error.code))) {
		throw new ConnectionRefused(
			`DingTalk refused the App Key and App Secret for Stream mode (${error.code}: ${error.message}); check both in the DingTalk credential`,
			'Copy the Client ID (AppKey) and Client Secret (AppSecret) from Credentials and Basic Info of the internal app in the DingTalk developer console into the credential, then activate the workflow again.',
		);
	}
	if (error) throw new Error(`DingTalk did not open a Stream connection (${error.code}: ${error.message})`);
	const body = asObject(answer.body);
	if (typeof body?.endpoint !== 'string' || !/^wss?:\/\//i.test(body.endpoint) || typeof body.ticket !== 'string' || body.ticket === '') {
		throw new Error('DingTalk answered the Stream connection request without a WebSocket endpoint and ticket');
	}
	return { endpoint: body.endpoint, ticket: body.ticket };
}

/** The URL a ticket opens: the endpoint with the ticket in its query. */
export function streamConnectUrl({ endpoint, ticket }: StreamTicket): string {
	return `${endpoint}${endpoint.includes('?') ? '&' : '?'}ticket=${encodeURIComponent(ticket)}`;
}
