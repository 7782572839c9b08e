import type { IDataObject } from 'n8n-workflow';
import type { CallbackFlow, CallbackReply } from '../shared/callback-flow';
import { TriggerDeliveryLogs } from '../shared/callbacks';
import { encryptedSuccess } from './crypto';
import { chosenEventTypes } from './params';
import { firstText, verifyCallback, type VerifiedPush } from './verify';

const CHECK_URL_EVENT = 'check_url';

/** Duplicates within a day are dropped, per trigger; the replay window refuses anything older anyway. */
const deliveries = new TriggerDeliveryLogs(24 * 60 * 60 * 1000);

const eventTypeOf = (payload: IDataObject) => firstText(payload.EventType, payload.eventType);

/** The flat HTTP-push payload with its capitalised envelope fields renamed to match the storage fields. */
function eventItem(payload: IDataObject): IDataObject {
	const { EventType, EventTime, CorpId, BizId, ...fields } = payload;
	return {
		eventType: EventType,
		eventId: fields.eventId ?? BizId,
		eventTime: EventTime,
		corpId: CorpId,
		bizId: BizId,
		...fields,
	};
}

/** Every authentic push gets the encrypted "success" at once; DingTalk retries anything else. */
function encryptedSuccessReply({ token, aesKey, ownerKey }: VerifiedPush): CallbackReply {
	return { body: encryptedSuccess(token, aesKey, ownerKey) };
}

export const dingTalkCallbackFlow: CallbackFlow<VerifiedPush> = {
	verify: verifyCallback,
	// DingTalk's URL check expects the same encrypted "success" as any push.
	handshake: (_context, push) => (eventTypeOf(push.payload) === CHECK_URL_EVENT ? encryptedSuccessReply(push) : undefined),
	select(context, { payload }) {
		// Pushes without an event type, and event types not chosen, are acknowledged and dropped.
		const eventType = eventTypeOf(payload);
		if (!eventType || !chosenEventTypes(context).includes(eventType)) return [];
		return [{ deliveryId: firstText(payload.eventId, payload.BizId), item: eventItem(payload) }];
	},
	acknowledgement: (_context, push) => encryptedSuccessReply(push),
	deliveries,
};
