/**
 * DingTalk Stream mode for the DingTalk emulator: the gateway's ticket call
 * (POST /v1.0/gateway/connections/open), the WebSocket server a ticket opens, EVENT frames for the storage
 * events the emulator fires, redelivery of events that were not answered SUCCESS, SYSTEM pings, and
 * faults on demand: an abrupt close (the TCP socket destroyed, no close frame), silence (no pings, nothing
 * read, events sent into the void, as a half-open connection), the vendor's SYSTEM disconnect, a graceful
 * close, slow ACK handling, and slow tickets or upgrades. Ticket errors (401, 5xx) come from the
 * emulator's generic faults on the ticket path.
 *
 * Written from ../shared/docs/long-connection.md and the long-connection findings (DingTalk §1), not from
 * the pack's code. Where DingTalk documents nothing, the emulator's choice is marked ASSUMED.
 */
import crypto from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { RequestContext } from './server';

export interface StreamConfig {
	/** A ticket opens one connection within this time (DingTalk: 90 s). */
	ticketLifetimeMs: number;
	/** An event not answered SUCCESS within this time, or answered LATER, is sent again after it (DingTalk: about a minute). */
	redeliverAfterMs: number;
	/** How often every connection gets a SYSTEM ping. ASSUMED: DingTalk documents no interval; third parties see 20–30 s. */
	pingIntervalMs: number;
	/** After a SYSTEM disconnect the server closes the connection this much later (DingTalk: about 10 s). */
	disconnectCloseMs: number;
	/** Fault: every answer is taken into account this much later (0: at once); answers still waiting when their connection ends are lost. */
	slowAckMs: number;
	/** Fault: the ticket call is answered this much later. */
	ticketDelayMs: number;
	/** Fault: the WebSocket upgrade is completed this much later. */
	upgradeDelayMs: number;
}

export const DEFAULT_STREAM_CONFIG: StreamConfig = {
	ticketLifetimeMs: 90_000,
	// Shorter than DingTalk's minute, so that a redelivery is seen within a test.
	redeliverAfterMs: 5_000,
	pingIntervalMs: 20_000,
	disconnectCloseMs: 10_000,
	slowAckMs: 0,
	ticketDelayMs: 0,
	upgradeDelayMs: 0,
};

export type StreamFault = 'abrupt' | 'silence' | 'disconnect' | 'close';

/** One send of an event: on which connection, with which messageId, and what the client answered. */
interface EventSend {
	messageId: string;
	connection: number;
	at: number;
	/** False when it went to a silent (half-open) connection and never reached the client. */
	delivered: boolean;
	answer?: string;
}

interface StreamEvent {
	id: string;
	eventId: string;
	/** The same event as an HTTP push would carry it (EventType, EventTime, CorpId, BizId, storage fields). */
	payload: Record<string, unknown>;
	headers: Record<string, string>;
	data: string;
	acked: boolean;
	/** Waiting for a connection to be sent on. */
	queued: boolean;
	sends: EventSend[];
	timer?: NodeJS.Timeout;
}

interface StreamConnection {
	id: number;
	ws: WebSocket;
	socket: Duplex;
	openedAt: number;
	/** Whether its ticket subscribed EVENT "*". */
	events: boolean;
	silent: boolean;
	disconnecting: boolean;
	timers: Set<NodeJS.Timeout>;
	/** Answers not yet taken into account (slow ACK fault). */
	pendingAnswers: Set<NodeJS.Timeout>;
}

/** A frame the client sent, as received. */
export interface ReceivedFrame {
	connection: number;
	at: number;
	frame: Record<string, unknown>;
}

type Sent = { kind: 'event'; event: StreamEvent } | { kind: 'ping'; data: string } | { kind: 'system'; topic: string };

const newCounters = () => ({
	ticketsIssued: 0,
	ticketsRefused: 0,
	upgradesRefused: 0,
	connectionsOpened: 0,
	eventsFired: 0,
	/** EVENT frames sent, redeliveries included. */
	eventsSent: 0,
	eventsRedelivered: 0,
	/** Events answered SUCCESS (each counted once). */
	eventsAcked: 0,
	laterAnswers: 0,
	/** SUCCESS answers to an event that had already been answered SUCCESS. */
	duplicateAcks: 0,
	/** Answers that do not have the documented shape. */
	badAnswers: 0,
	/** Answers lost with their connection while the slow ACK fault held them. */
	answersLost: 0,
	pingsSent: 0,
	pingsAnswered: 0,
	systemAnswers: 0,
	/** Frames the client sent that were not JSON, or that answered no message the server sent. */
	strayFrames: 0,
});

export type StreamCounters = ReturnType<typeof newCounters>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const requestId = () => crypto.randomBytes(8).toString('hex');

export function createDingTalkStream({
	appKey,
	appSecret,
	unifiedAppId = 'emu-unified-app-0001',
	config: initialConfig = {},
}: {
	appKey: string;
	appSecret: string;
	unifiedAppId?: string;
	config?: Partial<StreamConfig>;
}) {
	const config: StreamConfig = { ...DEFAULT_STREAM_CONFIG, ...initialConfig };
	let counters = newCounters();
	const events: StreamEvent[] = [];
	const received: ReceivedFrame[] = [];
	const connections = new Map<number, StreamConnection>();
	const tickets = new Map<string, { expiresAt: number; used: boolean; events: boolean }>();
	const sent = new Map<string, Sent>();
	const wss = new WebSocketServer({ noServer: true });
	let server: http.Server | undefined;
	let listening: Promise<number> | undefined;
	// Not reset with the counters: a connection that is still closing keeps its id.
	let lastConnectionId = 0;

	const messageId = () => `${crypto.randomBytes(4).toString('hex')}_${crypto.randomBytes(2).toString('hex')}_${Date.now().toString(16)}`;

	function write(connection: StreamConnection, frame: object): void {
		if (connection.ws.readyState === WebSocket.OPEN) connection.ws.send(JSON.stringify(frame));
	}

	function later(connection: StreamConnection | undefined, ms: number, run: () => void): NodeJS.Timeout {
		const timer = setTimeout(() => {
			connection?.timers.delete(timer);
			run();
		}, ms);
		timer.unref();
		connection?.timers.add(timer);
		return timer;
	}

	// ---- events ----

	function scheduleRedelivery(event: StreamEvent): void {
		clearTimeout(event.timer);
		event.timer = later(undefined, config.redeliverAfterMs, () => {
			event.timer = undefined;
			if (!event.acked) send(event);
		});
	}

	/** Sends an event on one of the open connections (DingTalk picks one at random), or queues it until one opens. */
	function send(event: StreamEvent): void {
		if (event.acked) return;
		const open = [...connections.values()].filter((connection) => connection.events && connection.ws.readyState === WebSocket.OPEN);
		// ASSUMED: a connection told to disconnect gets events only while the app has no other one.
		const settled = open.filter((connection) => !connection.disconnecting);
		const targets = settled.length > 0 ? settled : open;
		if (targets.length === 0) {
			event.queued = true;
			return;
		}
		event.queued = false;
		const connection = targets[Math.floor(Math.random() * targets.length)];
		const id = messageId();
		sent.set(id, { kind: 'event', event });
		if (event.sends.length > 0) counters.eventsRedelivered++;
		counters.eventsSent++;
		event.sends.push({ messageId: id, connection: connection.id, at: Date.now(), delivered: !connection.silent });
		// A half-open connection: the server believes it sent the frame; the client never sees it.
		if (!connection.silent) {
			write(connection, {
				specVersion: '1.0',
				type: 'EVENT',
				headers: { contentType: 'application/json', messageId: id, time: String(Date.now()), topic: '*', ...event.headers },
				data: event.data,
			});
		}
		scheduleRedelivery(event);
	}

	/** Fires a storage event, given as an HTTP push would carry it; its envelope becomes the frame's headers. */
	function fire(payload: Record<string, unknown>) {
		const { EventType, EventTime, CorpId, eventId, ...rest } = payload;
		// Stream carries no BizId; the storage fields are the rest.
		const fields = Object.fromEntries(Object.entries(rest).filter(([key]) => key !== 'BizId'));
		const event: StreamEvent = {
			id: `s${events.length + 1}`,
			eventId: String(eventId),
			payload,
			headers: {
				eventType: String(EventType),
				eventId: String(eventId),
				eventBornTime: String(EventTime),
				eventCorpId: String(CorpId),
				eventUnifiedAppId: unifiedAppId,
			},
			// The storage fields only, as DingTalk's Stream payload has them (vendor-dingtalk.md section 5).
			data: JSON.stringify(fields),
			acked: false,
			queued: false,
			sends: [],
		};
		events.push(event);
		counters.eventsFired++;
		send(event);
		return summary(event);
	}

	/** An event without its timer, for the control endpoints. */
	function summary(event: StreamEvent) {
		return Object.fromEntries(Object.entries(event).filter(([key]) => key !== 'timer'));
	}

	// ---- what the client answers ----

	function takeAnswer(frame: Record<string, unknown>): void {
		const headers = (frame.headers ?? {}) as Record<string, unknown>;
		const origin = sent.get(String(headers.messageId));
		if (!origin) {
			counters.strayFrames++;
			return;
		}
		if (origin.kind === 'ping') {
			if (frame.code === 200 && frame.data === origin.data) counters.pingsAnswered++;
			else counters.badAnswers++;
			sent.delete(String(headers.messageId));
			return;
		}
		if (origin.kind === 'system') {
			counters.systemAnswers++;
			return;
		}
		const { event } = origin;
		let status: unknown;
		try {
			status = (JSON.parse(String(frame.data)) as { status?: unknown }).status;
		} catch {
			status = undefined;
		}
		const send = event.sends.find((candidate) => candidate.messageId === headers.messageId);
		if (send) send.answer = String(status);
		const wellFormed =
			frame.code === 200 && frame.message === 'OK' && headers.contentType === 'application/json' && (status === 'SUCCESS' || status === 'LATER');
		if (!wellFormed) {
			counters.badAnswers++;
			return;
		}
		if (status === 'LATER') {
			counters.laterAnswers++;
			if (!event.acked) scheduleRedelivery(event);
			return;
		}
		if (event.acked) {
			counters.duplicateAcks++;
			return;
		}
		event.acked = true;
		counters.eventsAcked++;
		clearTimeout(event.timer);
		event.timer = undefined;
	}

	function onMessage(connection: StreamConnection, text: string | undefined): void {
		let frame: Record<string, unknown>;
		try {
			frame = JSON.parse(text ?? '') as Record<string, unknown>;
		} catch {
			counters.strayFrames++;
			return;
		}
		received.push({ connection: connection.id, at: Date.now(), frame });
		if (received.length > 20_000) received.splice(0, received.length - 20_000);
		if (config.slowAckMs <= 0) return takeAnswer(frame);
		const timer = setTimeout(() => {
			connection.pendingAnswers.delete(timer);
			takeAnswer(frame);
		}, config.slowAckMs);
		timer.unref();
		connection.pendingAnswers.add(timer);
	}

	// ---- connections ----

	function ping(connection: StreamConnection): void {
		if (!connections.has(connection.id)) return;
		if (!connection.silent) {
			const id = messageId();
			const data = JSON.stringify({ opaque: crypto.randomUUID() });
			sent.set(id, { kind: 'ping', data });
			write(connection, {
				specVersion: '1.0',
				type: 'SYSTEM',
				headers: { contentType: 'application/json', messageId: id, time: String(Date.now()), topic: 'ping' },
				data,
			});
			counters.pingsSent++;
		}
		later(connection, config.pingIntervalMs, () => ping(connection));
	}

	function onConnection(ws: WebSocket, socket: Duplex, ticket: { events: boolean }): void {
		counters.connectionsOpened++;
		const connection: StreamConnection = {
			id: ++lastConnectionId,
			ws,
			socket,
			openedAt: Date.now(),
			events: ticket.events,
			silent: false,
			disconnecting: false,
			timers: new Set(),
			pendingAnswers: new Set(),
		};
		// ASSUMED: DingTalk drops a dead connection on its side by the time the app has opened a new one.
		for (const other of connections.values()) if (other.silent) other.ws.terminate();
		connections.set(connection.id, connection);
		ws.on('message', (data, isBinary) => onMessage(connection, isBinary ? undefined : data.toString()));
		ws.on('error', () => undefined);
		ws.on('close', () => {
			for (const timer of connection.timers) clearTimeout(timer);
			for (const timer of connection.pendingAnswers) clearTimeout(timer);
			counters.answersLost += connection.pendingAnswers.size;
			connection.pendingAnswers.clear();
			connections.delete(connection.id);
		});
		later(connection, config.pingIntervalMs, () => ping(connection));
		for (const event of events) if (event.queued && !event.acked) send(event);
	}

	async function upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
		socket.on('error', () => undefined);
		const url = new URL(request.url ?? '/', 'http://127.0.0.1');
		const ticket = tickets.get(url.searchParams.get('ticket') ?? '');
		if (url.pathname !== '/connect' || !ticket || ticket.used || ticket.expiresAt < Date.now()) {
			// ASSUMED: how DingTalk refuses a used or expired ticket is not documented; a refused upgrade it is.
			counters.upgradesRefused++;
			socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
			return;
		}
		ticket.used = true;
		if (config.upgradeDelayMs > 0) await sleep(config.upgradeDelayMs);
		if (socket.destroyed) return;
		wss.handleUpgrade(request, socket, head, (ws) => onConnection(ws, socket, ticket));
	}

	function ensureServer(): Promise<number> {
		listening ??= new Promise<number>((resolve, reject) => {
			const created = http.createServer((_request, response) => response.writeHead(426).end());
			created.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => void upgrade(request, socket, head));
			created.once('error', reject);
			created.listen(0, '127.0.0.1', () => {
				// Started on the first ticket; it must not keep a test process alive on its own.
				created.unref();
				resolve((created.address() as AddressInfo).port);
			});
			server = created;
		});
		return listening;
	}

	/** POST /v1.0/gateway/connections/open: App Key and App Secret in the body, no access token. */
	async function openTicket(ctx: RequestContext): Promise<void> {
		if (config.ticketDelayMs > 0) await sleep(config.ticketDelayMs);
		// DingTalk's Node SDK: "without this header the answer would be XML".
		if (!String(ctx.headers.accept ?? '').includes('application/json')) {
			return ctx.reply(200, '<?xml version="1.0" encoding="UTF-8"?><result><endpoint/><ticket/></result>', { 'content-type': 'application/xml' });
		}
		const body = (ctx.json ?? {}) as { clientId?: unknown; clientSecret?: unknown; subscriptions?: unknown };
		if (body.clientId !== appKey || body.clientSecret !== appSecret) {
			counters.ticketsRefused++;
			return ctx.reply(401, { requestid: requestId(), code: 'authFailed', message: '鉴权失败' });
		}
		const subscriptions = Array.isArray(body.subscriptions) ? (body.subscriptions as Array<{ type?: unknown; topic?: unknown }>) : [];
		// ASSUMED: the error for missing or malformed subscriptions; EVENT accepts only topic "*" (protocol page).
		if (subscriptions.length === 0 || subscriptions.some((s) => typeof s?.type !== 'string' || typeof s?.topic !== 'string' || (s.type === 'EVENT' && s.topic !== '*'))) {
			return ctx.reply(400, { requestid: requestId(), code: 'invalidParameter', message: '参数错误: subscriptions' });
		}
		const port = await ensureServer();
		const ticket = crypto.randomBytes(16).toString('hex');
		tickets.set(ticket, { expiresAt: Date.now() + config.ticketLifetimeMs, used: false, events: subscriptions.some((s) => s.type === 'EVENT') });
		counters.ticketsIssued++;
		return ctx.reply(200, { endpoint: `ws://127.0.0.1:${port}/connect`, ticket });
	}

	/** Applies a fault to every open connection; returns how many it hit. */
	function fault(kind: StreamFault): number {
		const open = [...connections.values()];
		for (const connection of open) {
			if (kind === 'abrupt') connection.ws.terminate();
			if (kind === 'close') connection.ws.close(1001, 'going away');
			if (kind === 'silence') {
				connection.silent = true;
				// Nothing the client sends is read any more, not even its close frame.
				connection.socket.pause();
			}
			if (kind === 'disconnect' && !connection.disconnecting) {
				connection.disconnecting = true;
				const id = messageId();
				sent.set(id, { kind: 'system', topic: 'disconnect' });
				write(connection, {
					specVersion: '1.0',
					type: 'SYSTEM',
					headers: { contentType: 'application/json', messageId: id, time: String(Date.now()), topic: 'disconnect' },
					data: JSON.stringify({ reason: 'persistent connection is timeout' }),
				});
				later(connection, config.disconnectCloseMs, () => connection.ws.close(1000, 'disconnect'));
			}
		}
		return open.length;
	}

	/** Sends raw text (any frame, or something that is no frame at all) on every open connection. */
	function sendRaw(text: string): number {
		const open = [...connections.values()].filter((connection) => !connection.silent && connection.ws.readyState === WebSocket.OPEN);
		for (const connection of open) {
			try {
				const headers = (JSON.parse(text) as { headers?: { messageId?: unknown; topic?: unknown } }).headers;
				if (headers?.messageId) sent.set(String(headers.messageId), { kind: 'system', topic: String(headers.topic ?? '') });
			} catch {
				// Not JSON: nothing will answer it.
			}
			connection.ws.send(text);
		}
		return open.length;
	}

	function snapshot() {
		return {
			config: { ...config },
			counters: {
				...counters,
				openConnections: connections.size,
				pendingEvents: events.filter((event) => !event.acked).length,
			},
			connections: [...connections.values()].map(({ id, openedAt, silent, disconnecting }) => ({ id, openedAt, silent, disconnecting })),
			events: events.map(summary),
		};
	}

	function configure(changes: Record<string, unknown>): void {
		for (const key of Object.keys(DEFAULT_STREAM_CONFIG) as Array<keyof StreamConfig>) {
			if (changes[key] !== undefined) config[key] = Number(changes[key]);
		}
	}

	function reset(): void {
		for (const connection of connections.values()) connection.ws.terminate();
		for (const event of events) clearTimeout(event.timer);
		events.length = 0;
		received.length = 0;
		tickets.clear();
		sent.clear();
		counters = newCounters();
		Object.assign(config, DEFAULT_STREAM_CONFIG, initialConfig);
	}

	async function close(): Promise<void> {
		reset();
		wss.close();
		if (server) await new Promise<void>((resolve) => (server as http.Server).close(() => resolve()));
		server = undefined;
		listening = undefined;
	}

	return {
		config,
		get counters() {
			return snapshot().counters;
		},
		events,
		received,
		openTicket,
		fire,
		fault,
		sendRaw,
		snapshot,
		configure,
		reset,
		close,
	};
}

export type DingTalkStream = ReturnType<typeof createDingTalkStream>;
