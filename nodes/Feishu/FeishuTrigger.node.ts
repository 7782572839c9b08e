import {
	NodeApiError,
	NodeConnectionTypes,
	type JsonObject,
	type IDataObject,
	type IHookFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';
import {
	callbackBody,
	MAX_JSON_DEPTH,
	nestedDeeperThan,
	plainObject,
	rejectCallback,
	replyToCallback,
	secretsMatch,
	timestampMs,
	TriggerDeliveryLogs,
	triggerKey,
	WarningLimiter,
	withinReplayWindow,
} from '../shared/callbacks';
import { FOLDER_EVENT, isFileSubscribed, subscribeFile, unsubscribeFile, watchedFileKey, type WatchedFile } from './api';
import { decryptEvent, eventSignature } from './crypto';
import { feishuTriggerProperties } from './descriptions';
import { readChosenEvents, readTriggerFiles, readWatchedTokens } from './params';
import { reportingAdviceOnActivation } from '../shared/activation';
import { forLog } from '../shared/log';

/**
 * How old a callback's time may be: X-Lark-Request-Timestamp when it is signed (Encrypt Key set), the
 * event's header.create_time otherwise. Feishu names no window (vendor-feishu.md 5.5) and retries an
 * event it got no 200 for after 15 s, 5 min, 1 h and 6 h, about 7.1 h in all (5.6). create_time is the
 * event's own time and stays the same on every retry, and nothing documents that the signed timestamp is
 * renewed for a retry, so a shorter window could refuse genuine retries. A day covers the schedule with
 * room for events held back behind an ordered predecessor, and is exactly how long an event_id is
 * remembered below: within it a replay meets the de-duplication log, after it the window.
 */
export const REPLAY_WINDOW_MS = 24 * 60 * 60 * 1000;
/** How far ahead of this server's clock a timestamp may be (clocks that disagree). */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

const deliveries = new TriggerDeliveryLogs(REPLAY_WINDOW_MS);
const warnings = new WarningLimiter();
const replayWindow = { maxAgeMs: REPLAY_WINDOW_MS, maxAheadMs: CLOCK_SKEW_MS };

interface SubscriptionData extends IDataObject {
	/** Exactly the files this trigger subscribed; deactivation unsubscribes these and nothing else. */
	subscribedFiles?: WatchedFile[];
}

const HEADER_FIELDS = ['event_id', 'event_type', 'create_time', 'app_id', 'tenant_key'] as const;

function parseObject(text: string): IDataObject | undefined {
	try {
		return plainObject(JSON.parse(text));
	} catch {
		return undefined;
	}
}

/** Says once a minute per trigger why an authentic-looking callback was refused for its time. */
function warnOutsideWindow(context: IWebhookFunctions, what: string, value: unknown): void {
	if (!warnings.due(triggerKey(context))) return;
	const ms = timestampMs(value);
	const offset = ms === undefined ? 'is not a plain number' : `is ${Math.round((Date.now() - ms) / 1000)} s away from this server's clock`;
	context.logger.warn(
		`Feishu Trigger rejected a callback: its ${what} ${forLog(value, 20)} ${offset} (accepted: up to ${REPLAY_WINDOW_MS / 3_600_000} h old); a replay, or a clock that is off`,
	);
}

const headerValue = (headers: IDataObject, name: string) => {
	const value = headers[name];
	return typeof value === 'string' ? value : undefined;
};

export class FeishuTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Feishu Trigger',
		name: 'feishuTrigger',
		icon: { light: 'file:../../icons/feishu.svg', dark: 'file:../../icons/feishu.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["events"].join(", ")}}',
		description: 'Starts the workflow when subscribed Feishu / Lark drive files change',
		defaults: { name: 'Feishu Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'feishuApi', required: true }],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
		properties: feishuTriggerProperties,
	};

	webhookMethods = {
		default: reportingAdviceOnActivation({
			// Feishu allows 10 status calls a minute, so what this trigger subscribed is taken from static data.
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node') as SubscriptionData;
				const wanted = new Set(readTriggerFiles(this).map(watchedFileKey));
				const kept: WatchedFile[] = [];
				for (const file of data.subscribedFiles ?? []) {
					if (wanted.has(watchedFileKey(file))) {
						kept.push(file);
						continue;
					}
					// The file was removed from the parameters since activation.
					try {
						await unsubscribeFile.call(this, file);
					} catch (error) {
						this.logger.warn(`Feishu file ${forLog(file.fileToken)} could not be unsubscribed: ${forLog((error as Error).message, 300)}`);
						kept.push(file);
					}
				}
				data.subscribedFiles = kept;
				const recorded = new Set(kept.map(watchedFileKey));
				return kept.length === wanted.size && [...wanted].every((key) => recorded.has(key));
			},

			async create(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node') as SubscriptionData;
				const recorded = data.subscribedFiles ?? [];
				const recordedKeys = new Set(recorded.map(watchedFileKey));
				const wanted = readTriggerFiles(this);
				const added: WatchedFile[] = [];
				// "Listen for test event" starts from empty static data and unsubscribes what it recorded after two
				// minutes; a subscription that already exists (e.g. of this workflow's active version) must survive that.
				const testRun = this.getMode() === 'manual';
				try {
					for (const file of wanted) {
						if (recordedKeys.has(watchedFileKey(file))) continue;
						if (testRun && (await isFileSubscribed.call(this, file))) continue;
						// A file that is already subscribed is accepted again, so an earlier subscription is adopted.
						await subscribeFile.call(this, file);
						added.push(file);
					}
				} catch (error) {
					// A failed activation must not leave subscriptions behind that nothing will ever remove.
					for (const file of added) {
						await unsubscribeFile.call(this, file).catch((rollbackError: Error) =>
							this.logger.warn(`Feishu file ${forLog(file.fileToken)} could not be unsubscribed: ${forLog(rollbackError.message, 300)}`),
						);
					}
					throw new NodeApiError(this.getNode(), error as JsonObject);
				}
				data.subscribedFiles = [...recorded, ...added];
				return true;
			},

			async delete(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node') as SubscriptionData;
				const remaining: WatchedFile[] = [];
				for (const file of data.subscribedFiles ?? []) {
					try {
						await unsubscribeFile.call(this, file);
					} catch (error) {
						this.logger.warn(`Feishu file ${forLog(file.fileToken)} could not be unsubscribed: ${forLog((error as Error).message, 300)}`);
						remaining.push(file);
					}
				}
				if (remaining.length > 0) {
					data.subscribedFiles = remaining;
					return false;
				}
				delete data.subscribedFiles;
				return true;
			},
		}),
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const credentials = await this.getCredentials('feishuApi');
		const verificationToken = String(credentials.verificationToken ?? '');
		const encryptKey = String(credentials.encryptSecret ?? '');
		if (verificationToken === '') {
			this.logger.warn('Feishu Trigger rejected a callback: the credential has no Verification Token');
			return rejectCallback.call(this);
		}

		// Feishu posts a JSON object; anything else (empty, null, an array, a string, a number, not JSON, or
		// absurdly nested) is answered here, before any work. The signature covers the raw bytes, so the
		// envelope is read from exactly those.
		const received = callbackBody.call(this, { fromRawBytes: true });
		if (received.status !== undefined) return rejectCallback.call(this, received.status, received.message);
		let envelope: IDataObject | undefined = received.body;
		// Without raw bytes (only multipart has none) the signature cannot match anyway; the depth is bounded.
		const rawBody = received.raw ?? Buffer.from(JSON.stringify(received.body));

		let signed = false;
		if (encryptKey !== '') {
			if (typeof envelope.encrypt !== 'string') return rejectCallback.call(this);
			const headers = this.getHeaderData() as IDataObject;
			const signature = headerValue(headers, 'x-lark-signature');
			if (signature !== undefined) {
				const timestamp = headerValue(headers, 'x-lark-request-timestamp') ?? '';
				const nonce = headerValue(headers, 'x-lark-request-nonce') ?? '';
				if (!secretsMatch(eventSignature(timestamp, nonce, encryptKey, rawBody), signature.toLowerCase())) {
					return rejectCallback.call(this);
				}
				// The timestamp is signed, so only a replay (or a clock that is off) fails here.
				if (!withinReplayWindow(timestamp, replayWindow)) {
					warnOutsideWindow(this, 'signed timestamp', timestamp);
					return rejectCallback.call(this);
				}
				signed = true;
			}
			const plain = decryptEvent(encryptKey, envelope.encrypt);
			envelope = plain === undefined ? undefined : parseObject(plain);
			if (!envelope) return signed ? rejectCallback.call(this, 400, 'Bad Request: the payload does not decrypt to JSON') : rejectCallback.call(this);
			if (nestedDeeperThan(envelope, MAX_JSON_DEPTH)) {
				return signed ? rejectCallback.call(this, 400, 'Bad Request: the payload is nested too deeply') : rejectCallback.call(this);
			}
			// Feishu's Go SDK checks no signature on the URL challenge; every event must be signed once an Encrypt Key is set.
			if (!signed && envelope.type !== 'url_verification') return rejectCallback.call(this);
		} else if (envelope.encrypt !== undefined) {
			this.logger.warn('Feishu Trigger rejected an encrypted callback: set the Encrypt Key in the credential');
			return rejectCallback.call(this);
		}

		const header = plainObject(envelope.header) ?? {};
		const token = envelope.type === 'url_verification' ? envelope.token : header.token;
		if (!secretsMatch(verificationToken, typeof token === 'string' ? token : undefined)) {
			return rejectCallback.call(this);
		}
		if (envelope.type === 'url_verification') {
			return replyToCallback.call(this, { challenge: envelope.challenge });
		}

		const event = envelope.event as IDataObject | undefined;
		if (envelope.schema !== '2.0' || typeof header.event_id !== 'string' || !event || typeof event !== 'object') {
			return rejectCallback.call(this, 400, 'Bad Request: expected a schema 2.0 event');
		}
		// Unsigned callbacks carry no request time; the event's own creation time bounds replays instead.
		if (!signed && !withinReplayWindow(header.create_time, replayWindow)) {
			warnOutsideWindow(this, 'header.create_time', header.create_time);
			return rejectCallback.call(this);
		}

		const wantedEvents = readChosenEvents(this);
		const watchedTokens = readWatchedTokens(this);
		// A folder's event names the new file; the folder it was created in is what the trigger watches.
		const watchedToken = header.event_type === FOLDER_EVENT ? event.folder_token : event.file_token;
		const relevant =
			typeof header.event_type === 'string' &&
			wantedEvents.includes(header.event_type) &&
			typeof watchedToken === 'string' &&
			watchedTokens.has(watchedToken);
		const firstDelivery = relevant && deliveries.of(this).firstDelivery(header.event_id);

		replyToCallback.call(this, { msg: 'success' });
		if (!firstDelivery) return { noWebhookResponse: true };
		const item: IDataObject = { schema: envelope.schema };
		for (const field of HEADER_FIELDS) item[field] = header[field];
		item.event = event;
		return { workflowData: [this.helpers.returnJsonArray([item])], noWebhookResponse: true };
	}
}
