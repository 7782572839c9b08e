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
