import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';
import {
	APP_CREDENTIAL_TYPE,
	feishuBaseUrl,
	USER_SIGN_IN_AUTHENTICATION,
	USER_SIGN_IN_CREDENTIAL_TYPE,
	usesUserToken,
} from '../../lib/feishu';
import {
	backoffDelayMs,
	codeEnvelopeError,
	secondsHeaderToMs,
	vendorRequest,
	type RequestContext,
	type VendorApi,
} from '../shared/transport';
import { asNodeError } from '../shared/validation';
import { SESSION_EXPIRES_AT_FIELD, SESSION_TOKEN_FIELD } from '../../lib/session';

/** Codes with which Feishu reports an expired or revoked token (HTTP 200 or 400, never 401); the official Go SDK refreshes on these. */
export const TOKEN_EXPIRED_CODES = new Set(['99991663', '99991664', '99991671']);
/** Codes with which Feishu reports an expired or invalid user_access_token (vendor-feishu.md 3; HTTP 200 or 400). */
export const USER_TOKEN_EXPIRED_CODES = new Set(['99991668', '99991677']);
export const RATE_LIMITED_CODE = '99991400';
export const NOT_SUBSCRIBED_CODE = '1069605';

const HINTS: Record<string, string> = {
	'1069601': 'Feishu could not complete the subscription call. It is safe to run the node again.',
	'1069602':
		'Feishu rejected the parameters. Check that the file token belongs to the chosen file type (a folder token needs the type Folder).',
	'1069603':
		'The app (or user) may not manage this file. For a tenant token, open the file in Feishu, choose "…" > "More" > "Add Application" and add this app (it appears there only once it has at least one docs scope, e.g. docs:event:subscribe). For a user token, share the file with that user with manage rights. drive.file.read_v1 also needs the tenant\'s document access recording turned on.',
	'1069604': 'No file with this token and type exists, or it was deleted. Copy the token from the file\'s URL again and check the file type.',
	[NOT_SUBSCRIBED_CODE]: 'The file is not subscribed.',
	'1064230': 'The file is locked while Feishu migrates its data. Try again later.',
	'99991663': 'The tenant access token is invalid or expired. Check the App ID and App Secret.',
	'99991664': 'The app access token is invalid or expired. Check the App ID and App Secret.',
	'99991671': 'The access token is invalid. For a user token, paste a new one; for a tenant token, check the App ID and App Secret.',
	'99991668':
		'The user access token is invalid or expired. With User (Sign In with Feishu), open the credential and sign in again; a pasted token must be replaced.',
	'99991677':
		'The user access token has expired. With User (Sign In with Feishu), open the credential and sign in again; a pasted token must be replaced.',
	'99991672': 'The app lacks an API scope. Enable one of docs:doc, docs:event:subscribe, drive:drive or sheets:spreadsheet and publish a new app version.',
	[RATE_LIMITED_CODE]: 'Feishu rate limit reached (subscribe: 50/s and 1000/min; status and unsubscribe: 10/min). Run fewer items at a time.',
};

export const feishuApi: VendorApi = {
	name: 'Feishu',
	credentialType: APP_CREDENTIAL_TYPE,
	baseUrl: (credentials: ICredentialDataDecryptedObject) => feishuBaseUrl(credentials),
	tokenField: SESSION_TOKEN_FIELD,
	tokenExpiresAtField: SESSION_EXPIRES_AT_FIELD,
	canRefreshToken: (credentials) => !usesUserToken(credentials),
	readError: codeEnvelopeError(['msg', 'message']),
	isTokenExpired: (error) => TOKEN_EXPIRED_CODES.has(error.code),
	// Some older Feishu APIs signal the limit with HTTP 400 instead of 429; the code is the same.
	rateLimitDelayMs: (error, response, attempt) =>
		response.statusCode === 429 || error.code === RATE_LIMITED_CODE
			? (secondsHeaderToMs(response.headers, 'x-ogw-ratelimit-reset') ?? backoffDelayMs(attempt))
			: undefined,
	hint: (error) => HINTS[error.code],
};

/** The signed-in user's identity: n8n holds the OAuth2 token and renews it, here also on Feishu's own expiry codes. */
export const feishuUserApi: VendorApi = {
	...feishuApi,
	credentialType: USER_SIGN_IN_CREDENTIAL_TYPE,
	oAuth2: true,
	tokenField: undefined,
	tokenExpiresAtField: undefined,
	canRefreshToken: undefined,
	isTokenExpired: (error) => USER_TOKEN_EXPIRED_CODES.has(error.code),
};

/**
 * The API profile of the node's Authentication choice. It is read from the node as saved, not per item:
 * the parameter takes no expression, and the triggers' contexts have no items.
 */
export function feishuApiOf(context: RequestContext): VendorApi {
	return context.getNode().parameters.authentication === USER_SIGN_IN_AUTHENTICATION ? feishuUserApi : feishuApi;
}

export const FILE_TYPES = ['bitable', 'doc', 'docx', 'file', 'folder', 'sheet', 'slides'] as const;
export type FileType = (typeof FILE_TYPES)[number];

/** The only event type Feishu accepts, and then requires, on a folder subscription; note the missing "drive." prefix. */
export const FOLDER_EVENT_TYPE = 'file.created_in_folder_v1';

/** The header.event_type of what that subscription delivers: a file was created in the folder. */
export const FOLDER_EVENT = 'drive.file.created_in_folder_v1';

export interface WatchedFile {
	fileToken: string;
	fileType: FileType;
}

export const watchedFileKey = (file: WatchedFile) => `${file.fileType}:${file.fileToken}`;

/** The query every subscription call takes; event_type is sent for folders only, as Feishu demands. */
export function subscriptionQuery(fileType: FileType): IDataObject {
	return fileType === 'folder' ? { file_type: fileType, event_type: FOLDER_EVENT_TYPE } : { file_type: fileType };
}

const filePath = (fileToken: string, action: string) =>
	`/open-apis/drive/v1/files/${encodeURIComponent(fileToken)}/${action}`;

export async function subscribeFile(this: RequestContext, file: WatchedFile, itemIndex?: number): Promise<void> {
	await vendorRequest.call(this, feishuApiOf(this), {
		method: 'POST',
		path: filePath(file.fileToken, 'subscribe'),
		qs: subscriptionQuery(file.fileType),
		// Subscribing twice is harmless, and Feishu asks callers to retry 1069601 (HTTP 500).
		idempotent: true,
		itemIndex,
	});
}

/** 1069605 is an answer ("not subscribed"), not a failure; any other error travels on as it is. */
const isNotSubscribed = (error: unknown) =>
	(error as { context?: IDataObject }).context?.vendorCode === NOT_SUBSCRIBED_CODE;

/** Reads the subscription state; Feishu's older SDKs spell the field is_subseribe, so both are read. */
export async function isFileSubscribed(this: RequestContext, file: WatchedFile, itemIndex?: number): Promise<boolean> {
	try {
		const response = await vendorRequest.call(this, feishuApiOf(this), {
			method: 'GET',
			path: filePath(file.fileToken, 'get_subscribe'),
			qs: subscriptionQuery(file.fileType),
			idempotent: true,
			itemIndex,
		});
		const data = (response.data ?? {}) as IDataObject;
		return (data.is_subscribe ?? data.is_subseribe) === true;
	} catch (error) {
		if (isNotSubscribed(error)) return false;
		throw asNodeError(this, error);
	}
}

/** Removes every event subscription of the file; returns false when it was not subscribed (1069605). */
export async function unsubscribeFile(this: RequestContext, file: WatchedFile, itemIndex?: number): Promise<boolean> {
	try {
		await vendorRequest.call(this, feishuApiOf(this), {
			method: 'DELETE',
			path: filePath(file.fileToken, 'delete_subscribe'),
			qs: subscriptionQuery(file.fileType),
			idempotent: true,
			itemIndex,
		});
		return true;
	} catch (error) {
		if (isNotSubscribed(error)) return false;
		throw asNodeError(this, error);
	}
}
