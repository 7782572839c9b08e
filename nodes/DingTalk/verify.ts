import type { ICredentialDataDecryptedObject, IDataObject, IWebhookFunctions } from 'n8n-workflow';
import { rejected, UNAUTHORIZED, type Verification } from '../shared/callback-flow';
import {
	callbackBody,
	MAX_JSON_DEPTH,
	nestedDeeperThan,
	plainObject,
	timestampMs,
	triggerKey,
	WarningLimiter,
	withinReplayWindow,
} from '../shared/callbacks';
import { forLog } from '../shared/log';
import { decryptMessage, isValidAesKey, signatureMatches } from './crypto';

/**
 * How old a push's signed timestamp may be. DingTalk retries a failed push twice, after 10 s and then
 * 30 s, and documents no other redelivery (vendor-dingtalk.md 6.6); it does not say whether a retry
 * carries a fresh timestamp, so the window must cover the whole schedule (about 45 s with the 1.5 s reply
 * deadlines) even if it does not. Later replays are refused whatever the de-duplication log remembers.
 */
export const REPLAY_WINDOW_MS = 5 * 60 * 1000;
/** How far ahead of this server's clock a timestamp may be (clocks that disagree). */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;
/** DingTalk's pushes are a few hundred bytes of flat JSON; anything near this is not from DingTalk. */
export const MAX_PUSH_BYTES = 1024 * 1024;

const warnings = new WarningLimiter();

/** The first non-empty string: DingTalk spells some fields two ways (msg_signature or signature, EventType or eventType). */
export const firstText = (...values: unknown[]) =>
	values.find((value): value is string => typeof value === 'string' && value !== '');

/** The credential's HTTP push settings: the signing token, the AES key, and the owner keys a push may end with. */
export interface PushSecrets {
	token: string;
	aesKey: string;
	ownerKeys: string[];
}

export function pushSecrets(credentials: ICredentialDataDecryptedObject): PushSecrets {
	return {
		token: String(credentials.callbackToken ?? ''),
		aesKey: String(credentials.aesSecretKey ?? ''),
		ownerKeys: [String(credentials.appKey ?? ''), String(credentials.corpId ?? '')],
	};
}

/** An authentic push: its decrypted fields, and what its encrypted reply is made with. */
export interface VerifiedPush {
	payload: IDataObject;
	token: string;
	aesKey: string;
	/** The owner key the push ended with (App Key or CorpId); the reply ends with the same one. */
	ownerKey: string;
}

function warnStaleTimestamp(context: IWebhookFunctions, timestamp: string): void {
	if (!warnings.due(triggerKey(context))) return;
	const ms = timestampMs(timestamp);
	const offset = ms === undefined ? 'is not a plain number' : `is ${Math.round((Date.now() - ms) / 1000)} s away from this server's clock`;
	context.logger.warn(
		`DingTalk push rejected: its signed timestamp ${forLog(timestamp, 20)} ${offset} (accepted: up to ${REPLAY_WINDOW_MS / 1000} s old); a replay, or a clock that is off`,
	);
}

function parsedObject(text: string): IDataObject | undefined {
	try {
		return plainObject(JSON.parse(text));
	} catch {
		return undefined;
	}
}

/**
 * Authenticates an HTTP push: the credential's settings, the body, the SHA-1 signature over the sorted
 * token, timestamp, nonce and ciphertext, the replay window, and the AES decryption with its owner-key tail.
 */
export async function verifyCallback(context: IWebhookFunctions): Promise<Verification<VerifiedPush>> {
	const { token, aesKey, ownerKeys } = pushSecrets(await context.getCredentials('dingTalkApi'));
	if (!token || !isValidAesKey(aesKey)) {
		context.logger.warn('DingTalk push rejected: the credential lacks a valid Callback Token or AES Key');
		return UNAUTHORIZED;
	}
	// DingTalk posts {"encrypt": "..."}; anything else (empty, null, an array, a string, a number, not
	// JSON, oversized or absurdly nested) is answered here, before any work.
	const received = callbackBody.call(context, { maxBytes: MAX_PUSH_BYTES });
	if (received.status !== undefined) return rejected(received.status, received.message);
	const query = (context.getQueryData() ?? {}) as IDataObject;
	const signature = firstText(query.msg_signature, query.signature);
	const timestamp = firstText(query.timestamp, query.timeStamp);
	const nonce = firstText(query.nonce);
	const encrypt = firstText(received.body.encrypt);
	if (!signature || !timestamp || !nonce || !encrypt || !signatureMatches(token, timestamp, nonce, encrypt, signature)) {
		return UNAUTHORIZED;
	}
	// The timestamp is signed, so only a replay (or a clock that is off) fails here.
	if (!withinReplayWindow(timestamp, { maxAgeMs: REPLAY_WINDOW_MS, maxAheadMs: CLOCK_SKEW_MS })) {
		warnStaleTimestamp(context, timestamp);
		return UNAUTHORIZED;
	}
	const decrypted = decryptMessage(aesKey, encrypt, ownerKeys);
	if (!decrypted) return UNAUTHORIZED;
	const payload = parsedObject(decrypted.message);
	if (!payload) return UNAUTHORIZED;
	if (nestedDeeperThan(payload, MAX_JSON_DEPTH)) return rejected(400, 'Bad Request: the payload is nested too deeply');
	return { verified: { payload, token, aesKey, ownerKey: decrypted.ownerKey } };
}
