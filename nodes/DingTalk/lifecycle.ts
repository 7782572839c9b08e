import type { IDataObject, IHookFunctions, ITriggerFunctions } from 'n8n-workflow';
import { reportingAdviceOnActivation } from '../shared/activation';
import { forLog } from '../shared/log';
import { invalidParameter } from '../shared/validation';
import { streamClient, subscribeStorageEvents, unsubscribeStorageEvents, type StorageSubscription } from './api';
import { isValidAesKey } from './crypto';
import { readSubscription, requireEventTypes } from './params';
import { pushSecrets } from './verify';

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

/** The webhook trigger's hooks or the Stream trigger's trigger(): both subscribe and unsubscribe the same way. */
type LifecycleContext = IHookFunctions | ITriggerFunctions;

/**
 * Reads and checks the scope and the events, runs the trigger's own credential check, and subscribes the
 * scope: what activating either DingTalk trigger does first.
 */
export async function subscribeScope(
	context: LifecycleContext,
	checkCredential: (context: LifecycleContext) => Promise<void>,
): Promise<StorageSubscription> {
	const subscription = readSubscription(context);
	await checkCredential(context);
	requireEventTypes(context);
	await subscribeStorageEvents.call(context, subscription);
	return subscription;
}

/** Unsubscribes a scope; a refusal is logged and answered with false, so that deactivation goes on. */
export async function unsubscribeScope(context: LifecycleContext, subscription: StorageSubscription): Promise<boolean> {
	try {
		await unsubscribeStorageEvents.call(context, subscription);
		return true;
	} catch (error) {
		context.logger.warn(
			`DingTalk storage events of ${forLog(subscription.scope)} ${forLog(subscription.scopeId)} could not be unsubscribed: ${forLog((error as Error).message, 300)}`,
		);
		return false;
	}
}

/** What a test ("Listen for test event") leaves behind, and why. */
export function keepSubscriptionAfterTest(context: LifecycleContext, subscription: StorageSubscription): void {
	context.logger.info(
		`DingTalk storage events of ${forLog(subscription.scope)} ${forLog(subscription.scopeId)} stay subscribed after the test; use the DingTalk node to unsubscribe`,
	);
}

/** Without these no push could be verified, so activation fails before subscribing. */
async function requirePushSettings(context: LifecycleContext): Promise<void> {
	const { token, aesKey, ownerKeys } = pushSecrets(await context.getCredentials('dingTalkApi'));
	if (!token) {
		throw invalidParameter(context, 'The credential has no Callback Token', 'Copy the Token from Event Subscription > HTTP Push in the DingTalk developer console into the credential.');
	}
	if (!isValidAesKey(aesKey)) {
		throw invalidParameter(context, 'The credential\'s AES Key must be 43 letters or digits', 'Copy the aes_key from Event Subscription > HTTP Push in the DingTalk developer console into the credential.');
	}
	if (ownerKeys.every((ownerKey) => ownerKey === '')) {
		throw invalidParameter(context, 'The credential needs the App Key (or the Corp ID)', 'DingTalk ends every push with the App Key; without it no push can be verified.');
	}
}

/** What activation subscribes and deactivation unsubscribes; DingTalk has no endpoint to read it back. */
export const storageSubscriptionLifecycle = reportingAdviceOnActivation({
	async checkExists(this: IHookFunctions): Promise<boolean> {
		const data = this.getWorkflowStaticData('node') as SubscriptionData;
		const wanted = readSubscription(this);
		const previous = storedSubscription(data);
		if (!previous) return false;
		// After a failed unsubscribe nobody knows what DingTalk still holds; subscribing is idempotent, so do it again.
		if (sameSubscription(previous, wanted)) return !data.unsubscribeFailed;
		if (!isTestWebhook(this)) {
			// The parameters changed since activation: the old scope would keep pushing events nobody wants.
			await unsubscribeScope(this, previous);
			forgetSubscription(data);
		}
		return false;
	},

	async create(this: IHookFunctions): Promise<boolean> {
		const subscription = await subscribeScope(this, requirePushSettings);
		rememberSubscription(this.getWorkflowStaticData('node') as SubscriptionData, subscription);
		return true;
	},

	async delete(this: IHookFunctions): Promise<boolean> {
		const data = this.getWorkflowStaticData('node') as SubscriptionData;
		const subscription = storedSubscription(data);
		if (!subscription) return true;
		if (isTestWebhook(this)) {
			keepSubscriptionAfterTest(this, subscription);
			return true;
		}
		if (!(await unsubscribeScope(this, subscription))) {
			data.unsubscribeFailed = true;
			return false;
		}
		forgetSubscription(data);
		return true;
	},
});

/** A Stream connection is opened with the App Key and App Secret, so activation checks them before subscribing. */
async function requireStreamClient(context: LifecycleContext): Promise<void> {
	if (!streamClient(await context.getCredentials('dingTalkApi'))) {
		throw invalidParameter(
			context,
			'DingTalk Stream mode needs the App Key and App Secret in the credential',
			'DingTalk opens Stream connections with the Client ID (AppKey) and Client Secret (AppSecret) of the internal app; a pasted access token is not enough.',
		);
	}
}

/**
 * What activating the Stream trigger subscribes, and the close step that unsubscribes exactly that. After
 * "Listen for test event" the scope stays subscribed, as after the HTTP-push trigger's test: an active
 * workflow of the same app may rely on it.
 */
export async function subscribeForStream(this: ITriggerFunctions): Promise<() => Promise<void>> {
	const subscription = await subscribeScope(this, requireStreamClient);
	if (this.getMode() === 'manual') return async () => keepSubscriptionAfterTest(this, subscription);
	return async () => {
		await unsubscribeScope(this, subscription);
	};
}
