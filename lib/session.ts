import type { ICredentialDataDecryptedObject, IHttpRequestOptions, INodeProperties } from 'n8n-workflow';

/**
 * Where a credential's preAuthentication keeps the token in use and when it expires. n8n runs
 * preAuthentication again when the expirable field is empty; the shared transport empties it on a
 * vendor's expiry code and shortly before the expiry time.
 */
export const SESSION_TOKEN_FIELD = 'sessionToken';
export const SESSION_EXPIRES_AT_FIELD = 'sessionExpiresAt';

/**
 * A session is renewed this long before its expiry time, so that no request (nor a retry after a
 * rate limit) sets out with a token that lapses on the way.
 */
export const SESSION_RENEWAL_MARGIN_MS = 60_000;

export const sessionProperties: INodeProperties[] = [
	{
		displayName: 'Session Token',
		name: SESSION_TOKEN_FIELD,
		type: 'hidden',
		typeOptions: { expirable: true, password: true },
		default: '',
	},
	{
		displayName: 'Session Expires At',
		name: SESSION_EXPIRES_AT_FIELD,
		type: 'hidden',
		default: 0,
	},
];

/** preAuthentication's result: the token and its expiry in milliseconds since the epoch (0 = unknown). */
export function session(token: unknown, expiresAt: number): ICredentialDataDecryptedObject {
	return { [SESSION_TOKEN_FIELD]: String(token ?? ''), [SESSION_EXPIRES_AT_FIELD]: expiresAt };
}

/** Whether a session expiring at `expiresAt` is due for renewal; an unknown expiry (0) never is. */
export function isDueForRenewal(expiresAt: unknown, now = Date.now()): boolean {
	const at = Number(expiresAt);
	return Number.isFinite(at) && at > 0 && at - SESSION_RENEWAL_MARGIN_MS < now;
}

/**
 * Raised by authenticate when the stored session is due for renewal. n8n core answers an HTTP 401
 * (httpRequestWithAuthentication reads `response.status`; requestWithAuthentication, which the
 * HTTP Request node uses, retries on any error) by running preAuthentication again and retrying once,
 * so the 401 shape makes n8n renew by expiry time in every node, including nodes of other packages.
 */
export class SessionDueForRenewalError extends Error {
	readonly response = { status: 401, statusText: 'Unauthorized', headers: {}, data: {} };

	constructor(credentialName: string) {
		super(`The ${credentialName} token has reached its renewal time (it expires within a minute, or has expired)`);
		this.name = 'SessionDueForRenewalError';
	}
}

/**
 * The URL (or path under baseURL) a request goes to. n8n's HTTP Request node hands authenticate the
 * older request options, which carry it in `uri`; n8n sends `url` in preference to `uri`.
 */
export function requestTarget(requestOptions: IHttpRequestOptions): string {
	return requestOptions.url ?? String((requestOptions as { uri?: unknown }).uri ?? '');
}

/**
 * The authenticate of every credential with a session: refuses a session that is due for renewal
 * (see SessionDueForRenewalError), otherwise lets `sign` put the credential into the request.
 */
export async function authenticateSession(
	credentialName: string,
	credentials: ICredentialDataDecryptedObject,
	requestOptions: IHttpRequestOptions,
	sign: (credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions) => IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	if (isDueForRenewal(credentials[SESSION_EXPIRES_AT_FIELD])) throw new SessionDueForRenewalError(credentialName);
	return sign(credentials, requestOptions);
}
