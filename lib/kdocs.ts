import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

/** The Kdocs open platform; the credential's Base URL replaces it for a private deployment or an emulator. */
export const KDOCS_DEFAULT_BASE_URL = 'https://developer.kdocs.cn';

/** The host the credential names, or the production host when its Base URL is empty. */
export function kdocsBaseUrl(credentials: ICredentialDataDecryptedObject): string {
	return String(credentials.baseUrl || KDOCS_DEFAULT_BASE_URL);
}

/** Only App ID, App Key and Refresh Token together can mint a new token; a pasted access token cannot be renewed. */
export function canRenewKdocsToken(credentials: ICredentialDataDecryptedObject): boolean {
	return Boolean(credentials.appId && credentials.appSecretKey && credentials.refreshToken);
}
