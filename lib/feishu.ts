import type { ICredentialDataDecryptedObject, INodeProperties } from 'n8n-workflow';

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

/** Where a Feishu credential points: Feishu, Lark, or a custom host (a proxy, the emulator). */
export const hostProperties: INodeProperties[] = [
	{
		displayName: 'Host',
		name: 'host',
		type: 'options',
		options: [
			{ name: 'Feishu (open.feishu.cn)', value: FEISHU_DEFAULT_BASE_URL },
			{ name: 'Lark (open.larksuite.com)', value: LARK_BASE_URL },
			{ name: 'Custom', value: 'custom' },
		],
		default: FEISHU_DEFAULT_BASE_URL,
		description: 'Feishu for tenants in mainland China, Lark for international tenants. The API paths are the same.',
	},
	{
		displayName: 'Base URL',
		name: 'baseUrl',
		type: 'string',
		default: FEISHU_DEFAULT_BASE_URL,
		placeholder: 'https://open.feishu.cn',
		description: 'The OpenAPI host, e.g. a proxy or a local emulator',
		displayOptions: { show: { host: ['custom'] } },
	},
];

/** What the Feishu Trigger checks callbacks with, in either credential. */
export const callbackSecretProperties: INodeProperties[] = [
	{
		displayName: 'Verification Token',
		name: 'verificationToken',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		description:
			'Events & Callbacks > Encryption Strategy in the developer console. The Feishu Trigger accepts only callbacks that carry it.',
	},
	{
		displayName: 'Encrypt Key',
		name: 'encryptSecret',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		description:
			'Events & Callbacks > Encryption Strategy in the developer console. When set, the Feishu Trigger decrypts callbacks and checks their X-Lark-Signature.',
	},
];
