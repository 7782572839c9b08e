/**
 * Feishu / Lark long connection (长连接) for the shared loop in ../shared/long-connection.ts: the endpoint
 * request, the server's ClientConfig (ping interval, reconnect count / interval / nonce), ping and pong
 * control frames, multi-part events, and the reply every event frame needs within Feishu's 3 seconds.
 * Facts: ../../../shared/docs/long-connection.md as corrected by the SDK findings (larksuite/node-sdk
 * ws-client, larksuite/oapi-sdk-go ws/).
 */
import type { IDataObject, IHttpRequestOptions } from 'n8n-workflow';
import type { CallbackEvent } from '../shared/callback-flow';
import { MAX_JSON_DEPTH, nestedDeeperThan, plainObject } from '../shared/callbacks';
import { forLog } from '../shared/log';
import {
	backoffWithJitterMs,
	ConnectionRefused,
	type ConnectionLink,
	type LongConnectionProtocol,
} from '../shared/long-connection';
import type { Deliver } from '../shared/stream-trigger';
import { decodeFrame, encodeFrame, FRAME_METHOD, headerOf, utf8, type Frame } from './frame';
import { driveEventOf, type FeishuEvent } from './verify';

export const ENDPOINT_PATH = '/callback/ws/endpoint';

/** Timings and limits of the Feishu side; tunable so that tests need not wait real seconds. */
export const feishuConnectionPolicy = {
	/** Silence longer than this many ping intervals (plus the margin) means the connection is half-open. */
	idlePingIntervals: 2.5,
	idleMarginMs: 5_000,
	/** Until the first connection opened (activation), attempts that may fail before activation fails. */
	attemptsBeforeFirstOpen: 4,
	/**
	 * After activation: endpoints handed out in a row whose WebSocket never opened. Node's WebSocket cannot
	 * read why an upgrade was refused (Feishu says it in headers: too many connections, banned), so a
	 * refusal that retrying cannot fix would otherwise be retried for ever.
	 */
	refusedUpgradesInARow: 10,
	/** Parts of a multi-part event older than this are dropped (the SDKs keep them 5–10 s). */
	partTtlMs: 10_000,
	/** More parts than this for one message are not kept (a broken or hostile frame). */
	maxParts: 1_000,
	endpointTimeoutMs: 10_000,
};

/** Feishu's ClientConfig, in seconds; the Node SDK's defaults until the server sends its own. */
export interface ClientConfig {
	PingInterval: number;
	ReconnectCount: number;
	ReconnectInterval: number;
	ReconnectNonce: number;
}

export const DEFAULT_CLIENT_CONFIG: Readonly<ClientConfig> = { PingInterval: 120, ReconnectCount: -1, ReconnectInterval: 120, ReconnectNonce: 30 };

/**
 * Applies the fields of a ClientConfig the server sent (endpoint answer or pong) that are present and
 * usable: positive numbers of seconds; ReconnectCount also −1 (for ever). Anything else is ignored, so a
 * missing field never becomes NaN (as it does in Feishu's Node SDK).
 */
export function applyClientConfig(config: ClientConfig, received: unknown): void {
	const fields = plainObject(received);
	if (!fields) return;
	const positive = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value > 0;
	if (positive(fields.PingInterval)) config.PingInterval = fields.PingInterval;
	if (positive(fields.ReconnectInterval)) config.ReconnectInterval = fields.ReconnectInterval;
	if (positive(fields.ReconnectNonce)) config.ReconnectNonce = fields.ReconnectNonce;
	const count = fields.ReconnectCount;
	if (count === -1 || (positive(count) && Number.isInteger(count))) config.ReconnectCount = count as number;
}

/** Where the endpoint request goes and with what: the credential's host (Feishu or Lark) and the app. */
export interface EndpointTarget {
	baseUrl: string;
	appId: string;
	appSecret: string;
}

/** n8n's this.helpers.httpRequest, or a stand-in. */
export type HttpRequest = (options: IHttpRequestOptions) => Promise<unknown>;

export interface Endpoint {
	url: string;
	serviceId: number;
	clientConfig: unknown;
}

const RETRYABLE_CODES = new Set([1, 1000040343]);

/** Endpoint codes that retrying cannot fix, as the builder should read them. */
function refusal(code: unknown, msg: string): ConnectionRefused {
	const said = msg ? `: ${forLog(msg, 120)}` : '';
	switch (code) {
		case 514:
			return new ConnectionRefused(
				`Feishu refused the App ID / App Secret for the long connection (code 514${said})`,
				"Copy the App ID and App Secret again from the app's Credentials & Basic Info page in the developer console. Only self-built apps can use the long connection.",
			);
		case 403:
			return new ConnectionRefused(
				`Feishu forbids this app's long connection (code 403${said})`,
				'The app may be disabled or banned, or it is not a self-built app: only self-built apps can receive events through a long connection.',
			);
		case 1000040350:
			return new ConnectionRefused(
				`Feishu refused the long connection: this app has too many connections open, at most 50 per app (code 1000040350${said})`,
				'Each Feishu app accepts at most 50 long connections, and each event goes to only one of them. Stop other clients of this app (other active workflows with this trigger, SDK clients), then activate the workflow again; run one such trigger per app.',
			);
		default:
			return new ConnectionRefused(
				`Feishu refused the long connection (code ${forLog(code, 20)}${said})`,
				'Check the App ID and App Secret, and that "Receive events through persistent connection" (使用长连接接收事件) is chosen under Events & Callbacks in the developer console.',
			);
	}
}

/**
 * Asks Feishu for a connection URL: POST {base}/callback/ws/endpoint with the header locale: zh and the
 * body {AppID, AppSecret} (no token). Codes 1 (busy) and 1000040343 (internal error) and any HTTP or
 * network failure are retried by the caller; other codes throw ConnectionRefused.
 */
export async function requestEndpoint(request: HttpRequest, target: EndpointTarget): Promise<Endpoint> {
	const response = (await request({
		method: 'POST',
		url: `${target.baseUrl}${ENDPOINT_PATH}`,
		headers: { locale: 'zh', 'Content-Type': 'application/json' },
		body: { AppID: target.appId, AppSecret: target.appSecret },
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: feishuConnectionPolicy.endpointTimeoutMs,
	})) as { statusCode?: number; body?: unknown };
	const body = plainObject(response.body);
	if (response.statusCode !== 200 || !body) {
		throw new Error(`Feishu's long-connection endpoint answered HTTP ${String(response.statusCode)}`);
	}
	const msg = typeof body.msg === 'string' ? body.msg : '';
	if (RETRYABLE_CODES.has(body.code as number)) {
		throw new Error(`Feishu's long-connection endpoint asked to try again (code ${String(body.code)}${msg ? `: ${forLog(msg, 120)}` : ''})`);
	}
	if (body.code !== 0) throw refusal(body.code, msg);
	const data = plainObject(body.data) ?? {};
	const url = URL.canParse(String(data.URL ?? '')) ? new URL(String(data.URL)) : undefined;
	if (!url) throw new Error("Feishu's long-connection endpoint answered without a valid URL");
	if (url.protocol !== 'wss:' && url.protocol !== 'ws:') {
		throw new Error(`Feishu's long-connection endpoint answered a ${forLog(url.protocol, 20)} URL, not a WebSocket one`);
	}
	// service_id goes into every ping; an empty one is 0, as in the Go SDK.
	const serviceId = Number(url.searchParams.get('service_id') ?? 0);
	return { url: url.toString(), serviceId: Number.isSafeInteger(serviceId) ? serviceId : 0, clientConfig: data.ClientConfig };
}

/** The ping control frame: SeqID and LogID 0, the URL's service_id, header type=ping, no payload. */
export function pingFrame(serviceId: number): Uint8Array {
	return encodeFrame({ seqId: 0n, logId: 0n, service: serviceId, method: FRAME_METHOD.control, headers: [{ key: 'type', value: 'ping' }] });
}

/** The reply to an event frame: the same frame with biz_rt (ms spent) appended and the payload {"code":…}. */
export function replyFrame(frame: Frame, code: 200 | 500, bizRtMs: number): Uint8Array {
	return encodeFrame({
		...frame,
		headers: [...frame.headers, { key: 'biz_rt', value: String(Math.max(0, Math.round(bizRtMs))) }],
		payload: utf8.encode(JSON.stringify({ code })),
	});
}

/**
 * Parts of multi-part events by message_id, joined in seq order once all `sum` are in. Lenient like the Go
 * SDK: a missing or invalid sum is 1 and a missing seq 0; a seq outside 0…sum−1 is dropped, and so are
 * parts older than the policy's partTtlMs (counted from the first part).
 */
export class PartCache {
	private readonly entries = new Map<string, { parts: Array<Uint8Array | undefined>; received: number; firstAt: number }>();

	add(messageId: string, sumHeader: string | undefined, seqHeader: string | undefined, payload: Uint8Array, now = Date.now()): Uint8Array | undefined {
		this.sweep(now);
		const parsedSum = Number(sumHeader);
		const sum = Number.isInteger(parsedSum) && parsedSum >= 1 ? parsedSum : 1;
		const seq = seqHeader === undefined || seqHeader === '' ? 0 : Number(seqHeader);
		if (!Number.isInteger(seq) || seq < 0 || seq >= sum || sum > feishuConnectionPolicy.maxParts) return undefined;
		if (sum === 1) return payload;
		let entry = this.entries.get(messageId);
		if (!entry || entry.parts.length !== sum) {
			entry = { parts: new Array<Uint8Array | undefined>(sum).fill(undefined), received: 0, firstAt: now };
			this.entries.set(messageId, entry);
		}
		if (entry.parts[seq] === undefined) entry.received++;
		entry.parts[seq] = payload;
		if (entry.received < sum) return undefined;
		this.entries.delete(messageId);
		const parts = entry.parts as Uint8Array[];
		const joined = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
		let offset = 0;
		for (const part of parts) {
			joined.set(part, offset);
			offset += part.length;
		}
		return joined;
	}

	sweep(now = Date.now()): void {
		for (const [messageId, entry] of this.entries) {
			if (now - entry.firstAt > feishuConnectionPolicy.partTtlMs) this.entries.delete(messageId);
		}
	}

	clear(): void {
		this.entries.clear();
	}

	get size(): number {
		return this.entries.size;
	}
}

export interface FeishuProtocolSetup {
	target: EndpointTarget;
	request: HttpRequest;
	/** The trigger's filter and item builder (callback.ts's selectDriveEvents). */
	select(event: FeishuEvent): CallbackEvent[];
	deliver: Deliver;
	warn(message: string): void;
	random?: () => number;
}

/**
 * The protocol of one trigger's connection: owns the ClientConfig, the ping schedule, the part cache and
 * the count of attempts, across the reconnects of the shared loop.
 */
export function feishuProtocol({ target, request, select, deliver, warn, random = Math.random }: FeishuProtocolSetup): LongConnectionProtocol {
	const config: ClientConfig = { ...DEFAULT_CLIENT_CONFIG };
	const parts = new PartCache();
	let serviceId = 0;
	let lastPingAt = 0;
	let everOpened = false;
	// Attempts before the first connection opened, and why the last one failed.
	let attemptsBeforeOpen = 0;
	let lastFailure = 'no answer yet';
	// An endpoint was handed out and its WebSocket has not opened (yet).
	let awaitingOpen = false;
	let refusedInARow = 0;
	let reconnectsExhausted = false;

	const sendPing = (link: ConnectionLink, now: number) => {
		lastPingAt = now;
		link.send(pingFrame(serviceId));
	};

	/** Runs one complete event through the trigger's filter; the answer Feishu gets (500: push it again). */
	const handleEvent = (bytes: Uint8Array, messageId: string | undefined): 200 | 500 => {
		let envelope: IDataObject | undefined;
		try {
			envelope = plainObject(JSON.parse(utf8.decode(bytes)));
		} catch {
			envelope = undefined;
		}
		if (!envelope || nestedDeeperThan(envelope, MAX_JSON_DEPTH)) {
			warn('Feishu long connection: an event frame did not hold a JSON object; answered 500');
			return 500;
		}
		const event = driveEventOf(envelope, messageId);
		// Not a schema 2.0 event: nothing to run, and nothing Feishu should push again.
		if (!event) return 200;
		return deliver(select(event)) ? 200 : 500;
	};

	const handleControl = (frame: Frame) => {
		// The server's own pings and any other control frame are ignored, as in the SDKs.
		if (headerOf(frame, 'type') !== 'pong' || frame.payload.length === 0) return;
		try {
			applyClientConfig(config, JSON.parse(utf8.decode(frame.payload)));
		} catch {
			warn('Feishu long connection: a pong carried a ClientConfig that is not JSON; ignored');
		}
	};

	const handleData = (frame: Frame, link: ConnectionLink, receivedAt: number) => {
		// Only events are answered; card callbacks and unknown types are dropped without a reply, as in the SDKs.
		if (headerOf(frame, 'type') !== 'event') return;
		const messageId = headerOf(frame, 'message_id') || undefined;
		const payload = parts.add(messageId ?? '', headerOf(frame, 'sum'), headerOf(frame, 'seq'), frame.payload, receivedAt);
		if (payload === undefined) return;
		const code = handleEvent(payload, messageId);
		// At once, never waiting for the workflow: Feishu pushes again what is not answered within 3 s.
		link.send(replyFrame(frame, code, Date.now() - receivedAt));
	};

	return {
		name: 'Feishu Long Connection Trigger',
		binaryFrames: true,

		async openEndpoint() {
			if (awaitingOpen) {
				refusedInARow++;
				lastFailure = 'the WebSocket upgrade was refused or the connection failed';
			}
			awaitingOpen = false;
			if (!everOpened && attemptsBeforeOpen >= feishuConnectionPolicy.attemptsBeforeFirstOpen) {
				throw new ConnectionRefused(
					`Feishu's long connection could not be opened after ${attemptsBeforeOpen} attempts (last: ${lastFailure})`,
					'Check the credential\'s host (Feishu or Lark) and the network path to it, and that "Receive events through persistent connection" (使用长连接接收事件) is chosen under Events & Callbacks in the developer console. Feishu also refuses connections beyond 50 per app.',
				);
			}
			if (everOpened && refusedInARow >= feishuConnectionPolicy.refusedUpgradesInARow) {
				throw new ConnectionRefused(
					`Feishu refused ${refusedInARow} long connections in a row`,
					'Feishu handed out connection URLs but refused to open them. Its usual reasons are too many connections for this app (at most 50 per app, code 1000040350) and an app that is banned (403); Node.js cannot read which. Stop other clients of this app, then activate the workflow again.',
				);
			}
			if (reconnectsExhausted) {
				throw new ConnectionRefused(
					`Feishu's long connection was lost and ${config.ReconnectCount} reconnect attempts failed (last: ${lastFailure})`,
					'Feishu limits the reconnect attempts (ClientConfig ReconnectCount). Activate the workflow again.',
				);
			}
			if (!everOpened) attemptsBeforeOpen++;
			const outcome = await requestEndpoint(request, target).then(
				(endpoint) => ({ endpoint }),
				(error: Error) => ({ error }),
			);
			if ('error' in outcome) {
				lastFailure = outcome.error.message;
				throw outcome.error;
			}
			const { endpoint } = outcome;
			serviceId = endpoint.serviceId;
			applyClientConfig(config, endpoint.clientConfig);
			awaitingOpen = true;
			return endpoint.url;
		},

		// Feishu's own limit (openEndpoint) says why the first connection failed, with what Node cannot see; the shared one stays behind it.
		get firstOpenAttempts() {
			return feishuConnectionPolicy.attemptsBeforeFirstOpen + 1;
		},

		idleTimeoutMs: () => config.PingInterval * 1000 * feishuConnectionPolicy.idlePingIntervals + feishuConnectionPolicy.idleMarginMs,

		reconnectDelayMs(attempt) {
			// Activation waits for its first connection: short back-off, and a clear failure after a few attempts.
			if (!everOpened) {
				return attemptsBeforeOpen >= feishuConnectionPolicy.attemptsBeforeFirstOpen ? 0 : backoffWithJitterMs(attempt);
			}
			if (refusedInARow + (awaitingOpen ? 1 : 0) >= feishuConnectionPolicy.refusedUpgradesInARow) return 0;
			if (config.ReconnectCount >= 0 && attempt >= config.ReconnectCount) {
				reconnectsExhausted = true;
				return 0;
			}
			// Feishu's schedule: the first attempt after a random 0…ReconnectNonce s, then every ReconnectInterval s.
			return attempt === 0 ? random() * config.ReconnectNonce * 1000 : config.ReconnectInterval * 1000;
		},

		onOpen(link) {
			everOpened = true;
			awaitingOpen = false;
			refusedInARow = 0;
			// Parts of a connection that ended are never completed: Feishu pushes the whole event again.
			parts.clear();
			sendPing(link, Date.now());
		},

		onFrame(data, link) {
			// Feishu sends binary frames only; anything else is ignored, as in the Go SDK.
			if (typeof data === 'string') return;
			const receivedAt = Date.now();
			let frame: Frame;
			try {
				frame = decodeFrame(data);
			} catch (error) {
				// A FrameError says what is wrong with the bytes; the connection carries on with the next frame.
				warn(`Feishu long connection: a frame was dropped: ${(error as Error).message}`);
				return;
			}
			if (frame.method === FRAME_METHOD.control) handleControl(frame);
			else if (frame.method === FRAME_METHOD.data) handleData(frame, link, receivedAt);
		},

		onWatch(link, now) {
			parts.sweep(now);
			if (now - lastPingAt >= config.PingInterval * 1000) sendPing(link, now);
		},
	};
}
