import type { IExecuteFunctions } from 'n8n-workflow';
import type { OperationTable } from '../shared/operations';
import { isFileSubscribed, subscribeFile, unsubscribeFile } from './api';
import { readItemFile } from './params';

/** Each operation's concurrency: the per-second subscribe limit, and the per-minute limit of the other two calls. */
export const operations: OperationTable = {
	fileSubscription: {
		subscribe: {
			async run(this: IExecuteFunctions, itemIndex) {
				const file = readItemFile(this, itemIndex);
				await subscribeFile.call(this, file, itemIndex);
				return { ...file, subscribed: true };
			},
			concurrency: 50,
		},
		getStatus: {
			async run(this: IExecuteFunctions, itemIndex) {
				const file = readItemFile(this, itemIndex);
				return { ...file, subscribed: await isFileSubscribed.call(this, file, itemIndex) };
			},
			concurrency: 10,
		},
		unsubscribe: {
			async run(this: IExecuteFunctions, itemIndex) {
				const file = readItemFile(this, itemIndex);
				return { ...file, subscribed: false, wasSubscribed: await unsubscribeFile.call(this, file, itemIndex) };
			},
			concurrency: 10,
		},
	},
};
