import type { IDataObject, IHookFunctions } from 'n8n-workflow';
import { reportingAdviceOnActivation } from '../shared/activation';
import { forLog } from '../shared/log';
import { isFileSubscribed, subscribeFile, unsubscribeFile, watchedFileKey, type WatchedFile } from './api';
import { readTriggerFiles } from './params';

interface SubscriptionData extends IDataObject {
	/** Exactly the files this trigger subscribed; deactivation unsubscribes these and nothing else. */
	subscribedFiles?: WatchedFile[];
}

function warnNotUnsubscribed(context: IHookFunctions, file: WatchedFile, error: Error): void {
	context.logger.warn(`Feishu file ${forLog(file.fileToken)} could not be unsubscribed: ${forLog(error.message, 300)}`);
}

export const feishuLifecycle = reportingAdviceOnActivation({
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
				warnNotUnsubscribed(this, file, error as Error);
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
		let subscribedAll = false;
		try {
			for (const file of wanted) {
				if (recordedKeys.has(watchedFileKey(file))) continue;
				if (testRun && (await isFileSubscribed.call(this, file))) continue;
				// A file that is already subscribed is accepted again, so an earlier subscription is adopted.
				await subscribeFile.call(this, file);
				added.push(file);
			}
			subscribedAll = true;
		} finally {
			// A failed activation must not leave subscriptions behind that nothing will ever remove; the failure
			// itself propagates unchanged.
			if (!subscribedAll) {
				for (const file of added) {
					await unsubscribeFile.call(this, file).catch((rollbackError: Error) => warnNotUnsubscribed(this, file, rollbackError));
				}
			}
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
				warnNotUnsubscribed(this, file, error as Error);
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
});
