import {
	NodeApiError,
	NodeOperationError,
	type IExecuteFunctions,
	type IHookFunctions,
	type ILoadOptionsFunctions,
	type INode,
	type ITriggerFunctions,
	type JsonObject,
} from 'n8n-workflow';

type ParameterContext = IExecuteFunctions | IHookFunctions | ILoadOptionsFunctions | ITriggerFunctions;

/**
 * Reads a parameter from an execute context (per item) or a hook/trigger context (no item index:
 * there the second argument of getNodeParameter is already the fallback), so that the action node
 * and the triggers can share one parameter reader.
 */
export function readParameter(
	context: IExecuteFunctions | IHookFunctions | ITriggerFunctions,
	name: string,
	itemIndex: number,
	fallback: unknown,
	options?: { extractValue?: boolean },
): unknown {
	if ('getInputData' in context) return context.getNodeParameter(name, itemIndex, fallback, options);
	return context.getNodeParameter(name, fallback, options);
}

export function isNodeError(error: unknown): error is NodeApiError | NodeOperationError {
	return error instanceof NodeApiError || error instanceof NodeOperationError;
}

/**
 * A node error travels on as it is, with the vendor's code and advice (NodeApiError's constructor would
 * hand it back unchanged anyway); anything else, e.g. a credential that could not be read, is wrapped once.
 */
export function asNodeError(
	context: { getNode(): INode },
	error: unknown,
	itemIndex?: number,
): NodeApiError | NodeOperationError {
	return isNodeError(error) ? error : new NodeApiError(context.getNode(), error as JsonObject, { itemIndex });
}

export function invalidParameter(
	context: ParameterContext,
	message: string,
	description: string,
	itemIndex?: number,
): NodeOperationError {
	return new NodeOperationError(context.getNode(), message, { description, itemIndex });
}

/** Returns the trimmed value, or fails before any network call when it is empty. */
export function requireText(
	context: ParameterContext,
	value: unknown,
	label: string,
	itemIndex?: number,
): string {
	const text = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
	if (text === '') {
		throw invalidParameter(context, `${label} is required`, `Enter a value for "${label}".`, itemIndex);
	}
	return text;
}

/** Splits a comma- or newline-separated list (or takes an array) into trimmed, non-empty entries. */
export function textList(value: unknown): string[] {
	const parts = Array.isArray(value) ? value.map(String) : String(value ?? '').split(/[\n,]/);
	return parts.map((part) => part.trim()).filter((part) => part !== '');
}

export function requireHttpUrl(
	context: ParameterContext,
	value: unknown,
	label: string,
	itemIndex?: number,
	allowedProtocols: string[] = ['http:', 'https:'],
): URL {
	const text = requireText(context, value, label, itemIndex);
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		throw invalidParameter(context, `${label} is not a valid URL`, `"${text}" could not be parsed as a URL.`, itemIndex);
	}
	if (!allowedProtocols.includes(url.protocol)) {
		throw invalidParameter(
			context,
			`${label} must use ${allowedProtocols.map((p) => p.replace(':', '')).join(' or ')}`,
			`"${text}" uses ${url.protocol.replace(':', '')}.`,
			itemIndex,
		);
	}
	return url;
}
