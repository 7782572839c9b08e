import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';
import { rejected, UNAUTHORIZED, type CallbackRejection, type Verification } from '../shared/callback-flow';
import {
	callbackBody,
	MAX_JSON_DEPTH,
	nestedDeeperThan,
	plainObject,
	secretsMatch,
	timestampMs,
	triggerKey,
	WarningLimiter,
	withinReplayWindow,
} from '../shared/callbacks';
import { forLog } from '../shared/log';
import { feishuApiOf } from './api';
import { decryptEvent, eventSignature } from './crypto';

/**
 * How old a callback's time may be: X-Lark-Request-Timestamp when it is signed (Encrypt Key set), the
 * event's header.create_time otherwise. Feishu names no window (vendor-feishu.md 5.5) and retries an
 * event it got no 200 for after 15 s, 5 min, 1 h and 6 h, about 7.1 h in all (5.6). create_time is the
 * event's own time and stays the same on every retry, and nothing documents that the signed timestamp is
 * renewed for a retry, so a shorter window could refuse genuine retries. A day covers the schedule with
 * room for events held back behind an ordered predecessor, and is exactly how long the trigger remembers
 * an event_id (callback.ts): within it a replay meets the de-duplication log, after it the window.
 */
export const REPLAY_WINDOW_MS = 24 * 60 * 60 * 1000;
/** How far ahead of this server's clock a timestamp may be (clocks that disagree). */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

const warnings = new WarningLimiter();
const replayWindow = { maxAgeMs: REPLAY_WINDOW_MS, maxAheadMs: CLOCK_SKEW_MS };

/** An authentic callback: Feishu's probe of the request URL, or a schema 2.0 event. */
export type FeishuCallback =
	| { kind: 'urlVerification'; challenge: unknown }
	| { kind: 'event'; eventId: string; header: IDataObject; event: IDataObject };

/** The callback's envelope in plain text, and whether its X-Lark-Signature was checked. */
interface OpenedEnvelope {
	envelope: IDataObject;
	signed: boolean;
}

type Rejection = { rejected: CallbackRejection };

function parseObject(text: string): IDataObject | undefined {
	try {
		return plainObject(JSON.parse(text));
	} catch {
		return undefined;
	}
}

const headerValue = (headers: IDataObject, name: string) => {
	const value = headers[name];
	return typeof value === 'string' ? value : undefined;
};

/** Says once a minute per trigger why an authentic-looking callback was refused for its time. */
function warnOutsideWindow(context: IWebhookFunctions, what: string, value: unknown): void {
	if (!warnings.due(triggerKey(context))) return;
	const ms = timestampMs(value);
	const offset = ms === undefined ? 'is not a plain number' : `is ${Math.round((Date.now() - ms) / 1000)} s away from this server's clock`;
	context.logger.warn(
		`Feishu Trigger rejected a callback: its ${what} ${forLog(value, 20)} ${offset} (accepted: up to ${REPLAY_WINDOW_MS / 3_600_000} h old); a replay, or a clock that is off`,
	);
}

/** With an Encrypt Key set: checks the signature where there is one, then decrypts. */
function openEncrypted(
	context: IWebhookFunctions,
	envelope: IDataObject,
	rawBody: Buffer,
	encryptKey: string,
): OpenedEnvelope | Rejection {
	if (typeof envelope.encrypt !== 'string') return UNAUTHORIZED;
	const headers = context.getHeaderData() as IDataObject;
	const signature = headerValue(headers, 'x-lark-signature');
	let signed = false;
	if (signature !== undefined) {
		const timestamp = headerValue(headers, 'x-lark-request-timestamp') ?? '';
		const nonce = headerValue(headers, 'x-lark-request-nonce') ?? '';
		if (!secretsMatch(eventSignature(timestamp, nonce, encryptKey, rawBody), signature.toLowerCase())) {
			return UNAUTHORIZED;
		}
		// The timestamp is signed, so only a replay (or a clock that is off) fails here.
		if (!withinReplayWindow(timestamp, replayWindow)) {
			warnOutsideWindow(context, 'signed timestamp', timestamp);
			return UNAUTHORIZED;
		}
		signed = true;
	}
	const plain = decryptEvent(encryptKey, envelope.encrypt);
	const decrypted = plain === undefined ? undefined : parseObject(plain);
	if (!decrypted) return signed ? rejected(400, 'Bad Request: the payload does not decrypt to JSON') : UNAUTHORIZED;
	if (nestedDeeperThan(decrypted, MAX_JSON_DEPTH)) {
		return signed ? rejected(400, 'Bad Request: the payload is nested too deeply') : UNAUTHORIZED;
	}
	// Feishu's Go SDK checks no signature on the URL challenge; every event must be signed once an Encrypt Key is set.
	if (!signed && decrypted.type !== 'url_verification') return UNAUTHORIZED;
	return { envelope: decrypted, signed };
}

/** The plain envelope: as sent without an Encrypt Key, decrypted (and its signature checked) with one. */
function openEnvelope(
	context: IWebhookFunctions,
	body: IDataObject,
	raw: Buffer | undefined,
	encryptKey: string,
): OpenedEnvelope | Rejection {
	if (encryptKey !== '') {
		// Without raw bytes (only multipart has none) the signature cannot match anyway; the depth is bounded.
		return openEncrypted(context, body, raw ?? Buffer.from(JSON.stringify(body)), encryptKey);
	}
	if (body.encrypt !== undefined) {
		context.logger.warn('Feishu Trigger rejected an encrypted callback: set the Encrypt Key in the credential');
		return UNAUTHORIZED;
	}
	return { envelope: body, signed: false };
}

/**
 * Authenticates a callback: the credential's Verification Token, and with an Encrypt Key the signature
 * over the raw bytes and the decryption; then the replay window, on the signed timestamp or, for an
 * unsigned event, on its create_time.
 */
export async function verifyCallback(context: IWebhookFunctions): Promise<Verification<FeishuCallback>> {
	const credentials = await context.getCredentials(feishuApiOf(context).credentialType);
	const verificationToken = String(credentials.verificationToken ?? '');
	const encryptKey = String(credentials.encryptSecret ?? '');
	if (verificationToken === '') {
		context.logger.warn('Feishu Trigger rejected a callback: the credential has no Verification Token');
		return UNAUTHORIZED;
	}

	// Feishu posts a JSON object; anything else (empty, null, an array, a string, a number, not JSON, or
	// absurdly nested) is answered here, before any work. The signature covers the raw bytes, so the
	// envelope is read from exactly those.
	const received = callbackBody.call(context, { fromRawBytes: true });
	if (received.status !== undefined) return rejected(received.status, received.message);

	const opened = openEnvelope(context, received.body, received.raw, encryptKey);
	if ('rejected' in opened) return opened;
	const { envelope, signed } = opened;

	const header = plainObject(envelope.header) ?? {};
	const token = envelope.type === 'url_verification' ? envelope.token : header.token;
	if (!secretsMatch(verificationToken, typeof token === 'string' ? token : undefined)) return UNAUTHORIZED;
	if (envelope.type === 'url_verification') return { verified: { kind: 'urlVerification', challenge: envelope.challenge } };

	const payload = driveEventOf(envelope);
	if (!payload) return rejected(400, 'Bad Request: expected a schema 2.0 event');
	// Unsigned callbacks carry no request time; the event's own creation time bounds replays instead.
	if (!signed && !withinReplayWindow(payload.header.create_time, replayWindow)) {
		warnOutsideWindow(context, 'header.create_time', payload.header.create_time);
		return UNAUTHORIZED;
	}
	return { verified: payload };
}

export type FeishuEvent = Extract<FeishuCallback, { kind: 'event' }>;

/**
 * A schema 2.0 event envelope (as pushed over HTTP once opened, or as a long connection carries it), or
 * undefined for anything else. `fallbackId` stands in for a missing header.event_id (a long connection's
 * message_id), so that such an event is still de-duplicated.
 */
export function driveEventOf(envelope: IDataObject, fallbackId?: string): FeishuEvent | undefined {
	const header = plainObject(envelope.header);
	const event = plainObject(envelope.event);
	const eventId = typeof header?.event_id === 'string' ? header.event_id : fallbackId;
	if (envelope.schema !== '2.0' || !header || !event || eventId === undefined) return undefined;
	return { kind: 'event', eventId, header, event };
}
