/**
 * The long-connection (长连接) side of the Feishu emulator: the endpoint answer (POST /callback/ws/endpoint),
 * a WebSocket server on a port of its own that speaks binary pbbp2 frames, pings answered with a pong
 * carrying the ClientConfig, the drive events of subscribed files pushed to a connected client (split into
 * parts on demand), and Feishu's re-push of an event that was not answered {"code":200} in time (3 s).
 *
 * Frames are encoded and decoded with protobufjs from the .proto written out below, never with the node's
 * codec, so that the tests stay independent. Faults on demand: abrupt close without a close frame, silence
 * (no pong, nothing read), multi-part events cut off in flight, slow or lost replies, endpoint error codes,
 * refused WebSocket upgrades. Where Feishu's behaviour is not documented, the choice is marked ASSUMED.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import protobuf from 'protobufjs';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { RequestContext } from './server';

// pbbp2 as Feishu's SDKs define it (oapi-sdk-python pb/pbbp2_pb2.py, oapi-sdk-go ws/pbbp2.pb.go).
const PROTO = `
syntax = "proto2";
package pbbp2;
message Header { required string key = 1; required string value = 2; }
message Frame {
  required uint64 SeqID = 1;
  required uint64 LogID = 2;
  required int32 service = 3;
  required int32 method = 4;
  repeated Header headers = 5;
  optional string payload_encoding = 6;
  optional string payload_type = 7;
  optional bytes payload = 8;
  optional string LogIDNew = 9;
}`;
const FrameType = protobuf.parse(PROTO, { keepCase: true }).root.lookupType('pbbp2.Frame');

export interface WireFrame {
	SeqID: string;
	LogID: string;
	service: number;
	method: number;
	headers: Array<{ key: string; value: string }>;
	payload?: Buffer;
}

export function encodeWireFrame(frame: WireFrame): Buffer {
	return Buffer.from(FrameType.encode(FrameType.fromObject(frame)).finish());
}

export function decodeWireFrame(bytes: Buffer): WireFrame {
	const object = FrameType.toObject(FrameType.decode(bytes), { longs: String, bytes: Buffer, defaults: false }) as WireFrame;
	return { ...object, headers: object.headers ?? [] };
}

const headerOf = (frame: WireFrame, key: string) => [...frame.headers].reverse().find((header) => header.key === key)?.value;

/** Feishu's ClientConfig, in seconds. */
export interface ClientConfig {
	PingInterval: number;
	ReconnectCount: number;
	ReconnectInterval: number;
	ReconnectNonce: number;
}

export const ENDPOINT_PATH = '/callback/ws/endpoint';
const CODES = { ok: 0, busy: 1, forbidden: 403, authFailed: 514, internalError: 1000040343, tooManyConnections: 1000040350 };
const MESSAGES: Record<number, string> = {
	1: 'system busy',
	403: 'forbidden',
	514: 'auth failed',
	1000040343: 'internal error',
	1000040350: 'exceed connection limit',
};

export interface LongConnectionOptions {
	/** Seconds, as Feishu sends them; short by default so that tests need not wait. */
	clientConfig?: Partial<ClientConfig>;
	/** How long an event may go unanswered before it is pushed again (Feishu: 3 s). */
	ackTimeoutMs?: number;
	/** service_id in the URL's query (a real one: 33554678). */
	serviceId?: number;
	/** Feishu allows 50 connections per app. */
	maxConnections?: number;
	/** A silenced connection is cut by the server after this long (a real dead peer is cut by TCP at some point). */
	silenceTerminateMs?: number;
	/** Events larger than this are split into parts of at most this many bytes (0: never). */
	partBytes?: number;
	/** How soon an event answered with anything but 200 is pushed again. */
	repushDelayMs?: number;
	/** Pushes of one event after which Feishu gives up on it. */
	maxPushes?: number;
}

/** What the long-connection side needs from the rest of the emulator. */
export interface LongConnectionHost {
	appId: string;
	appSecret: string;
	/** A drive event built like the HTTP push's, or undefined when the file is not subscribed. */
	event(body: Record<string, unknown>): { header: { event_id: string }; [field: string]: unknown } | undefined;
}

interface Connection {
	id: number;
	socket: WebSocket;
	deviceId: string;
	silenced: boolean;
	openedAt: number;
}

interface EventRecord {
	eventId: string;
	bytes: Buffer;
	parts?: number;
	cutAfterParts?: number;
	answered: boolean;
	pushes: number;
}

interface Attempt {
	messageId: string;
	event: EventRecord;
	connectionId: number;
	SeqID: string;
	LogID: string;
	/** The headers of the frame a reply answers: the last part's. */
	headers: Array<{ key: string; value: string }>;
	timer?: NodeJS.Timeout;
	settled: boolean;
}

/** What the tests read (GET /_emulator/feishu/long-connection/state). */
export interface LongConnectionCounters {
	endpointRequests: number;
	endpointRefusals: number;
	open: number;
	everOpened: number;
	upgradesRefused: number;
	pings: number;
	pongs: number;
	eventsFired: number;
	eventsAnswered: number;
	pending: number;
	pushes: number;
	rePushed: number;
	framesSent: number;
	replies: number;
	replies200: number;
	replies500: number;
	repliesLate: number;
	repliesDropped: number;
	/** Replies whose SeqID/LogID/service or headers differ from the frame they answer, or without biz_rt. */
	repliesMalformed: number;
	abruptCloses: number;
	silenced: number;
	/** Events given up after maxPushes pushes. */
	abandoned: number;
}

export function createFeishuLongConnection(host: LongConnectionHost, options: LongConnectionOptions = {}) {
	const settings = {
		clientConfig: { PingInterval: 1, ReconnectCount: -1, ReconnectInterval: 0.2, ReconnectNonce: 0.1, ...options.clientConfig } as ClientConfig,
		ackTimeoutMs: options.ackTimeoutMs ?? 3_000,
		serviceId: options.serviceId ?? 33554678,
		maxConnections: options.maxConnections ?? 50,
		silenceTerminateMs: options.silenceTerminateMs ?? 10_000,
		partBytes: options.partBytes ?? 0,
		repushDelayMs: options.repushDelayMs ?? 50,
		maxPushes: options.maxPushes ?? 20,
	};
	let server: http.Server | undefined;
	let listening: Promise<number> | undefined;
	const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
	const connections = new Map<number, Connection>();
	const tickets = new Map<string, { used: boolean; deviceId: string }>();
	const events = new Map<string, EventRecord>();
	const attempts = new Map<string, Attempt>();
	/** Pushes waiting for a connection. */
	const waiting: EventRecord[] = [];
	const timers = new Set<NodeJS.Timeout>();
	const faults = {
		endpointAnswers: [] as Array<{ code: number; msg?: string; times: number }>,
		refuseUpgrades: 0,
		replies: [] as Array<{ delayMs?: number; drop?: boolean; times: number }>,
	};
	const counters: Omit<LongConnectionCounters, 'open' | 'pending' | 'eventsFired' | 'eventsAnswered'> = {
		endpointRequests: 0,
		endpointRefusals: 0,
		everOpened: 0,
		upgradesRefused: 0,
		pings: 0,
		pongs: 0,
		pushes: 0,
		rePushed: 0,
		framesSent: 0,
		replies: 0,
		replies200: 0,
		replies500: 0,
		repliesLate: 0,
		repliesDropped: 0,
		repliesMalformed: 0,
		abruptCloses: 0,
		silenced: 0,
		abandoned: 0,
	};
	/** The last frames each client sent, decoded, and the raw bytes of the last ping (for byte-exact checks). */
	const received: Array<{ connectionId: number; frame: WireFrame; bytes: Buffer; at: number }> = [];
	let nextConnectionId = 1;
	let nextMessage = 1;

	const later = (ms: number, fn: () => void) => {
		const timer = setTimeout(() => {
			timers.delete(timer);
			fn();
		}, ms);
		timers.add(timer);
		return timer;
	};

	function listen(): Promise<number> {
		if (listening) return listening;
		server = http.createServer((_req, res) => res.writeHead(426, { 'content-type': 'text/plain' }).end('WebSocket only'));
		server.on('upgrade', (req, socket, head) => upgrade(req, socket, head));
		const started = server;
		listening = new Promise((resolve, reject) => {
			started.once('error', reject);
			started.listen(0, '127.0.0.1', () => resolve((started.address() as AddressInfo).port));
		});
		return listening;
	}

	/** Refuses an upgrade the way Feishu does: an HTTP error with the Handshake-* headers (which Node's WebSocket cannot read). */
	function refuseUpgrade(socket: Duplex, status: number, authErrorCode: number, message: string) {
		counters.upgradesRefused++;
		socket.end(
			`HTTP/1.1 ${status === 403 ? '403 Forbidden' : '400 Bad Request'}\r\nHandshake-Status: ${status}\r\nHandshake-Msg: ${message}\r\n` +
				`Handshake-Autherrcode: ${authErrorCode}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
		);
	}

	function upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer) {
		// Node's HTTP server drops its error handler from a socket it hands to 'upgrade': a client that gives up
		// while a refusal is written would otherwise crash the emulator's process with ECONNRESET.
		socket.on('error', () => undefined);
		const url = new URL(req.url ?? '/', 'ws://127.0.0.1');
		const ticket = tickets.get(url.searchParams.get('ticket') ?? '');
		if (url.pathname !== '/ws/v2' || !ticket || ticket.used) return refuseUpgrade(socket, 403, 0, 'invalid ticket'); // ASSUMED: a ticket opens one connection
		ticket.used = true;
		if (faults.refuseUpgrades > 0) {
			faults.refuseUpgrades--;
			return refuseUpgrade(socket, 514, CODES.tooManyConnections, 'exceed connection limit');
		}
		if (connections.size >= settings.maxConnections) return refuseUpgrade(socket, 514, CODES.tooManyConnections, 'exceed connection limit');
		wss.handleUpgrade(req, socket, head, (ws) => accept(ws, ticket.deviceId));
	}

	function accept(socket: WebSocket, deviceId: string) {
		const connection: Connection = { id: nextConnectionId++, socket, deviceId, silenced: false, openedAt: Date.now() };
		connections.set(connection.id, connection);
		counters.everOpened++;
		socket.on('message', (data: RawData, isBinary: boolean) => {
			if (connection.silenced || !isBinary) return;
			onClientFrame(connection, Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]));
		});
		socket.on('close', () => connections.delete(connection.id));
		socket.on('error', () => connections.delete(connection.id));
		flushWaiting();
	}

	function send(connection: Connection, frame: WireFrame) {
		if (connection.socket.readyState !== connection.socket.OPEN) return;
		counters.framesSent++;
		connection.socket.send(encodeWireFrame(frame));
	}

	function onClientFrame(connection: Connection, bytes: Buffer) {
		let frame: WireFrame;
		try {
			frame = decodeWireFrame(bytes);
		} catch {
			counters.repliesMalformed++;
			return;
		}
		received.push({ connectionId: connection.id, frame, bytes, at: Date.now() });
		if (received.length > 2_000) received.splice(0, received.length - 2_000);
		if (frame.method === 0) {
			if (headerOf(frame, 'type') !== 'ping') return;
			counters.pings++;
			counters.pongs++;
			send(connection, {
				SeqID: '0',
				LogID: '0',
				service: frame.service,
				method: 0,
				headers: [{ key: 'type', value: 'pong' }],
				payload: Buffer.from(JSON.stringify(settings.clientConfig)),
			});
			return;
		}
		onReply(frame);
	}

	function onReply(frame: WireFrame) {
		const attempt = attempts.get(headerOf(frame, 'message_id') ?? '');
		if (!attempt) return void counters.repliesMalformed++;
		counters.replies++;
		const fault = faults.replies.find((candidate) => candidate.times > 0);
		if (fault) {
			fault.times--;
			if (fault.drop) return void counters.repliesDropped++;
			return void later(fault.delayMs ?? 0, () => settle(attempt, frame));
		}
		settle(attempt, frame);
	}

	/** Counts a reply against the frame it answers; a 200 ends the event, anything else has it pushed again. */
	function settle(attempt: Attempt, frame: WireFrame) {
		const expected = attempt.headers;
		const headersMatch =
			frame.headers.length === expected.length + 1 &&
			expected.every((header, index) => frame.headers[index].key === header.key && frame.headers[index].value === header.value) &&
			frame.headers[expected.length].key === 'biz_rt' &&
			/^\d+$/.test(frame.headers[expected.length].value);
		if (frame.SeqID !== attempt.SeqID || frame.LogID !== attempt.LogID || frame.service !== settings.serviceId || frame.method !== 1 || !headersMatch) {
			counters.repliesMalformed++;
		}
		let code: unknown;
		try {
			code = JSON.parse(Buffer.from(frame.payload ?? []).toString('utf8')).code;
		} catch {
			code = undefined;
		}
		if (attempt.settled) counters.repliesLate++;
		if (code === 200) counters.replies200++;
		else counters.replies500++;
		const wasSettled = attempt.settled;
		attempt.settled = true;
		if (attempt.timer) clearTimeout(attempt.timer);
		if (code === 200) {
			attempt.event.answered = true;
			return;
		}
		// ASSUMED: an answer other than 200 is pushed again soon (Feishu documents only the timeout).
		if (!wasSettled && !attempt.event.answered) later(settings.repushDelayMs, () => rePush(attempt.event));
	}

	const openConnections = () => [...connections.values()].filter((connection) => !connection.silenced && connection.socket.readyState === connection.socket.OPEN);

	function flushWaiting() {
		while (waiting.length > 0 && openConnections().length > 0) push(waiting.shift() as EventRecord);
	}

	const randomUint64 = () => BigInt.asUintN(64, BigInt(`0x${crypto.randomBytes(8).toString('hex')}`)).toString();

	/** Pushes an event to one random open connection (Feishu's cluster mode), split into parts if asked. */
	function push(event: EventRecord) {
		if (event.answered) return;
		const targets = openConnections();
		if (targets.length === 0) {
			waiting.push(event);
			return;
		}
		const connection = targets[crypto.randomInt(targets.length)];
		event.pushes++;
		counters.pushes++;
		const messageId = `emu-msg-${nextMessage++}`;
		const chunkCount = event.parts ?? (settings.partBytes > 0 ? Math.ceil(event.bytes.length / settings.partBytes) : 1);
		const sum = Math.max(1, Math.min(chunkCount, event.bytes.length));
		const size = Math.ceil(event.bytes.length / sum);
		// SeqIDs above 2^53 check that replies echo them exactly.
		const attempt: Attempt = {
			messageId,
			event,
			connectionId: connection.id,
			SeqID: (2n ** 60n + BigInt(nextMessage)).toString(),
			LogID: randomUint64(),
			headers: [],
			settled: false,
		};
		attempts.set(messageId, attempt);
		attempt.timer = later(settings.ackTimeoutMs, () => {
			if (attempt.settled || event.answered) return;
			attempt.settled = true;
			rePush(event);
		});
		const traceId = crypto.randomUUID();
		for (let seq = 0; seq < sum; seq++) {
			const headers = [
				{ key: 'type', value: 'event' },
				{ key: 'message_id', value: messageId },
				{ key: 'sum', value: String(sum) },
				{ key: 'seq', value: String(seq) },
				{ key: 'trace_id', value: traceId },
			];
			// The reply echoes the headers of the frame that completed the event (the last part).
			attempt.headers = headers;
			send(connection, {
				SeqID: attempt.SeqID,
				LogID: attempt.LogID,
				service: settings.serviceId,
				method: 1,
				headers,
				payload: event.bytes.subarray(seq * size, (seq + 1) * size),
			});
			if (event.cutAfterParts !== undefined && seq + 1 >= event.cutAfterParts && seq + 1 < sum) {
				// Only the first push is cut; Feishu pushes the whole event again.
				event.cutAfterParts = undefined;
				abruptClose(connection);
				return;
			}
		}
	}

	function rePush(event: EventRecord) {
		if (event.answered) return;
		if (event.pushes >= settings.maxPushes) return void counters.abandoned++;
		counters.rePushed++;
		push(event);
	}

	function abruptClose(connection: Connection) {
		counters.abruptCloses++;
		connections.delete(connection.id);
		// terminate(): the TCP connection ends without a close frame.
		connection.socket.terminate();
	}

	/** Silence: the server stops answering and reading, as a half-open connection does; it cuts the socket later. */
	function silence(connection: Connection) {
		counters.silenced++;
		connection.silenced = true;
		(connection.socket as unknown as { _socket?: { pause(): void } })._socket?.pause();
		later(settings.silenceTerminateMs, () => {
			connections.delete(connection.id);
			connection.socket.terminate();
		});
	}

	/** POST /callback/ws/endpoint: a fresh single-use URL, or the code Feishu answers. */
	async function endpoint(ctx: RequestContext) {
		counters.endpointRequests++;
		const body = (ctx.json ?? {}) as { AppID?: string; AppSecret?: string };
		const fault = faults.endpointAnswers.find((candidate) => candidate.times > 0);
		if (fault) {
			fault.times--;
			counters.endpointRefusals++;
			return ctx.reply(200, { code: fault.code, msg: fault.msg ?? MESSAGES[fault.code] ?? 'error', data: {} });
		}
		// ASSUMED: a wrong App ID or App Secret is answered code 514 (the SDKs do not say which code).
		if (body.AppID !== host.appId || body.AppSecret !== host.appSecret) {
			counters.endpointRefusals++;
			return ctx.reply(200, { code: CODES.authFailed, msg: MESSAGES[CODES.authFailed], data: {} });
		}
		const port = await listen();
		const ticket = crypto.randomUUID();
		const deviceId = String(7_000_000_000_000_000_000n + BigInt(crypto.randomInt(2 ** 31)));
		tickets.set(ticket, { used: false, deviceId });
		// Shaped after real URLs: service_id is not the first parameter.
		const url =
			`ws://127.0.0.1:${port}/ws/v2?fpid=493&aid=552564&device_id=${deviceId}` +
			`&access_key=${crypto.randomBytes(16).toString('hex')}&service_id=${settings.serviceId}&ticket=${ticket}`;
		return ctx.reply(200, { code: CODES.ok, msg: 'ok', data: { URL: url, ClientConfig: settings.clientConfig } });
	}

	/** Fires a drive event over the long connection; undefined when the file is not subscribed. */
	function fire(body: Record<string, unknown> & { parts?: number; cutAfterParts?: number }): { eventId: string } | undefined {
		const payload = host.event(body);
		if (!payload) return undefined;
		const record: EventRecord = {
			eventId: payload.header.event_id,
			bytes: Buffer.from(JSON.stringify(payload)),
			parts: body.parts,
			cutAfterParts: body.cutAfterParts,
			answered: false,
			pushes: 0,
		};
		events.set(record.eventId, record);
		push(record);
		return { eventId: record.eventId };
	}

	function state(): LongConnectionCounters {
		const all = [...events.values()];
		const answered = all.filter((event) => event.answered).length;
		return { ...counters, open: connections.size, eventsFired: all.length, eventsAnswered: answered, pending: all.length - answered };
	}

	/** Drops every open connection, abruptly (no close frame) or by going silent. */
	function drop(mode: 'abrupt' | 'silence' = 'abrupt') {
		for (const connection of [...connections.values()]) {
			if (connection.silenced) continue;
			if (mode === 'abrupt') abruptClose(connection);
			else silence(connection);
		}
	}

	function reset() {
		for (const connection of [...connections.values()]) abruptClose(connection);
		for (const timer of timers) clearTimeout(timer);
		timers.clear();
		tickets.clear();
		events.clear();
		attempts.clear();
		waiting.length = 0;
		received.length = 0;
		faults.endpointAnswers.length = 0;
		faults.refuseUpgrades = 0;
		faults.replies.length = 0;
		for (const key of Object.keys(counters) as Array<keyof typeof counters>) counters[key] = 0;
	}

	async function close() {
		reset();
		wss.close();
		if (server) await new Promise<void>((resolve) => (server as http.Server).close(() => resolve()));
		server = undefined;
		listening = undefined;
	}

	/** The control endpoints under /_emulator/feishu/long-connection/. */
	function control(route: string, ctx: RequestContext) {
		const body = (ctx.json ?? {}) as Record<string, unknown>;
		if (route === 'state' && ctx.method === 'GET') return ctx.reply(200, state());
		if (route === 'received' && ctx.method === 'GET') {
			return ctx.reply(200, received.map(({ connectionId, frame, bytes, at }) => ({ connectionId, at, hex: bytes.toString('hex'), ...frame, payload: frame.payload?.toString('utf8') })));
		}
		if (ctx.method !== 'POST') return ctx.reply(404, { error: 'unknown control endpoint' });
		switch (route) {
			case 'fire': {
				const fired = fire(body);
				return ctx.reply(200, fired ? { event_id: fired.eventId, connections: connections.size } : { skipped: 'not subscribed' });
			}
			case 'drop':
				drop(body.mode === 'silence' ? 'silence' : 'abrupt');
				return ctx.reply(200, { ok: true });
			case 'endpoint-answer':
				faults.endpointAnswers.push({ code: Number(body.code), msg: body.msg as string | undefined, times: Number(body.times ?? 1) });
				return ctx.reply(200, { ok: true });
			case 'refuse-upgrades':
				faults.refuseUpgrades += Number(body.times ?? 1);
				return ctx.reply(200, { ok: true });
			case 'replies':
				faults.replies.push({ delayMs: body.delayMs as number | undefined, drop: body.drop === true, times: Number(body.times ?? 1) });
				return ctx.reply(200, { ok: true });
			case 'config':
				if (body.clientConfig) Object.assign(settings.clientConfig, body.clientConfig);
				for (const key of ['ackTimeoutMs', 'maxConnections', 'silenceTerminateMs', 'partBytes', 'repushDelayMs', 'maxPushes'] as const) {
					if (typeof body[key] === 'number') settings[key] = body[key] as number;
				}
				return ctx.reply(200, { ok: true, settings });
			case 'reset':
				reset();
				return ctx.reply(200, { ok: true });
			default:
				return ctx.reply(404, { error: 'unknown control endpoint' });
		}
	}

	return { settings, faults, counters, received, endpoint, fire, push, drop, state, reset, close, control, connections };
}

export type FeishuLongConnection = ReturnType<typeof createFeishuLongConnection>;
