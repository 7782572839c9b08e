import {
	NodeApiError,
	NodeOperationError,
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type IHttpRequestOptions,
	type IN8nHttpFullResponse,
	type IWebhookFunctions,
	type JsonObject,
} from 'n8n-workflow';
import { authTypeOf, PROJECT_ID_PLACEHOLDER, projectIdOf, smnEndpointOf } from '../../lib/huawei-cloud';
import { SESSION_EXPIRES_AT_FIELD, SESSION_TOKEN_FIELD } from '../../lib/session';
import {
	backoffDelayMs,
	secondsHeaderToMs,
	vendorRequest,
	vendorRequestWithResponse,
	type RequestContext,
	type VendorApi,
	type VendorError,
	type VendorResponse,
} from '../shared/transport';
import { asNodeError } from '../shared/validation';

export const SUBSCRIPTION_NOT_FOUND = 'SMN.0013';
export const ENDPOINT_ALREADY_EXISTS = 'SMN.0190';
/** SMN's page size limit for list calls. */
export const MAX_PAGE_SIZE = 100;
/** SMN caps a message at 256 KB of UTF-8 (Publish, vendor notes 3.4): what is published and what is delivered. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

export const TOPIC_URN = /^urn:smn:([a-z0-9-]+):([A-Za-z0-9-]+):([A-Za-z0-9_-]{1,255})$/;
export const SUBSCRIPTION_URN = /^urn:smn:[a-z0-9-]+:[A-Za-z0-9-]+:[A-Za-z0-9_-]{1,255}:[0-9a-f]{32}$/;
export const TOPIC_ID = /^[0-9a-f]{32}$/;

export function regionOfTopic(topicUrn: string): string | undefined {
	return TOPIC_URN.exec(topicUrn)?.[1];
}

/** Every protocol of SMN's AddSubscription; values are what the API expects. */
export const PROTOCOLS = [
	{ name: 'DingTalk Group Robot', value: 'dingding', endpoint: 'The group robot webhook URL (https)' },
	{ name: 'DingTalk Personal Robot', value: 'dingTalkBot', endpoint: 'The DingTalk user ID to message' },
	{ name: 'Email', value: 'email', endpoint: 'An email address' },
	{ name: 'Feishu Group Robot', value: 'feishu', endpoint: 'The group robot webhook URL (https)' },
	{ name: 'FunctionGraph (Function)', value: 'functionstage', endpoint: 'The function URN' },
	{ name: 'FunctionGraph (Workflow)', value: 'functiongraph', endpoint: 'The workflow URN' },
	{ name: 'HTTP', value: 'http', endpoint: 'A public http:// URL' },
	{ name: 'HTTPS', value: 'https', endpoint: 'A public https:// URL' },
	{ name: 'SMS', value: 'sms', endpoint: 'A phone number, e.g. +8613800000000' },
	{ name: 'Voice Call', value: 'callnotify', endpoint: 'A phone number, e.g. +8613800000000' },
	{ name: 'WeCom Group Robot', value: 'wechat', endpoint: 'The group robot webhook URL (https)' },
	{ name: 'WeLink Group', value: 'welink', endpoint: 'The WeLink group number' },
] as const;

export type Protocol = (typeof PROTOCOLS)[number]['value'];

const HINTS: Record<string, string> = {
	'APIG.0301':
		'Huawei Cloud rejected the credential. For a password or token, check that it is scoped to this region\'s project; for an access key, check the key pair and the machine clock (15-minute tolerance).',
	'APIG.0308': 'Huawei Cloud is throttling requests. Try again later or lower the number of calls.',
	'IAM.0062': 'The IAM password is wrong. Repeated failures lock the user.',
	'IAM.0066': 'The token expired. Paste a new token, or use the password method so it renews itself.',
	'IAM.0081': 'The IAM user has console access only. Enable programmatic access for it.',
	'SMN.0001': 'The IAM user lacks SMN permissions on this resource (e.g. the SMN FullAccess policy for the project).',
	'SMN.0005': 'The topic URN is malformed. It looks like urn:smn:<region>:<project id>:<topic name>.',
	'SMN.0006': 'The topic does not exist in this region and project. Check the credential\'s region and project ID.',
	'SMN.0007': 'The topic has reached its subscription quota (10,000 by default). Delete unused subscriptions.',
	'SMN.0011': 'SMN does not support this protocol in this region.',
	'SMN.0012':
		'SMN rejected the endpoint. HTTP(S) endpoints must be public: private, loopback and link-local addresses are refused.',
	[SUBSCRIPTION_NOT_FOUND]: 'The subscription no longer exists.',
	'SMN.0069': 'SMN refuses to subscribe internal endpoints. Use a public URL (or a tunnel) for n8n.',
	'SMN.0078': 'The account has reached its maximum number of subscriptions.',
	'SMN.0082': 'The remark is too long: at most 128 bytes of UTF-8.',
	'SMN.0160': 'SMN rejected the endpoint. Check its format for the chosen protocol.',
	'SMN.0228': 'SMN is not enabled for this account.',
};

/** Reads the three error envelopes in front of SMN: SMN's own, the API gateway's and IAM's. */
export function readSmnError({ statusCode, body }: VendorResponse): VendorError | undefined {
	if (statusCode < 400) return undefined;
	const envelope = body && typeof body === 'object' && !Array.isArray(body) ? (body as IDataObject) : {};
	const iam = envelope.error && typeof envelope.error === 'object' ? (envelope.error as IDataObject) : undefined;
	const code = envelope.code ?? envelope.error_code ?? iam?.code;
	const message = envelope.message ?? envelope.error_msg ?? iam?.message;
	return {
		code: code === undefined || code === null ? `HTTP ${statusCode}` : String(code),
		message:
			typeof message === 'string' && message !== ''
				? message
				: typeof body === 'string' && body !== ''
					? body.slice(0, 200)
					: `HTTP ${statusCode}`,
	};
}

function isTokenProblem(error: VendorError, response: VendorResponse): boolean {
	if (error.code === 'IAM.0066' || error.code === 'IAM.0067' || error.code === 'IAM.0001') return true;
	// The gateway uses APIG.0301 for token and for signature failures; only the former is cured by a new token.
	if (error.code === 'APIG.0301') return !/aksk|signature/i.test(error.message);
	return response.statusCode === 401;
}

export const huaweiSmnApi: VendorApi = {
	name: 'Huawei Cloud SMN',
	credentialType: 'huaweiCloudApi',
	baseUrl: (credentials: ICredentialDataDecryptedObject) => smnEndpointOf(credentials),
	tokenField: SESSION_TOKEN_FIELD,
	tokenExpiresAtField: SESSION_EXPIRES_AT_FIELD,
	canRefreshToken: (credentials) => authTypeOf(credentials) === 'password',
	readError: readSmnError,
	isTokenExpired: isTokenProblem,
	rateLimitDelayMs: (error, response, attempt) =>
		response.statusCode === 429 || error.code === 'APIG.0308'
			? (secondsHeaderToMs(response.headers, 'retry-after') ?? backoffDelayMs(attempt))
			: undefined,
	hint: (error) => HINTS[error.code],
};

const notifications = `/v2/${PROJECT_ID_PLACEHOLDER}/notifications`;
export const paths = {
	topics: `${notifications}/topics`,
	topic: (topicUrn: string) => `${notifications}/topics/${topicUrn}`,
	topicSubscriptions: (topicUrn: string) => `${notifications}/topics/${topicUrn}/subscriptions`,
	publish: (topicUrn: string) => `${notifications}/topics/${topicUrn}/publish`,
	subscriptions: `${notifications}/subscriptions`,
	subscription: (subscriptionUrn: string) => `${notifications}/subscriptions/${subscriptionUrn}`,
};

/** Token and access-key credentials cannot discover the project, so it must be typed in. */
async function requireProject(context: RequestContext, itemIndex?: number): Promise<void> {
	const credentials = await context.getCredentials('huaweiCloudApi');
	if (authTypeOf(credentials) !== 'password' && projectIdOf(credentials) === '') {
		throw new NodeOperationError(context.getNode(), 'The Huawei Cloud credential has no Project ID', {
			description:
				'Token and access-key authentication need the project ID of the region (My Credentials > API Credentials).',
			itemIndex,
		});
	}
}

async function smnCall(
	context: RequestContext,
	request: Parameters<typeof vendorRequest>[1],
): Promise<IDataObject> {
	await requireProject(context, request.itemIndex);
	return await vendorRequest.call(context, huaweiSmnApi, request);
}

/** Reads list pages (offset/limit) until the vendor runs out or `limit` items are collected. */
async function listAll(
	context: RequestContext,
	path: string,
	itemsKey: string,
	qs: IDataObject,
	limit: number | undefined,
	itemIndex?: number,
): Promise<IDataObject[]> {
	const collected: IDataObject[] = [];
	for (let offset = 0; ; ) {
		const pageSize = Math.min(MAX_PAGE_SIZE, limit === undefined ? MAX_PAGE_SIZE : limit - collected.length);
		const response = await smnCall(context, {
			method: 'GET',
			path,
			qs: { ...qs, offset, limit: pageSize },
			idempotent: true,
			itemIndex,
		});
		const page = (Array.isArray(response[itemsKey]) ? response[itemsKey] : []) as IDataObject[];
		collected.push(...page);
		offset += page.length;
		if (page.length < pageSize || (limit !== undefined && collected.length >= limit)) break;
	}
	return limit === undefined ? collected : collected.slice(0, limit);
}

export interface SubscriptionFilters {
	protocol?: string;
	status?: number;
	endpoint?: string;
	fuzzyRemark?: string;
}

export async function listTopicSubscriptions(
	this: RequestContext,
	topicUrn: string,
	filters: Pick<SubscriptionFilters, 'fuzzyRemark'> = {},
	limit?: number,
	itemIndex?: number,
): Promise<IDataObject[]> {
	return await listAll(
		this,
		paths.topicSubscriptions(topicUrn),
		'subscriptions',
		filters.fuzzyRemark ? { fuzzy_remark: filters.fuzzyRemark } : {},
		limit,
		itemIndex,
	);
}

export async function listSubscriptions(
	this: RequestContext,
	filters: SubscriptionFilters,
	limit?: number,
	itemIndex?: number,
): Promise<IDataObject[]> {
	const qs: IDataObject = {};
	if (filters.protocol) qs.protocol = filters.protocol;
	if (filters.status !== undefined) qs.status = filters.status;
	if (filters.endpoint) qs.endpoint = filters.endpoint;
	if (filters.fuzzyRemark) qs.fuzzy_remark = filters.fuzzyRemark;
	return await listAll(this, paths.subscriptions, 'subscriptions', qs, limit, itemIndex);
}

export interface NewSubscription {
	protocol: string;
	endpoint: string;
	remark?: string;
	extension?: IDataObject;
}

export interface AddedSubscription {
	subscriptionUrn: string;
	/** False when SMN already had this endpoint on the topic (HTTP 200 / SMN.0190) and kept it. */
	created: boolean;
	requestId?: string;
}

/**
 * Subscribes an endpoint. SMN is idempotent here: 201 for a new subscription, 200 for an endpoint the
 * topic already has. When that 200 carries no URN, the subscription is looked up by its endpoint.
 */
export async function addSubscription(
	this: RequestContext,
	topicUrn: string,
	subscription: NewSubscription,
	itemIndex?: number,
): Promise<AddedSubscription> {
	await requireProject(this, itemIndex);
	const body: IDataObject = { protocol: subscription.protocol, endpoint: subscription.endpoint };
	if (subscription.remark) body.remark = subscription.remark;
	if (subscription.extension && Object.keys(subscription.extension).length > 0) body.extension = subscription.extension;
	const response = await vendorRequestWithResponse.call(this, huaweiSmnApi, {
		method: 'POST',
		path: paths.topicSubscriptions(topicUrn),
		body,
		// Adding is idempotent on SMN's side, so a retry cannot create a second subscription.
		idempotent: true,
		itemIndex,
	});
	const answer = response.body as IDataObject;
	const created = response.statusCode === 201 && answer.code !== ENDPOINT_ALREADY_EXISTS;
	let subscriptionUrn = typeof answer.subscription_urn === 'string' ? answer.subscription_urn : '';
	if (subscriptionUrn === '') {
		const existing = (await listTopicSubscriptions.call(this, topicUrn, {}, undefined, itemIndex)).find(
			(item) => item.endpoint === subscription.endpoint && item.protocol === subscription.protocol,
		);
		subscriptionUrn = typeof existing?.subscription_urn === 'string' ? existing.subscription_urn : '';
	}
	if (subscriptionUrn === '') {
		throw new NodeApiError(this.getNode(), answer as JsonObject, {
			message: 'Huawei Cloud SMN accepted the subscription but returned no subscription URN',
			description: 'List the topic\'s subscriptions to find it.',
			itemIndex,
		});
	}
	return {
		subscriptionUrn,
		created,
		...(typeof answer.request_id === 'string' ? { requestId: answer.request_id } : {}),
	};
}

/** Deletes a subscription; one SMN no longer knows counts as deleted. Returns whether it still existed. */
export async function deleteSubscription(
	this: RequestContext,
	subscriptionUrn: string,
	itemIndex?: number,
): Promise<boolean> {
	try {
		await smnCall(this, { method: 'DELETE', path: paths.subscription(subscriptionUrn), idempotent: true, itemIndex });
		return true;
	} catch (error) {
		const context = (error as { context?: IDataObject }).context;
		if (context?.vendorCode === SUBSCRIPTION_NOT_FOUND) return false;
		throw asNodeError(this, error);
	}
}

export interface TopicFilters {
	name?: string;
	fuzzyName?: string;
	fuzzyDisplayName?: string;
	topicId?: string;
	enterpriseProjectId?: string;
}

export async function listTopics(
	this: RequestContext,
	filters: TopicFilters,
	limit?: number,
	itemIndex?: number,
): Promise<IDataObject[]> {
	const qs: IDataObject = {};
	if (filters.name) qs.name = filters.name;
	if (filters.fuzzyName) qs.fuzzy_name = filters.fuzzyName;
	if (filters.fuzzyDisplayName) qs.fuzzy_display_name = filters.fuzzyDisplayName;
	if (filters.topicId) qs.topic_id = filters.topicId;
	if (filters.enterpriseProjectId) qs.enterprise_project_id = filters.enterpriseProjectId;
	return await listAll(this, paths.topics, 'topics', qs, limit, itemIndex);
}

export async function listTopicsPage(
	this: RequestContext,
	filters: TopicFilters,
	offset: number,
	pageSize: number,
): Promise<{ topics: IDataObject[]; total: number }> {
	const response = await smnCall(this, {
		method: 'GET',
		path: paths.topics,
		qs: { offset, limit: pageSize, ...(filters.fuzzyName ? { fuzzy_name: filters.fuzzyName } : {}) },
		idempotent: true,
	});
	return {
		topics: (Array.isArray(response.topics) ? response.topics : []) as IDataObject[],
		total: Number(response.topic_count ?? 0),
	};
}

export async function getTopic(this: RequestContext, topicUrn: string, itemIndex?: number): Promise<IDataObject> {
	return await smnCall(this, { method: 'GET', path: paths.topic(topicUrn), idempotent: true, itemIndex });
}

export async function publishMessage(
	this: RequestContext,
	topicUrn: string,
	body: IDataObject,
	itemIndex?: number,
): Promise<IDataObject> {
	return await smnCall(this, { method: 'POST', path: paths.publish(topicUrn), body, itemIndex });
}

/** SMN waits 5 s for an answer, so the certificate and confirmation calls must be quicker. */
const LINK_TIMEOUT_MS = 2_000;

/**
 * One GET of a URL that a callback names and the allow-list accepted (its signing certificate, its
 * confirmation link). Redirects are not followed, and an HTTP error status is returned, not thrown.
 */
export async function getCallbackLink(
	context: IWebhookFunctions,
	url: string,
	options: Pick<IHttpRequestOptions, 'encoding'> = {},
): Promise<IN8nHttpFullResponse> {
	return (await context.helpers.httpRequest({
		method: 'GET',
		url,
		disableFollowRedirect: true,
		json: false,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: LINK_TIMEOUT_MS,
		...options,
	})) as IN8nHttpFullResponse;
}
