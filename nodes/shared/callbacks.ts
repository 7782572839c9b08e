import { createHash, timingSafeEqual } from 'node:crypto';
import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

/**
 * Compares two secrets or signatures in constant time. Both sides are hashed first so that neither
 * their contents nor their lengths leak through timing; an empty expected value never matches.
 */
export function secretsMatch(expected: string | Buffer, actual: string | Buffer | undefined): boolean {
	if (actual === undefined || expected.length === 0) return false;
	const digestOf = (value: string | Buffer) => createHash('sha256').update(value).digest();
	return timingSafeEqual(digestOf(expected), digestOf(actual));
}

/** Answers a callback that failed verification; nothing runs and no vendor is contacted. */
export function rejectCallback(
	this: IWebhookFunctions,
	statusCode = 401,
	message = 'Unauthorized',
): IWebhookResponseData {
	this.getResponseObject().status(statusCode).send(message).end();
	return { noWebhookResponse: true };
}

/** Writes the vendor's expected reply (handshakes, encrypted acknowledgements) without running the workflow. */
export function replyToCallback(
	this: IWebhookFunctions,
	body: unknown,
	statusCode = 200,
): IWebhookResponseData {
	const response = this.getResponseObject();
	response.status(statusCode);
	if (typeof body === 'string') response.send(body);
	else response.json(body);
	response.end();
	return { noWebhookResponse: true };
}

/** The request body exactly as received, for vendors that sign bytes rather than parsed JSON. */
export function rawBodyOf(this: IWebhookFunctions): Buffer | undefined {
	const raw = (this.getRequestObject() as { rawBody?: Buffer | string }).rawBody;
	if (raw === undefined) return undefined;
	return Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
}

/** Deeper JSON than this is refused: vendor payloads are a handful of levels deep. */
export const MAX_JSON_DEPTH = 64;

/** A parsed JSON value if it is a plain object (not null, an array, a string, a number or a Buffer). */
export function plainObject(value: unknown): IDataObject | undefined {
	return value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value)
		? (value as IDataObject)
		: undefined;
}

/**
 * Whether a parsed JSON value nests objects or arrays more than maxDepth levels deep (a plain object is
 * one level). Walks with its own stack, so 100,000 levels cost time, not the call stack; JSON.stringify,
 * structuredClone and n8n's own saving of execution data recurse and would throw RangeError on them.
 */
export function nestedDeeperThan(value: unknown, maxDepth: number): boolean {
	const pending: Array<[unknown, number]> = [[value, 1]];
	while (pending.length > 0) {
		const [current, depth] = pending.pop() as [unknown, number];
		if (current === null || typeof current !== 'object') continue;
		if (depth > maxDepth) return true;
		for (const child of Array.isArray(current) ? current : Object.values(current as object)) {
			if (child !== null && typeof child === 'object') pending.push([child, depth + 1]);
		}
	}
	return false;
}

export type CallbackBody =
	| { body: IDataObject; raw: Buffer | undefined; status?: undefined }
	| { status: 400 | 413; message: string };

/**
 * The callback's body as a plain JSON object, or the 4xx to answer instead; never throws. n8n hands
 * webhook() whatever the request held: getBodyData() is undefined for an empty POST, null, an array, a
 * string or a number for such JSON, a string for text/plain, and rawBody the bytes as received (absent
 * only for multipart). With fromRawBytes the raw bytes are parsed instead of n8n's result, for vendors
 * that sign them; otherwise n8n's parse is used as is (parsing a large body twice costs time).
 */
export function callbackBody(
	this: IWebhookFunctions,
	{
		maxBytes = Number.POSITIVE_INFINITY,
		maxDepth = MAX_JSON_DEPTH,
		fromRawBytes = false,
	}: { maxBytes?: number; maxDepth?: number; fromRawBytes?: boolean } = {},
): CallbackBody {
	try {
		const raw = rawBodyOf.call(this);
		if (raw !== undefined && raw.length > maxBytes) {
			return { status: 413, message: `Payload Too Large: at most ${maxBytes} bytes` };
		}
		let value: unknown;
		if (fromRawBytes && raw !== undefined) {
			try {
				value = JSON.parse(raw.toString('utf8'));
			} catch {
				value = undefined;
			}
		} else {
			value = this.getBodyData();
		}
		const body = plainObject(value);
		if (!body) return { status: 400, message: 'Bad Request: the body is not a JSON object' };
		if (Number.isFinite(maxDepth) && nestedDeeperThan(body, maxDepth)) {
			return { status: 400, message: 'Bad Request: the body is nested too deeply' };
		}
		return { body, raw };
	} catch {
		return { status: 400, message: 'Bad Request' };
	}
}


/** Lets a warning through at most once per interval and key, so that replayed requests cannot flood the log. */
export class WarningLimiter {
	private readonly lastAt = new Map<string, number>();

	constructor(
		private readonly intervalMs = 60_000,
		private readonly maxKeys = 1_000,
	) {}

	due(key: string, now = Date.now()): boolean {
		const last = this.lastAt.get(key);
		if (last !== undefined && now - last < this.intervalMs) return false;
		this.lastAt.delete(key);
		this.lastAt.set(key, now);
		while (this.lastAt.size > this.maxKeys) this.lastAt.delete(this.lastAt.keys().next().value as string);
		return true;
	}
}

/** Plain ASCII digits without leading zeros, at most 16 (milliseconds need 13 until the year 2286). */
const TIMESTAMP_PATTERN = /^[1-9][0-9]{0,15}$/;

/**
 * A vendor timestamp as milliseconds since the epoch, or undefined. Numbers must be whole and strings
 * plain ASCII digits: Number() would also take "0x6b0d1fdc", " 1796022236", "+1.7e9" or "". Values up
 * to 1e11 are read as seconds, larger ones as milliseconds (vendors send both).
 */
export function timestampMs(timestamp: unknown): number | undefined {
	let value: number;
	if (typeof timestamp === 'number') value = timestamp;
	else if (typeof timestamp === 'string' && TIMESTAMP_PATTERN.test(timestamp)) value = Number(timestamp);
	else return undefined;
	if (!Number.isSafeInteger(value) || value <= 0) return undefined;
	return value > 1e11 ? value : value * 1000;
}

/**
 * Whether a vendor timestamp lies at most maxAgeMs in the past and at most maxAheadMs in the future (the
 * allowance for clocks that disagree). Anything that is not a plain number is outside.
 */
export function withinReplayWindow(
	timestamp: unknown,
	{ maxAgeMs, maxAheadMs }: { maxAgeMs: number; maxAheadMs: number },
	now = Date.now(),
): boolean {
	const ms = timestampMs(timestamp);
	if (ms === undefined) return false;
	return now - ms <= maxAgeMs && ms - now <= maxAheadMs;
}

/** Whether a vendor timestamp (seconds or milliseconds since the epoch) lies within ±windowMs of now. */
export function isFresh(timestamp: number | string, windowMs: number, now = Date.now()): boolean {
	return withinReplayWindow(timestamp, { maxAgeMs: windowMs, maxAheadMs: windowMs }, now);
}

/**
 * Remembers recently seen delivery ids so that a vendor's redelivery starts no second execution.
 * Workflow static data cannot be used: webhook() must not write it (it races with activation).
 */
export class DeliveryLog {
	private readonly seenAt = new Map<string, number>();

	constructor(
		private readonly ttlMs: number,
		private readonly maxEntries = 10_000,
	) {}

	/** Records the key and tells whether this is its first delivery within the time-to-live. */
	firstDelivery(key: string, now = Date.now()): boolean {
		const previous = this.seenAt.get(key);
		if (previous !== undefined && now - previous < this.ttlMs) return false;
		this.seenAt.delete(key);
		this.seenAt.set(key, now);
		while (this.seenAt.size > this.maxEntries) {
			const oldest = this.seenAt.keys().next().value as string;
			this.seenAt.delete(oldest);
		}
		return true;
	}

	/** Forgets a key again, e.g. when the execution for it could not be started. */
	forget(key: string): void {
		this.seenAt.delete(key);
	}
}

/** The workflow and node a webhook call belongs to: the unit of de-duplication and of rate-limited warnings. */
export function triggerKey(context: IWebhookFunctions): string {
	return `${context.getWorkflow().id ?? ''}\n${context.getNode().id ?? ''}`;
}

/**
 * One DeliveryLog per trigger (workflow + node), so that a burst of deliveries to one trigger cannot push
 * another trigger's history out. Only triggers whose callbacks were verified get a log; the number of
 * logs is capped all the same, dropping the least recently used.
 */
export class TriggerDeliveryLogs {
	private readonly logs = new Map<string, DeliveryLog>();

	constructor(
		private readonly ttlMs: number,
		private readonly maxEntriesPerTrigger = 10_000,
		private readonly maxTriggers = 1_000,
	) {}

	of(context: IWebhookFunctions): DeliveryLog {
		const key = triggerKey(context);
		let log = this.logs.get(key);
		if (log) this.logs.delete(key);
		else log = new DeliveryLog(this.ttlMs, this.maxEntriesPerTrigger);
		this.logs.set(key, log);
		while (this.logs.size > this.maxTriggers) this.logs.delete(this.logs.keys().next().value as string);
		return log;
	}
}
