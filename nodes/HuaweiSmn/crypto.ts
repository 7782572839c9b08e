import { createVerify, X509Certificate } from 'node:crypto';

/**
 * SMN's message signature: the string to sign, the digest the certificate names, and the RSA check.
 * Pure and never throws; verify.ts decides what a failure answers.
 */

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
