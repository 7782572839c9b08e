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
import { canRenewKdocsToken, KDOCS_DEFAULT_BASE_URL, kdocsBaseUrl } from '../lib/kdocs';
import { authenticateSession, session, sessionProperties, SESSION_TOKEN_FIELD } from '../lib/session';

function sendToken(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): IHttpRequestOptions {
	// A pasted token is used as typed, so that editing it takes effect even while an older copy sits in sessionToken.
	const token = canRenewKdocsToken(credentials) ? credentials[SESSION_TOKEN_FIELD] : credentials.accessToken;
	return { ...requestOptions, qs: { ...(requestOptions.qs ?? {}), access_token: token } };
}

export class KdocsApi implements ICredentialType {
	name = 'kdocsApi';

	displayName = 'Kdocs API';

	icon: Icon = { light: 'file:../icons/kdocs.svg', dark: 'file:../icons/kdocs.dark.svg' };

	documentationUrl = 'https://developer.kdocs.cn/server/dbt/webhook-mine.html';

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: KDOCS_DEFAULT_BASE_URL,
			description: 'The Kdocs open platform host. Change it only for a private deployment or a local emulator.',
		},
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'A user access token with the edit_personal_files scope. Optional when App ID, App Key and Refresh Token are set: a token is then fetched and renewed automatically.',
		},
		{
			displayName: 'App ID',
			name: 'appId',
			type: 'string',
			default: '',
			description: 'The app ID from the Kdocs developer console, for automatic token renewal',
		},
		{
			displayName: 'App Key',
			name: 'appSecretKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'The app key from the Kdocs developer console, for automatic token renewal',
		},
		{
			displayName: 'Refresh Token',
			name: 'refreshToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'The refresh_token returned with the user access token (valid about 90 days)',
		},
		...sessionProperties,
	];

	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject) {
		if (!canRenewKdocsToken(credentials)) {
			if (!credentials.accessToken) {
				throw new Error('Enter an Access Token, or App ID, App Key and Refresh Token');
			}
			return session(credentials.accessToken, 0);
		}
		const baseUrl = kdocsBaseUrl(credentials).replace(/\/+$/, '');
		const response = (await this.helpers.httpRequest({
			method: 'POST',
			url: `${baseUrl}/api/v1/oauth2/refresh_token`,
			qs: { app_id: credentials.appId },
			body: { app_key: credentials.appSecretKey, refresh_token: credentials.refreshToken },
			json: true,
		})) as IDataObject;
		const data = (response.data ?? {}) as IDataObject;
		if (response.code !== 0 || typeof data.access_token !== 'string') {
			throw new Error(
				`Kdocs refused to renew the access token (code ${String(response.code)}: ${String(response.message ?? response.msg ?? 'no message')}). Authorize the app again to get a new refresh token.`,
			);
		}
		return {
			...session(data.access_token, Date.now() + Number(data.expires_in ?? 0) * 1000),
			...(typeof data.refresh_token === 'string' ? { refreshToken: data.refresh_token } : {}),
		};
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		return await authenticateSession('Kdocs API', credentials, requestOptions, sendToken);
	}

	test: ICredentialTestRequest = {
		request: {
			baseURL: `={{$credentials.baseUrl || "${KDOCS_DEFAULT_BASE_URL}"}}`,
			url: '/api/v1/openapi/user/basic',
		},
		rules: [
			{
				type: 'responseSuccessBody',
				properties: { key: 'code', value: 20007, message: 'The access token is invalid or has expired' },
			},
		],
	};
}
