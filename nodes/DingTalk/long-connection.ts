import type { IDataObject, ITriggerFunctions } from 'n8n-workflow';
import { plainObject } from '../shared/callbacks';
import { forLog } from '../shared/log';
import type { ConnectionLink, LongConnectionProtocol } from '../shared/long-connection';
import type { Deliver } from '../shared/stream-trigger';
import { openStreamTicket, streamConnectUrl } from './api';
import { selectedStorageEvents } from './callback';
import { chosenEventTypes } from './params';
import { firstText } from './verify';

/**
 * DingTalk Stream mode, as its protocol page and SDKs describe it: JSON text frames
 * `{specVersion, type: SYSTEM | EVENT | CALLBACK, headers, data: "<JSON string>"}` one way, and answers
 * `{code, headers: {contentType, messageId}, message, data: "<JSON string>"}` the other.
 */
export const streamPolicy = {
	/**
	 * Silence after which the connection counts as half-open and is replaced. DingTalk documents no interval
	 * for its SYSTEM pings; third parties see one every 20–30 s. 120 s is four such pings missed: a server
	 * that pings more rarely costs at most one reconnect (a fresh ticket) every two minutes, which loses
	 * nothing, since an event that was not acknowledged is delivered again; a dead connection is still
	 * replaced within two minutes.
	 */
	idleTimeoutMs: 120_000,
};

export interface StreamFrame {
	type: string;
	headers: IDataObject;
	/** The payload, itself JSON text; empty when the frame had none. */
	data: string;
}

/** A frame as it arrived, or undefined for anything that is not a JSON object with a type (then skipped). */
export function parseFrame(text: string): StreamFrame | undefined {
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		return undefined;
	}
	const frame = plainObject(parsed);
	if (!frame || typeof frame.type !== 'string') return undefined;
	return { type: frame.type, headers: plainObject(frame.headers) ?? {}, data: typeof frame.data === 'string' ? frame.data : '' };
}

/** The answer to an EVENT or CALLBACK frame; `data` travels as JSON text. */
export function ackFrame(messageId: string, data: IDataObject): string {
	return JSON.stringify({ code: 200, headers: { contentType: 'application/json', messageId }, message: 'OK', data: JSON.stringify(data) });
}

/** The answer to a SYSTEM frame, as DingTalk's SDK sends it to a ping: its headers and data echoed. */
export function systemReply(frame: StreamFrame): string {
	return JSON.stringify({ code: 200, headers: frame.headers, message: 'OK', data: frame.data });
}

function parsedData(frame: StreamFrame): IDataObject | undefined {
	try {
		return plainObject(JSON.parse(frame.data));
	} catch {
		return undefined;
	}
}

/**
 * An EVENT frame as the flat payload an HTTP push carries, so that both become the same item: the
 * envelope travels in the headers (eventType, eventId, eventBornTime, eventCorpId) and the storage fields
 * in `data`. Stream carries no BizId; DingTalk describes it as the idempotency key, which eventId is, so
 * bizId repeats the eventId.
 */
export function streamEventPayload(headers: IDataObject, data: IDataObject): IDataObject {
	const eventId = firstText(headers.eventId, data.eventId);
	const bornAt = Number(headers.eventBornTime);
	return {
		...data,
		EventType: firstText(headers.eventType, data.EventType, data.eventType),
		EventTime: headers.eventBornTime !== undefined && Number.isFinite(bornAt) ? bornAt : headers.eventBornTime,
		CorpId: firstText(headers.eventCorpId, data.CorpId),
		BizId: firstText(data.BizId, eventId),
		eventId,
	};
}

/**
 * The trigger's side of a Stream connection. Every EVENT is answered once its execution has been handed
 * to n8n: SUCCESS, or LATER when n8n refused it (DingTalk then delivers it again). A test listener
 * ("Listen for test event") answers LATER to every event, so that an event it shows is still delivered
 * to the app's active workflows; n8n ends the test after the first event.
 */
export async function dingTalkStreamProtocol(this: ITriggerFunctions, deliver: Deliver): Promise<LongConnectionProtocol> {
	const chosenTypes = chosenEventTypes(this);
	const consumes = this.getMode() !== 'manual';
	const warn = (message: string) => this.logger.warn(`DingTalk Stream: ${message}`);

	const onEvent = (frame: StreamFrame, messageId: string, link: ConnectionLink) => {
		const data = parsedData(frame);
		if (!data) {
			// Delivering it again would not make it readable.
			warn(`event ${forLog(messageId, 80)} carried no JSON object and was dropped`);
			link.send(ackFrame(messageId, { status: 'SUCCESS' }));
			return;
		}
		const events = selectedStorageEvents(streamEventPayload(frame.headers, data), chosenTypes, messageId);
		const started = deliver(events);
		link.send(ackFrame(messageId, { status: started && consumes ? 'SUCCESS' : 'LATER' }));
	};

	return {
		name: 'DingTalk Stream',
		binaryFrames: false,
		// The credential is read for every ticket, so that a corrected App Secret is used at the next reconnect.
		openEndpoint: async () => streamConnectUrl(await openStreamTicket.call(this, await this.getCredentials('dingTalkApi'))),
		idleTimeoutMs: () => streamPolicy.idleTimeoutMs,
		onFrame(raw, link) {
			if (typeof raw !== 'string') return;
			const frame = parseFrame(raw);
			if (!frame) return;
			const messageId = firstText(frame.headers.messageId);
			if (frame.type === 'SYSTEM') {
				const topic = frame.headers.topic;
				if (topic === 'ping') link.send(systemReply(frame));
				if (topic === 'disconnect') {
					// DingTalk closes this connection about 10 s later; a new ticket opens the next one now.
					link.send(systemReply(frame));
					link.renew(`DingTalk asked to reconnect (${forLog(frame.data, 120)})`);
				}
				// CONNECTED, REGISTERED, KEEPALIVE and anything newer need no answer.
				return;
			}
			if (!messageId) return;
			if (frame.type === 'EVENT') onEvent(frame, messageId, link);
			// Bot messages and cards are not subscribed; one that arrives anyway is answered, so it is not pushed again.
			else if (frame.type === 'CALLBACK') link.send(ackFrame(messageId, { response: null }));
		},
	};
}
