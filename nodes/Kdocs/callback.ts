import { createHash } from 'node:crypto';
import type { IDataObject } from 'n8n-workflow';
import type { CallbackFlow } from '../shared/callback-flow';
import { TriggerDeliveryLogs } from '../shared/callbacks';
import { registrationOf } from './lifecycle';
import { readTriggerEvent, readTriggerFileToken } from './params';
import { verifyCallback, type KdocsCallback } from './verify';

/** Kdocs spells event types both `dbt.sheet.icon` and `dbt.sheets.icon`; this gives the singular form. */
export function normalizeEventType(type: string): string {
	return type.replace(/^dbt\.(sheet|record|field|cell|view)s\./, 'dbt.$1.');
}

/** Kdocs gives an event no id of its own: a redelivery is recognised by its webhook, time and content. */
function deliveryIdOf(webhookId: string, event: IDataObject): string {
	// JSON.stringify, not String(): a JSON object such as {"toString":1} makes String() throw.
	return createHash('sha256')
		.update(`${webhookId}\n${JSON.stringify(event.timestamp ?? null)}\n${JSON.stringify(event.content ?? null)}`)
		.digest('hex');
}

export const kdocsCallbackFlow: CallbackFlow<KdocsCallback> = {
	verify: verifyCallback,

	// Kdocs sends only the kind of change the webhook subscribed to: every event that is an object becomes an item.
	select(context, { webhookId, type, events }) {
		const kind = readTriggerEvent(context);
		const fileToken = registrationOf(context).fileToken ?? readTriggerFileToken(context);
		return events
			.filter((event): event is IDataObject => typeof event === 'object' && event !== null && !Array.isArray(event))
			.map((event) => ({
				deliveryId: deliveryIdOf(webhookId, event),
				item: {
					webhookId,
					event: kind,
					type,
					normalizedType: normalizeEventType(type),
					fileToken,
					timestamp: event.timestamp,
					content: event.content ?? null,
				},
			}));
	},

	acknowledgement: () => ({ body: { code: 0 } }),

	/** Each trigger remembers its own events for a day: another trigger's batch cannot push them out. */
	deliveries: new TriggerDeliveryLogs(24 * 60 * 60 * 1000),
};
