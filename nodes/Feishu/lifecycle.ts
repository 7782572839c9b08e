import type { IDataObject, IHookFunctions } from 'n8n-workflow';
import { reportingAdviceOnActivation } from '../shared/activation';
import { forLog } from '../shared/log';
import { isFileSubscribed, subscribeFile, unsubscribeFile, watchedFileKey, type WatchedFile } from './api';
import { readTriggerFiles, type TriggerParameterContext } from './params';

interface SubscriptionData extends IDataObject {
	/** Exactly the files this trigger subscribed; deactivation unsubscribes these and nothing else. */
	subscribedFiles?: WatchedFile[];
}

function warnNotUnsubscribed(context: TriggerParameterContext, file: WatchedFile, error: Error): void {
	context.logger.warn(`Feishu file ${forLog(file.fileToken)} could not be unsubscribed: ${forLog(error.message, 300)}`);
}

/**
 * Subscribes the files, for both triggers, and returns those it subscribed. "Listen for test event"
 * (manual mode) leaves files that are already subscribed alone (e.g. by this workflow's active version),
 * so that stopping the test cannot remove them; on activation an existing subscription is adopted. A
 * failure unsubscribes what this call subscribed, so that nothing is left behind that nothing would ever
 * remove; the failure itself propagates unchanged.
 */
export async function subscribeWatchedFiles(this: TriggerParameterContext, files: WatchedFile[]): Promise<WatchedFile[]> {
	const testRun = this.getMode() === 'manual';
	const added: WatchedFile[] = [];
	let subscribedAll = false;
	try {
		for (const file of files) {
			if (testRun && (await isFileSubscribed.call(this, file))) continue;
			// A file that is already subscribed is accepted again, so an earlier subscription is adopted.
			await subscribeFile.call(this, file);
			added.push(file);
		}
		subscribedAll = true;
	} finally {
		if (!subscribedAll) await unsubscribeWatchedFiles.call(this, added);
	}
	return added;
}

/** Unsubscribes the files, for both triggers; returns those that could not be unsubscribed (each is logged). */
export async function unsubscribeWatchedFiles(this: TriggerParameterContext, files: WatchedFile[]): Promise<WatchedFile[]> {
	const remaining: WatchedFile[] = [];
	for (const file of files) {
		try {
			await unsubscribeFile.call(this, file);
		} catch (error) {
			warnNotUnsubscribed(this, file, error as Error);
			remaining.push(file);
		}
	}
	return remaining;
}

export const feishuLifecycle = reportingAdviceOnActivation({
	// Feishu allows 10 status calls a minute, so what this trigger subscribed is taken from static data.
	async checkExists(this: IHookFunctions): Promise<boolean> {
		const data = this.getWorkflowStaticData('node') as SubscriptionData;
		const wanted = new Set(readTriggerFiles(this).map(watchedFileKey));
		const recorded = data.subscribedFiles ?? [];
		// Files removed from the parameters since activation; one that could not be unsubscribed stays recorded.
		const removed = recorded.filter((file) => !wanted.has(watchedFileKey(file)));
		const stillSubscribed = new Set((await unsubscribeWatchedFiles.call(this, removed)).map(watchedFileKey));
		const kept = recorded.filter((file) => wanted.has(watchedFileKey(file)) || stillSubscribed.has(watchedFileKey(file)));
		data.subscribedFiles = kept;
		const keptKeys = new Set(kept.map(watchedFileKey));
		return kept.length === wanted.size && [...wanted].every((key) => keptKeys.has(key));
	},

	async create(this: IHookFunctions): Promise<boolean> {
		const data = this.getWorkflowStaticData('node') as SubscriptionData;
		const recorded = data.subscribedFiles ?? [];
		const recordedKeys = new Set(recorded.map(watchedFileKey));
		// "Listen for test event" starts from empty static data and unsubscribes what it recorded after two
		// minutes; subscribeWatchedFiles leaves files that were subscribed before alone in that mode.
		const added = await subscribeWatchedFiles.call(
			this,
			readTriggerFiles(this).filter((file) => !recordedKeys.has(watchedFileKey(file))),
		);
		data.subscribedFiles = [...recorded, ...added];
		return true;
	},

	async delete(this: IHookFunctions): Promise<boolean> {
		const data = this.getWorkflowStaticData('node') as SubscriptionData;
		const remaining = await unsubscribeWatchedFiles.call(this, data.subscribedFiles ?? []);
		if (remaining.length > 0) {
			data.subscribedFiles = remaining;
			return false;
		}
		delete data.subscribedFiles;
		return true;
	},
});
