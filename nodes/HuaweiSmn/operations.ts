import type { IExecuteFunctions } from 'n8n-workflow';
import type { OperationTable } from '../shared/operations';
import {
	addSubscription,
	deleteSubscription,
	getTopic,
	listSubscriptions,
	listTopics,
	listTopicSubscriptions,
	publishMessage,
} from './api';
import {
	readLimit,
	readNewSubscription,
	readPublishBody,
	readSubscriptionFilters,
	readSubscriptionScope,
	readSubscriptionUrn,
	readTopicFilters,
	readTopicUrn,
	topicSubscriptionFilters,
} from './params';

export const smnOperations: OperationTable = {
	message: {
		publish: {
			async run(this: IExecuteFunctions, itemIndex: number) {
				const body = readPublishBody(this, itemIndex);
				const topicUrn = await readTopicUrn(this, itemIndex);
				const response = await publishMessage.call(this, topicUrn, body, itemIndex);
				return { topicUrn, messageId: response.message_id as string, requestId: response.request_id as string };
			},
		},
	},
	subscription: {
		add: {
			async run(this: IExecuteFunctions, itemIndex: number) {
				const subscription = readNewSubscription(this, itemIndex);
				const topicUrn = await readTopicUrn(this, itemIndex);
				const added = await addSubscription.call(this, topicUrn, subscription, itemIndex);
				return { ...added, topicUrn, protocol: subscription.protocol, endpoint: subscription.endpoint };
			},
		},
		delete: {
			async run(this: IExecuteFunctions, itemIndex: number) {
				const subscriptionUrn = readSubscriptionUrn(this, itemIndex);
				const existed = await deleteSubscription.call(this, subscriptionUrn, itemIndex);
				return { deleted: true, existed, subscriptionUrn };
			},
		},
		list: {
			async run(this: IExecuteFunctions, itemIndex: number) {
				const filters = readSubscriptionFilters(this, itemIndex);
				const limit = readLimit(this, itemIndex);
				if (readSubscriptionScope(this, itemIndex) === 'topic') {
					const topicFilters = topicSubscriptionFilters(this, filters, itemIndex);
					const topicUrn = await readTopicUrn(this, itemIndex);
					return await listTopicSubscriptions.call(this, topicUrn, topicFilters, limit, itemIndex);
				}
				return await listSubscriptions.call(this, filters, limit, itemIndex);
			},
		},
	},
	topic: {
		get: {
			async run(this: IExecuteFunctions, itemIndex: number) {
				const topicUrn = await readTopicUrn(this, itemIndex);
				return await getTopic.call(this, topicUrn, itemIndex);
			},
		},
		list: {
			async run(this: IExecuteFunctions, itemIndex: number) {
				return await listTopics.call(this, readTopicFilters(this, itemIndex), readLimit(this, itemIndex), itemIndex);
			},
		},
	},
};
