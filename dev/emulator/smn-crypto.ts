/**
 * Crypto for the SMN emulator and tests, written independently of nodes/: a self-signed X.509
 * certificate built with a small DER encoder (no openssl binary needed), SMN's message signature and
 * Huawei's SDK-HMAC-SHA256 request signature as the gateway checks it.
 */
import crypto, { type KeyObject } from 'node:crypto';

function derLength(length: number): Buffer {
	if (length < 0x80) return Buffer.from([length]);
	const bytes: number[] = [];
	for (let value = length; value > 0; value = Math.floor(value / 256)) bytes.unshift(value & 0xff);
	return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const der = (tag: number, ...content: Buffer[]): Buffer => {
	const body = Buffer.concat(content);
	return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
};
const sequence = (...items: Buffer[]) => der(0x30, ...items);
const set = (...items: Buffer[]) => der(0x31, ...items);
const integer = (buffer: Buffer) => der(0x02, buffer[0] & 0x80 ? Buffer.concat([Buffer.from([0]), buffer]) : buffer);
const nullValue = () => Buffer.from([0x05, 0x00]);
const utf8 = (text: string) => der(0x0c, Buffer.from(text, 'utf8'));
const bitString = (buffer: Buffer) => der(0x03, Buffer.from([0]), buffer);

function oid(dotted: string): Buffer {
	const parts = dotted.split('.').map(Number);
	const bytes = [parts[0] * 40 + parts[1]];
	for (const part of parts.slice(2)) {
		const chunk = [part & 0x7f];
		for (let value = part >> 7; value > 0; value >>= 7) chunk.unshift((value & 0x7f) | 0x80);
		bytes.push(...chunk);
	}
	return der(0x06, Buffer.from(bytes));
}

function time(date: Date): Buffer {
	const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
	return date.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(`${iso.slice(2)}Z`)) : der(0x18, Buffer.from(`${iso}Z`));
}

/**
 * A positive 8-byte serial whose DER encoding is minimal: a random first byte of 0x00 followed by one
 * below 0x80 would be an illegally padded INTEGER, which OpenSSL (and so X509Certificate) refuses —
 * about one certificate in 400 was unreadable.
 */
function serialNumber(): Buffer {
	const serial = crypto.randomBytes(8);
	serial[0] = (serial[0] & 0x7f) | 0x01;
	return serial;
}

const SIGNATURE_OIDS = { sha1: '1.2.840.113549.1.1.5', sha256: '1.2.840.113549.1.1.11' };
export type Digest = keyof typeof SIGNATURE_OIDS;

export interface SelfSignedCertificate {
	pem: string;
	privateKey: KeyObject;
	publicKey: KeyObject;
	digest: Digest;
}

/**
 * Creates an RSA key and a self-signed certificate. `digest` is the certificate's own signature
 * algorithm, which is also the digest SMN signs messages with.
 */
export function createSelfSignedCertificate({
	commonName = 'smn.emulator.local',
	notBefore = new Date(Date.now() - 60 * 60 * 1000),
	notAfter = new Date(Date.now() + 365 * 24 * 60 * 60 * 1000),
	digest = 'sha256' as Digest,
	keyPair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }),
} = {}): SelfSignedCertificate {
	const algorithm = sequence(oid(SIGNATURE_OIDS[digest]), nullValue());
	const name = sequence(set(sequence(oid('2.5.4.3'), utf8(commonName))));
	const tbs = sequence(
		der(0xa0, integer(Buffer.from([2]))),
		integer(serialNumber()),
		algorithm,
		name,
		sequence(time(notBefore), time(notAfter)),
		name,
		keyPair.publicKey.export({ type: 'spki', format: 'der' }),
	);
	const signature = crypto.sign(digest, tbs, keyPair.privateKey);
	const certificate = sequence(tbs, algorithm, bitString(signature));
	const pem = `-----BEGIN CERTIFICATE-----\n${certificate.toString('base64').match(/.{1,64}/g)?.join('\n')}\n-----END CERTIFICATE-----\n`;
	return { pem, privateKey: keyPair.privateKey, publicKey: keyPair.publicKey, digest };
}

/** SMN's string to sign: `key\nvalue\n` per signed key, subject only when present and non-empty. */
/** The fields of an SMN message that its signature covers (and the rest it carries). */
export type SmnMessage = Record<string, unknown> & { type?: unknown; subject?: unknown };

export function smnStringToSign(message: SmnMessage): string {
	const keys =
		message.type === 'Notification'
			? ['message', 'message_id', 'subject', 'timestamp', 'topic_urn', 'type'].filter(
					(key) => key !== 'subject' || (message.subject !== undefined && message.subject !== null && message.subject !== ''),
				)
			: ['message', 'message_id', 'subscribe_url', 'timestamp', 'topic_urn', 'type'];
	return keys.map((key) => `${key}\n${message[key]}\n`).join('');
}

export function signSmnMessage(message: SmnMessage, privateKey: KeyObject, digest: Digest = 'sha256'): string {
	return crypto.sign(digest, Buffer.from(smnStringToSign(message), 'utf8'), privateKey).toString('base64');
}

// --- SDK-HMAC-SHA256, as the API gateway verifies it ---

const encode = (value: string) => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256Hex = (data: string | Buffer) => crypto.createHash('sha256').update(data).digest('hex');

/** A request as the API gateway sees it, for its SDK-HMAC-SHA256 check. */
export interface GatewayRequest {
	method: string;
	path: string;
	query: Record<string, string>;
	headers: Record<string, string | string[] | undefined>;
	body: string | Buffer;
}

export function gatewayCanonicalRequest({ method, path, query, headers, signedHeaders, body }: GatewayRequest & { signedHeaders: string[] }): string {
	let uri = path
		.split('/')
		.map((segment) => encode(decodeURIComponent(segment)))
		.join('/');
	if (!uri.endsWith('/')) uri += '/';
	const queryString = Object.entries(query)
		.map(([key, value]) => [encode(key), encode(value)])
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
		.map(([key, value]) => `${key}=${value}`)
		.join('&');
	const headerLines = signedHeaders.map((name) => `${name}:${String(headers[name] ?? '').trim()}\n`).join('');
	return [method, uri, queryString, headerLines, signedHeaders.join(';'), sha256Hex(body)].join('\n');
}

/** Returns undefined when the signature is right, or the gateway's complaint. */
export function checkGatewaySignature({ method, path, query, headers, body }: GatewayRequest, keys: Record<string, string>, now = Date.now()): string | undefined {
	const match = /^SDK-HMAC-SHA256 Access=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]+)$/.exec(String(headers.authorization || ''));
	if (!match) return 'verify aksk signature fail';
	const [, accessKey, signedList, signature] = match;
	const secretKey = keys[accessKey];
	if (!secretKey) return 'verify aksk signature fail';
	const signedHeaders = signedList.split(';');
	if (!signedHeaders.includes('x-sdk-date') || !signedHeaders.includes('host')) return 'verify aksk signature fail';
	const date = String(headers['x-sdk-date'] || '');
	const parsed = Date.parse(date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
	if (!Number.isFinite(parsed) || Math.abs(now - parsed) > 15 * 60 * 1000) return 'verify aksk signature fail: x-sdk-date expired';
	const canonical = gatewayCanonicalRequest({ method, path, query, headers, signedHeaders, body });
	const expected = crypto
		.createHmac('sha256', secretKey)
		.update(`SDK-HMAC-SHA256\n${date}\n${sha256Hex(canonical)}`)
		.digest('hex');
	const ok = expected.length === signature.length && crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
	return ok ? undefined : 'verify aksk signature fail';
}

