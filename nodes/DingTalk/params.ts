import type { IExecuteFunctions, IHookFunctions, ITriggerFunctions, IWebhookFunctions } from 'n8n-workflow';
import { invalidParameter, requireText } from '../shared/validation';
import { SCOPES, type Scope, type StorageSubscription } from './api';

/** DingTalk ids (CorpId, spaceId, unionId) are single tokens; whitespace inside means a paste went wrong. */
const SINGLE_TOKEN = /^\S+$/;

/** Reads and checks Scope, Scope ID and Operator Union ID before anything is sent to DingTalk. */
export function readSubscription(
	context: IExecuteFunctions | IHookFunctions | ITriggerFunctions,
	itemIndex = 0,
): StorageSubscription {
	const scope = String(context.getNodeParameter('scope', itemIndex)) as Scope;
	if (!SCOPES.includes(scope)) {
		throw invalidParameter(context, `Scope must be ORG or SPACE, not "${scope}"`, 'Choose Organization or Space.', itemIndex);
	}
	const scopeId = requireText(context, context.getNodeParameter('scopeId', itemIndex, ''), 'Scope ID', itemIndex);
	const unionId = requireText(context, context.getNodeParameter('unionId', itemIndex, ''), 'Operator Union ID', itemIndex);
	for (const [label, value] of [
		['Scope ID', scopeId],
		['Operator Union ID', unionId],
	]) {
		if (!SINGLE_TOKEN.test(value)) {
			throw invalidParameter(context, `${label} must not contain spaces`, `"${value}" looks like more than one ID.`, itemIndex);
		}
	}
	return { scope, scopeId, unionId };
}

export function readUserId(context: IExecuteFunctions, itemIndex: number): string {
	return requireText(context, context.getNodeParameter('userId', itemIndex), 'User ID', itemIndex);
}

/** Checked on activation: a trigger without events would never start the workflow. */
export function requireEventTypes(context: IHookFunctions | ITriggerFunctions): string[] {
	const eventTypes = context.getNodeParameter('events') as string[];
	if (!eventTypes.length) {
		throw invalidParameter(context, 'Choose at least one event', 'Without events the trigger would never start the workflow.');
	}
	return eventTypes;
}

/** The storage event types the trigger starts on; other pushes are acknowledged and dropped. */
export function chosenEventTypes(context: IWebhookFunctions | ITriggerFunctions): string[] {
	return context.getNodeParameter('events', []) as string[];
}
