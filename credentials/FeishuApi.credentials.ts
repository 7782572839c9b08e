import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IDataObject,
	IHttpRequestHelper,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';
import { callbackSecretProperties, FEISHU_DEFAULT_BASE_URL, feishuBaseUrl, hostProperties, usesUserToken } from '../lib/feishu';
import { authenticateSession, session, sessionProperties, SESSION_TOKEN_FIELD } from '../lib/session';

export const TENANT_ACCESS_PATH = '/open-apis/auth/v3/tenant_access_token/internal';

/** The official SDKs stop using a tenant token 3 minutes before Feishu says it expires. */
const TOKEN_SAFETY_MARGIN_SECONDS = 180;

function sendToken(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): IHttpRequestOptions {
	// A pasted user token is used as typed, so that replacing it takes effect at once.
	const token = usesUserToken(credentials) ? credentials.userAccessToken : credentials[SESSION_TOKEN_FIELD];
	return { ...requestOptions, headers: { ...(requestOptions.headers ?? {}), Authorization: `Bearer ${String(token)}` } };
}

export class FeishuApi implements ICredentialType {
	name = 'feishuApi';

	displayName = 'Feishu / Lark API';

	icon: Icon = { light: 'file:../icons/feishu.svg', dark: 'file:../icons/feishu.dark.svg' };

	documentationUrl =
		'https://open.feishu.cn/document/server-docs/authentication-management/access-token/tenant_access_token_internal';

	properties: INodeProperties[] = [
		...hostProperties,
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'options',
			options: [
				{
					name: 'Tenant Access Token (App ID and Secret)',
					value: 'tenantToken',
					description: 'Acts as the app; the token is fetched and renewed automatically',
				},
				{
					name: 'User Access Token',
					value: 'userToken',
					description: 'Acts as a user; paste a token obtained through Feishu OAuth',
				},
			],
			default: 'tenantToken',
		},
		{
			displayName: 'App ID',
			name: 'appId',
			type: 'string',
			default: '',
			placeholder: 'cli_a1b2c3d4e5f6',
			description: 'Credentials & Basic Info page of the app in the developer console',
			displayOptions: { show: { authentication: ['tenantToken'] } },
		},
		{
			displayName: 'App Secret',
			name: 'appSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authentication: ['tenantToken'] } },
		},
		{
			displayName: 'User Access Token',
			name: 'userAccessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			placeholder: 'u-…',
			description: 'A user_access_token of a user who owns or manages the files. It is not renewed automatically.',
			displayOptions: { show: { authentication: ['userToken'] } },
		},
		...callbackSecretProperties,
		...sessionProperties,
	];

	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject) {
		if (usesUserToken(credentials)) {
			if (!credentials.userAccessToken) throw new Error('Enter a User Access Token');
			return session(credentials.userAccessToken, 0);
		}
		if (!credentials.appId || !credentials.appSecret) throw new Error('Enter the App ID and App Secret');
		const response = (await this.helpers.httpRequest({
			method: 'POST',
			url: `${feishuBaseUrl(credentials)}${TENANT_ACCESS_PATH}`,
			headers: { 'Content-Type': 'application/json; charset=utf-8' },
			body: { app_id: credentials.appId, app_secret: credentials.appSecret },
			json: true,
			ignoreHttpStatusErrors: true,
		})) as IDataObject;
		if (response.code !== 0 || typeof response.tenant_access_token !== 'string') {
			throw new Error(
				`Feishu refused the App ID / App Secret (code ${String(response.code)}: ${String(response.msg ?? 'no message')}). Copy both again from the app's Credentials & Basic Info page.`,
			);
		}
		const lifetimeSeconds = Math.max(0, Number(response.expire ?? 0) - TOKEN_SAFETY_MARGIN_SECONDS);
		return session(response.tenant_access_token, Date.now() + lifetimeSeconds * 1000);
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		return await authenticateSession('Feishu / Lark API', credentials, requestOptions, sendToken);
	}

	/**
	 * n8n runs preAuthentication before the test, so App ID / App Secret are already proven by then; the request
	 * proves the token itself: a user token through user_info, a tenant token through a fresh token request.
	 */
	test: ICredentialTestRequest = {
		request: {
			baseURL: `={{($credentials.host === "custom" ? $credentials.baseUrl : $credentials.host) || "${FEISHU_DEFAULT_BASE_URL}"}}`,
			url: `={{$credentials.authentication === "userToken" ? "/open-apis/authen/v1/user_info" : "${TENANT_ACCESS_PATH}"}}`,
			method: '={{$credentials.authentication === "userToken" ? "GET" : "POST"}}',
			body: '={{$credentials.authentication === "userToken" ? undefined : { app_id: $credentials.appId, app_secret: $credentials.appSecret } }}',
		} as unknown as ICredentialTestRequest['request'],
		rules: [
			{ type: 'responseSuccessBody', properties: { key: 'code', value: 99991663, message: 'The access token is invalid or has expired' } },
			{ type: 'responseSuccessBody', properties: { key: 'code', value: 99991668, message: 'The user access token is invalid or has expired' } },
			{ type: 'responseSuccessBody', properties: { key: 'code', value: 99991671, message: 'The access token is invalid' } },
			{ type: 'responseSuccessBody', properties: { key: 'code', value: 99991677, message: 'The user access token has expired' } },
			{ type: 'responseSuccessBody', properties: { key: 'code', value: 10003, message: 'The App ID is invalid' } },
			{ type: 'responseSuccessBody', properties: { key: 'code', value: 10014, message: 'The App Secret is invalid' } },
		],
	};
}
