import {
	NodeConnectionTypes,
	type IDataObject,
	type IHookFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';
import {
	callbackBody,
	nestedDeeperThan,
	plainObject,
	rejectCallback,
	replyToCallback,
	timestampMs,
	TriggerDeliveryLogs,
	triggerKey,
	WarningLimiter,
	withinReplayWindow,
	MAX_JSON_DEPTH,
} from '../shared/callbacks';
import { invalidParameter } from '../shared/validation';
import {
	STORAGE_EVENT_TYPES,
	subscribeStorageEvents,
	unsubscribeStorageEvents,
	type StorageSubscription,
} from './api';
import { decryptMessage, encryptedSuccess, isValidAesKey, signatureMatches } from './crypto';
import { eventTypeOptions, subscriptionProperties } from './descriptions';
import { readSubscription } from './subscription';
import { reportingAdviceOnActivation } from '../shared/activation';
import { forLog } from '../shared/log';

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

/** Duplicates within a day are dropped, per trigger; the replay window refuses anything older anyway. */
const deliveries = new TriggerDeliveryLogs(24 * 60 * 60 * 1000);
const warnings = new WarningLimiter();

const CHECK_URL_EVENT = 'check_url';

type SubscriptionData = Partial<StorageSubscription> & IDataObject & { unsubscribeFailed?: boolean };

const sameSubscription = (a: StorageSubscription, b: StorageSubscription) =>
	a.scope === b.scope && a.scopeId === b.scopeId && a.unionId === b.unionId;

function rememberSubscription(data: SubscriptionData, subscription: StorageSubscription): void {
	Object.assign(data, subscription);
	delete data.unsubscribeFailed;
}

function forgetSubscription(data: SubscriptionData): void {
	delete data.scope;
	delete data.scopeId;
	delete data.unionId;
	delete data.unsubscribeFailed;
}

function storedSubscription(data: SubscriptionData): StorageSubscription | undefined {
	return data.scope && data.scopeId && data.unionId
		? { scope: data.scope, scopeId: data.scopeId, unionId: data.unionId }
		: undefined;
}

/**
 * A storage subscription belongs to the app and the scope, not to a URL, so "Listen for test event"
 * must never remove it: an active workflow of the same app may rely on it. n8n gives hooks no direct
 * test flag; its test URLs live under /webhook-test/.
 */
function isTestWebhook(context: IHookFunctions): boolean {
	return /\/webhook-test\//.test(context.getNodeWebhookUrl('default') ?? '');
}

const firstText = (...values: unknown[]) => values.find((value): value is string => typeof value === 'string' && value !== '');

/** The flat HTTP-push payload with its capitalised envelope fields renamed to match the storage fields. */
function eventItem(payload: IDataObject): IDataObject {
	const { EventType, EventTime, CorpId, BizId, ...fields } = payload;
	return {
		eventType: EventType,
		eventId: fields.eventId ?? BizId,
		eventTime: EventTime,
		corpId: CorpId,
		bizId: BizId,
		...fields,
	};
}

export class DingTalkTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'DingTalk Trigger',
		name: 'dingTalkTrigger',
		icon: { light: 'file:../../icons/dingtalk.svg', dark: 'file:../../icons/dingtalk.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["scope"] + ": " + $parameter["scopeId"]}}',
		description: 'Starts the workflow when files or folders change in DingTalk storage (钉盘), via HTTP push',
		defaults: { name: 'DingTalk Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'dingTalkApi', required: true }],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
		properties: [
			{
				displayName:
					'DingTalk pushes every event of an app to one URL, set by hand: paste this node\'s Production URL (above) into the developer console under Event Subscription > HTTP Push, with the same Token and AES Key as the credential, and turn on the storage events switch. On activation this trigger subscribes the scope; on deactivation it unsubscribes it. "Listen for test event" subscribes too but never unsubscribes, and receives pushes only while the console points at the Test URL.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			...subscriptionProperties(),
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				options: eventTypeOptions,
				default: [...STORAGE_EVENT_TYPES],
				required: true,
				description: 'Which changes start the workflow; other pushes are acknowledged and dropped',
			},
		],
	};

	webhookMethods = {
		default: reportingAdviceOnActivation({
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node') as SubscriptionData;
				const wanted = readSubscription(this);
				const previous = storedSubscription(data);
				if (!previous) return false;
				// After a failed unsubscribe nobody knows what DingTalk still holds; subscribing is idempotent, so do it again.
				if (sameSubscription(previous, wanted)) return !data.unsubscribeFailed;
				if (!isTestWebhook(this)) {
					// The parameters changed since activation: the old scope would keep pushing events nobody wants.
					await unsubscribeStorageEvents.call(this, previous).catch((error: Error) => {
						this.logger.warn(
							`DingTalk storage events of ${forLog(previous.scope)} ${forLog(previous.scopeId)} could not be unsubscribed: ${forLog(error.message, 300)}`,
						);
					});
					forgetSubscription(data);
				}
				return false;
			},

			async create(this: IHookFunctions): Promise<boolean> {
				const subscription = readSubscription(this);
				const credentials = await this.getCredentials('dingTalkApi');
				if (!String(credentials.callbackToken ?? '')) {
					throw invalidParameter(this, 'The credential has no Callback Token', 'Copy the Token from Event Subscription > HTTP Push in the DingTalk developer console into the credential.');
				}
				if (!isValidAesKey(String(credentials.aesSecretKey ?? ''))) {
					throw invalidParameter(this, 'The credential\'s AES Key must be 43 letters or digits', 'Copy the aes_key from Event Subscription > HTTP Push in the DingTalk developer console into the credential.');
				}
				if (!String(credentials.appKey ?? '') && !String(credentials.corpId ?? '')) {
					throw invalidParameter(this, 'The credential needs the App Key (or the Corp ID)', 'DingTalk ends every push with the App Key; without it no push can be verified.');
				}
				if (!(this.getNodeParameter('events') as string[]).length) {
					throw invalidParameter(this, 'Choose at least one event', 'Without events the trigger would never start the workflow.');
				}
				await subscribeStorageEvents.call(this, subscription);
				rememberSubscription(this.getWorkflowStaticData('node') as SubscriptionData, subscription);
				return true;
			},

			async delete(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node') as SubscriptionData;
				const subscription = storedSubscription(data);
				if (!subscription) return true;
				if (isTestWebhook(this)) {
					this.logger.info(
						`DingTalk storage events of ${forLog(subscription.scope)} ${forLog(subscription.scopeId)} stay subscribed after the test; use the DingTalk node to unsubscribe`,
					);
					return true;
				}
				try {
					await unsubscribeStorageEvents.call(this, subscription);
				} catch (error) {
					this.logger.warn(
						`DingTalk storage events of ${forLog(subscription.scope)} ${forLog(subscription.scopeId)} could not be unsubscribed: ${forLog((error as Error).message, 300)}`,
					);
					data.unsubscribeFailed = true;
					return false;
				}
				forgetSubscription(data);
				return true;
			},
		}),
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const credentials = await this.getCredentials('dingTalkApi');
		const token = String(credentials.callbackToken ?? '');
		const aesKey = String(credentials.aesSecretKey ?? '');
		if (!token || !isValidAesKey(aesKey)) {
			this.logger.warn('DingTalk push rejected: the credential lacks a valid Callback Token or AES Key');
			return rejectCallback.call(this);
		}
		// DingTalk posts {"encrypt": "..."}; anything else (empty, null, an array, a string, a number, not
		// JSON, oversized or absurdly nested) is answered here, before any work.
		const received = callbackBody.call(this, { maxBytes: MAX_PUSH_BYTES });
		if (received.status !== undefined) return rejectCallback.call(this, received.status, received.message);
		const query = (this.getQueryData() ?? {}) as IDataObject;
		const signature = firstText(query.msg_signature, query.signature);
		const timestamp = firstText(query.timestamp, query.timeStamp);
		const nonce = firstText(query.nonce);
		const encrypt = firstText(received.body.encrypt);
		if (!signature || !timestamp || !nonce || !encrypt || !signatureMatches(token, timestamp, nonce, encrypt, signature)) {
			return rejectCallback.call(this);
		}
		// The timestamp is signed, so only a replay (or a clock that is off) fails here.
		if (!withinReplayWindow(timestamp, { maxAgeMs: REPLAY_WINDOW_MS, maxAheadMs: CLOCK_SKEW_MS })) {
			if (warnings.due(triggerKey(this))) {
				const ms = timestampMs(timestamp);
				const offset = ms === undefined ? 'is not a plain number' : `is ${Math.round((Date.now() - ms) / 1000)} s away from this server's clock`;
				this.logger.warn(
					`DingTalk push rejected: its signed timestamp ${forLog(timestamp, 20)} ${offset} (accepted: up to ${REPLAY_WINDOW_MS / 1000} s old); a replay, or a clock that is off`,
				);
			}
			return rejectCallback.call(this);
		}
		const decrypted = decryptMessage(aesKey, encrypt, [String(credentials.appKey ?? ''), String(credentials.corpId ?? '')]);
		if (!decrypted) return rejectCallback.call(this);
		let payload: IDataObject | undefined;
		try {
			payload = plainObject(JSON.parse(decrypted.message));
		} catch {
			return rejectCallback.call(this);
		}
		if (!payload) return rejectCallback.call(this);
		if (nestedDeeperThan(payload, MAX_JSON_DEPTH)) return rejectCallback.call(this, 400, 'Bad Request: the payload is nested too deeply');

		// Every authentic push gets the encrypted "success" at once; DingTalk retries anything else.
		const acknowledge = () => replyToCallback.call(this, encryptedSuccess(token, aesKey, decrypted.ownerKey));
		const eventType = firstText(payload.EventType, payload.eventType);
		const wantedTypes = this.getNodeParameter('events', []) as string[];
		if (eventType === CHECK_URL_EVENT || !eventType || !wantedTypes.includes(eventType)) return acknowledge();

		const deliveryId = firstText(payload.eventId, payload.BizId);
		if (deliveryId && !deliveries.of(this).firstDelivery(deliveryId)) {
			return acknowledge();
		}
		acknowledge();
		return { workflowData: [this.helpers.returnJsonArray([eventItem(payload)])], noWebhookResponse: true };
	}
}
