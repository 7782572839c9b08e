import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

export const FEISHU_DEFAULT_BASE_URL = 'https://open.feishu.cn';
export const LARK_BASE_URL = 'https://open.larksuite.com';

export function feishuBaseUrl(credentials: ICredentialDataDecryptedObject): string {
	const host = credentials.host === 'custom' ? credentials.baseUrl : credentials.host;
	return String(host || FEISHU_DEFAULT_BASE_URL).replace(/\/+$/, '');
}

export function usesUserToken(credentials: ICredentialDataDecryptedObject): boolean {
	return credentials.authentication === 'userToken';
}

/** The user sign-in page lives on the accounts host, the token endpoint on the OpenAPI host (vendor-feishu.md 2.3). */
export const FEISHU_ACCOUNTS_URL = 'https://accounts.feishu.cn';
export const LARK_ACCOUNTS_URL = 'https://accounts.larksuite.com';
export const SIGN_IN_PAGE_PATH = '/open-apis/authen/v1/authorize';
export const SIGN_IN_EXCHANGE_PATH = '/open-apis/authen/v2/oauth/token';
/** offline_access: Feishu issues a refresh token only with it. docs:event:subscribe: the drive subscription calls. */
export const USER_SIGN_IN_SCOPES = 'offline_access docs:event:subscribe';

export const APP_CREDENTIAL_TYPE = 'feishuApi';
export const USER_SIGN_IN_CREDENTIAL_TYPE = 'feishuOAuth2Api';

/** The nodes' `authentication` parameter: which credential type a node uses. */
export const APP_AUTHENTICATION = 'appCredentials';
export const USER_SIGN_IN_AUTHENTICATION = 'userSignIn';
