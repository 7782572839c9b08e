import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { invalidParameter, requireText } from '../shared/validation';

const MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_SUBJECT_BYTES = 512;
const MAX_TAG_NAME_CHARS = 21;
const MAX_TAG_VALUE_BYTES = 1024;
const MAX_TTL_SECONDS = 86_400;

function requireMaxBytes(context: IExecuteFunctions, value: string, limit: number, label: string, itemIndex: number): string {
	const bytes = Buffer.byteLength(value, 'utf8');
	if (bytes > limit) {
		throw invalidParameter(context, `${label} is too long (${bytes} bytes)`, `SMN accepts at most ${limit} bytes of UTF-8.`, itemIndex);
	}
	return value;
}

/** Builds the publish body from the node parameters, rejecting what SMN would refuse. */
export function readPublishBody(context: IExecuteFunctions, itemIndex: number): IDataObject {
	const content = context.getNodeParameter('content', itemIndex) as string;
	const options = context.getNodeParameter('publishOptions', itemIndex, {}) as IDataObject;
	const body: IDataObject = {};

	if (content === 'message') {
		const message = requireText(context, context.getNodeParameter('message', itemIndex, ''), 'Message', itemIndex);
		body.message = requireMaxBytes(context, message, MAX_MESSAGE_BYTES, 'Message', itemIndex);
	} else if (content === 'structure') {
		const raw = context.getNodeParameter('messageStructure', itemIndex, '') as unknown;
		const text = typeof raw === 'string' ? requireText(context, raw, 'Message Structure', itemIndex) : JSON.stringify(raw);
		let parsed: unknown;
		try {
			parsed = JSON.parse(text);
		} catch {
			throw invalidParameter(context, 'Message Structure is not valid JSON', 'Enter a JSON object such as {"default": "...", "email": "..."}.', itemIndex);
		}
		if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || typeof (parsed as IDataObject).default !== 'string') {
			throw invalidParameter(
				context,
				'Message Structure needs a "default" message',
				'It must be a JSON object whose "default" key holds the text for protocols without their own entry.',
				itemIndex,
			);
		}
		body.message_structure = requireMaxBytes(context, JSON.stringify(parsed), MAX_MESSAGE_BYTES, 'Message Structure', itemIndex);
	} else if (content === 'template') {
		body.message_template_name = requireText(context, context.getNodeParameter('templateName', itemIndex, ''), 'Template Name', itemIndex);
		const tags: IDataObject = {};
		const entries = ((context.getNodeParameter('templateTags', itemIndex, {}) as IDataObject).tag ?? []) as IDataObject[];
		for (const entry of entries) {
			const name = requireText(context, entry.name, 'Tag Name', itemIndex);
			if (name.length > MAX_TAG_NAME_CHARS) {
				throw invalidParameter(context, `Tag name "${name}" is too long`, `Template tag names have at most ${MAX_TAG_NAME_CHARS} characters.`, itemIndex);
			}
			tags[name] = requireMaxBytes(context, String(entry.value ?? ''), MAX_TAG_VALUE_BYTES, `Tag "${name}"`, itemIndex);
		}
		body.tags = tags;
	} else {
		throw invalidParameter(context, `Unknown content "${String(content)}"`, 'Choose Message, Message Structure or Template.', itemIndex);
	}

	if (options.subject !== undefined && options.subject !== '') {
		body.subject = requireMaxBytes(context, String(options.subject), MAX_SUBJECT_BYTES, 'Subject', itemIndex);
	}
	if (options.timeToLive !== undefined) {
		const ttl = Number(options.timeToLive);
		if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_SECONDS) {
			throw invalidParameter(context, 'Time to Live must be 1 to 86400 seconds', `${String(options.timeToLive)} is out of range.`, itemIndex);
		}
		// SMN's API takes the TTL as a string.
		body.time_to_live = String(ttl);
	}
	return body;
}
