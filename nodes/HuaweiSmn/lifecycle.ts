import type { IDataObject, IHookFunctions } from 'n8n-workflow';
import { reportingAdviceOnActivation } from '../shared/activation';
import { forLog } from '../shared/log';
import { addSubscription, deleteSubscription, listTopicSubscriptions } from './api';
import { configuredTopicUrn, requireTopicUrn } from './params';

/** Subscription statuses that still deliver: 1 confirmed, 2 confirmation not required. */
const LIVE_STATUSES = [1, 2];

interface SubscriptionData extends IDataObject {
	subscriptionUrn?: string;
	topicUrn?: string;
	endpoint?: string;
}

function forgetSubscription(data: SubscriptionData): void {
	delete data.subscriptionUrn;
	delete data.topicUrn;
	delete data.endpoint;
}

function remarkFor(workflowId: string | undefined): string {
	return `n8n workflow ${workflowId ?? ''}`.trim().slice(0, 100);
}

/** Activation subscribes the trigger's webhook URL to the topic; deactivation deletes that subscription. */
export const subscriptionLifecycle = reportingAdviceOnActivation({
	async checkExists(this: IHookFunctions): Promise<boolean> {
		const data = this.getWorkflowStaticData('node') as SubscriptionData;
		const topicUrn = requireTopicUrn(this, configuredTopicUrn(this));
		const endpoint = this.getNodeWebhookUrl('default') as string;
		if (data.subscriptionUrn && (data.topicUrn !== topicUrn || data.endpoint !== endpoint)) {
			// The topic changed since activation: the old subscription feeds a topic nobody listens to.
			await deleteSubscription.call(this, data.subscriptionUrn).catch(() => false);
			forgetSubscription(data);
		}
		const subscriptions = await listTopicSubscriptions.call(this, topicUrn);
		const ours =
			subscriptions.find((item) => data.subscriptionUrn !== undefined && item.subscription_urn === data.subscriptionUrn) ??
			subscriptions.find((item) => item.endpoint === endpoint);
		if (ours && LIVE_STATUSES.includes(Number(ours.status))) {
			Object.assign(data, { subscriptionUrn: ours.subscription_urn as string, topicUrn, endpoint });
			return true;
		}
		if (ours) {
			// Unconfirmed or unsubscribed: SMN sends no new confirmation for it, so it is replaced.
			await deleteSubscription.call(this, ours.subscription_urn as string).catch(() => false);
		}
		forgetSubscription(data);
		return false;
	},

	async create(this: IHookFunctions): Promise<boolean> {
		const data = this.getWorkflowStaticData('node') as SubscriptionData;
		const topicUrn = requireTopicUrn(this, configuredTopicUrn(this));
		const endpoint = this.getNodeWebhookUrl('default') as string;
		const protocol = new URL(endpoint).protocol.replace(':', '');
		const { subscriptionUrn } = await addSubscription.call(this, topicUrn, {
			protocol,
			endpoint,
			remark: remarkFor(this.getWorkflow().id),
		});
		Object.assign(data, { subscriptionUrn, topicUrn, endpoint });
		return true;
	},

	async delete(this: IHookFunctions): Promise<boolean> {
		const data = this.getWorkflowStaticData('node') as SubscriptionData;
		if (!data.subscriptionUrn) return true;
		try {
			await deleteSubscription.call(this, data.subscriptionUrn);
		} catch (error) {
			this.logger.warn(
				`SMN subscription ${forLog(data.subscriptionUrn)} could not be deleted: ${forLog((error as Error)?.message)}`,
			);
			return false;
		}
		forgetSubscription(data);
		return true;
	},
});
