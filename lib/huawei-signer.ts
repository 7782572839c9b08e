import { createHash, createHmac } from 'node:crypto';

/**
 * Huawei Cloud API gateway request signing, `SDK-HMAC-SHA256` (the algorithm of the official SDKs'
 * AKSKSigner). The canonical request covers the method, the path, the sorted query, the signed
 * headers and the SHA-256 of the exact body bytes.
 */
export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';

/** RFC 3986 encoding: everything except A–Z a–z 0–9 - _ . ~ is escaped (so ":" in a URN becomes %3A). */
export function rfc3986(value: string): string {
	return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function canonicalUri(pathname: string): string {
	const encoded = pathname
		.split('/')
		.map((segment) => rfc3986(safeDecode(segment)))
		.join('/');
	return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

function safeDecode(segment: string): string {
	try {
		return decodeURIComponent(segment);
	} catch {
		return segment;
	}
}

export function canonicalQuery(query: Array<[string, string]>): string {
	return query
		.map(([key, value]) => [rfc3986(key), rfc3986(value)])
		.sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : av > bv ? 1 : 0) : a < b ? -1 : 1))
		.map(([key, value]) => `${key}=${value}`)
		.join('&');
}

/** `YYYYMMDDTHHMMSSZ` in UTC. */
export function sdkDate(date: Date): string {
	return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export interface SignableRequest {
	method: string;
	/** Path and query exactly as they will be sent. */
	url: URL;
	/** Headers to sign; names are case-insensitive. Must include X-Sdk-Date and Host. */
	headers: Record<string, string>;
	body: string;
}

export function canonicalRequest({ method, url, headers, body }: SignableRequest): {
	canonical: string;
	signedHeaders: string;
} {
	const lowered = Object.entries(headers)
		.map(([name, value]) => [name.toLowerCase(), value.trim()] as const)
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	const signedHeaders = lowered.map(([name]) => name).join(';');
	const canonical = [
		method.toUpperCase(),
		canonicalUri(url.pathname),
		canonicalQuery([...url.searchParams.entries()]),
		lowered.map(([name, value]) => `${name}:${value}\n`).join(''),
		signedHeaders,
		createHash('sha256').update(body, 'utf8').digest('hex'),
	].join('\n');
	return { canonical, signedHeaders };
}

/** Returns the Authorization header value for a request whose headers already hold X-Sdk-Date. */
export function authorizationHeader(request: SignableRequest, accessKey: string, secretKey: string): string {
	const { canonical, signedHeaders } = canonicalRequest(request);
	const date = Object.entries(request.headers).find(([name]) => name.toLowerCase() === 'x-sdk-date')?.[1] ?? '';
	const stringToSign = `${SIGNING_ALGORITHM}\n${date}\n${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
	const signature = createHmac('sha256', secretKey).update(stringToSign, 'utf8').digest('hex');
	return `${SIGNING_ALGORITHM} Access=${accessKey}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}
