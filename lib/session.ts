import type { ICredentialDataDecryptedObject, INodeProperties } from 'n8n-workflow';

/**
 * Where a credential's preAuthentication keeps the token in use and when it expires. n8n runs
 * preAuthentication again when the expirable field is empty; the shared transport empties it on a
 * vendor's expiry code and shortly before the expiry time.
 */
export const SESSION_TOKEN_FIELD = 'sessionToken';
export const SESSION_EXPIRES_AT_FIELD = 'sessionExpiresAt';

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
