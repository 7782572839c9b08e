import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';
import { rejected, UNAUTHORIZED, type Verification } from '../shared/callback-flow';
import { callbackBody, MAX_JSON_DEPTH, nestedDeeperThan, secretsMatch, triggerKey, WarningLimiter } from '../shared/callbacks';
import { forLog } from '../shared/log';
import { derivedCallbackSecret, SECRET_PARAMETER } from './crypto';
import { registrationOf } from './lifecycle';

/**
 * The most events one callback may carry. Kdocs documents no limit (vendor-kdocs.md 5: one POST carries
 * an events[] array, retries and sizes are undocumented), and one sheet change produces one event, so a
 * genuine batch is small; a larger one is refused with 413 and starts nothing. It also bounds what one
 * callback can do to its trigger's de-duplication log (10,000 entries).
 */
export const MAX_EVENTS_PER_CALLBACK = 1_000;

const warnings = new WarningLimiter();

/** A callback that passed every check: the webhook it names, its type as sent ('' if none) and its events. */
export interface KdocsCallback {
	webhookId: string;
	type: string;
	events: unknown[];
}

/**
 * Authenticates a Kdocs callback by the secret in its URL and the webhook_id it names, then checks its
 * shape: an events array of sane size and depth.
 */
export async function verifyCallback(context: IWebhookFunctions): Promise<Verification<KdocsCallback>> {
	const registration = registrationOf(context);
	const secret = (context.getQueryData() as IDataObject)[SECRET_PARAMETER];
	const expectedSecret = registration.callbackSecret ?? (await derivedCallbackSecret(context));
	if (!secretsMatch(expectedSecret, typeof secret === 'string' ? secret : undefined)) {
		return UNAUTHORIZED;
	}
	// Kdocs posts a JSON object; anything else (empty, null, an array, a string, a number, not JSON) is
	// answered here. The depth is checked below, once the number of events is known to be sane.
	const received = callbackBody.call(context, { maxDepth: Number.POSITIVE_INFINITY });
	if (received.status !== undefined) return rejected(received.status, received.message);
	const body = received.body;
	const webhookId = typeof body.webhook_id === 'string' || typeof body.webhook_id === 'number' ? String(body.webhook_id) : undefined;
	// Until n8n has saved what create() wrote, the registration's id is not known here; the secret,
	// which only this registration's URL carries, has been checked.
	const idMatches =
		registration.webhookId === undefined ? webhookId !== undefined && webhookId !== '' : secretsMatch(registration.webhookId, webhookId);
	if (!idMatches) {
		return UNAUTHORIZED;
	}
	if (!Array.isArray(body.events)) {
		return rejected(400, 'Bad Request: events must be an array');
	}
	const events = body.events as unknown[];
	if (events.length > MAX_EVENTS_PER_CALLBACK) {
		if (warnings.due(triggerKey(context))) {
			context.logger.warn(
				`Kdocs Trigger rejected a callback of webhook ${forLog(webhookId)} with ${events.length} events (at most ${MAX_EVENTS_PER_CALLBACK} are accepted)`,
			);
		}
		return rejected(413, `Payload Too Large: at most ${MAX_EVENTS_PER_CALLBACK} events per callback`);
	}
	// Each event's content becomes part of an item and of its de-duplication key (JSON.stringify), and
	// n8n serialises items too: absurd nesting would throw RangeError there.
	if (nestedDeeperThan(events, MAX_JSON_DEPTH)) {
		return rejected(400, 'Bad Request: the events are nested too deeply');
	}
	return { verified: { webhookId: webhookId as string, type: typeof body.type === 'string' ? body.type : '', events } };
}
