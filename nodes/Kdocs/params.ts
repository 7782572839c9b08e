import type { IExecuteFunctions, IHookFunctions, IWebhookFunctions } from 'n8n-workflow';
import { invalidParameter, readParameter, requireHttpUrl, requireText, textList } from '../shared/validation';
import { WEBHOOK_KINDS, type WebhookKind, type WebhookTarget } from './api';

const FILE_TOKEN = /^[A-Za-z0-9_-]+$/;
const SHEET_ID = /^[0-9]+$/;

/** The File parameter's token; List Mine and Delete need only that it is there. */
export function readFileToken(context: IExecuteFunctions | IHookFunctions, itemIndex = 0): string {
	return requireText(context, readParameter(context, 'file', itemIndex, '', { extractValue: true }), 'File', itemIndex);
}

/** Reads and checks the File / Sheet / Event parameters before anything is sent to Kdocs. */
export function readWebhookTarget(context: IExecuteFunctions | IHookFunctions, itemIndex = 0): WebhookTarget {
	const fileToken = readFileToken(context, itemIndex);
	if (!FILE_TOKEN.test(fileToken)) {
		throw invalidParameter(context, 'File is not a valid file token', `"${fileToken}" contains characters a Kdocs file token never has.`, itemIndex);
	}
	const sheetId = requireText(context, readParameter(context, 'sheet', itemIndex, '', { extractValue: true }), 'Sheet', itemIndex);
	if (!SHEET_ID.test(sheetId)) {
		throw invalidParameter(context, 'Sheet must be a numeric sheet ID', `"${sheetId}" is not a number.`, itemIndex);
	}
	const kind = readParameter(context, 'event', itemIndex, '') as WebhookKind;
	if (!(kind in WEBHOOK_KINDS)) {
		throw invalidParameter(context, `Unknown event "${String(kind)}"`, 'Choose one of the listed events.', itemIndex);
	}
	const target: WebhookTarget = { fileToken, sheetId, kind };
	if (kind === 'cellFieldsUpdate') {
		target.fields = textList(readParameter(context, 'fields', itemIndex, []));
		if (target.fields.length === 0) {
			throw invalidParameter(context, 'Choose at least one field', 'Kdocs reports cell changes only for the listed fields.', itemIndex);
		}
	}
	if (kind === 'cellRecordsUpdate') {
		target.records = textList(readParameter(context, 'records', itemIndex, ''));
		if (target.records.length === 0) {
			throw invalidParameter(context, 'Enter at least one record ID', 'Kdocs reports cell changes only for the listed records.', itemIndex);
		}
	}
	if (kind === 'viewRemove') {
		target.viewId = requireText(context, readParameter(context, 'view', itemIndex, ''), 'View', itemIndex);
	}
	return target;
}

/** The action node's Callback URL, as Create sends it. */
export function readCallbackUrl(context: IExecuteFunctions, itemIndex: number): string {
	return requireHttpUrl(context, context.getNodeParameter('callbackUrl', itemIndex), 'Callback URL', itemIndex).toString();
}

export function readWebhookId(context: IExecuteFunctions, itemIndex: number): string {
	return requireText(context, context.getNodeParameter('webhookId', itemIndex), 'Webhook ID', itemIndex);
}

/**
 * The trigger's Event as a callback reads it: not checked again, since activation did, and a callback
 * is no place to report a parameter error.
 */
export function readTriggerEvent(context: IWebhookFunctions): WebhookKind {
	return context.getNodeParameter('event') as WebhookKind;
}

/** The trigger's File, read the same way, for a callback that arrives before n8n has saved the registration. */
export function readTriggerFileToken(context: IWebhookFunctions): string {
	return String(context.getNodeParameter('file', '', { extractValue: true }));
}
