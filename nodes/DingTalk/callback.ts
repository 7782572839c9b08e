import type { IDataObject } from 'n8n-workflow';
import type { CallbackEvent, CallbackFlow, CallbackReply } from '../shared/callback-flow';
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

/**
 * The storage event a payload carries, as the item the workflow gets, if its type is one of the chosen
 * ones: shared by HTTP push and Stream mode, so that both start the workflow with the same items. Its
 * delivery id is the eventId (BizId, then `fallbackId`, where a payload lacks one).
 */
export function selectedStorageEvents(payload: IDataObject, chosenTypes: string[], fallbackId?: string): CallbackEvent[] {
	// Events without a type, and types not chosen, are acknowledged and dropped.
	const eventType = eventTypeOf(payload);
	if (!eventType || !chosenTypes.includes(eventType)) return [];
	return [{ deliveryId: firstText(payload.eventId, payload.BizId, fallbackId), item: eventItem(payload) }];
}

/** Every authentic push gets the encrypted "success" at once; DingTalk retries anything else. */
function encryptedSuccessReply({ token, aesKey, ownerKey }: VerifiedPush): CallbackReply {
	return { body: encryptedSuccess(token, aesKey, ownerKey) };
}

export const dingTalkCallbackFlow: CallbackFlow<VerifiedPush> = {
	verify: verifyCallback,
	// DingTalk's URL check expects the same encrypted "success" as any push.
	handshake: (_context, push) => (eventTypeOf(push.payload) === CHECK_URL_EVENT ? encryptedSuccessReply(push) : undefined),
	select: (context, { payload }) => selectedStorageEvents(payload, chosenEventTypes(context)),
	acknowledgement: (_context, push) => encryptedSuccessReply(push),
	deliveries,
};
