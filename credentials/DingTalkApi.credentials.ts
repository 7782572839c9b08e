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
import {
	CUSTOM_BASE_URL,
	DINGTALK_DEFAULT_BASE_URL,
	DINGTALK_DEFAULT_LEGACY_BASE_URL,
	dingTalkBaseUrl,
	PASTED_TOKEN_SOURCE,
	usesAppCredentials,
} from '../lib/dingtalk';
import { authenticateSession, requestTarget, session, sessionProperties, SESSION_TOKEN_FIELD } from '../lib/session';

/**
 * The new API lives under /v1.0/ (and /v2.0/) and wants the token in a header; the old API's paths
 * never carry a version and want it in the query. Deciding by path keeps both working when one
 * emulator or proxy serves both hosts.
 */
function isVersionedApiPath(url: string): boolean {
	return /\/v\d+\.\d+\//.test(url.split('?')[0]);
}

function sendToken(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): IHttpRequestOptions {
	// A pasted token is used as typed, so that editing it takes effect even while an older copy sits in sessionToken.
	const token = String((usesAppCredentials(credentials) ? credentials[SESSION_TOKEN_FIELD] : credentials.accessToken) ?? '');
	if (isVersionedApiPath(`${requestOptions.baseURL ?? ''}${requestTarget(requestOptions)}`)) {
		return { ...requestOptions, headers: { ...(requestOptions.headers ?? {}), 'x-acs-dingtalk-access-token': token } };
	}
	return { ...requestOptions, qs: { ...(requestOptions.qs ?? {}), access_token: token } };
}

const showForAppCredentials = { show: { authentication: ['appCredentials'] } };

export class DingTalkApi implements ICredentialType {
	name = 'dingTalkApi';

	displayName = 'DingTalk API';

	icon: Icon = { light: 'file:../icons/dingtalk.svg', dark: 'file:../icons/dingtalk.dark.svg' };

	documentationUrl = 'https://open.dingtalk.com/document/development/subscribe-to-file-change-events';

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'options',
			default: DINGTALK_DEFAULT_BASE_URL,
			options: [
				{ name: 'api.dingtalk.com (Default)', value: DINGTALK_DEFAULT_BASE_URL },
				{ name: 'api.dingtalk.io (DingTalk Global Docs Host)', value: 'https://api.dingtalk.io' },
				{ name: 'Custom', value: CUSTOM_BASE_URL },
			],
			description: 'The host of the DingTalk v1.0 API',
		},
		{
			displayName: 'Custom Base URL',
			name: 'customBaseUrl',
			type: 'string',
			default: '',
			placeholder: 'http://127.0.0.1:4010',
			description: 'For a proxy or a local emulator',
			displayOptions: { show: { baseUrl: [CUSTOM_BASE_URL] } },
		},
		{
			displayName: 'Legacy API Base URL',
			name: 'legacyBaseUrl',
			type: 'string',
			default: DINGTALK_DEFAULT_LEGACY_BASE_URL,
			description: 'The host of the old API, used only to look up a union ID from a user ID',
		},
		{
			displayName: 'Access Token Source',
			name: 'authentication',
			type: 'options',
			default: 'appCredentials',
			options: [
				{
					name: 'App Key and App Secret',
					value: 'appCredentials',
					description: 'Fetch the app access token and renew it automatically',
				},
				{ name: 'Pasted Access Token', value: PASTED_TOKEN_SOURCE, description: 'Use a token obtained elsewhere (it expires after 2 hours)' },
			],
		},
		{
			displayName: 'App Key (Client ID)',
			name: 'appKey',
			type: 'string',
			default: '',
			description:
				'The AppKey of the internal app (developer console, Credentials and Basic Info). Also the owner key that every HTTP push must end with.',
		},
		{
			displayName: 'App Secret (Client Secret)',
			name: 'appSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: showForAppCredentials,
		},
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authentication: [PASTED_TOKEN_SOURCE] } },
		},
		{
			displayName: 'Callback Token',
			name: 'callbackToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'The signing token (3-32 letters or digits) from Event Subscription > HTTP Push in the developer console. Needed by the DingTalk Trigger.',
		},
		{
			displayName: 'AES Key',
			name: 'aesSecretKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'The 43-character encryption key (aes_key) from Event Subscription > HTTP Push in the developer console. Needed by the DingTalk Trigger.',
		},
		{
			displayName: 'Corp ID',
			name: 'corpId',
			type: 'string',
			default: '',
			placeholder: 'ding6ccabc44d2c8d38b',
			description:
				'Optional. Pushes whose owner key is this CorpId are accepted too (apps whose callback was registered through the old API use it instead of the App Key).',
		},
		...sessionProperties,
	];

	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject) {
		if (!usesAppCredentials(credentials)) {
			if (!credentials.accessToken) throw new Error('Enter an Access Token, or choose App Key and App Secret');
			return session(credentials.accessToken, 0);
		}
		if (!credentials.appKey || !credentials.appSecret) {
			throw new Error('Enter the App Key and App Secret of the DingTalk app');
		}
		const response = (await this.helpers.httpRequest({
			method: 'POST',
			url: `${dingTalkBaseUrl(credentials)}/v1.0/oauth2/accessToken`,
			body: { appKey: credentials.appKey, appSecret: credentials.appSecret },
			json: true,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
		})) as { statusCode: number; body: IDataObject };
		const body = (response.body ?? {}) as IDataObject;
		if (response.statusCode >= 400 || typeof body.accessToken !== 'string') {
			throw new Error(
				`DingTalk refused to issue an access token (${String(body.code ?? `HTTP ${response.statusCode}`)}: ${String(body.message ?? 'no message')}). Check the App Key and App Secret of the internal app.`,
			);
		}
		return session(body.accessToken, Date.now() + Number(body.expireIn ?? 0) * 1000);
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		return await authenticateSession('DingTalk API', credentials, requestOptions, sendToken);
	}

	// The old API's permission-free "auth scopes" read proves that the token works; with App Key and
	// App Secret, n8n first fetches a fresh token, which checks those too.
	test: ICredentialTestRequest = {
		request: {
			baseURL: `={{$credentials.legacyBaseUrl || "${DINGTALK_DEFAULT_LEGACY_BASE_URL}"}}`,
			url: '/auth/scopes',
		},
		rules: [
			{
				type: 'responseSuccessBody',
				properties: { key: 'errcode', value: 88, message: 'The access token is invalid or has expired' },
			},
			{
				type: 'responseSuccessBody',
				properties: { key: 'errcode', value: 40014, message: 'The access token is invalid or has expired' },
			},
		],
	};
}
