import { createHash, timingSafeEqual } from 'node:crypto';
import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

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

/** Whether a vendor timestamp (seconds or milliseconds since the epoch) lies within the replay window. */
export function isFresh(timestamp: number | string, windowMs: number, now = Date.now()): boolean {
	const value = Number(timestamp);
	if (!Number.isFinite(value) || value <= 0) return false;
	const ms = value > 1e11 ? value : value * 1000;
	return Math.abs(now - ms) <= windowMs;
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
