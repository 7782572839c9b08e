/**
 * Request bodies no vendor sends, in the shapes n8n hands them to webhook(): n8n's body parser gives
 * getBodyData() undefined for an empty POST, null / an array / a string / a number for such JSON, a
 * string for text/plain, and rawBody the bytes as received. (Invalid JSON sent as application/json never
 * reaches webhook(): n8n answers 422 itself; as text/plain it arrives as a string.)
 */
import nock from 'nock';
import type { WebhookRequest } from './node-harness';

const DEPTH = 100_000;

let cached: Array<[string, WebhookRequest]> | undefined;

export function oddBodies(): Array<[string, WebhookRequest]> {
	if (cached) return cached;
	const deepArray = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;
	const deepObject = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;
	const hugeArray = JSON.stringify(Array.from({ length: 1_000_000 }, (_, i) => i));
	const hugeString = JSON.stringify('x'.repeat(8 * 1024 * 1024));
	cached = [
		['JSON null', { body: null, rawBody: 'null' }],
		['an empty POST', { body: undefined, rawBody: '' }],
		['a JSON array of objects', { body: [{ encrypt: 'x', webhook_id: 'x' }], rawBody: '[{"encrypt":"x","webhook_id":"x"}]' }],
		['an empty JSON array', { body: [], rawBody: '[]' }],
		['a JSON string', { body: 'encrypt', rawBody: '"encrypt"' }],
		['a JSON number', { body: 42, rawBody: '42' }],
		['JSON true', { body: true, rawBody: 'true' }],
		['invalid JSON sent as text/plain', { body: '{"encrypt":', rawBody: '{"encrypt":', headers: { 'content-type': 'text/plain' } }],
		['bytes that are not UTF-8', { body: undefined, rawBody: Buffer.from([0xff, 0xfe, 0x00, 0x7b]) }],
		['a huge JSON array (1,000,000 numbers, 6.9 MB)', { body: JSON.parse(hugeArray), rawBody: hugeArray }],
		['a huge JSON string (8 MiB)', { body: JSON.parse(hugeString), rawBody: hugeString }],
		['an array nested 100,000 levels deep', { body: JSON.parse(deepArray), rawBody: deepArray }],
		['an object nested 100,000 levels deep', { body: JSON.parse(deepObject), rawBody: deepObject }],
	];
	return cached;
}

/** JSON text of an object whose `key` holds a value nested `depth` levels deep. */
export function deeplyNested(depth = DEPTH): string {
	return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/**
 * Runs `send` and returns every outbound HTTP request it made. nock refuses all network access in the
 * unit and reliability suites, so each outbound request shows up as a "no match" here.
 */
export async function outboundRequestsDuring(send: () => Promise<unknown>): Promise<string[]> {
	const seen: string[] = [];
	const listener = (request: { method?: string; hostname?: string; host?: string; path?: string }) =>
		seen.push(`${request.method ?? ''} ${request.hostname ?? request.host ?? ''}${request.path ?? ''}`);
	nock.emitter.on('no match', listener);
	try {
		await send();
	} finally {
		nock.emitter.removeListener('no match', listener);
	}
	return seen;
}
