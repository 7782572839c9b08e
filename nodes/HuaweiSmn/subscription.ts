import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { invalidParameter, requireHttpUrl, requireText } from '../shared/validation';
import type { NewSubscription } from './api';

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

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9]{5,20}$/;
const FUNCTION_URN = /^urn:[a-z]+:[a-z0-9-]+:[A-Za-z0-9-]+:[^\s]+$/;
const HEADER_NAME = /^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/;
const ASCII_VALUE = /^[\x20-\x7E]*$/;
export const MAX_REMARK_BYTES = 128;
const MAX_EXTENSION_HEADERS = 10;
const MAX_EXTENSION_HEADER_CHARS = 1024;

type Context = IExecuteFunctions;

export function requireRemark(context: Context, value: unknown, itemIndex: number): string | undefined {
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
export function requireExtensionHeaders(
	context: Context,
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

function requireEndpoint(context: Context, protocol: Protocol, itemIndex: number): string {
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

function protocolExtension(context: Context, protocol: Protocol, itemIndex: number): IDataObject {
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
export function readNewSubscription(context: Context, itemIndex: number): NewSubscription {
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
