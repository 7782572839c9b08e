import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

export const DINGTALK_DEFAULT_BASE_URL = 'https://api.dingtalk.com';
export const DINGTALK_DEFAULT_LEGACY_BASE_URL = 'https://oapi.dingtalk.com';
/** The Base URL option that sends calls to the Custom Base URL field instead. */
export const CUSTOM_BASE_URL = 'custom';

/** The Access Token Source option for a token pasted by hand, which cannot be renewed. */
export const PASTED_TOKEN_SOURCE = 'accessToken';

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, '');

/** The host of the v1.0 API (token, storage events). */
export function dingTalkBaseUrl(credentials: ICredentialDataDecryptedObject): string {
	const chosen = credentials.baseUrl === CUSTOM_BASE_URL ? credentials.customBaseUrl : credentials.baseUrl;
	return withoutTrailingSlash(String(chosen || DINGTALK_DEFAULT_BASE_URL));
}

/** The host of the old API (/topapi/...), which takes the token in the query string. */
export function dingTalkLegacyBaseUrl(credentials: ICredentialDataDecryptedObject): string {
	return withoutTrailingSlash(String(credentials.legacyBaseUrl || DINGTALK_DEFAULT_LEGACY_BASE_URL));
}

/** Whether the credential fetches (and can renew) the app token itself. */
export function usesAppCredentials(credentials: ICredentialDataDecryptedObject): boolean {
	return credentials.authentication !== PASTED_TOKEN_SOURCE;
}
