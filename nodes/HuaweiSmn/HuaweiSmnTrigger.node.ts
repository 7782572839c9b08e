import {
	NodeConnectionTypes,
	type IDataObject,
	type IHookFunctions,
	type IN8nHttpFullResponse,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';
import { DeliveryLog, isFresh, rejectCallback, replyToCallback } from '../shared/callbacks';
import { forLog } from '../shared/log';
import { addSubscription, deleteSubscription, listTopicSubscriptions } from './api';
import { CERTIFICATE_FETCHES_PER_MINUTE, smnCertificates, type CertificateDownload } from './certificates';
import { smnListSearch } from './methods';
import { configuredTopicUrn, regionOfTopic, requireTopicUrn, topicLocator } from './topic';
import {
	canonicalCertificateUrl,
	CONFIRMATION_TYPES,
	deliveryKeys,
	hasLineBreakInSingleLineField,
	isTrustedCertificateUrl,
	isTrustedSubscribeUrl,
	NOTIFICATION_TYPE,
	parseMessageText,
	toSmnMessage,
	verifiedStringToSign,
	type SmnMessage,
	type TrustedOrigins,
} from './verify';
import { reportingAdviceOnActivation } from '../shared/activation';

/** SMN waits 5 s for an answer, so the certificate and confirmation calls must be quicker. */
const OUTBOUND_TIMEOUT_MS = 2_000;
const MAX_CERTIFICATE_BYTES = 16 * 1024;
/**
 * SMN caps a message at 256 KB of UTF-8 (Publish, vendor notes 3.4). The whole body adds the other fields
 * and JSON escaping (`"` and line breaks double, control characters take six bytes), so it may exceed that;
 * 1 MiB leaves room for any real delivery and refuses anything bigger before it is parsed.
 */
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_MESSAGE_BYTES = 256 * 1024;
const DEFAULT_REPLAY_WINDOW_MINUTES = 60;
/** Subscription statuses that still deliver: 1 confirmed, 2 confirmation not required. */
const LIVE_STATUSES = [1, 2];

/**
 * What has run, per workflow and node (see deliveryKeys): the signed content of each message, so that one
 * signed content runs at most once however its unsigned fields are dressed up, and, as SMN advises, its
 * message ID. Two logs, so that each remembers the last 10,000 messages.
 */
const deliveredContent = new DeliveryLog(24 * 60 * 60 * 1000);
const deliveredIds = new DeliveryLog(24 * 60 * 60 * 1000);

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

/** One GET of a certificate URL (already canonical and allow-listed); never throws. */
async function downloadCertificate(this: IWebhookFunctions, url: string): Promise<CertificateDownload> {
	let outcome: CertificateDownload;
	try {
		const response = (await this.helpers.httpRequest({
			method: 'GET',
			url,
			disableFollowRedirect: true,
			encoding: 'text',
			json: false,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: OUTBOUND_TIMEOUT_MS,
		})) as IN8nHttpFullResponse;
		const pem = typeof response.body === 'string' ? response.body : '';
		const status = response.statusCode;
		if (status === 429 || status >= 500) outcome = { kind: 'unavailable', reason: `HTTP ${status}` };
		else if (status !== 200) outcome = { kind: 'invalid', reason: `HTTP ${status}` };
		else if (pem.length === 0 || pem.length > MAX_CERTIFICATE_BYTES) outcome = { kind: 'invalid', reason: `a body of ${pem.length} characters` };
		else return { kind: 'pem', pem };
	} catch (error) {
		outcome = { kind: 'unavailable', reason: (error as Error)?.message ?? 'request failed' };
	}
	this.logger.warn(`SMN signing certificate ${forLog(url)} could not be loaded: ${forLog(outcome.reason)}`);
	return outcome;
}

async function confirmSubscription(this: IWebhookFunctions, subscribeUrl: string): Promise<boolean> {
	try {
		const response = (await this.helpers.httpRequest({
			method: 'GET',
			url: subscribeUrl,
			disableFollowRedirect: true,
			json: false,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: OUTBOUND_TIMEOUT_MS,
		})) as IN8nHttpFullResponse;
		return response.statusCode >= 200 && response.statusCode < 300;
	} catch (error) {
		this.logger.warn(`SMN subscription could not be confirmed: ${forLog((error as Error)?.message)}`);
		return false;
	}
}

async function trustedOriginsFor(this: IWebhookFunctions, region: string): Promise<TrustedOrigins> {
	const credentials = await this.getCredentials('huaweiCloudApi');
	const endpoint = String(credentials.smnEndpoint ?? '').trim();
	return { region, ...(endpoint ? { configuredEndpoint: endpoint } : {}) };
}

interface Rejection {
	status: 400 | 401 | 413;
	reason: string;
}

/**
 * The body as an SMN message, or why not. n8n hands webhook() the raw bytes (`rawBody`) for every body it
 * read, and a parsed body that may be null, an array, a string or a number; without `rawBody` (e.g.
 * multipart) only that parsed body is there. The raw bytes are size-checked before they are parsed; the
 * parsed body is never serialised again (that overflows the stack on deep nesting); only its known
 * top-level fields are read. Never throws.
 */
function readDelivery(this: IWebhookFunctions): { message: SmnMessage } | { rejection: Rejection } {
	const notSmn = { rejection: { status: 400, reason: 'Bad Request: not an SMN message' } as Rejection };
	const tooLarge = { rejection: { status: 413, reason: 'Payload Too Large' } as Rejection };
	try {
		const raw = (this.getRequestObject() as { rawBody?: unknown }).rawBody;
		let body: unknown;
		if ((Buffer.isBuffer(raw) || typeof raw === 'string') && raw.length > 0) {
			const length = Buffer.isBuffer(raw) ? raw.length : Buffer.byteLength(raw.slice(0, MAX_BODY_BYTES + 1), 'utf8');
			if (raw.length > MAX_BODY_BYTES || length > MAX_BODY_BYTES) return tooLarge;
			try {
				body = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : raw) as unknown;
			} catch {
				return notSmn;
			}
		} else {
			body = this.getBodyData() as unknown;
		}
		const message = toSmnMessage(body);
		if (!message) return notSmn;
		if (Buffer.byteLength(message.message, 'utf8') > MAX_MESSAGE_BYTES) return tooLarge;
		return { message };
	} catch {
		return notSmn;
	}
}

/** Every check that needs no network: header, single-line fields, topic and replay window. */
function precheck(this: IWebhookFunctions, message: SmnMessage): Rejection | undefined {
	const headerType = this.getHeaderData()['x-smn-message-type'];
	if (typeof headerType === 'string' && headerType !== message.type) {
		return { status: 400, reason: 'Bad Request: X-SMN-MESSAGE-TYPE does not match the body' };
	}
	// Before anything else is trusted: a line break would let text move between signed fields.
	if (hasLineBreakInSingleLineField(message)) return { status: 401, reason: 'Unauthorized' };
	if (message.topic_urn !== configuredTopicUrn(this)) return { status: 401, reason: 'Unauthorized' };
	const windowMinutes = Number(
		(this.getNodeParameter('options', {}) as IDataObject).replayWindowMinutes ?? DEFAULT_REPLAY_WINDOW_MINUTES,
	);
	if (!isFresh(Date.parse(message.timestamp), windowMinutes * 60_000)) return { status: 401, reason: 'Unauthorized' };
	return undefined;
}

/** The certificate could not be checked now (budget spent, or Huawei's host failing): SMN retries a 5xx. */
function answerUnavailable(this: IWebhookFunctions): IWebhookResponseData {
	this.getResponseObject().setHeader('Retry-After', '60');
	return rejectCallback.call(this, 503, 'Service Unavailable: the signing certificate cannot be checked now');
}

export class HuaweiSmnTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Huawei Cloud SMN Trigger',
		name: 'huaweiSmnTrigger',
		icon: { light: 'file:../../icons/huaweiSmn.svg', dark: 'file:../../icons/huaweiSmn.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["topic"].cachedResultName || $parameter["topic"].value}}',
		description: 'Starts the workflow when a message is published to a Huawei Cloud SMN topic',
		defaults: { name: 'Huawei Cloud SMN Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'huaweiCloudApi', required: true }],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
		properties: [
			{
				displayName:
					'On activation this trigger subscribes its own URL to the topic, confirms the subscription, and deletes it on deactivation. SMN only delivers to public addresses, and every "Listen for test event" subscribes and removes a test URL.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			topicLocator(['list', 'urn']),
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Replay Window (Minutes)',
						name: 'replayWindowMinutes',
						type: 'number',
						typeOptions: { minValue: 1, maxValue: 1440 },
						default: DEFAULT_REPLAY_WINDOW_MINUTES,
						description:
							'Messages whose SMN timestamp (the time of the first delivery attempt) is further away than this are rejected. SMN retries failed deliveries later, so keep it generous.',
					},
				],
			},
		],
	};

	methods = { listSearch: smnListSearch };

	webhookMethods = {
		default: reportingAdviceOnActivation({
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
		}),
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const delivery = readDelivery.call(this);
		if ('rejection' in delivery) return rejectCallback.call(this, delivery.rejection.status, delivery.rejection.reason);
		const { message } = delivery;
		const rejection = precheck.call(this, message);
		if (rejection) return rejectCallback.call(this, rejection.status, rejection.reason);

		const isConfirmation = CONFIRMATION_TYPES.includes(message.type);
		const trusted = (origins: TrustedOrigins) =>
			isTrustedCertificateUrl(message.signing_cert_url, origins) &&
			(!isConfirmation || isTrustedSubscribeUrl(message.subscribe_url ?? '', origins, message.topic_urn));
		// Huawei's own hosts are trusted without the credential; it is read (decrypted, in n8n) only when
		// a URL could be on the endpoint it configures. Either way the same URLs pass.
		const huaweiOnly: TrustedOrigins = { region: regionOfTopic(message.topic_urn) ?? '' };
		if (!trusted(huaweiOnly) && !trusted(await trustedOriginsFor.call(this, huaweiOnly.region))) {
			return rejectCallback.call(this);
		}
		// Trusted implies canonical: every spelling of one URL shares one cache entry and one download.
		const certificateUrl = canonicalCertificateUrl(message.signing_cert_url) as string;
		const lookup = await smnCertificates.lookup(certificateUrl, (url) => downloadCertificate.call(this, url));
		if (lookup.status === 'unavailable') {
			if (lookup.budgetExhausted && smnCertificates.shouldReportExhaustedBudget()) {
				this.logger.warn(
					`SMN Trigger: more than ${CERTIFICATE_FETCHES_PER_MINUTE} new signing certificate URLs within a minute; messages naming an uncached certificate are answered 503 until the minute is over`,
				);
			}
			return answerUnavailable.call(this);
		}
		if (lookup.status === 'invalid') return rejectCallback.call(this);
		const signedText = verifiedStringToSign(message, lookup.entry.certificate, lookup.entry.digest);
		if (signedText === undefined) return rejectCallback.call(this);
		smnCertificates.markProven(certificateUrl);

		const node = this.getNode();
		const scope = { workflowId: String(this.getWorkflow().id ?? ''), nodeId: node.id ?? node.name };
		const keys = deliveryKeys(scope, message.message_id, signedText);
		const newContent = deliveredContent.firstDelivery(keys.content);
		const newId = deliveredIds.firstDelivery(keys.id);
		if (!newContent || !newId) return replyToCallback.call(this, 'OK');

		if (isConfirmation) {
			if (await confirmSubscription.call(this, message.subscribe_url as string)) return replyToCallback.call(this, 'OK');
			// A 5xx makes SMN deliver the confirmation again later.
			deliveredContent.forget(keys.content);
			deliveredIds.forget(keys.id);
			return replyToCallback.call(this, 'Confirmation failed', 502);
		}
		if (message.type !== NOTIFICATION_TYPE) return replyToCallback.call(this, 'OK');

		const subscriptionUrn = this.getHeaderData()['x-smn-subscription-urn'];
		return {
			workflowData: [
				this.helpers.returnJsonArray([
					{
						type: message.type,
						messageId: message.message_id,
						topicUrn: message.topic_urn,
						subject: message.subject ?? '',
						message: parseMessageText(message.message) as IDataObject,
						rawMessage: message.message,
						timestamp: message.timestamp,
						...(typeof subscriptionUrn === 'string' ? { subscriptionUrn } : {}),
					},
				]),
			],
		};
	}
}
