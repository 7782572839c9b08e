import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';
import { rejectCallback, replyToCallback, type TriggerDeliveryLogs } from './callbacks';

/** Why a callback is refused, and what to answer: nothing runs and no vendor is contacted. */
export interface CallbackRejection {
	status: number;
	reason: string;
	/** e.g. Retry-After, for a vendor that should deliver again later. */
	headers?: Record<string, string>;
}

/** A vendor `verify` module's answer: the authentic payload, or the rejection to send instead. */
export type Verification<Payload> = { verified: Payload } | { rejected: CallbackRejection };

/** What a trigger answers without starting the workflow (a handshake, an acknowledgement). */
export interface CallbackReply {
	body: unknown;
	status?: number;
}

/** One event the trigger was set to start on; the delivery id, where the vendor has one, de-duplicates it. */
export interface CallbackEvent {
	deliveryId?: string;
	item: IDataObject;
}

/**
 * The steps of a trigger's webhook(), the same for every vendor: verify → answer handshakes → filter →
 * de-duplicate → emit. Only verify sees the request unchecked; every later step gets its result.
 */
export interface CallbackFlow<Payload> {
	verify(context: IWebhookFunctions): Promise<Verification<Payload>>;
	/** Vendor handshakes (URL challenge, check_url, subscription confirmation): their reply, or undefined. */
	handshake?(context: IWebhookFunctions, payload: Payload): Promise<CallbackReply | undefined> | CallbackReply | undefined;
	/** The events this trigger's parameters select; the others are acknowledged and dropped. */
	select(context: IWebhookFunctions, payload: Payload): CallbackEvent[];
	/** The vendor's "received" answer, sent to every authentic callback that is not a handshake. */
	acknowledgement(context: IWebhookFunctions, payload: Payload): CallbackReply;
	/** Remembers delivery ids per trigger, so that a vendor's redelivery starts no second execution. */
	deliveries: TriggerDeliveryLogs;
}

export function rejected(status: number, reason: string, headers?: Record<string, string>): { rejected: CallbackRejection } {
	return { rejected: { status, reason, ...(headers ? { headers } : {}) } };
}

/** The rejection for a request that failed authentication: 401, and nothing said about why. */
export const UNAUTHORIZED: { rejected: CallbackRejection } = rejected(401, 'Unauthorized');

/** Runs a trigger's callback flow and answers the vendor; the workflow starts only for new, selected events. */
export async function answerCallback<Payload>(
	this: IWebhookFunctions,
	flow: CallbackFlow<Payload>,
): Promise<IWebhookResponseData> {
	const verification = await flow.verify(this);
	if ('rejected' in verification) {
		const { status, reason, headers } = verification.rejected;
		if (headers) {
			const response = this.getResponseObject();
			for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
		}
		return rejectCallback.call(this, status, reason);
	}
	const payload = verification.verified;
	const handshakeReply = await flow.handshake?.(this, payload);
	if (handshakeReply) return replyToCallback.call(this, handshakeReply.body, handshakeReply.status);

	const log = flow.deliveries.of(this);
	const fresh = flow
		.select(this, payload)
		.filter((event) => event.deliveryId === undefined || log.firstDelivery(event.deliveryId));
	const acknowledgement = flow.acknowledgement(this, payload);
	replyToCallback.call(this, acknowledgement.body, acknowledgement.status);
	if (fresh.length === 0) return { noWebhookResponse: true };
	return { workflowData: [this.helpers.returnJsonArray(fresh.map((event) => event.item))], noWebhookResponse: true };
}
