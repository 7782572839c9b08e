import type { IDataObject, IExecuteFunctions, IHookFunctions, ITriggerFunctions, IWebhookFunctions } from 'n8n-workflow';
import { invalidParameter, readParameter, requireText } from '../shared/validation';
import { FILE_TYPES, watchedFileKey, type FileType, type WatchedFile } from './api';

const FILE_TOKEN = /^[A-Za-z0-9_-]+$/;

/** Pasted Feishu / Lark links: /docx/<token>, /sheets/<token>, /base/<token>, /drive/folder/<token>, … */
export const FILE_URL_REGEX =
	'https?://[^/]+/(?:docx|docs|doc|sheets|sheet|base|bitable|file|slides|drive/folder)/([A-Za-z0-9_-]+)';

type Context = IExecuteFunctions | IHookFunctions | ITriggerFunctions;

/** The triggers' contexts: the HTTP-push trigger's hooks and webhook(), the long-connection trigger's trigger(). */
export type TriggerParameterContext = IHookFunctions | ITriggerFunctions;
type EventContext = IWebhookFunctions | ITriggerFunctions;

/** Checks a token / type pair before it reaches Feishu, so that a bad item fails without a network call. */
function checkWatchedFile(context: Context, token: unknown, type: unknown, itemIndex?: number): WatchedFile {
	const fileToken = requireText(context, token, 'File', itemIndex);
	if (!FILE_TOKEN.test(fileToken)) {
		throw invalidParameter(
			context,
			'File is not a valid file token',
			`"${fileToken}" contains characters a Feishu file token never has. Paste the token or the file's link.`,
			itemIndex,
		);
	}
	const fileType = String(type ?? '') as FileType;
	if (!FILE_TYPES.includes(fileType)) {
		throw invalidParameter(
			context,
			`Unknown file type "${fileType}"`,
			`Use one of: ${FILE_TYPES.join(', ')}. A folder is subscribed only to "created in folder" events; every other type to all of its events.`,
			itemIndex,
		);
	}
	return { fileToken, fileType };
}

/** The action node's File / File Type parameters of one item. */
export function readItemFile(context: IExecuteFunctions, itemIndex: number): WatchedFile {
	return checkWatchedFile(
		context,
		context.getNodeParameter('file', itemIndex, '', { extractValue: true }),
		context.getNodeParameter('fileType', itemIndex),
		itemIndex,
	);
}

/** The raw entries of the trigger's "Files and Folders" collection. */
function watchedFileEntries(files: unknown): IDataObject[] {
	return (((files ?? {}) as IDataObject).file ?? []) as IDataObject[];
}

const FILE_URL = new RegExp(FILE_URL_REGEX);

/** Accepts either a bare token or a pasted link in the trigger's plain string field. */
function extractToken(value: unknown): unknown {
	if (typeof value !== 'string') return value;
	const match = FILE_URL.exec(value.trim());
	return match ? match[1] : value;
}

/**
 * The trigger's watched files, de-duplicated, in the order entered, after checking its parameters: with
 * no event type chosen every delivery would be dropped, so activation fails instead.
 */
export function readTriggerFiles(context: TriggerParameterContext): WatchedFile[] {
	const events = readParameter(context, 'events', 0, []);
	if (!Array.isArray(events) || events.length === 0) {
		throw invalidParameter(context, 'Choose at least one event', 'The trigger starts the workflow only for the chosen event types.');
	}
	const entries = watchedFileEntries(readParameter(context, 'files', 0, {}));
	if (entries.length === 0) {
		throw invalidParameter(context, 'Add at least one file or folder to watch', 'Feishu sends drive events only for subscribed files.');
	}
	const unique = new Map<string, WatchedFile>();
	for (const entry of entries) {
		const file = checkWatchedFile(context, extractToken(entry.file), entry.fileType);
		unique.set(watchedFileKey(file), file);
	}
	return [...unique.values()];
}

/** The event types a callback may start the workflow for; activation already refused an empty choice. */
export function readChosenEvents(context: EventContext): string[] {
	return context.getNodeParameter('events', []) as string[];
}

/** The tokens an event's file (or folder) must have to start the workflow; a pasted link counts by its token. */
export function readWatchedTokens(context: EventContext): Set<string> {
	return new Set(
		watchedFileEntries(context.getNodeParameter('files', {})).map((entry) => String(extractToken(entry.file)).trim()),
	);
}
