/**
 * A minimal IWebhookFunctions for benchmarks: just what the triggers' webhook() reads, so that the
 * measurement is the pack's verification work and not n8n's plumbing (the unit and E2E suites run
 * the real n8n contexts).
 */
import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

/** A callback as a case prepares it. */
export interface BenchRequest {
	headers?: Record<string, string>;
	query?: Record<string, string>;
	body?: unknown;
	rawBody?: Buffer;
}

/** Stands in for this.helpers.httpRequest (the SMN certificate download). */
export type HttpRequestStub = (options: { url: string }) => Promise<unknown>;

export interface ContextOptions {
	parameters?: Record<string, unknown>;
	staticData?: Record<string, unknown>;
	credentials?: Record<string, unknown>;
	request: BenchRequest;
	httpRequest?: HttpRequestStub;
}

export type BenchContext = IWebhookFunctions & { response: { statusCode: number; body: unknown } };

/** A trigger as the benchmark calls it: webhook() with a BenchContext as `this`. */
export interface BenchTrigger {
	webhook?(this: IWebhookFunctions): Promise<IWebhookResponseData>;
}

/** One row of the printed table: measure, pack, against, ratio, goal. */
export type Row = [string, string, string, string, string];

export interface CallbackScenario {
	trigger: BenchTrigger;
	contextFor(i: number): ContextOptions;
	/** The same node:crypto work on the same bytes, and nothing else. */
	ceiling(i: number): void;
	accepted(result: IWebhookResponseData, response: BenchContext['response']): boolean;
	/** Milliseconds for a callback that misses the trigger's caches. */
	uncached?(): Promise<number>;
}

export interface Bench {
	name: string;
	callbackCase?(): Promise<CallbackScenario>;
	bulkCase?(): Promise<Row[]>;
}

/**
 * `httpRequest` is optional: without it every outbound call throws, so a case that needs one (e.g. a
 * certificate download) must stub it and say what it serves.
 */
export function webhookContext({ parameters = {}, staticData = {}, credentials = {}, request, httpRequest }: ContextOptions): BenchContext {
	const response: BenchContext['response'] = { statusCode: 200, body: undefined };
	const res = {
		status(code: number) {
			response.statusCode = code;
			return res;
		},
		setHeader() {
			return res;
		},
		set() {
			return res;
		},
		header() {
			return res;
		},
		send(body: unknown) {
			response.body = body;
			return res;
		},
		json(body: unknown) {
			response.body = body;
			return res;
		},
		end() {
			return res;
		},
	};
	const headers = Object.fromEntries(Object.entries(request.headers || {}).map(([k, v]) => [k.toLowerCase(), v]));
	const req = { method: 'POST', headers, query: request.query || {}, body: request.body, rawBody: request.rawBody };
	const context = {
		response,
		getNodeParameter: (name: string, fallback: unknown) => (name in parameters ? parameters[name] : fallback),
		getWorkflowStaticData: () => staticData,
		getCredentials: async () => credentials,
		getRequestObject: () => req,
		getResponseObject: () => res,
		getHeaderData: () => headers,
		getQueryData: () => req.query,
		getBodyData: () => req.body,
		getNode: () => ({ name: 'Trigger', type: 'bench', typeVersion: 1, parameters }),
		getWorkflow: () => ({ id: 'bench', name: 'bench', active: true }),
		getMode: () => 'trigger',
		getNodeWebhookUrl: () => 'http://127.0.0.1:5678/webhook/bench/webhook',
		logger: { debug() {}, info() {}, warn() {}, error() {} },
		helpers: {
			returnJsonArray: (items: unknown) => (Array.isArray(items) ? items : [items]).map((json) => ({ json })),
			httpRequest:
				httpRequest ??
				(async () => {
					throw new Error('benchmark callbacks must not reach the network');
				}),
		},
	};
	return context as unknown as BenchContext;
}

/** Loads a module of the built pack (dist/), which is what the benchmarks measure. */
export async function fromDist<T>(file: string): Promise<T> {
	return (await import(file)) as T;
}
