import { X509Certificate } from 'node:crypto';
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
import { DeliveryLog, isFresh, rawBodyOf, rejectCallback, replyToCallback } from '../shared/callbacks';
import { addSubscription, deleteSubscription, listTopicSubscriptions } from './api';
import { smnListSearch } from './methods';
import { configuredTopicUrn, regionOfTopic, requireTopicUrn, topicLocator } from './topic';
import {
	CONFIRMATION_TYPES,
	isCertificateCurrent,
	isSignatureValid,
	isTrustedCertificateUrl,
	isTrustedSubscribeUrl,
	NOTIFICATION_TYPE,
	signatureDigestOf,
	parseMessageText,
	parseSmnMessage,
	type SmnMessage,
	type TrustedOrigins,
} from './verify';
import { reportingAdviceOnActivation } from '../shared/activation';

/** SMN waits 5 s for an answer, so the certificate and confirmation calls must be quicker. */
const OUTBOUND_TIMEOUT_MS = 2_000;
const MAX_CERTIFICATE_BYTES = 16 * 1024;
const MAX_CACHED_CERTIFICATES = 32;
const DEFAULT_REPLAY_WINDOW_MINUTES = 60;
/** Subscription statuses that still deliver: 1 confirmed, 2 confirmation not required. */
const LIVE_STATUSES = [1, 2];

const deliveries = new DeliveryLog(24 * 60 * 60 * 1000);
/** A parsed signing certificate with what every message needs from it, read once. */
interface CachedCertificate {
	certificate: X509Certificate;
	digest: string | undefined;
	validFrom: number;
	validTo: number;
}

/** Certificates by URL; only ones that parsed and were current when fetched are kept. */
const certificates = new Map<string, CachedCertificate>();

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

/** The cached certificate for a URL while it is current; synchronous, so a cache hit costs no await. */
function cachedCertificate(url: string, now = Date.now()): CachedCertificate | undefined {
	const cached = certificates.get(url);
	return cached && cached.validFrom <= now && now <= cached.validTo ? cached : undefined;
}

async function fetchCertificate(this: IWebhookFunctions, url: string): Promise<CachedCertificate | undefined> {
	// An expired entry is dropped so that a renewed certificate at the same URL is picked up.
	certificates.delete(url);
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
		if (response.statusCode !== 200 || pem.length === 0 || pem.length > MAX_CERTIFICATE_BYTES) return undefined;
		const certificate = new X509Certificate(pem);
		if (!isCertificateCurrent(certificate)) return undefined;
		if (certificates.size >= MAX_CACHED_CERTIFICATES) certificates.delete(certificates.keys().next().value as string);
		const entry: CachedCertificate = {
			certificate,
			digest: signatureDigestOf(certificate),
			validFrom: Date.parse(certificate.validFrom),
			validTo: Date.parse(certificate.validTo),
		};
		certificates.set(url, entry);
		return entry;
	} catch (error) {
		this.logger.warn(`SMN signing certificate ${url} could not be loaded: ${(error as Error).message}`);
		return undefined;
	}
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
		this.logger.warn(`SMN subscription could not be confirmed: ${(error as Error).message}`);
		return false;
	}
}

async function trustedOriginsFor(this: IWebhookFunctions, region: string): Promise<TrustedOrigins> {
	const credentials = await this.getCredentials('huaweiCloudApi');
	const endpoint = String(credentials.smnEndpoint ?? '').trim();
	return { region, ...(endpoint ? { configuredEndpoint: endpoint } : {}) };
}

/** Every check that needs no network: shape, topic, replay window and the certificate URL. */
function precheck(
	this: IWebhookFunctions,
	message: SmnMessage | undefined,
): { status: 400 | 401; reason: string } | undefined {
	if (!message) return { status: 400, reason: 'Bad Request: not an SMN message' };
	const headerType = this.getHeaderData()['x-smn-message-type'];
	if (typeof headerType === 'string' && headerType !== message.type) {
		return { status: 400, reason: 'Bad Request: X-SMN-MESSAGE-TYPE does not match the body' };
	}
	if (message.topic_urn !== configuredTopicUrn(this)) return { status: 401, reason: 'Unauthorized' };
	const windowMinutes = Number(
		(this.getNodeParameter('options', {}) as IDataObject).replayWindowMinutes ?? DEFAULT_REPLAY_WINDOW_MINUTES,
	);
	if (!isFresh(Date.parse(message.timestamp), windowMinutes * 60_000)) return { status: 401, reason: 'Unauthorized' };
	return undefined;
}

export class HuaweiSmnTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Huawei Cloud SMN Trigger',
		name: 'huaweiSmnTrigger',
		icon: { light: 'file:huaweiSmn.svg', dark: 'file:huaweiSmn.dark.svg' },
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
					this.logger.warn(`SMN subscription ${data.subscriptionUrn} could not be deleted: ${(error as Error).message}`);
					return false;
				}
				forgetSubscription(data);
				return true;
			},
		}),
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		// SMN signs field values, not bytes, so n8n's parsed body is an equivalent fallback.
		const message = parseSmnMessage(rawBodyOf.call(this) ?? Buffer.from(JSON.stringify(this.getBodyData())));
		const rejection = precheck.call(this, message);
		if (rejection || !message) return rejectCallback.call(this, rejection?.status, rejection?.reason);

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
		const cached =
			cachedCertificate(message.signing_cert_url) ?? (await fetchCertificate.call(this, message.signing_cert_url));
		if (!cached || !isSignatureValid(message, cached.certificate, cached.digest)) return rejectCallback.call(this);

		if (!deliveries.firstDelivery(message.message_id)) return replyToCallback.call(this, 'OK');

		if (isConfirmation) {
			if (await confirmSubscription.call(this, message.subscribe_url as string)) return replyToCallback.call(this, 'OK');
			// A 5xx makes SMN deliver the confirmation again later.
			deliveries.forget(message.message_id);
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
