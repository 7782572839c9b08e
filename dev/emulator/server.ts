'use strict';
/**
 * The common part of every vendor emulator: an HTTP server on 127.0.0.1 that logs each request,
 * parses JSON bodies (keeping the raw bytes), and exposes control endpoints under /_emulator/.
 * Each vendor module supplies `handle(ctx)`; it answers through ctx.reply().
 */
const http = require('node:http');
const { URL } = require('node:url');

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

function isLoopbackUrl(url) {
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
function deliver(url, { method = 'POST', headers = {}, body = '' } = {}) {
	if (!isLoopbackUrl(url)) return Promise.resolve({ statusCode: 0, body: '', error: `refused non-loopback target ${url}` });
	return new Promise((resolve) => {
		const payload = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
		const request = http.request(
			url,
			{ method, headers: { 'content-length': payload.length, ...headers }, timeout: 10_000 },
			(response) => {
				const chunks = [];
				response.on('data', (chunk) => chunks.push(chunk));
				response.on('end', () =>
					resolve({ statusCode: response.statusCode, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
				);
			},
		);
		request.on('timeout', () => request.destroy(new Error('timeout')));
		request.on('error', (error) => resolve({ statusCode: 0, body: '', error: error.message }));
		request.end(payload);
	});
}

function startEmulator(vendor, { port = 0, host = '127.0.0.1' } = {}) {
	const requests = [];
	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (chunk) => chunks.push(chunk));
		req.on('end', async () => {
			const rawBody = Buffer.concat(chunks);
			const url = new URL(req.url, `http://${req.headers.host || host}`);
			let json;
			if (rawBody.length > 0) {
				try {
					json = JSON.parse(rawBody.toString('utf8'));
				} catch {
					json = undefined;
				}
			}
			const ctx = {
				method: req.method,
				path: url.pathname,
				query: Object.fromEntries(url.searchParams),
				headers: req.headers,
				rawBody,
				json,
				baseUrl: `http://${host}:${server.address().port}`,
				/** Drops the connection without an answer, as a timed-out or crashed vendor would. */
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
					method: req.method,
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
				ctx.reply(500, { emulatorError: String(error && error.stack ? error.stack : error) });
			}
		});
	});
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, host, () => {
			const url = `http://${host}:${server.address().port}`;
			vendor.baseUrl = url;
			resolve({
				url,
				port: server.address().port,
				vendor,
				requests,
				close: () => new Promise((done) => server.close(() => done())),
			});
		});
	});
}

/**
 * Applies the first injected fault that matches the request: { method?, pathIncludes?, times } plus
 * status (+ body, headers) to answer with, drop to cut the connection unanswered, or dropAfter to let
 * the vendor act and then cut the connection instead of answering. Returns true when the request has
 * been dealt with.
 */
function injectFault(faults, ctx, defaultBody) {
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
function matchPath(pattern, path) {
	const names = [];
	const regex = new RegExp(
		`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\?:([A-Za-z_]+)/g, (_, name) => {
			names.push(name);
			return '([^/]+)';
		})}$`,
	);
	const match = regex.exec(path);
	if (!match) return undefined;
	return Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(match[index + 1])]));
}

module.exports = { startEmulator, deliver, matchPath, isLoopbackUrl, injectFault };
