import { createHash } from 'node:crypto';
import {
	NodeApiError,
	NodeOperationError,
	sleep,
	type ICredentialDataDecryptedObject,
	type ICredentialsDecrypted,
	type IDataObject,
	type IExecuteFunctions,
	type IHookFunctions,
	type IHttpRequestMethods,
	type ILoadOptionsFunctions,
	type IN8nHttpFullResponse,
	type ITriggerFunctions,
	type IWebhookFunctions,
	type JsonObject,
} from 'n8n-workflow';
import { isDueForRenewal } from '../../lib/session';
import { asNodeError, isNodeError } from './validation';

export type RequestContext =
	| IExecuteFunctions
	| IHookFunctions
	| ILoadOptionsFunctions
	| ITriggerFunctions
	| IWebhookFunctions;

/** A vendor's error, read out of whatever envelope the vendor uses. */
export interface VendorError {
	code: string;
	message: string;
}

export interface VendorResponse {
	statusCode: number;
	headers: IDataObject;
	body: unknown;
}

/** What the shared request path needs to know about one vendor's API. */
export interface VendorApi {
	/** Shown in error messages, e.g. "Kdocs". */
	name: string;
	credentialType: string;
	baseUrl(credentials: ICredentialDataDecryptedObject): string;
	/** The hidden expirable credential field; clearing it makes n8n run preAuthentication again. */
	tokenField?: string;
	/** Hidden credential field holding the token's expiry (ms since epoch), refreshed shortly before. */
	tokenExpiresAtField?: string;
	/**
	 * Set when credentialType extends n8n's oAuth2Api: n8n holds the token (oauthTokenData) and renews it
	 * with the refresh token through refreshOAuth2Token, which also stores the rotated refresh token.
	 * tokenField and tokenExpiresAtField do not apply; isTokenExpired names the vendor's expiry codes.
	 */
	oAuth2?: boolean;
	/** Whether these credentials can mint a new token (a pasted token cannot). */
	canRefreshToken?(credentials: ICredentialDataDecryptedObject): boolean;
	/** Returns the vendor error carried by a response, or undefined for success. */
	readError(response: VendorResponse): VendorError | undefined;
	isTokenExpired?(error: VendorError, response: VendorResponse): boolean;
	/** Milliseconds to wait before retrying a rate-limited call, or undefined when not rate limited. */
	rateLimitDelayMs?(error: VendorError, response: VendorResponse, attempt: number): number | undefined;
	/** How to fix it, shown as the error's description. */
	hint?(error: VendorError, response: VendorResponse): string | undefined;
}

export interface VendorRequest {
	method: IHttpRequestMethods;
	path: string;
	qs?: IDataObject;
	body?: IDataObject | IDataObject[];
	headers?: IDataObject;
	/** Safe to send again after a 5xx or a dropped connection. */
	idempotent?: boolean;
	itemIndex?: number;
}

/**
 * The error reader for vendors that answer with a JSON envelope {code, <message>}: code 0, or no code
 * below HTTP 400, is success. The message is taken from the first of messageFields that holds text.
 */
export function codeEnvelopeError(messageFields: string[]): (response: VendorResponse) => VendorError | undefined {
	return ({ statusCode, body }) => {
		if (body && typeof body === 'object' && !Array.isArray(body)) {
			const envelope = body as IDataObject;
			const code = envelope.code;
			if ((code === 0 || code === undefined) && statusCode < 400) return undefined;
			const message = messageFields.map((field) => envelope[field]).find((value) => value !== undefined && value !== null);
			return {
				code: code === undefined ? `HTTP ${statusCode}` : String(code),
				message: typeof message === 'string' && message !== '' ? message : `HTTP ${statusCode}`,
			};
		}
		if (statusCode < 400) return undefined;
		return { code: `HTTP ${statusCode}`, message: String(body ?? '').slice(0, 200) || `HTTP ${statusCode}` };
	};
}

/** Tunable so that tests need not wait for real back-off delays. */
export const retryPolicy = {
	maxAttempts: 5,
	baseDelayMs: 500,
	maxDelayMs: 60_000,
};

const TRANSIENT_NETWORK_CODES = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'ETIMEDOUT',
	'ECONNABORTED',
	'EPIPE',
	'EAI_AGAIN',
]);

/** Failures of the connection itself, as opposed to errors raised on the way (e.g. a refused token renewal). */
const CONNECTION_FAILURE_CODES = new Set([...TRANSIENT_NETWORK_CODES, 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']);

export function backoffDelayMs(attempt: number): number {
	return Math.min(retryPolicy.maxDelayMs, retryPolicy.baseDelayMs * 2 ** attempt);
}

/** Reads a "seconds to wait" header such as Retry-After or x-ogw-ratelimit-reset. */
export function secondsHeaderToMs(headers: IDataObject, name: string): number | undefined {
	const raw = headers[name.toLowerCase()];
	const seconds = Number(Array.isArray(raw) ? raw[0] : raw);
	return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, retryPolicy.maxDelayMs) : undefined;
}

/** n8n-core reports a failed connection as a NodeApiError whose httpCode holds the socket error code. */
function networkErrorCode(error: unknown): string | undefined {
	const candidate = error as { code?: unknown; httpCode?: unknown; cause?: { code?: unknown } };
	const code = candidate?.code ?? candidate?.cause?.code ?? candidate?.httpCode;
	return typeof code === 'string' ? code : undefined;
}

function tokenIsStale(api: VendorApi, credentials: ICredentialDataDecryptedObject): boolean {
	return api.tokenExpiresAtField !== undefined && isDueForRenewal(credentials[api.tokenExpiresAtField]);
}

/** The stored OAuth2 access token; n8n keeps the token endpoint's reply as it came. */
function oAuth2AccessToken(credentials: ICredentialDataDecryptedObject): string {
	return String((credentials.oauthTokenData as IDataObject | undefined)?.access_token ?? '');
}

/**
 * Whether the stored OAuth2 token expires within the margin. n8n 2.40 records when (oauthTokenData.n8n_expires_at);
 * 2.8 and 1.123 keep only the relative expires_in, so there the token is renewed after the vendor reports it
 * expired.
 */
function oAuth2TokenIsStale(credentials: ICredentialDataDecryptedObject): boolean {
	return isDueForRenewal((credentials.oauthTokenData as IDataObject | undefined)?.n8n_expires_at);
}

function withTokenCleared(
	api: VendorApi,
	credentials: ICredentialDataDecryptedObject,
): ICredentialsDecrypted {
	return {
		id: '',
		name: api.credentialType,
		type: api.credentialType,
		data: { ...credentials, [api.tokenField as string]: '' },
	};
}

/**
 * Token refreshes under way in this process, keyed by credential type and (a hash of) the token they
 * replace. Items processed concurrently all see the same expired token at once; the first one
 * refreshes it and the others wait for that and then use the stored new token, so one expiry costs
 * one token request, not one per item in flight.
 */
const tokenRefreshes = new Map<string, Promise<void>>();

function refreshKey(api: VendorApi, credentials: ICredentialDataDecryptedObject): string {
	return hashed(api, String(credentials[api.tokenField as string] ?? ''));
}

function hashed(api: VendorApi, token: string): string {
	return `${api.credentialType}:${createHash('sha256').update(token).digest('hex')}`;
}

/**
 * Renews an OAuth2 token through n8n, once per expired token: items that see the same token meanwhile
 * wait for that renewal, and a token another item or process already replaced is not renewed again.
 * That matters because vendors rotate refresh tokens: a second renewal with the old one would fail.
 */
async function renewOAuth2Token(this: RequestContext, api: VendorApi, used: ICredentialDataDecryptedObject): Promise<void> {
	const usedToken = oAuth2AccessToken(used);
	const key = hashed(api, usedToken);
	const underWay = tokenRefreshes.get(key);
	if (underWay) return await underWay;
	const renewal = (async () => {
		const latest = await this.getCredentials(api.credentialType);
		if (oAuth2AccessToken(latest) !== usedToken) return;
		try {
			await this.helpers.refreshOAuth2Token.call(this, api.credentialType);
		} catch (error) {
			// n8n 2.40 says "needs to be reconnected" itself; 2.8 and 1.123 hand on the token endpoint's refusal as it is.
			throw isNodeError(error)
				? error
				: new NodeOperationError(this.getNode(), `${api.name} sign-in could not be renewed: ${(error as Error).message}`, {
						description: `The refresh token expired or was revoked. Open the ${api.name} credential and reconnect it.`,
					});
		}
	})();
	tokenRefreshes.set(key, renewal);
	try {
		await renewal;
	} finally {
		tokenRefreshes.delete(key);
	}
}

/**
 * Sends one call to a vendor through n8n's credential machinery and returns the response body.
 *
 * n8n itself refreshes a token only after an HTTP 401, so vendors that report expiry with their own
 * codes get one extra round here: the token field is emptied, which makes n8n run the credential's
 * preAuthentication (and save the new token), and the call is sent once more. An OAuth2 credential's
 * token is renewed through n8n's refreshOAuth2Token instead, before sending when it is known to expire
 * soon and once after the vendor reports it expired.
 */
export async function vendorRequest(
	this: RequestContext,
	api: VendorApi,
	request: VendorRequest,
): Promise<IDataObject> {
	return (await vendorRequestWithResponse.call(this, api, request)).body as IDataObject;
}

/**
 * vendorRequest for callers that also need the successful response's status or headers, e.g. a
 * vendor that answers 201 for "created" and 200 for "already existed" with the same body.
 */
export async function vendorRequestWithResponse(
	this: RequestContext,
	api: VendorApi,
	request: VendorRequest,
): Promise<VendorResponse> {
	let credentials = await this.getCredentials(api.credentialType);
	const mayRefresh = api.oAuth2 === true || (api.tokenField !== undefined && (api.canRefreshToken?.(credentials) ?? true));
	let override: ICredentialsDecrypted | undefined;
	let finishRefresh: (() => void) | undefined;
	let refreshedAfterExpiry = false;

	/**
	 * Starts a refresh and returns the credentials to send with, or returns undefined when another item
	 * already replaced the token (n8n then sends the stored new one).
	 */
	const refreshToken = async (): Promise<ICredentialsDecrypted | undefined> => {
		const tokenField = api.tokenField as string;
		const latest = await this.getCredentials(api.credentialType);
		if (latest[tokenField] !== '' && latest[tokenField] !== credentials[tokenField]) {
			credentials = latest;
			return undefined;
		}
		const key = refreshKey(api, credentials);
		const underWay = tokenRefreshes.get(key);
		if (underWay) {
			await underWay;
			credentials = await this.getCredentials(api.credentialType);
			return undefined;
		}
		tokenRefreshes.set(
			key,
			new Promise<void>((resolve) => {
				finishRefresh = () => {
					tokenRefreshes.delete(key);
					resolve();
				};
			}),
		);
		return withTokenCleared(api, credentials);
	};

	/** Renews the token; returns the credentials to send with, or undefined to send the stored ones. */
	const renewToken = async (): Promise<ICredentialsDecrypted | undefined> => {
		if (!api.oAuth2) return await refreshToken();
		await renewOAuth2Token.call(this, api, credentials);
		credentials = await this.getCredentials(api.credentialType);
		return undefined;
	};

	const stale = api.oAuth2
		? oAuth2TokenIsStale(credentials)
		: credentials[api.tokenField as string] === '' || tokenIsStale(api, credentials);
	if (mayRefresh && stale) {
		override = await renewToken();
	}

	for (let attempt = 0; ; attempt++) {
		const lastAttempt = attempt + 1 >= retryPolicy.maxAttempts;
		let response: VendorResponse;
		try {
			const full = (await this.helpers.httpRequestWithAuthentication.call(
				this,
				api.credentialType,
				{
					method: request.method,
					url: `${api.baseUrl(credentials).replace(/\/+$/, '')}${request.path}`,
					qs: request.qs,
					body: request.body,
					headers: request.headers,
					json: true,
					returnFullResponse: true,
					ignoreHttpStatusErrors: true,
				},
				override ? { credentialsDecrypted: override } : undefined,
			)) as IN8nHttpFullResponse;
			response = { statusCode: full.statusCode, headers: full.headers ?? {}, body: full.body };
			if (finishRefresh) {
				finishRefresh();
				finishRefresh = undefined;
				override = undefined;
				credentials = await this.getCredentials(api.credentialType);
			}
		} catch (error) {
			finishRefresh?.();
			finishRefresh = undefined;
			const code = networkErrorCode(error);
			if (request.idempotent && !lastAttempt && code && TRANSIENT_NETWORK_CODES.has(code)) {
				await sleep(backoffDelayMs(attempt));
				continue;
			}
			if (!code || !CONNECTION_FAILURE_CODES.has(code)) {
				throw asNodeError(this, error, request.itemIndex);
			}
			// A fresh error: NodeApiError's constructor hands back an existing NodeApiError unchanged.
			throw new NodeApiError(this.getNode(), { networkErrorCode: code ?? 'unknown', reason: (error as Error).message }, {
				message: `${api.name} could not be reached: ${(error as Error).message}`,
				description: `${api.name} could not be reached at ${api.baseUrl(credentials)}. Check the credential's base URL and the network path to it.`,
				itemIndex: request.itemIndex,
			});
		}

		const error = api.readError(response);
		if (!error) return { ...response, body: response.body ?? {} };

		if (mayRefresh && !refreshedAfterExpiry && api.isTokenExpired?.(error, response)) {
			refreshedAfterExpiry = true;
			override = await renewToken();
			continue;
		}
		if (!lastAttempt) {
			const rateLimitDelay = api.rateLimitDelayMs?.(error, response, attempt);
			if (rateLimitDelay !== undefined) {
				await sleep(rateLimitDelay);
				continue;
			}
			if (request.idempotent && response.statusCode >= 500) {
				await sleep(backoffDelayMs(attempt));
				continue;
			}
		}
		throw vendorApiError(this, api, error, response, request.itemIndex);
	}
}

/**
 * n8n shows an error's description where activation failures are reported, so every vendor error gets
 * one that names the vendor, even for codes the vendor profile has no specific advice for.
 */
function genericHint(api: VendorApi, error: VendorError, response: VendorResponse): string {
	if (response.statusCode >= 500) {
		return `${api.name} answered with a server error (HTTP ${response.statusCode}: ${error.message}). This is usually temporary: try again later.`;
	}
	if (response.statusCode === 429) {
		return `${api.name} is rate limiting these calls (${error.message}). Wait a moment, or process fewer items at a time.`;
	}
	return `${api.name} rejected the request (code ${error.code}: ${error.message}).`;
}

/** n8n reports activation failures by description alone, so the description says which vendor answered. */
function namingVendor(api: VendorApi, description: string): string {
	return description.startsWith(api.name) ? description : `${api.name}: ${description}`;
}

export function vendorApiError(
	context: RequestContext,
	api: VendorApi,
	error: VendorError,
	response: VendorResponse,
	itemIndex?: number,
	hintOverride?: string,
): NodeApiError {
	const body =
		response.body && typeof response.body === 'object'
			? (response.body as JsonObject)
			: ({ body: String(response.body ?? '') } as JsonObject);
	const apiError = new NodeApiError(context.getNode(), body, {
		message: `${api.name} error ${error.code}: ${error.message}`,
		description: namingVendor(api, hintOverride ?? api.hint?.(error, response) ?? genericHint(api, error, response)),
		httpCode: String(response.statusCode),
		itemIndex,
	});
	apiError.context.vendorCode = error.code;
	return apiError;
}
