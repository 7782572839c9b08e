'use strict';
/**
 * A minimal IWebhookFunctions for benchmarks: just what the triggers' webhook() reads, so that the
 * measurement is the pack's verification work and not n8n's plumbing (the unit and E2E suites run
 * the real n8n contexts).
 */
/**
 * `httpRequest` is optional: without it every outbound call throws, so a case that needs one (e.g. a
 * certificate download) must stub it and say what it serves.
 */
function webhookContext({ parameters = {}, staticData = {}, credentials = {}, request, httpRequest }) {
	const response = { statusCode: 200, body: undefined };
	const res = {
		status(code) {
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
		send(body) {
			response.body = body;
			return res;
		},
		json(body) {
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
		getNodeParameter: (name, fallback) => (name in parameters ? parameters[name] : fallback),
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
			returnJsonArray: (items) => (Array.isArray(items) ? items : [items]).map((json) => ({ json })),
			httpRequest:
				httpRequest ??
				(async () => {
					throw new Error('benchmark callbacks must not reach the network');
				}),
		},
	};
	return context;
}

module.exports = { webhookContext };
