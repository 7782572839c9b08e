import { createHash } from 'node:crypto';
import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';
import type { CallbackEvent, CallbackFlow, CallbackReply } from '../shared/callback-flow';
import { TriggerDeliveryLogs } from '../shared/callbacks';
import { forLog } from '../shared/log';
import { getCallbackLink } from './api';
import { NOTIFICATION_TYPE } from './crypto';
import { CONFIRMATION_TYPES, verifyCallback, type VerifiedMessage } from './verify';

/**
 * De-duplication keys of a verified message, prefixed with the workflow and node it reached (each
 * trigger keeps its own history): one for its signed content, the string to sign its signature covers,
 * so that one signed content runs at most once whatever is done to the unsigned fields; and one for its
 * message ID, as SMN advises. Hashed, so a key's size does not depend on the message.
 */
export function deliveryKeys(
	scope: { workflowId: string; nodeId: string },
	messageId: string,
	signedText: string,
): { content: string; id: string } {
	const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest('base64url');
	const prefix = JSON.stringify([scope.workflowId, scope.nodeId]);
	return { content: `${prefix}:content:${digest(signedText)}`, id: `${prefix}:id:${digest(messageId)}` };
}

/**
 * Nesting beyond this is kept as text: n8n stores every item as JSON, and serialising a value nested
 * thousands deep overflows the stack. SMN messages are at most 256 KB, so the scan is cheap.
 */
const MAX_MESSAGE_NESTING = 128;

function nestingDepthExceeds(text: string, limit: number): boolean {
	let depth = 0;
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const character = text[i];
		if (inString) {
			if (character === '\\') i++;
			else if (character === '"') inString = false;
		} else if (character === '"') inString = true;
		else if (character === '{' || character === '[') {
			if (++depth > limit) return true;
		} else if (character === '}' || character === ']') depth--;
	}
	return false;
}

/** Notification message text, parsed when it holds a JSON object or array (nested at most 128 deep). */
export function parseMessageText(text: string): unknown {
	const trimmed = text.trim();
	if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return text;
	if (nestingDepthExceeds(trimmed, MAX_MESSAGE_NESTING)) return text;
	try {
		return JSON.parse(trimmed) as unknown;
	} catch {
		return text;
	}
}

const DELIVERY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * What has run, per trigger (see deliveryKeys): the signed content of each message, so that one signed
 * content runs at most once however its unsigned fields are dressed up, and, as SMN advises, its message
 * ID. Two logs, so that each remembers the last 10,000 messages. Every authentic message is recorded in
 * both.
 */
const deliveredContent = new TriggerDeliveryLogs(DELIVERY_TTL_MS);
const deliveredIds = new TriggerDeliveryLogs(DELIVERY_TTL_MS);

const RECEIVED: CallbackReply = { body: 'OK' };
/** A 5xx makes SMN deliver the confirmation again later. */
const CONFIRMATION_FAILED: CallbackReply = { body: 'Confirmation failed', status: 502 };

function deliveryKeysOf(context: IWebhookFunctions, { message, signedText }: VerifiedMessage): { content: string; id: string } {
	const node = context.getNode();
	const scope = { workflowId: String(context.getWorkflow().id ?? ''), nodeId: node.id ?? node.name };
	return deliveryKeys(scope, message.message_id, signedText);
}

async function confirmSubscription(context: IWebhookFunctions, subscribeUrl: string): Promise<boolean> {
	try {
		const response = await getCallbackLink(context, subscribeUrl);
		return response.statusCode >= 200 && response.statusCode < 300;
	} catch (error) {
		context.logger.warn(`SMN subscription could not be confirmed: ${forLog((error as Error)?.message)}`);
		return false;
	}
}

/**
 * Answers every message that is not a notification, without running the workflow: a subscription
 * confirmation by fetching its subscribe_url (verified and allow-listed), the other types with OK. They
 * are de-duplicated here, before the flow would, so that a redelivered confirmation fetches nothing.
 */
async function answerNonNotification(context: IWebhookFunctions, delivery: VerifiedMessage): Promise<CallbackReply | undefined> {
	const { message } = delivery;
	if (message.type === NOTIFICATION_TYPE) return undefined;
	const keys = deliveryKeysOf(context, delivery);
	const contents = deliveredContent.of(context);
	const ids = deliveredIds.of(context);
	const newContent = contents.firstDelivery(keys.content);
	const newId = ids.firstDelivery(keys.id);
	if (!newContent || !newId || !CONFIRMATION_TYPES.includes(message.type)) return RECEIVED;
	if (await confirmSubscription(context, message.subscribe_url as string)) return RECEIVED;
	contents.forget(keys.content);
	ids.forget(keys.id);
	return CONFIRMATION_FAILED;
}

/** A notification as the item the workflow gets, unless its message ID has run; the flow checks its signed content. */
function selectNotification(context: IWebhookFunctions, delivery: VerifiedMessage): CallbackEvent[] {
	const keys = deliveryKeysOf(context, delivery);
	if (!deliveredIds.of(context).firstDelivery(keys.id)) {
		deliveredContent.of(context).firstDelivery(keys.content);
		return [];
	}
	const { message } = delivery;
	const subscriptionUrn = context.getHeaderData()['x-smn-subscription-urn'];
	return [
		{
			deliveryId: keys.content,
			item: {
				type: message.type,
				messageId: message.message_id,
				topicUrn: message.topic_urn,
				subject: message.subject ?? '',
				message: parseMessageText(message.message) as IDataObject,
				rawMessage: message.message,
				timestamp: message.timestamp,
				...(typeof subscriptionUrn === 'string' ? { subscriptionUrn } : {}),
			},
		},
	];
}

export const smnCallbackFlow: CallbackFlow<VerifiedMessage> = {
	verify: verifyCallback,
	handshake: answerNonNotification,
	select: selectNotification,
	acknowledgement: () => RECEIVED,
	deliveries: deliveredContent,
};
