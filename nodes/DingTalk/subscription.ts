import type { IExecuteFunctions, IHookFunctions } from 'n8n-workflow';
import { invalidParameter, requireText } from '../shared/validation';
import { SCOPES, type Scope, type StorageSubscription } from './api';

/** DingTalk ids (CorpId, spaceId, unionId) are single tokens; whitespace inside means a paste went wrong. */
const SINGLE_TOKEN = /^\S+$/;

/** Reads and checks Scope, Scope ID and Operator Union ID before anything is sent to DingTalk. */
export function readSubscription(context: IExecuteFunctions | IHookFunctions, itemIndex = 0): StorageSubscription {
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
