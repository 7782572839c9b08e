import type { Operation, OperationTable } from '../shared/operations';
import { getUnionId, subscribeStorageEvents, unsubscribeStorageEvents } from './api';
import { readSubscription, readUserId } from './params';

/** Subscribe and Unsubscribe read the same scope and answer alike; only the call and `subscribed` differ. */
function storageEventOperation(call: typeof subscribeStorageEvents, subscribed: boolean): Operation {
	return {
		async run(itemIndex) {
			const subscription = readSubscription(this, itemIndex);
			await call.call(this, subscription, itemIndex);
			return { success: true, subscribed, ...subscription };
		},
	};
}

export const dingTalkOperations: OperationTable = {
	storageEvent: {
		subscribe: storageEventOperation(subscribeStorageEvents, true),
		unsubscribe: storageEventOperation(unsubscribeStorageEvents, false),
	},
	user: {
		getUnionId: {
			async run(itemIndex) {
				return await getUnionId.call(this, readUserId(this, itemIndex), itemIndex);
			},
		},
	},
};
