import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';
import { smnHostFamily } from '../../lib/huawei-cloud';
import { isFresh } from '../shared/callbacks';
import { rejected, UNAUTHORIZED, type CallbackRejection, type Verification } from '../shared/callback-flow';
import { MAX_MESSAGE_BYTES, regionOfTopic } from './api';
import { lookupCertificate, smnCertificates } from './certificates';
import {
	hasLineBreakInSingleLineField,
	NOTIFICATION_TYPE,
	verifiedStringToSign,
	type SmnMessage,
} from './crypto';
import { configuredTopicUrn, readReplayWindowMs } from './params';

/**
 * Authenticates the messages SMN POSTs to HTTP(S) subscribers. The checks that need no network come
 * first, and nothing is fetched before the URL checks have passed: the trigger rejects a message unless
 * every check passes. The URL checks are pure and never throw.
 */

export const CONFIRMATION_TYPES = ['SubscriptionConfirmation', 'HttpSubscriptionUserConfirm'];
const UNSUBSCRIBE_TYPES = ['UnsubscribeConfirmation', 'HttpSubscriptionUserUnsubscribe'];

/** An authentic message and the string to sign its signature covers (its canonical content). */
export interface VerifiedMessage {
	message: SmnMessage;
	signedText: string;
}

const REQUIRED_FIELDS = ['type', 'signature', 'signature_version', 'signing_cert_url', 'topic_urn', 'message_id', 'message', 'timestamp'] as const;

/**
 * Checks the shape of a parsed body: undefined means it is not an SMN message (not an object, a missing
 * field, or a field that is not a string). Only the known top-level fields are read, so a body of any
 * depth or type costs nothing here.
 */
function toSmnMessage(parsed: unknown): SmnMessage | undefined {
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

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const CERTIFICATE_PATH = /^\/smn\/SMN[_-][A-Za-z0-9-]+[_-][0-9a-f]{32}\.pem$/;
const CONSOLE_HOSTS = ['console.huaweicloud.com', 'console-intl.huaweicloud.com'];
const CONFIRM_PATHS = [
	'/smn/subscription/confirm',
	'/v2/notifications/subscriptions/subscribe',
	'/rest/v2/notifications/subscription/confirm',
];

interface TrustedOrigins {
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

function isTrustedSubscribeUrl(value: string, origins: TrustedOrigins, topicUrn: string): boolean {
	const url = parseUrl(value);
	if (!url || !isPlain(url) || value.includes('#') || !CONFIRM_PATHS.includes(url.pathname)) return false;
	const linkedTopic = url.searchParams.get('topic_urn');
	if (linkedTopic !== null && linkedTopic !== topicUrn) return false;
	return (
		isHuaweiHttps(url, [...CONSOLE_HOSTS, ...smnHostFamily(origins.region)]) ||
		isConfiguredOrigin(url, origins.configuredEndpoint)
	);
}

/**
 * SMN caps a message at 256 KB of UTF-8. The whole body adds the other fields and JSON escaping (`"` and
 * line breaks double, control characters take six bytes), so it may exceed that; 1 MiB leaves room for
 * any real delivery and refuses anything bigger before it is parsed.
 */
const MAX_BODY_BYTES = 1024 * 1024;

type Rejection = { rejected: CallbackRejection };

const NOT_SMN = rejected(400, 'Bad Request: not an SMN message');
const TOO_LARGE = rejected(413, 'Payload Too Large');

/**
 * The body as an SMN message, or why not. n8n hands webhook() the raw bytes (`rawBody`) for every body it
 * read, and a parsed body that may be null, an array, a string or a number; without `rawBody` (e.g.
 * multipart) only that parsed body is there. The raw bytes are size-checked before they are parsed; the
 * parsed body is never serialised again (that overflows the stack on deep nesting); only its known
 * top-level fields are read. Never throws.
 */
function readDelivery(context: IWebhookFunctions): { message: SmnMessage } | Rejection {
	try {
		const raw = (context.getRequestObject() as { rawBody?: unknown }).rawBody;
		let body: unknown;
		if ((Buffer.isBuffer(raw) || typeof raw === 'string') && raw.length > 0) {
			const length = Buffer.isBuffer(raw) ? raw.length : Buffer.byteLength(raw.slice(0, MAX_BODY_BYTES + 1), 'utf8');
			if (raw.length > MAX_BODY_BYTES || length > MAX_BODY_BYTES) return TOO_LARGE;
			try {
				body = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : raw) as unknown;
			} catch {
				return NOT_SMN;
			}
		} else {
			body = context.getBodyData() as unknown;
		}
		const message = toSmnMessage(body);
		if (!message) return NOT_SMN;
		if (Buffer.byteLength(message.message, 'utf8') > MAX_MESSAGE_BYTES) return TOO_LARGE;
		return { message };
	} catch {
		return NOT_SMN;
	}
}

/** Every check that needs no network: header, single-line fields, topic and replay window. */
function precheck(context: IWebhookFunctions, message: SmnMessage): Rejection | undefined {
	const headerType = context.getHeaderData()['x-smn-message-type'];
	if (typeof headerType === 'string' && headerType !== message.type) {
		return rejected(400, 'Bad Request: X-SMN-MESSAGE-TYPE does not match the body');
	}
	// Before anything else is trusted: a line break would let text move between signed fields.
	if (hasLineBreakInSingleLineField(message)) return UNAUTHORIZED;
	if (message.topic_urn !== configuredTopicUrn(context)) return UNAUTHORIZED;
	if (!isFresh(Date.parse(message.timestamp), readReplayWindowMs(context))) return UNAUTHORIZED;
	return undefined;
}

async function trustedOriginsFor(context: IWebhookFunctions, region: string): Promise<TrustedOrigins> {
	const credentials = await context.getCredentials('huaweiCloudApi');
	const endpoint = String(credentials.smnEndpoint ?? '').trim();
	return { region, ...(endpoint ? { configuredEndpoint: endpoint } : {}) };
}

/** Whether the message's certificate URL (and, for a confirmation, its subscribe_url) is allow-listed. */
async function namesTrustedUrls(context: IWebhookFunctions, message: SmnMessage): Promise<boolean> {
	const isConfirmation = CONFIRMATION_TYPES.includes(message.type);
	const trusted = (origins: TrustedOrigins) =>
		isTrustedCertificateUrl(message.signing_cert_url, origins) &&
		(!isConfirmation || isTrustedSubscribeUrl(message.subscribe_url ?? '', origins, message.topic_urn));
	// Huawei's own hosts are trusted without the credential; it is read (decrypted, in n8n) only when
	// a URL could be on the endpoint it configures. Either way the same URLs pass.
	const huaweiOnly: TrustedOrigins = { region: regionOfTopic(message.topic_urn) ?? '' };
	return trusted(huaweiOnly) || trusted(await trustedOriginsFor(context, huaweiOnly.region));
}

/**
 * The single entry point: the authentic SMN message with the text its signature covers, or what to
 * answer instead (400/413 for a body that is no SMN message, 401 for anything forged, stale or not for
 * this trigger, 503 with Retry-After when the certificate cannot be checked now, so that SMN retries).
 */
export async function verifyCallback(context: IWebhookFunctions): Promise<Verification<VerifiedMessage>> {
	const delivery = readDelivery(context);
	if ('rejected' in delivery) return delivery;
	const { message } = delivery;
	const rejection = precheck(context, message);
	if (rejection) return rejection;
	if (!(await namesTrustedUrls(context, message))) return UNAUTHORIZED;

	// Trusted implies canonical: every spelling of one URL shares one cache entry and one download.
	const certificateUrl = canonicalCertificateUrl(message.signing_cert_url) as string;
	const lookup = await lookupCertificate(context, certificateUrl);
	if (lookup.status === 'unavailable') {
		// Budget spent, or Huawei's host failing: SMN retries a 5xx.
		return rejected(503, 'Service Unavailable: the signing certificate cannot be checked now', { 'Retry-After': '60' });
	}
	if (lookup.status === 'invalid') return UNAUTHORIZED;
	const signedText = verifiedStringToSign(message, lookup.entry.certificate, lookup.entry.digest);
	if (signedText === undefined) return UNAUTHORIZED;
	smnCertificates.markProven(certificateUrl);
	return { verified: { message, signedText } };
}
