import { createHash, createVerify, X509Certificate } from 'node:crypto';
import type { IDataObject } from 'n8n-workflow';
import { smnHostFamily } from '../../lib/huawei-cloud';

/**
 * Checks for messages SMN POSTs to HTTP(S) subscribers. Everything here is pure and never throws:
 * the trigger rejects a message unless every check passes, and fetches nothing before the URL
 * checks have passed.
 */

export const CONFIRMATION_TYPES = ['SubscriptionConfirmation', 'HttpSubscriptionUserConfirm'];
export const UNSUBSCRIBE_TYPES = ['UnsubscribeConfirmation', 'HttpSubscriptionUserUnsubscribe'];
export const NOTIFICATION_TYPE = 'Notification';

export interface SmnMessage {
	type: string;
	signature: string;
	signature_version: string;
	signing_cert_url: string;
	topic_urn: string;
	message_id: string;
	message: string;
	timestamp: string;
	subscribe_url?: string;
	subject?: string;
	unsubscribe_url?: string;
}

const REQUIRED_FIELDS = ['type', 'signature', 'signature_version', 'signing_cert_url', 'topic_urn', 'message_id', 'message', 'timestamp'] as const;

/**
 * Fields SMN never sends with a line break (section 5 of the vendor notes lists every field). Only
 * `message` is free text; `signature` is Base64, which some encoders wrap, and it is not signed. The
 * string to sign is `key\nvalue\n` with no escaping, so a line break in a signed field would let a
 * forger move text between fields and keep the signature valid: e.g. fold `subject` into `message_id`,
 * or cut `"pay 10\nmessage_id\nX"` down to `"pay 10"` by moving its tail into `message_id`.
 */
export const SINGLE_LINE_FIELDS = [
	'type',
	'signature_version',
	'signing_cert_url',
	'topic_urn',
	'message_id',
	'timestamp',
	'subscribe_url',
	'subject',
	'unsubscribe_url',
] as const;

/** Whether any field that SMN sends on one line holds a CR or LF (only `message` may). */
export function hasLineBreakInSingleLineField(message: object): boolean {
	const body = message as Record<string, unknown>;
	return SINGLE_LINE_FIELDS.some((field) => typeof body[field] === 'string' && /[\r\n]/.test(body[field] as string));
}

/**
 * Checks the shape of a parsed body: undefined means it is not an SMN message (not an object, a missing
 * field, or a field that is not a string). Only the known top-level fields are read, so a body of any
 * depth or type costs nothing here.
 */
export function toSmnMessage(parsed: unknown): SmnMessage | undefined {
	if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
	const body = parsed as IDataObject;
	if (!REQUIRED_FIELDS.every((field) => typeof body[field] === 'string')) return undefined;
	if (body.subject !== undefined && body.subject !== null && typeof body.subject !== 'string') return undefined;
	const known = [...CONFIRMATION_TYPES, ...UNSUBSCRIBE_TYPES, NOTIFICATION_TYPE];
	if (!known.includes(body.type as string)) return undefined;
	if (body.type !== NOTIFICATION_TYPE && typeof body.subscribe_url !== 'string') return undefined;
	// A fresh object of the known fields only: nothing else the sender put in the body travels further.
	const message: Record<string, string> = {};
	for (const field of [...REQUIRED_FIELDS, 'subject', 'subscribe_url', 'unsubscribe_url']) {
		if (typeof body[field] === 'string') message[field] = body[field] as string;
	}
	return message as unknown as SmnMessage;
}

const NOTIFICATION_KEYS = ['message', 'message_id', 'subject', 'timestamp', 'topic_urn', 'type'] as const;
const SUBSCRIPTION_KEYS = ['message', 'message_id', 'subscribe_url', 'timestamp', 'topic_urn', 'type'] as const;

/**
 * The documented string to sign: `key\nvalue\n` for each signed key in a fixed order. `subject` is
 * left out when absent; whether SMN includes an empty subject is not documented, so the caller may
 * ask for both forms.
 */
export function stringToSign(message: SmnMessage, includeEmptySubject = false): string {
	const keys = message.type === NOTIFICATION_TYPE ? NOTIFICATION_KEYS : SUBSCRIPTION_KEYS;
	return keys
		.filter((key) => {
			if (key !== 'subject') return true;
			if (message.subject === undefined || message.subject === null) return false;
			return message.subject !== '' || includeEmptySubject;
		})
		.map((key) => `${key}\n${String(message[key])}\n`)
		.join('');
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const CERTIFICATE_PATH = /^\/smn\/SMN[_-][A-Za-z0-9-]+[_-][0-9a-f]{32}\.pem$/;
const CONSOLE_HOSTS = ['console.huaweicloud.com', 'console-intl.huaweicloud.com'];
const CONFIRM_PATHS = [
	'/smn/subscription/confirm',
	'/v2/notifications/subscriptions/subscribe',
	'/rest/v2/notifications/subscription/confirm',
];

export interface TrustedOrigins {
	/** The region of the subscribed topic (from its URN). */
	region: string;
	/** The SMN endpoint configured in the credential, when it overrides the regional default. */
	configuredEndpoint?: string;
}

/**
 * Characters no URL from SMN contains, refused before parsing: the WHATWG parser silently drops tabs and
 * line breaks and trims spaces, so without this check `https://smn.…/x\n.pem` would pass the allow-list
 * and carry a line break into logs, and every such spelling would be one more distinct URL. Anything
 * outside printable ASCII, and the backslash (which the parser reads as `/`), is refused.
 */
const UNSAFE_URL_CHARACTERS = /[^\x21-\x7e]|\\/;

function parseUrl(value: string): URL | undefined {
	if (UNSAFE_URL_CHARACTERS.test(value)) return undefined;
	try {
		return new URL(value);
	} catch {
		return undefined;
	}
}

/**
 * A configured endpoint is trusted for its exact origin only, and over plain http only when it is a
 * loopback address (an emulator on this machine): anything else must be https.
 */
function isConfiguredOrigin(url: URL, configuredEndpoint: string | undefined): boolean {
	let configured: URL | undefined;
	try {
		configured = configuredEndpoint ? new URL(configuredEndpoint) : undefined;
	} catch {
		configured = undefined;
	}
	if (!configured || url.origin !== configured.origin) return false;
	if (url.protocol === 'https:') return true;
	return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

function isHuaweiHttps(url: URL, hosts: string[]): boolean {
	return url.protocol === 'https:' && url.port === '' && hosts.includes(url.hostname);
}

function isPlain(url: URL): boolean {
	return url.username === '' && url.password === '' && url.hash === '';
}

/**
 * The one spelling of a certificate URL that is fetched and cached: WHATWG-parsed (scheme and host in
 * lower case, the default port dropped, `.` and `..` segments resolved), after refusing what could make
 * two spellings of one URL differ or smuggle something in: unsafe characters (above), user info (`@`),
 * a query or fragment, even an empty one (`?`, `#`). Undefined when the URL is not acceptable in form;
 * whether its origin is trusted is checked separately.
 */
export function canonicalCertificateUrl(value: string): string | undefined {
	if (/[@?#]/.test(value)) return undefined;
	const url = parseUrl(value);
	if (!url || !isPlain(url) || url.search !== '' || !CERTIFICATE_PATH.test(url.pathname)) return undefined;
	return url.href;
}

export function isTrustedCertificateUrl(value: string, origins: TrustedOrigins): boolean {
	const canonical = canonicalCertificateUrl(value);
	if (canonical === undefined) return false;
	const url = new URL(canonical);
	return isHuaweiHttps(url, smnHostFamily(origins.region)) || isConfiguredOrigin(url, origins.configuredEndpoint);
}

export function isTrustedSubscribeUrl(value: string, origins: TrustedOrigins, topicUrn: string): boolean {
	const url = parseUrl(value);
	if (!url || !isPlain(url) || value.includes('#') || !CONFIRM_PATHS.includes(url.pathname)) return false;
	const linkedTopic = url.searchParams.get('topic_urn');
	if (linkedTopic !== null && linkedTopic !== topicUrn) return false;
	return (
		isHuaweiHttps(url, [...CONSOLE_HOSTS, ...smnHostFamily(origins.region)]) ||
		isConfiguredOrigin(url, origins.configuredEndpoint)
	);
}

/** DER of the OIDs sha*WithRSAEncryption, as they appear in a certificate's signatureAlgorithm. */
const DIGEST_BY_ALGORITHM_OID: Record<string, string> = {
	'2a864886f70d010105': 'RSA-SHA1',
	'2a864886f70d01010b': 'RSA-SHA256',
	'2a864886f70d01010c': 'RSA-SHA384',
	'2a864886f70d01010d': 'RSA-SHA512',
};

/** Reads the tag and length of the DER element at `offset`; returns where its content starts and ends. */
function derElement(der: Buffer, offset: number): { tag: number; start: number; end: number } | undefined {
	if (offset + 2 > der.length) return undefined;
	const tag = der[offset];
	let length = der[offset + 1];
	let start = offset + 2;
	if (length & 0x80) {
		const bytes = length & 0x7f;
		if (bytes === 0 || bytes > 4 || start + bytes > der.length) return undefined;
		length = 0;
		for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i];
		start += bytes;
	}
	const end = start + length;
	return end <= der.length ? { tag, start, end } : undefined;
}

/**
 * The digest SMN signs with. Huawei's samples verify with the certificate's own signature algorithm
 * (Certificate = SEQUENCE { tbsCertificate, signatureAlgorithm, signature }), so that is read here.
 */
export function signatureDigestOf(certificate: X509Certificate): string | undefined {
	const der = certificate.raw;
	const outer = derElement(der, 0);
	if (!outer || outer.tag !== 0x30) return undefined;
	const tbs = derElement(der, outer.start);
	if (!tbs) return undefined;
	const algorithm = derElement(der, tbs.end);
	if (!algorithm || algorithm.tag !== 0x30) return undefined;
	const oid = derElement(der, algorithm.start);
	if (!oid || oid.tag !== 0x06) return undefined;
	return DIGEST_BY_ALGORITHM_OID[der.subarray(oid.start, oid.end).toString('hex')];
}

export function isCertificateCurrent(certificate: X509Certificate, now = Date.now()): boolean {
	const from = Date.parse(certificate.validFrom);
	const to = Date.parse(certificate.validTo);
	return Number.isFinite(from) && Number.isFinite(to) && from <= now && now <= to;
}

export function hasSupportedVersion(message: SmnMessage): boolean {
	return message.signature_version.toLowerCase() === 'v1';
}

/**
 * RSA PKCS#1 v1.5 over the string to sign, with the digest of the certificate's own algorithm. Returns
 * the string to sign that the signature covers (the canonical content of the message, which identifies
 * it for de-duplication), or undefined when it does not verify.
 */
export function verifiedStringToSign(
	message: SmnMessage,
	certificate: X509Certificate,
	digest = signatureDigestOf(certificate),
): string | undefined {
	try {
		if (!digest || !hasSupportedVersion(message) || hasLineBreakInSingleLineField(message)) return undefined;
		const signature = Buffer.from(message.signature, 'base64');
		if (signature.length === 0) return undefined;
		const candidates = [stringToSign(message)];
		if (message.type === NOTIFICATION_TYPE && message.subject === '') candidates.push(stringToSign(message, true));
		return candidates.find((text) => createVerify(digest).update(text, 'utf8').verify(certificate.publicKey, signature));
	} catch {
		return undefined;
	}
}

/**
 * De-duplication keys of a verified message, prefixed with the workflow and node it reached (each
 * trigger keeps its own history): one for its signed content, the string to sign its signature covers,
 * so that one signed content runs at most once whatever is done to the unsigned fields; and one for its
 * message ID, as SMN advises. Hashed, so a key's size does not depend on the message.
 */
export function deliveryKeys(
	scope: { workflowId: string; nodeId: string },
	messageId: string,
	signedText: string,
): { content: string; id: string } {
	const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest('base64url');
	const prefix = JSON.stringify([scope.workflowId, scope.nodeId]);
	return { content: `${prefix}:content:${digest(signedText)}`, id: `${prefix}:id:${digest(messageId)}` };
}

/**
 * Nesting beyond this is kept as text: n8n stores every item as JSON, and serialising a value nested
 * thousands deep overflows the stack. SMN messages are at most 256 KB, so the scan is cheap.
 */
const MAX_MESSAGE_NESTING = 128;

function nestingDepthExceeds(text: string, limit: number): boolean {
	let depth = 0;
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const character = text[i];
		if (inString) {
			if (character === '\\') i++;
			else if (character === '"') inString = false;
		} else if (character === '"') inString = true;
		else if (character === '{' || character === '[') {
			if (++depth > limit) return true;
		} else if (character === '}' || character === ']') depth--;
	}
	return false;
}

/** Notification message text, parsed when it holds a JSON object or array (nested at most 128 deep). */
export function parseMessageText(text: string): unknown {
	const trimmed = text.trim();
	if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return text;
	if (nestingDepthExceeds(trimmed, MAX_MESSAGE_NESTING)) return text;
	try {
		return JSON.parse(trimmed) as unknown;
	} catch {
		return text;
	}
}
