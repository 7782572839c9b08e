import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';
import {
	callbackSecretProperties,
	FEISHU_ACCOUNTS_URL,
	hostProperties,
	LARK_ACCOUNTS_URL,
	LARK_BASE_URL,
	SIGN_IN_PAGE_PATH,
	USER_SIGN_IN_CREDENTIAL_TYPE,
	USER_SIGN_IN_SCOPES,
	SIGN_IN_EXCHANGE_PATH,
} from '../lib/feishu';

/** The OpenAPI host the credential points at; a custom base URL (a proxy, the emulator) serves the sign-in page too. */
const OPEN_HOST = `($self["host"] === "custom" ? $self["baseUrl"] : $self["host"])`;
const ACCOUNTS_HOST = `($self["host"] === "custom" ? $self["baseUrl"] : $self["host"] === "${LARK_BASE_URL}" ? "${LARK_ACCOUNTS_URL}" : "${FEISHU_ACCOUNTS_URL}")`;

/**
 * A Feishu / Lark user's identity through Feishu's OAuth 2.0 authorization code flow (authen v2). n8n's
 * OAuth2 machinery runs the sign-in, stores the token data and renews the user_access_token with the
 * refresh token; the nodes renew it on Feishu's own expiry codes too, since Feishu never answers 401.
 */
export class FeishuOAuth2Api implements ICredentialType {
	name = USER_SIGN_IN_CREDENTIAL_TYPE;

	extends = ['oAuth2Api'];

	displayName = 'Feishu / Lark User Sign-In OAuth2 API';

	icon: Icon = { light: 'file:../icons/feishu.svg', dark: 'file:../icons/feishu.dark.svg' };

	documentationUrl =
		'https://open.feishu.cn/document/authentication-management/access-token/get-user-access-token';

	properties: INodeProperties[] = [
		...hostProperties,
		{
			displayName: 'Grant Type',
			name: 'grantType',
			type: 'hidden',
			default: 'authorizationCode',
		},
		{
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'hidden',
			default: `={{${ACCOUNTS_HOST}}}${SIGN_IN_PAGE_PATH}`,
			required: true,
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'hidden',
			default: `={{${OPEN_HOST}}}${SIGN_IN_EXCHANGE_PATH}`,
			required: true,
		},
		{
			// Hidden, as n8n 1.x uses a vendor credential's default scope whatever is stored. offline_access brings
			// the refresh token; the drive subscription calls need one docs scope, enabled in the developer console.
			displayName: 'Scope',
			name: 'scope',
			type: 'hidden',
			default: USER_SIGN_IN_SCOPES,
		},
		{
			displayName: 'Auth URI Query Parameters',
			name: 'authQueryParameters',
			type: 'hidden',
			default: '',
		},
		{
			// Feishu's token endpoint takes client_id and client_secret as body fields.
			displayName: 'Authentication',
			name: 'authentication',
			type: 'hidden',
			default: 'body',
		},
		...callbackSecretProperties,
	];
}
