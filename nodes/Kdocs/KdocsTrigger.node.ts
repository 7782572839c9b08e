import { createHash, createHmac } from 'node:crypto';
import {
	NodeConnectionTypes,
	type IDataObject,
	type IHookFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';
import {
	callbackBody,
	MAX_JSON_DEPTH,
	nestedDeeperThan,
	rejectCallback,
	replyToCallback,
	secretsMatch,
	TriggerDeliveryLogs,
	triggerKey,
	WarningLimiter,
} from '../shared/callbacks';
import { createWebhook, deleteWebhook, listMyWebhooks, WEBHOOK_KINDS, type WebhookTarget } from './api';
import { kdocsTriggerProperties } from './descriptions';
import { kdocsListSearch, kdocsLoadOptions } from './methods';
import { readWebhookTarget } from './params';
import { reportingAdviceOnActivation } from '../shared/activation';
import { forLog } from '../shared/log';

/** Query parameter of the callback URL that carries this registration's secret. */
const SECRET_PARAMETER = 'k';

/**
 * The most events one callback may carry. Kdocs documents no limit (vendor-kdocs.md 5: one POST carries
 * an events[] array, retries and sizes are undocumented), and one sheet change produces one event, so a
 * genuine batch is small; a larger one is refused with 413 and starts nothing. It also bounds what one
 * callback can do to its trigger's de-duplication log (10,000 entries).
 */
export const MAX_EVENTS_PER_CALLBACK = 1_000;

/** Each trigger remembers its own events for a day: another trigger's batch cannot push them out. */
const deliveries = new TriggerDeliveryLogs(24 * 60 * 60 * 1000);
const warnings = new WarningLimiter();

interface RegistrationData extends IDataObject {
	webhookId?: string;
	callbackSecret?: string;
	fileToken?: string;
	targetKey?: string;
}

const targetKey = (target: WebhookTarget) => JSON.stringify(target);

/**
 * The secret in this trigger's callback URL, derived from the credential's app key (or access token)
 * and the workflow and node ids rather than drawn at random: n8n saves what create() writes to static
 * data only after the whole activation, while the webhook is live before that, so a callback arriving
 * in between must be verifiable without static data.
 */
async function derivedCallbackSecret(context: IHookFunctions | IWebhookFunctions): Promise<string> {
	const credentials = await context.getCredentials('kdocsApi');
	const key = String(credentials.appSecretKey || credentials.accessToken || '');
	return createHmac('sha256', key)
		.update(`kdocs-trigger-callback\n${context.getWorkflow().id ?? ''}\n${context.getNode().id}`)
		.digest('hex');
}

function callbackUrlFor(webhookUrl: string, secret: string): string {
	const url = new URL(webhookUrl);
	url.searchParams.set(SECRET_PARAMETER, secret);
	return url.toString();
}

const endpointOf = (url: string) => url.split('?')[0];

function forgetRegistration(data: RegistrationData): void {
	delete data.webhookId;
	delete data.callbackSecret;
	delete data.fileToken;
	delete data.targetKey;
}

/** Kdocs spells event types both `dbt.sheet.icon` and `dbt.sheets.icon`; this gives the singular form. */
export function normalizeEventType(type: string): string {
	return type.replace(/^dbt\.(sheet|record|field|cell|view)s\./, 'dbt.$1.');
}

export class KdocsTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Kdocs Trigger',
		name: 'kdocsTrigger',
		icon: { light: 'file:../../icons/kdocs.svg', dark: 'file:../../icons/kdocs.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["event"]}}',
		description: 'Starts the workflow when a Kdocs 轻维表 (dbt) sheet changes',
		defaults: { name: 'Kdocs Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'kdocsApi', required: true }],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
		properties: kdocsTriggerProperties,
	};

	methods = { listSearch: kdocsListSearch, loadOptions: kdocsLoadOptions };

	webhookMethods = {
		default: reportingAdviceOnActivation({
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node') as RegistrationData;
				const target = readWebhookTarget(this);
				if (data.webhookId && data.targetKey !== targetKey(target)) {
					// The parameters changed since activation: the old registration watches something else.
					await deleteWebhook.call(this, data.fileToken as string, data.webhookId).catch(() => false);
					forgetRegistration(data);
				}
				const webhookUrl = this.getNodeWebhookUrl('default') as string;
				const mine = await listMyWebhooks.call(this, target.fileToken);
				const expectedCallback = callbackUrlFor(webhookUrl, data.callbackSecret ?? (await derivedCallbackSecret(this)));
				const ours =
					mine.find((hook) => data.webhookId !== undefined && hook.webhookId === data.webhookId) ??
					mine.find((hook) => hook.callbackUrl === expectedCallback);
				if (ours) data.webhookId = ours.webhookId;
				else forgetRegistration(data);
				// Registrations of this very URL that we no longer track (e.g. an earlier delete failed) only use up the document's 10 slots.
				for (const leftover of mine) {
					if (leftover !== ours && endpointOf(leftover.callbackUrl) === endpointOf(webhookUrl)) {
						await deleteWebhook.call(this, target.fileToken, leftover.webhookId).catch(() => false);
					}
				}
				return ours !== undefined;
			},

			async create(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node') as RegistrationData;
				const target = readWebhookTarget(this);
				const secret = await derivedCallbackSecret(this);
				const webhookUrl = this.getNodeWebhookUrl('default') as string;
				const webhookId = await createWebhook.call(this, target, callbackUrlFor(webhookUrl, secret));
				Object.assign(data, {
					webhookId,
					callbackSecret: secret,
					fileToken: target.fileToken,
					targetKey: targetKey(target),
				});
				return true;
			},

			async delete(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node') as RegistrationData;
				if (!data.webhookId || !data.fileToken) return true;
				try {
					await deleteWebhook.call(this, data.fileToken, data.webhookId);
				} catch (error) {
					this.logger.warn(`Kdocs webhook ${forLog(data.webhookId)} could not be deleted: ${forLog((error as Error).message, 300)}`);
					return false;
				}
				forgetRegistration(data);
				return true;
			},
		}),
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const data = this.getWorkflowStaticData('node') as RegistrationData;
		const secret = (this.getQueryData() as IDataObject)[SECRET_PARAMETER];
		const expectedSecret = data.callbackSecret ?? (await derivedCallbackSecret(this));
		if (!secretsMatch(expectedSecret, typeof secret === 'string' ? secret : undefined)) {
			return rejectCallback.call(this);
		}
		// Kdocs posts a JSON object; anything else (empty, null, an array, a string, a number, not JSON) is
		// answered here. The depth is checked below, once the number of events is known to be sane.
		const received = callbackBody.call(this, { maxDepth: Number.POSITIVE_INFINITY });
		if (received.status !== undefined) return rejectCallback.call(this, received.status, received.message);
		const body = received.body;
		const webhookId = typeof body.webhook_id === 'string' || typeof body.webhook_id === 'number' ? String(body.webhook_id) : undefined;
		// Until n8n has saved what create() wrote, the registration's id is not known here; the secret,
		// which only this registration's URL carries, has been checked.
		const idMatches = data.webhookId === undefined ? webhookId !== undefined && webhookId !== '' : secretsMatch(data.webhookId, webhookId);
		if (!idMatches) {
			return rejectCallback.call(this);
		}
		if (!Array.isArray(body.events)) {
			return rejectCallback.call(this, 400, 'Bad Request: events must be an array');
		}
		const events = body.events as unknown[];
		if (events.length > MAX_EVENTS_PER_CALLBACK) {
			if (warnings.due(triggerKey(this))) {
				this.logger.warn(
					`Kdocs Trigger rejected a callback of webhook ${forLog(webhookId)} with ${events.length} events (at most ${MAX_EVENTS_PER_CALLBACK} are accepted)`,
				);
			}
			return rejectCallback.call(this, 413, `Payload Too Large: at most ${MAX_EVENTS_PER_CALLBACK} events per callback`);
		}
		// Each event's content becomes part of an item and of its de-duplication key (JSON.stringify), and
		// n8n serialises items too: absurd nesting would throw RangeError there.
		if (nestedDeeperThan(events, MAX_JSON_DEPTH)) {
			return rejectCallback.call(this, 400, 'Bad Request: the events are nested too deeply');
		}

		const kind = this.getNodeParameter('event') as keyof typeof WEBHOOK_KINDS;
		const type = typeof body.type === 'string' ? body.type : '';
		const log = deliveries.of(this);
		const items = events
			.filter((event): event is IDataObject => typeof event === 'object' && event !== null && !Array.isArray(event))
			.filter((event) =>
				log.firstDelivery(
					// JSON.stringify, not String(): a JSON object such as {"toString":1} makes String() throw.
					createHash('sha256').update(`${webhookId}\n${JSON.stringify(event.timestamp ?? null)}\n${JSON.stringify(event.content ?? null)}`).digest('hex'),
				),
			)
			.map((event) => ({
				webhookId: webhookId as string,
				event: kind,
				type,
				normalizedType: normalizeEventType(type),
				fileToken: data.fileToken ?? String(this.getNodeParameter('file', '', { extractValue: true })),
				timestamp: event.timestamp,
				content: event.content ?? null,
			}));

		replyToCallback.call(this, { code: 0 });
		if (items.length === 0) return { noWebhookResponse: true };
		return { workflowData: [this.helpers.returnJsonArray(items)], noWebhookResponse: true };
	}
}
