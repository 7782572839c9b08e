import type { IDataObject } from 'n8n-workflow';
import { canRenewKdocsToken, kdocsBaseUrl } from '../../lib/kdocs';
import { SESSION_EXPIRES_AT_FIELD, SESSION_TOKEN_FIELD } from '../../lib/session';
import {
	backoffDelayMs,
	codeEnvelopeError,
	secondsHeaderToMs,
	vendorApiError,
	vendorRequest,
	type RequestContext,
	type VendorApi,
} from '../shared/transport';
import { asNodeError } from '../shared/validation';

export const TOO_MANY_WEBHOOKS = '30016';
export const MAX_WEBHOOKS_PER_DOCUMENT = 10;

const HINTS: Record<string, string> = {
	'10003':
		'The authorized user lacks permission on this document. Use the account that owns or can edit the file.',
	'20001': 'The authorization code is invalid or older than 5 minutes. Authorize the app again.',
	'20007':
		'The access token is invalid or expired. Paste a new token, or set App ID, App Key and Refresh Token in the credential so it renews itself.',
	[TOO_MANY_WEBHOOKS]: `Kdocs allows ${MAX_WEBHOOKS_PER_DOCUMENT} webhooks per document. Delete webhooks you no longer need (Kdocs node: Webhook > List Mine, then Delete).`,
};

export const kdocsApi: VendorApi = {
	name: 'Kdocs',
	credentialType: 'kdocsApi',
	baseUrl: kdocsBaseUrl,
	tokenField: SESSION_TOKEN_FIELD,
	tokenExpiresAtField: SESSION_EXPIRES_AT_FIELD,
	canRefreshToken: canRenewKdocsToken,
	readError: codeEnvelopeError(['message', 'msg', 'hint', 'result']),
	isTokenExpired: (error, response) => error.code === '20007' || response.statusCode === 401,
	rateLimitDelayMs: (_error, response, attempt) =>
		response.statusCode === 429
			? (secondsHeaderToMs(response.headers, 'retry-after') ?? backoffDelayMs(attempt))
			: undefined,
	hint: (error) => HINTS[error.code],
};

/** The eight dbt subscribe endpoints documented by Kdocs, keyed by the value the nodes use. */
export const WEBHOOK_KINDS = {
	sheetIcon: { name: 'Sheet Icon Changed', suffix: 'icon' },
	sheetDescription: { name: 'Sheet Description Changed', suffix: 'description' },
	sheetRemove: { name: 'Sheet Deleted', suffix: 'remove' },
	recordCreate: { name: 'Record Added', suffix: 'records/create' },
	fieldCreate: { name: 'Field Created', suffix: 'fields/create' },
	cellFieldsUpdate: { name: 'Cells of Fields Changed', suffix: 'cells/fields/update' },
	cellRecordsUpdate: { name: 'Cells of Records Changed', suffix: 'cells/records/update' },
	viewRemove: { name: 'View Deleted', suffix: 'remove' },
} as const;

export type WebhookKind = keyof typeof WEBHOOK_KINDS;

export interface WebhookTarget {
	fileToken: string;
	sheetId: string;
	kind: WebhookKind;
	viewId?: string;
	fields?: string[];
	records?: string[];
}

const dbtPath = (fileToken: string) => `/api/v1/openapi/dbt/${encodeURIComponent(fileToken)}`;

export function subscribePath(target: WebhookTarget): string {
	const sheet = `${dbtPath(target.fileToken)}/webhook/sheets/${encodeURIComponent(target.sheetId)}`;
	if (target.kind === 'viewRemove') {
		return `${sheet}/views/${encodeURIComponent(target.viewId ?? '')}/remove`;
	}
	return `${sheet}/${WEBHOOK_KINDS[target.kind].suffix}`;
}

/**
 * No public Kdocs page documents how a webhook is removed; this path follows the naming of the
 * documented endpoints (see README, "Kdocs: what is not confirmed"). It is the only place to change.
 */
export function deleteWebhookPath(fileToken: string, webhookId: string): string {
	return `${dbtPath(fileToken)}/webhook/${encodeURIComponent(webhookId)}`;
}

/** Percent-encodes what a URL may not carry literally (spaces, non-ASCII), as Kdocs asks for callback_url. */
export function encodeCallbackUrl(url: string): string {
	return new URL(url).toString();
}

export interface KdocsWebhook extends IDataObject {
	webhookId: string;
	callbackUrl: string;
}

export async function listMyWebhooks(
	this: RequestContext,
	fileToken: string,
	itemIndex?: number,
): Promise<KdocsWebhook[]> {
	const response = await vendorRequest.call(this, kdocsApi, {
		method: 'GET',
		path: `${dbtPath(fileToken)}/webhook/mine`,
		idempotent: true,
		itemIndex,
	});
	const data = (response.data ?? {}) as IDataObject;
	const list = (Array.isArray(data) ? data : (data.webhooks ?? data.items ?? data.list ?? [])) as IDataObject[];
	return list.map(({ webhook_id, callback_url, ...rest }) => ({
		...rest,
		webhookId: String(webhook_id ?? rest.id ?? ''),
		callbackUrl: decodeIfEncoded(String(callback_url ?? '')),
	}));
}

function decodeIfEncoded(url: string): string {
	return /^https?%3A/i.test(url) ? decodeURIComponent(url) : url;
}

/** Subscribes one event kind; on Kdocs' per-document limit, the error names the webhooks to delete. */
export async function createWebhook(
	this: RequestContext,
	target: WebhookTarget,
	callbackUrl: string,
	itemIndex?: number,
): Promise<string> {
	const body: IDataObject = { callback_url: encodeCallbackUrl(callbackUrl) };
	if (target.kind === 'cellFieldsUpdate') body.fields = target.fields ?? [];
	if (target.kind === 'cellRecordsUpdate') body.records = target.records ?? [];
	try {
		const response = await vendorRequest.call(this, kdocsApi, {
			method: 'POST',
			path: subscribePath(target),
			body,
			itemIndex,
		});
		const webhookId = ((response.data ?? {}) as IDataObject).webhook_id;
		if (webhookId === undefined || webhookId === null || webhookId === '') {
			throw vendorApiError(
				this,
				kdocsApi,
				{ code: 'no webhook_id', message: 'Kdocs accepted the subscription but returned no webhook_id' },
				{ statusCode: 200, headers: {}, body: response },
				itemIndex,
			);
		}
		return String(webhookId);
	} catch (error) {
		if ((error as { context?: IDataObject }).context?.vendorCode !== TOO_MANY_WEBHOOKS) {
			throw asNodeError(this, error);
		}
		const existing = await listMyWebhooks.call(this, target.fileToken, itemIndex).catch(() => []);
		const described = existing.map((hook) => `${hook.webhookId} (${hook.callbackUrl || 'no callback URL'})`);
		(error as Error & { description?: string }).description =
			`Kdocs allows ${MAX_WEBHOOKS_PER_DOCUMENT} webhooks per document and file ${target.fileToken} has reached it. ` +
			(described.length > 0
				? `Delete one of these webhooks first (Kdocs node: Webhook > Delete): ${described.join(', ')}.`
				: 'Delete webhooks you no longer need first (Kdocs node: Webhook > List Mine, then Delete).');
		throw asNodeError(this, error);
	}
}

/** Deletes a webhook; one that Kdocs no longer knows counts as deleted. Returns whether it still existed. */
export async function deleteWebhook(
	this: RequestContext,
	fileToken: string,
	webhookId: string,
	itemIndex?: number,
): Promise<boolean> {
	try {
		await vendorRequest.call(this, kdocsApi, {
			method: 'DELETE',
			path: deleteWebhookPath(fileToken, webhookId),
			idempotent: true,
			itemIndex,
		});
		return true;
	} catch (error) {
		if (String((error as { httpCode?: string }).httpCode) === '404') return false;
		throw asNodeError(this, error);
	}
}
