import {
	NodeConnectionTypes,
	type IDataObject,
	type IHookFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';
import { DeliveryLog, rejectCallback, replyToCallback } from '../shared/callbacks';
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

/** DingTalk retries a push after 10 s and 30 s; a day covers those and manual redeliveries. */
const deliveries = new DeliveryLog(24 * 60 * 60 * 1000);

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
		icon: { light: 'file:dingtalk.svg', dark: 'file:dingtalk.dark.svg' },
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
						this.logger.warn(`DingTalk storage events of ${previous.scope} ${previous.scopeId} could not be unsubscribed: ${error.message}`);
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
					this.logger.info(`DingTalk storage events of ${subscription.scope} ${subscription.scopeId} stay subscribed after the test; use the DingTalk node to unsubscribe`);
					return true;
				}
				try {
					await unsubscribeStorageEvents.call(this, subscription);
				} catch (error) {
					this.logger.warn(`DingTalk storage events of ${subscription.scope} ${subscription.scopeId} could not be unsubscribed: ${(error as Error).message}`);
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
		const query = this.getQueryData() as IDataObject;
		const body = this.getBodyData();
		const signature = firstText(query.msg_signature, query.signature);
		const timestamp = firstText(query.timestamp, query.timeStamp);
		const nonce = firstText(query.nonce);
		const encrypt = firstText(body.encrypt);
		if (!token || !isValidAesKey(aesKey)) {
			this.logger.warn('DingTalk push rejected: the credential lacks a valid Callback Token or AES Key');
			return rejectCallback.call(this);
		}
		if (!signature || !timestamp || !nonce || !encrypt || !signatureMatches(token, timestamp, nonce, encrypt, signature)) {
			return rejectCallback.call(this);
		}
		const decrypted = decryptMessage(aesKey, encrypt, [String(credentials.appKey ?? ''), String(credentials.corpId ?? '')]);
		if (!decrypted) return rejectCallback.call(this);
		let payload: IDataObject;
		try {
			payload = JSON.parse(decrypted.message) as IDataObject;
		} catch {
			return rejectCallback.call(this);
		}
		if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return rejectCallback.call(this);

		// Every authentic push gets the encrypted "success" at once; DingTalk retries anything else.
		const acknowledge = () => replyToCallback.call(this, encryptedSuccess(token, aesKey, decrypted.ownerKey));
		const eventType = firstText(payload.EventType, payload.eventType);
		const wantedTypes = this.getNodeParameter('events', []) as string[];
		if (eventType === CHECK_URL_EVENT || !eventType || !wantedTypes.includes(eventType)) return acknowledge();

		const deliveryId = firstText(payload.eventId, payload.BizId);
		if (deliveryId && !deliveries.firstDelivery(`${this.getWorkflow().id ?? ''}:${this.getNode().id}:${deliveryId}`)) {
			return acknowledge();
		}
		acknowledge();
		return { workflowData: [this.helpers.returnJsonArray([eventItem(payload)])], noWebhookResponse: true };
	}
}
