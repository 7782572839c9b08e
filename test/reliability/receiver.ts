import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IDataObject } from 'n8n-workflow';
import type { NodeHarness, WebhookRequest } from '../harness/node-harness';

/**
 * A stand-in for n8n's webhook server: parses each request the way n8n's body parser does (JSON for
 * application/json, answering 422 itself when that fails; a string for text/plain; nothing otherwise)
 * and passes it, with the raw bytes, into the trigger's webhook().
 */
export async function webhookReceiver(harness: NodeHarness) {
	const executions: IDataObject[][] = [];
	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', async () => {
			const rawBody = Buffer.concat(chunks);
			const contentType = String(req.headers['content-type'] ?? '').split(';')[0].trim();
			const request: WebhookRequest = { rawBody, headers: req.headers as Record<string, string> };
			const url = new URL(req.url ?? '/', 'http://127.0.0.1');
			request.query = Object.fromEntries(url.searchParams);
			if (rawBody.length > 0 && contentType === 'application/json') {
				try {
					request.body = JSON.parse(rawBody.toString('utf8'));
				} catch {
					res.writeHead(422).end('Failed to parse request body');
					return;
				}
			} else if (rawBody.length > 0 && contentType === 'text/plain') {
				request.body = rawBody.toString('utf8');
			} else {
				request.body = undefined;
			}
			try {
				const { result, response } = await harness.webhook(request);
				if (result.workflowData) executions.push(result.workflowData[0].map((item) => item.json));
				res.writeHead(response.statusCode, { 'content-type': 'application/json' });
				res.end(typeof response.body === 'string' ? response.body : JSON.stringify(response.body));
			} catch (error) {
				// What n8n does when webhook() throws: 500 and an errored execution.
				res.writeHead(500).end(`webhook() threw: ${(error as Error).message}`);
			}
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/webhook`,
		executions,
		close: () => new Promise((resolve) => server.close(resolve)),
	};
}
