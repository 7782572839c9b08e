import type { IDataObject, IExecuteFunctions, IHookFunctions, IWebhookFunctions } from 'n8n-workflow';
import { invalidParameter, requireHttpUrl, requireText } from '../shared/validation';
import {
	listTopics,
	MAX_MESSAGE_BYTES,
	PROTOCOLS,
	SUBSCRIPTION_URN,
	TOPIC_ID,
	TOPIC_URN,
	type NewSubscription,
	type Protocol,
	type SubscriptionFilters,
	type TopicFilters,
} from './api';

interface LocatorValue {
	mode?: string;
	value?: unknown;
}

/** Reads the Topic parameter as a URN, checked before any call; a topic ID is looked up once. */
export async function readTopicUrn(
	context: IExecuteFunctions | IHookFunctions,
	itemIndex = 0,
): Promise<string> {
	const locator = context.getNodeParameter('topic', itemIndex, {}) as LocatorValue | string;
	const mode = typeof locator === 'object' ? (locator.mode ?? 'urn') : 'urn';
	const value = requireText(context, typeof locator === 'object' ? locator.value : locator, 'Topic', itemIndex);
	if (mode === 'id') {
		if (!TOPIC_ID.test(value)) {
			throw invalidParameter(context, 'Topic ID is not valid', `"${value}" is not 32 hexadecimal digits.`, itemIndex);
		}
		const [topic] = await listTopics.call(context, { topicId: value }, 1, itemIndex);
		if (!topic || typeof topic.topic_urn !== 'string') {
			throw invalidParameter(
				context,
				`No topic with ID ${value}`,
				'Check the ID, and that the credential points to the region and project of the topic.',
				itemIndex,
			);
		}
		return topic.topic_urn;
	}
	return requireTopicUrn(context, value, itemIndex);
}

export function requireTopicUrn(
	context: IExecuteFunctions | IHookFunctions,
	value: string,
	itemIndex?: number,
): string {
	if (!TOPIC_URN.test(value)) {
		throw invalidParameter(
			context,
			'Topic is not a valid topic URN',
			`"${value}" does not look like urn:smn:<region>:<project ID>:<topic name>.`,
			itemIndex,
		);
	}
	return value;
}

const MAX_SUBJECT_BYTES = 512;
const MAX_TAG_NAME_CHARS = 21;
const MAX_TAG_VALUE_BYTES = 1024;
const MAX_TTL_SECONDS = 86_400;

function requireMaxBytes(context: IExecuteFunctions, value: string, limit: number, label: string, itemIndex: number): string {
	const bytes = Buffer.byteLength(value, 'utf8');
	if (bytes > limit) {
		throw invalidParameter(context, `${label} is too long (${bytes} bytes)`, `SMN accepts at most ${limit} bytes of UTF-8.`, itemIndex);
	}
	return value;
}

/** Builds the publish body from the node parameters, rejecting what SMN would refuse. */
export function readPublishBody(context: IExecuteFunctions, itemIndex: number): IDataObject {
	const content = context.getNodeParameter('content', itemIndex) as string;
	const options = context.getNodeParameter('publishOptions', itemIndex, {}) as IDataObject;
	const body: IDataObject = {};

	if (content === 'message') {
		const message = requireText(context, context.getNodeParameter('message', itemIndex, ''), 'Message', itemIndex);
		body.message = requireMaxBytes(context, message, MAX_MESSAGE_BYTES, 'Message', itemIndex);
	} else if (content === 'structure') {
		const raw = context.getNodeParameter('messageStructure', itemIndex, '') as unknown;
		const text = typeof raw === 'string' ? requireText(context, raw, 'Message Structure', itemIndex) : JSON.stringify(raw);
		let parsed: unknown;
		try {
			parsed = JSON.parse(text);
		} catch {
			throw invalidParameter(context, 'Message Structure is not valid JSON', 'Enter a JSON object such as {"default": "...", "email": "..."}.', itemIndex);
		}
		if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || typeof (parsed as IDataObject).default !== 'string') {
			throw invalidParameter(
				context,
				'Message Structure needs a "default" message',
				'It must be a JSON object whose "default" key holds the text for protocols without their own entry.',
				itemIndex,
			);
		}
		body.message_structure = requireMaxBytes(context, JSON.stringify(parsed), MAX_MESSAGE_BYTES, 'Message Structure', itemIndex);
	} else if (content === 'template') {
		body.message_template_name = requireText(context, context.getNodeParameter('templateName', itemIndex, ''), 'Template Name', itemIndex);
		const tags: IDataObject = {};
		const entries = ((context.getNodeParameter('templateTags', itemIndex, {}) as IDataObject).tag ?? []) as IDataObject[];
		for (const entry of entries) {
			const name = requireText(context, entry.name, 'Tag Name', itemIndex);
			if (name.length > MAX_TAG_NAME_CHARS) {
				throw invalidParameter(context, `Tag name "${name}" is too long`, `Template tag names have at most ${MAX_TAG_NAME_CHARS} characters.`, itemIndex);
			}
			tags[name] = requireMaxBytes(context, String(entry.value ?? ''), MAX_TAG_VALUE_BYTES, `Tag "${name}"`, itemIndex);
		}
		body.tags = tags;
	} else {
		throw invalidParameter(context, `Unknown content "${String(content)}"`, 'Choose Message, Message Structure or Template.', itemIndex);
	}

	if (options.subject !== undefined && options.subject !== '') {
		body.subject = requireMaxBytes(context, String(options.subject), MAX_SUBJECT_BYTES, 'Subject', itemIndex);
	}
	if (options.timeToLive !== undefined) {
		const ttl = Number(options.timeToLive);
		if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_SECONDS) {
			throw invalidParameter(context, 'Time to Live must be 1 to 86400 seconds', `${String(options.timeToLive)} is out of range.`, itemIndex);
		}
		// SMN's API takes the TTL as a string.
		body.time_to_live = String(ttl);
	}
	return body;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9]{5,20}$/;
const FUNCTION_URN = /^urn:[a-z]+:[a-z0-9-]+:[A-Za-z0-9-]+:[^\s]+$/;
const HEADER_NAME = /^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/;
const ASCII_VALUE = /^[\x20-\x7E]*$/;
const MAX_REMARK_BYTES = 128;
const MAX_EXTENSION_HEADERS = 10;
const MAX_EXTENSION_HEADER_CHARS = 1024;

function requireRemark(context: IExecuteFunctions, value: unknown, itemIndex: number): string | undefined {
	const remark = String(value ?? '');
	if (remark === '') return undefined;
	const bytes = Buffer.byteLength(remark, 'utf8');
	if (bytes > MAX_REMARK_BYTES) {
		throw invalidParameter(
			context,
			`Remark is too long (${bytes} bytes)`,
			`SMN accepts at most ${MAX_REMARK_BYTES} bytes of UTF-8 (about 42 Chinese characters).`,
			itemIndex,
		);
	}
	return remark;
}

/** Custom headers SMN adds to HTTP(S) deliveries, checked against the console's rules. */
function requireExtensionHeaders(
	context: IExecuteFunctions,
	entries: Array<{ name?: unknown; value?: unknown }>,
	itemIndex: number,
): Record<string, string> {
	if (entries.length > MAX_EXTENSION_HEADERS) {
		throw invalidParameter(context, `Too many headers (${entries.length})`, `SMN allows at most ${MAX_EXTENSION_HEADERS}.`, itemIndex);
	}
	const headers: Record<string, string> = {};
	const seen = new Set<string>();
	let totalChars = 0;
	for (const entry of entries) {
		const name = String(entry.name ?? '').trim();
		const value = String(entry.value ?? '');
		const lower = name.toLowerCase();
		if (!HEADER_NAME.test(name)) {
			throw invalidParameter(
				context,
				`Header name "${name}" is not allowed`,
				'Use letters, digits and single hyphens, with no hyphen at the start or end.',
				itemIndex,
			);
		}
		if (!lower.startsWith('x-') || lower.startsWith('x-smn')) {
			throw invalidParameter(context, `Header name "${name}" is not allowed`, 'Header names must start with "x-" and must not start with "x-smn".', itemIndex);
		}
		if (seen.has(lower)) {
			throw invalidParameter(context, `Header "${name}" appears twice`, 'Header names are case-insensitive and must be unique.', itemIndex);
		}
		if (!ASCII_VALUE.test(value)) {
			throw invalidParameter(context, `Header "${name}" has a value that is not plain ASCII`, 'Only printable ASCII characters and spaces are allowed.', itemIndex);
		}
		seen.add(lower);
		totalChars += name.length + value.length;
		headers[name] = value;
	}
	if (totalChars > MAX_EXTENSION_HEADER_CHARS) {
		throw invalidParameter(
			context,
			`Headers are too long (${totalChars} characters)`,
			`All header names and values together may have at most ${MAX_EXTENSION_HEADER_CHARS} characters.`,
			itemIndex,
		);
	}
	return headers;
}

function requireEndpoint(context: IExecuteFunctions, protocol: Protocol, itemIndex: number): string {
	const raw = context.getNodeParameter('endpoint', itemIndex, '');
	switch (protocol) {
		case 'http':
		case 'https':
			return requireHttpUrl(context, raw, 'Endpoint', itemIndex, [`${protocol}:`]).toString();
		case 'dingding':
		case 'feishu':
		case 'wechat':
			return requireHttpUrl(context, raw, 'Endpoint', itemIndex, ['https:']).toString();
		case 'email': {
			const email = requireText(context, raw, 'Endpoint', itemIndex);
			if (!EMAIL.test(email)) {
				throw invalidParameter(context, 'Endpoint is not an email address', `"${email}" is not a valid email address.`, itemIndex);
			}
			return email;
		}
		case 'sms':
		case 'callnotify': {
			const phone = requireText(context, raw, 'Endpoint', itemIndex).replace(/[\s-]/g, '');
			if (!PHONE.test(phone)) {
				throw invalidParameter(context, 'Endpoint is not a phone number', `"${phone}" should be digits, optionally starting with +.`, itemIndex);
			}
			return phone;
		}
		case 'functionstage':
		case 'functiongraph': {
			const urn = requireText(context, raw, 'Endpoint', itemIndex);
			if (!FUNCTION_URN.test(urn)) {
				throw invalidParameter(context, 'Endpoint is not a URN', `"${urn}" should look like urn:fss:<region>:<project ID>:...`, itemIndex);
			}
			return urn;
		}
		default:
			return requireText(context, raw, 'Endpoint', itemIndex);
	}
}

function protocolExtension(context: IExecuteFunctions, protocol: Protocol, itemIndex: number): IDataObject {
	if (protocol === 'welink') {
		return {
			client_id: requireText(context, context.getNodeParameter('welinkClientId', itemIndex, ''), 'Client ID', itemIndex),
			client_secret: requireText(context, context.getNodeParameter('welinkClientSecret', itemIndex, ''), 'Client Secret', itemIndex),
		};
	}
	if (protocol === 'dingTalkBot') {
		return {
			app_key: requireText(context, context.getNodeParameter('dingTalkAppKey', itemIndex, ''), 'App Key', itemIndex),
			app_secret: requireText(context, context.getNodeParameter('dingTalkAppSecret', itemIndex, ''), 'App Secret', itemIndex),
			robot_code: requireText(context, context.getNodeParameter('dingTalkRobotCode', itemIndex, ''), 'Robot Code', itemIndex),
		};
	}
	if (protocol === 'feishu' || protocol === 'dingding') {
		const security = context.getNodeParameter('robotSecurity', itemIndex, 'none') as string;
		if (security === 'keyword') {
			return { keyword: requireText(context, context.getNodeParameter('robotKeyword', itemIndex, ''), 'Keyword', itemIndex) };
		}
		if (security === 'signSecret') {
			return { sign_secret: requireText(context, context.getNodeParameter('robotSignSecret', itemIndex, ''), 'Sign Secret', itemIndex) };
		}
		if (protocol === 'feishu') {
			throw invalidParameter(
				context,
				'Feishu subscriptions need a keyword or a sign secret',
				'Set "Robot Security" to the keyword or the signature secret configured on the Feishu robot (only one of them).',
				itemIndex,
			);
		}
	}
	return {};
}

/** Reads and checks everything Add sends, before any call to SMN. */
export function readNewSubscription(context: IExecuteFunctions, itemIndex: number): NewSubscription {
	const protocol = context.getNodeParameter('protocol', itemIndex) as Protocol;
	if (!PROTOCOLS.some((known) => known.value === protocol)) {
		throw invalidParameter(context, `Unknown protocol "${String(protocol)}"`, 'Choose one of the listed protocols.', itemIndex);
	}
	const endpoint = requireEndpoint(context, protocol, itemIndex);
	const options = context.getNodeParameter('subscriptionOptions', itemIndex, {}) as IDataObject;
	const remark = requireRemark(context, options.remark, itemIndex);
	const extension = protocolExtension(context, protocol, itemIndex);
	const headerEntries = ((options.headers as IDataObject | undefined)?.header ?? []) as Array<{ name?: unknown; value?: unknown }>;
	if (headerEntries.length > 0) {
		if (protocol !== 'http' && protocol !== 'https') {
			throw invalidParameter(context, 'Custom headers apply only to HTTP and HTTPS subscriptions', 'Remove the headers or pick HTTP/HTTPS.', itemIndex);
		}
		extension.header = requireExtensionHeaders(context, headerEntries, itemIndex);
	}
	return { protocol, endpoint, ...(remark ? { remark } : {}), ...(Object.keys(extension).length > 0 ? { extension } : {}) };
}

export function readSubscriptionUrn(context: IExecuteFunctions, itemIndex: number): string {
	const subscriptionUrn = requireText(context, context.getNodeParameter('subscriptionUrn', itemIndex), 'Subscription URN', itemIndex);
	if (!SUBSCRIPTION_URN.test(subscriptionUrn)) {
		throw invalidParameter(
			context,
			'Subscription URN is not valid',
			`"${subscriptionUrn}" should be the topic URN followed by ":" and 32 hexadecimal digits.`,
			itemIndex,
		);
	}
	return subscriptionUrn;
}

/** Which subscriptions Subscription > List lists: those of one topic, or all of the project. */
export function readSubscriptionScope(context: IExecuteFunctions, itemIndex: number): 'topic' | 'all' {
	return context.getNodeParameter('scope', itemIndex) === 'topic' ? 'topic' : 'all';
}

export function readSubscriptionFilters(context: IExecuteFunctions, itemIndex: number): SubscriptionFilters {
	const filters = context.getNodeParameter('subscriptionFilters', itemIndex, {}) as IDataObject;
	return {
		protocol: filters.protocol as string | undefined,
		status: filters.status as number | undefined,
		endpoint: filters.endpoint as string | undefined,
		fuzzyRemark: requireRemark(context, filters.fuzzyRemark, itemIndex),
	};
}

/** The filters that also apply to one topic's subscriptions: SMN filters those by remark only. */
export function topicSubscriptionFilters(
	context: IExecuteFunctions,
	filters: SubscriptionFilters,
	itemIndex: number,
): Pick<SubscriptionFilters, 'fuzzyRemark'> {
	const onlyForAll = (['endpoint', 'protocol', 'status'] as const).filter((name) => filters[name] !== undefined);
	if (onlyForAll.length > 0) {
		throw invalidParameter(
			context,
			`Filter ${onlyForAll.join(', ')} works only when listing all subscriptions of the project`,
			'SMN filters a topic\'s subscriptions by remark only. Remove the filter or list all subscriptions.',
			itemIndex,
		);
	}
	return { fuzzyRemark: filters.fuzzyRemark };
}

/** Return All and Limit of the list operations: undefined means every result. */
export function readLimit(context: IExecuteFunctions, itemIndex: number): number | undefined {
	return context.getNodeParameter('returnAll', itemIndex, false)
		? undefined
		: (context.getNodeParameter('limit', itemIndex, 50) as number);
}

export function readTopicFilters(context: IExecuteFunctions, itemIndex: number): TopicFilters {
	return context.getNodeParameter('topicFilters', itemIndex, {}) as TopicFilters;
}

/** The topic URN configured on a trigger, read without any API call (webhook() must stay offline). */
export function configuredTopicUrn(context: IWebhookFunctions | IHookFunctions): string {
	const value = context.getNodeParameter('topic', undefined, { extractValue: true }) as unknown;
	return typeof value === 'string' ? value.trim() : '';
}

export const DEFAULT_REPLAY_WINDOW_MINUTES = 60;

/** The trigger's replay window: how far an SMN timestamp may lie from now, in milliseconds. */
export function readReplayWindowMs(context: IWebhookFunctions): number {
	const options = context.getNodeParameter('options', {}) as IDataObject;
	return Number(options.replayWindowMinutes ?? DEFAULT_REPLAY_WINDOW_MINUTES) * 60_000;
}
