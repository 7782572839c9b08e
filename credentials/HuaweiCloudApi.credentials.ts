import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IDataObject,
	IHttpRequestHelper,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
	INodeProperties,
	Icon,
} from 'n8n-workflow';
import {
	authTypeOf,
	DEFAULT_REGION,
	HUAWEI_REGIONS,
	huaweiDomainSuffixExpression,
	iamEndpointOf,
	PROJECT_ID_PLACEHOLDER,
	projectIdOf,
} from '../lib/huawei-cloud';
import { authorizationHeader, canonicalQuery, sdkDate } from '../lib/huawei-signer';
import { authenticateSession, requestTarget, session, sessionProperties, SESSION_TOKEN_FIELD } from '../lib/session';

function withProjectId(url: string, credentials: ICredentialDataDecryptedObject): string {
	if (!url.includes(PROJECT_ID_PLACEHOLDER)) return url;
	const projectId = projectIdOf(credentials);
	if (!/^[A-Za-z0-9-]+$/.test(projectId)) {
		throw new Error('The Huawei Cloud credential needs a Project ID for this authentication method');
	}
	return url.split(PROJECT_ID_PLACEHOLDER).join(projectId);
}

/** Folds `qs` into the URL, encoded exactly as the canonical query of the signature. */
function urlWithQuery(requestOptions: IHttpRequestOptions): URL {
	const url = new URL(`${requestOptions.baseURL ?? ''}${requestOptions.url}`);
	const entries: Array<[string, string]> = [...url.searchParams.entries()];
	for (const [key, value] of Object.entries((requestOptions.qs ?? {}) as IDataObject)) {
		if (value === undefined || value === null || value === '') continue;
		for (const item of Array.isArray(value) ? value : [value]) entries.push([key, String(item)]);
	}
	url.search = canonicalQuery(entries);
	return url;
}

function signWithAccessKey(
	credentials: ICredentialDataDecryptedObject,
	requestOptions: IHttpRequestOptions,
): IHttpRequestOptions {
	const url = urlWithQuery(requestOptions);
	const hasBody =
		requestOptions.body !== undefined &&
		requestOptions.body !== '' &&
		!(typeof requestOptions.body === 'object' && Object.keys(requestOptions.body as object).length === 0);
	// The signature covers the body bytes, so they are serialised here rather than by the HTTP client.
	const body = !hasBody
		? ''
		: typeof requestOptions.body === 'string'
			? requestOptions.body
			: JSON.stringify(requestOptions.body);
	const signed: Record<string, string> = {
		Host: url.host,
		'X-Sdk-Date': sdkDate(new Date()),
	};
	if (hasBody) signed['Content-Type'] = 'application/json';
	const projectId = projectIdOf(credentials);
	if (projectId) signed['X-Project-Id'] = projectId;
	if (credentials.securityToken) signed['X-Security-Token'] = String(credentials.securityToken);
	const authorization = authorizationHeader(
		{ method: requestOptions.method ?? 'GET', url, headers: signed, body },
		String(credentials.accessKeyId),
		String(credentials.secretAccessKey),
	);
	const headers = Object.fromEntries(
		Object.entries(requestOptions.headers ?? {}).filter(
			([name]) => !['host', 'content-type', 'x-sdk-date', 'authorization'].includes(name.toLowerCase()),
		),
	);
	return {
		...requestOptions,
		baseURL: undefined,
		url: url.toString(),
		qs: undefined,
		...(hasBody ? { body } : { body: undefined }),
		headers: { ...headers, ...signed, Authorization: authorization },
	};
}

function signOrSendToken(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): IHttpRequestOptions {
	const resolved = { ...requestOptions, url: withProjectId(requestTarget(requestOptions), credentials) };
	const authType = authTypeOf(credentials);
	if (authType === 'aksk') return signWithAccessKey(credentials, resolved);
	// A pasted token is used as typed, so that editing it takes effect even while an older copy sits in sessionToken.
	const token = authType === 'token' ? credentials.authToken : credentials[SESSION_TOKEN_FIELD];
	return { ...resolved, headers: { ...(resolved.headers ?? {}), 'X-Auth-Token': String(token ?? '') } };
}

export class HuaweiCloudApi implements ICredentialType {
	name = 'huaweiCloudApi';

	displayName = 'Huawei Cloud API';

	icon: Icon = { light: 'file:../icons/huaweiSmn.svg', dark: 'file:../icons/huaweiSmn.dark.svg' };

	documentationUrl = 'https://support.huaweicloud.com/devg-apisign/api-sign-algorithm-002.html';

	properties: INodeProperties[] = [
		{
			displayName: 'Region',
			name: 'region',
			type: 'options',
			options: HUAWEI_REGIONS.map((region) => ({ name: region, value: region })),
			default: DEFAULT_REGION,
			description: 'The region of your SMN topics; it selects the SMN and IAM endpoints',
		},
		{
			displayName: 'Authentication',
			name: 'authType',
			type: 'options',
			options: [
				{
					name: 'Access Key (AK/SK Signing)',
					value: 'aksk',
					description: 'Sign every request with an access key; recommended by Huawei',
				},
				{
					name: 'IAM User Password',
					value: 'password',
					description: 'Sign in as an IAM user; the 24-hour token is fetched and renewed automatically',
				},
				{
					name: 'Token',
					value: 'token',
					description: 'Paste an existing project-scoped X-Auth-Token (it expires after 24 hours)',
				},
			],
			default: 'password',
		},
		{
			displayName: 'IAM User Name',
			name: 'userName',
			type: 'string',
			default: '',
			required: true,
			displayOptions: { show: { authType: ['password'] } },
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			displayOptions: { show: { authType: ['password'] } },
		},
		{
			displayName: 'Account Name',
			name: 'domainName',
			type: 'string',
			default: '',
			required: true,
			description: 'The Huawei Cloud account (domain) that owns the IAM user',
			displayOptions: { show: { authType: ['password'] } },
		},
		{
			displayName: 'Token',
			name: 'authToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The value of X-Subject-Token from POST /v3/auth/tokens, scoped to the project of the region',
			displayOptions: { show: { authType: ['token'] } },
		},
		{
			displayName: 'Access Key ID',
			name: 'accessKeyId',
			type: 'string',
			default: '',
			required: true,
			displayOptions: { show: { authType: ['aksk'] } },
		},
		{
			displayName: 'Secret Access Key',
			name: 'secretAccessKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			displayOptions: { show: { authType: ['aksk'] } },
		},
		{
			displayName: 'Security Token',
			name: 'securityToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Only for temporary access keys',
			displayOptions: { show: { authType: ['aksk'] } },
		},
		{
			displayName: 'Project ID',
			name: 'projectId',
			type: 'string',
			default: '',
			description:
				'The project of the region (My Credentials > API Credentials). Required for a token or an access key; with a password it is read from the sign-in response when left empty.',
		},
		{
			displayName: 'SMN Endpoint',
			name: 'smnEndpoint',
			type: 'string',
			default: '',
			placeholder: 'https://smn.cn-north-4.myhuaweicloud.com',
			description: 'Leave empty for https://smn.&lt;region&gt;.myhuaweicloud.com. Set it only for a private endpoint or a local emulator.',
		},
		{
			displayName: 'IAM Endpoint',
			name: 'iamEndpoint',
			type: 'string',
			default: '',
			placeholder: 'https://iam.cn-north-4.myhuaweicloud.com',
			description: 'Leave empty for https://iam.&lt;region&gt;.myhuaweicloud.com',
			displayOptions: { show: { authType: ['password'] } },
		},
		...sessionProperties,
		{
			displayName: 'Session Project ID',
			name: 'sessionProjectId',
			type: 'hidden',
			default: '',
		},
	];

	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject) {
		const authType = authTypeOf(credentials);
		if (authType === 'token') return session(String(credentials.authToken ?? ''), 0);
		// Signed requests need no session; the marker only stops n8n from asking again.
		if (authType === 'aksk') return session('signed', 0);

		const projectId = String(credentials.projectId ?? '').trim();
		const region = String(credentials.region || DEFAULT_REGION);
		const response = (await this.helpers.httpRequest({
			method: 'POST',
			url: `${iamEndpointOf(credentials)}/v3/auth/tokens`,
			qs: { nocatalog: 'true' },
			headers: { 'Content-Type': 'application/json;charset=utf8' },
			body: {
				auth: {
					identity: {
						methods: ['password'],
						password: {
							user: {
								name: credentials.userName,
								password: credentials.password,
								domain: { name: credentials.domainName },
							},
						},
					},
					scope: { project: projectId ? { id: projectId } : { name: region } },
				},
			},
			json: true,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
		})) as IN8nHttpFullResponse;
		const body = (response.body ?? {}) as IDataObject;
		const token = response.headers?.['x-subject-token'];
		if (response.statusCode >= 400 || typeof token !== 'string' || token === '') {
			const error = (body.error ?? {}) as IDataObject;
			const reason = String(error.message ?? body.error_msg ?? `HTTP ${response.statusCode}`);
			const code = String(body.error_code ?? error.code ?? response.statusCode);
			throw new Error(
				`Huawei Cloud IAM refused the sign-in (${code}: ${reason}). Check the IAM user name, password and account name, and that the user has programmatic access.`,
			);
		}
		const details = (body.token ?? {}) as IDataObject;
		const expiresAt = Date.parse(String(details.expires_at ?? ''));
		return {
			...session(token, Number.isFinite(expiresAt) ? expiresAt : Date.now() + 23 * 60 * 60 * 1000),
			sessionProjectId: String(((details.project ?? {}) as IDataObject).id ?? projectId),
		};
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		return await authenticateSession('Huawei Cloud API', credentials, requestOptions, signOrSendToken);
	}

	test: ICredentialTestRequest = {
		request: {
			baseURL:
				`={{ $credentials.smnEndpoint ? $credentials.smnEndpoint.replace(/\\/+$/, "") : "https://smn." + $credentials.region + (${huaweiDomainSuffixExpression('$credentials.region')}) }}`,
			url: `/v2/${PROJECT_ID_PLACEHOLDER}/notifications/topics`,
			qs: { offset: 0, limit: 1 },
		},
	};
}
