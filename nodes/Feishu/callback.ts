import type { IDataObject, ITriggerFunctions, IWebhookFunctions } from 'n8n-workflow';
import type { CallbackEvent, CallbackFlow } from '../shared/callback-flow';
import { TriggerDeliveryLogs } from '../shared/callbacks';
import { FOLDER_EVENT } from './api';
import { readChosenEvents, readWatchedTokens } from './params';
import { REPLAY_WINDOW_MS, verifyCallback, type FeishuCallback } from './verify';

const HEADER_FIELDS = ['event_id', 'event_type', 'create_time', 'app_id', 'tenant_key'] as const;

/**
 * The events a trigger's parameters select from one Feishu event, as the items the workflow gets: the
 * same for an HTTP push (after verification) and for a long connection's event frame.
 */
export function selectDriveEvents(context: IWebhookFunctions | ITriggerFunctions, payload: FeishuCallback): CallbackEvent[] {
	if (payload.kind !== 'event') return [];
	const { header, event } = payload;
	const chosenEvents = readChosenEvents(context);
	const watchedTokens = readWatchedTokens(context);
	// A folder's event names the new file; the folder it was created in is what the trigger watches.
	const watchedToken = header.event_type === FOLDER_EVENT ? event.folder_token : event.file_token;
	const relevant =
		typeof header.event_type === 'string' &&
		chosenEvents.includes(header.event_type) &&
		typeof watchedToken === 'string' &&
		watchedTokens.has(watchedToken);
	if (!relevant) return [];
	const item: IDataObject = { schema: '2.0' };
	for (const field of HEADER_FIELDS) item[field] = header[field];
	item.event = event;
	return [{ deliveryId: payload.eventId, item }];
}

export const feishuCallbackFlow: CallbackFlow<FeishuCallback> = {
	verify: verifyCallback,

	handshake: (_context, payload) =>
		payload.kind === 'urlVerification' ? { body: { challenge: payload.challenge } } : undefined,

	select: selectDriveEvents,

	acknowledgement: () => ({ body: { msg: 'success' } }),

	deliveries: new TriggerDeliveryLogs(REPLAY_WINDOW_MS),
};
