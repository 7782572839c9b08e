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
import { DeliveryLog, isFresh, rawBodyOf, rejectCallback, replyToCallback, secretsMatch } from '../shared/callbacks';
import { fileTypeOptions, isFileSubscribed, subscribeFile, unsubscribeFile, type WatchedFile } from './api';
import { decryptEvent, eventSignature } from './crypto';
import { driveEventOptions, FOLDER_EVENT } from './events';
import { extractToken, readTriggerFiles, watchedFileEntries, watchedFileKey } from './files';
import { reportingAdviceOnActivation } from '../shared/activation';

/** Feishu names no replay window; 5 minutes matches what n8n's own signed triggers accept. */
export const REPLAY_WINDOW_MS = 5 * 60 * 1000;

/** Feishu retries an unanswered event for about 7.1 hours, so a day covers every redelivery. */
const deliveries = new DeliveryLog(24 * 60 * 60 * 1000);

interface SubscriptionData extends IDataObject {
	/** Exactly the files this trigger subscribed; deactivation unsubscribes these and nothing else. */
	subscribedFiles?: WatchedFile[];
}

const HEADER_FIELDS = ['event_id', 'event_type', 'create_time', 'app_id', 'tenant_key'] as const;

function parseObject(text: string): IDataObject | undefined {
	try {
		const value: unknown = JSON.parse(text);
		return value && typeof value === 'object' && !Array.isArray(value) ? (value as IDataObject) : undefined;
	} catch {
		return undefined;
	}
}

const headerValue = (headers: IDataObject, name: string) => {
	const value = headers[name];
	return typeof value === 'string' ? value : undefined;
};

export class FeishuTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Feishu Trigger',
		name: 'feishuTrigger',
		icon: { light: 'file:feishu.svg', dark: 'file:feishu.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["events"].join(", ")}}',
		description: 'Starts the workflow when subscribed Feishu / Lark drive files change',
		defaults: { name: 'Feishu Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'feishuApi', required: true }],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
		properties: [
			{
				displayName:
					'Feishu sends all of an app\'s events to one request URL that only the developer console can set: paste this trigger\'s Production URL (shown above) once under Events & Callbacks > Event Configuration, and add the drive events there. On activation the trigger subscribes the files below and on deactivation unsubscribes exactly those. "Listen for test event" subscribes only files that are not subscribed yet, and unsubscribes them when it stops.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Files and Folders',
				name: 'files',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true },
				placeholder: 'Add File or Folder',
				default: {},
				required: true,
				options: [
					{
						displayName: 'File',
						name: 'file',
						values: [
							{
								displayName: 'File',
								name: 'file',
								type: 'string',
								default: '',
								required: true,
								placeholder: 'https://example.feishu.cn/docx/doxcnAbCdEfGh1234567890',
								description: 'The token of a file or folder the app manages, or its link (the token is the last part of the link)',
							},
							{
								displayName: 'File Type',
								name: 'fileType',
								type: 'options',
								options: fileTypeOptions,
								default: 'docx',
								description: 'A folder reports only files created in it',
							},
						],
					},
				],
			},
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				options: driveEventOptions,
				default: ['drive.file.edit_v1'],
				required: true,
				description: 'The events that start the workflow; others are acknowledged and dropped',
			},
		],
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
						this.logger.warn(`Feishu file ${file.fileToken} could not be unsubscribed: ${(error as Error).message}`);
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
							this.logger.warn(`Feishu file ${file.fileToken} could not be unsubscribed: ${rollbackError.message}`),
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
						this.logger.warn(`Feishu file ${file.fileToken} could not be unsubscribed: ${(error as Error).message}`);
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

		const rawBody = rawBodyOf.call(this) ?? Buffer.from(JSON.stringify(this.getBodyData()));
		let envelope = parseObject(rawBody.toString('utf8'));
		if (!envelope) return rejectCallback.call(this, 400, 'Bad Request: the body is not a JSON object');

		let signed = false;
		if (encryptKey !== '') {
			if (typeof envelope.encrypt !== 'string') return rejectCallback.call(this);
			const headers = this.getHeaderData() as IDataObject;
			const signature = headerValue(headers, 'x-lark-signature');
			if (signature !== undefined) {
				const timestamp = headerValue(headers, 'x-lark-request-timestamp') ?? '';
				const nonce = headerValue(headers, 'x-lark-request-nonce') ?? '';
				if (!isFresh(timestamp, REPLAY_WINDOW_MS)) return rejectCallback.call(this);
				if (!secretsMatch(eventSignature(timestamp, nonce, encryptKey, rawBody), signature.toLowerCase())) {
					return rejectCallback.call(this);
				}
				signed = true;
			}
			const plain = decryptEvent(encryptKey, envelope.encrypt);
			envelope = plain === undefined ? undefined : parseObject(plain);
			if (!envelope) return signed ? rejectCallback.call(this, 400, 'Bad Request: the payload does not decrypt to JSON') : rejectCallback.call(this);
			// Feishu's Go SDK checks no signature on the URL challenge; every event must be signed once an Encrypt Key is set.
			if (!signed && envelope.type !== 'url_verification') return rejectCallback.call(this);
		} else if (envelope.encrypt !== undefined) {
			this.logger.warn('Feishu Trigger rejected an encrypted callback: set the Encrypt Key in the credential');
			return rejectCallback.call(this);
		}

		const header = (envelope.header ?? {}) as IDataObject;
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

		const wantedEvents = this.getNodeParameter('events', []) as string[];
		const watchedTokens = new Set(
			watchedFileEntries(this.getNodeParameter('files', {})).map((entry) => String(extractToken(entry.file)).trim()),
		);
		// A folder's event names the new file; the folder it was created in is what the trigger watches.
		const watchedToken = header.event_type === FOLDER_EVENT ? event.folder_token : event.file_token;
		const relevant =
			wantedEvents.includes(String(header.event_type)) && typeof watchedToken === 'string' && watchedTokens.has(watchedToken);
		const firstDelivery = relevant && deliveries.firstDelivery(`${this.getWorkflow().id}:${header.event_id}`);

		replyToCallback.call(this, { msg: 'success' });
		if (!firstDelivery) return { noWebhookResponse: true };
		const item: IDataObject = { schema: envelope.schema };
		for (const field of HEADER_FIELDS) item[field] = header[field];
		item.event = event;
		return { workflowData: [this.helpers.returnJsonArray([item])], noWebhookResponse: true };
	}
}
