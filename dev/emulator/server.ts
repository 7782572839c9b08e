/**
 * The common part of every vendor emulator: an HTTP server on 127.0.0.1 that logs each request,
 * parses JSON bodies (keeping the raw bytes), and exposes control endpoints under /_emulator/.
 * Each vendor module supplies `handle(ctx)`; it answers through ctx.reply().
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { URL } from 'node:url';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** What a vendor module gets for each request it answers. */
export interface RequestContext {
	method: string;
	path: string;
	query: Record<string, string>;
	headers: IncomingHttpHeaders;
	rawBody: Buffer;
	/** The body parsed as JSON; undefined when it is empty or not JSON. The vendor module checks its shape. */
	json: unknown;
	baseUrl: string;
	/** Drops the connection without an answer, as a timed-out or crashed vendor would. */
	drop(): void;
	reply(statusCode: number, body: unknown, headers?: Record<string, string>): void;
}

export interface Vendor {
	name: string;
	/** Set by startEmulator() once the server listens. */
	baseUrl?: string;
	handle(ctx: RequestContext): unknown;
}

/** One API call as the emulator received it (GET /_emulator/requests). */
export interface RecordedRequest {
	method: string;
	path: string;
	query: Record<string, string>;
	headers: IncomingHttpHeaders;
	body: unknown;
	at: number;
}

export interface RunningEmulator<V extends Vendor = Vendor> {
	url: string;
	port: number;
	vendor: V;
	requests: RecordedRequest[];
	close(): Promise<void>;
}

export interface Delivery {
	statusCode: number;
	headers?: http.IncomingHttpHeaders;
	body: string;
	error?: string;
}

export function isLoopbackUrl(url: string): boolean {
	try {
		return LOOPBACK_HOSTS.has(new URL(url).hostname);
	} catch {
		return false;
	}
}

/**
 * Sends an HTTP request from the emulator to a subscriber (a callback URL). Only loopback targets are
 * allowed: the emulator must never send traffic off this machine.
 */
export function deliver(
	url: string,
	{ method = 'POST', headers = {}, body = '' }: { method?: string; headers?: Record<string, string>; body?: Buffer | string | object } = {},
): Promise<Delivery> {
	if (!isLoopbackUrl(url)) return Promise.resolve({ statusCode: 0, body: '', error: `refused non-loopback target ${url}` });
	return new Promise((resolve) => {
		const payload = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
		const request = http.request(
			url,
			{ method, headers: { 'content-length': payload.length, ...headers }, timeout: 10_000 },
			(response) => {
				const chunks: Buffer[] = [];
				response.on('data', (chunk: Buffer) => chunks.push(chunk));
				response.on('end', () =>
					resolve({ statusCode: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
				);
			},
		);
		request.on('timeout', () => request.destroy(new Error('timeout')));
		request.on('error', (error) => resolve({ statusCode: 0, body: '', error: error.message }));
		request.end(payload);
	});
}

export function startEmulator<V extends Vendor>(vendor: V, { port = 0, host = '127.0.0.1' } = {}): Promise<RunningEmulator<V>> {
	const requests: RecordedRequest[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', async () => {
			const rawBody = Buffer.concat(chunks);
			const url = new URL(req.url ?? '/', `http://${req.headers.host || host}`);
			let json: unknown;
			if (rawBody.length > 0) {
				try {
					json = JSON.parse(rawBody.toString('utf8'));
				} catch {
					json = undefined;
				}
			}
			const ctx: RequestContext = {
				method: req.method ?? 'GET',
				path: url.pathname,
				query: Object.fromEntries(url.searchParams),
				headers: req.headers,
				rawBody,
				json,
				baseUrl: `http://${host}:${(server.address() as AddressInfo).port}`,
				drop() {
					req.socket.destroy();
				},
				reply(statusCode, body, headers = {}) {
					const text = typeof body === 'string' ? body : JSON.stringify(body);
					res.writeHead(statusCode, {
						'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
						...headers,
					});
					res.end(text);
				},
			};
			if (url.pathname === '/_emulator/requests' && req.method === 'GET') {
				return ctx.reply(200, requests);
			}
			if (url.pathname === '/_emulator/requests' && req.method === 'DELETE') {
				requests.length = 0;
				return ctx.reply(200, { ok: true });
			}
			if (!url.pathname.startsWith('/_emulator/')) {
				requests.push({
					method: ctx.method,
					path: url.pathname,
					query: ctx.query,
					headers: req.headers,
					body: json ?? (rawBody.length ? rawBody.toString('utf8') : undefined),
					at: Date.now(),
				});
			}
			try {
				await vendor.handle(ctx);
			} catch (error) {
				ctx.reply(500, { emulatorError: String(error instanceof Error && error.stack ? error.stack : error) });
			}
		});
	});
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, host, () => {
			const { port: listening } = server.address() as AddressInfo;
			const url = `http://${host}:${listening}`;
			vendor.baseUrl = url;
			resolve({
				url,
				port: listening,
				vendor,
				requests,
				close: () => new Promise<void>((done) => server.close(() => done())),
			});
		});
	});
}

/**
 * A fault injected through a vendor's /_emulator/<vendor>/faults: it matches { method?, pathIncludes? }
 * `times` more times, then answers status (+ body, headers), cuts the connection unanswered (drop), or
 * lets the vendor act and then cuts the connection instead of answering (dropAfter).
 */
export interface Fault {
	method?: string;
	pathIncludes?: string;
	times: number;
	status: number;
	body?: unknown;
	headers?: Record<string, string>;
	drop?: boolean;
	dropAfter?: boolean;
}

/** The fault a POST to /_emulator/<vendor>/faults describes; it fires once unless it says `times`. */
export function faultFrom(ctx: RequestContext): Fault {
	return { times: 1, ...(ctx.json as Partial<Fault>) } as Fault;
}

/** Applies the first injected fault that matches the request. Returns true when the request has been dealt with. */
export function injectFault(faults: Fault[], ctx: RequestContext, defaultBody: (fault: Fault) => unknown): boolean {
	const fault = faults.find((f) => (!f.method || f.method === ctx.method) && ctx.path.includes(f.pathIncludes || '') && f.times > 0);
	if (!fault) return false;
	fault.times -= 1;
	if (fault.drop) {
		ctx.drop();
		return true;
	}
	if (fault.dropAfter) {
		ctx.reply = () => ctx.drop();
		return false;
	}
	ctx.reply(fault.status, fault.body ?? defaultBody(fault), fault.headers || {});
	return true;
}

/** Matches a path against a pattern such as /api/:file/webhook/:id and returns the parameters. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
	const names: string[] = [];
	const regex = new RegExp(
		`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\?:([A-Za-z_]+)/g, (_, name: string) => {
			names.push(name);
			return '([^/]+)';
		})}$`,
	);
	const match = regex.exec(path);
	if (!match) return undefined;
	return Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(match[index + 1])]));
}
