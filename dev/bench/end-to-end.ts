/**
 * End-to-end throughput in a real n8n (the E2E target version), from one run:
 * - each trigger: the emulator's signed callbacks (captured first) per second into finished executions,
 *   against n8n's own Webhook node receiving the same bytes at the same concurrency;
 * - a flood of forged callbacks per trigger: rejections per second (every one a 4xx, no execution, no
 *   outbound request) against the trigger's accepted callbacks per second;
 * - queue mode: the Kdocs trigger behind two webhook processes against one;
 * - DingTalk Stream mode against HTTP push (./dingtalk-stream.ts).
 * - the Feishu long connection against HTTP push in the same n8n (./feishu-long-connection.ts).
 * The vendors' callbacks reach a front proxy (WEBHOOK_URL), which captures their bytes for the replays.
 */
import { DEMOS } from '../demo';
import type { Demo } from '../demo/demo';
import { startEmulator, type RunningEmulator } from '../emulator/server';
import { postJson, sleep, startFrontProxy, startN8n, startN8nQueue, type FrontProxy, type N8nInstance, type ProxiedRequest, type Workflow } from '../n8n/launcher';
import type { Row } from './context';
import { streamAgainstPushRows } from './dingtalk-stream';
import { feishuLongConnectionRows } from './feishu-long-connection';

const CALLBACKS = Number(process.env.BENCH_CALLBACKS || 200);
const FORGERIES = Number(process.env.BENCH_FORGERIES || 500);
const CONCURRENCY = 8;
const BENCHED_DEMOS = Object.entries(DEMOS)
	.filter(([name]) => !process.env.BENCH_VENDORS || process.env.BENCH_VENDORS.split(',').includes(name))
	.map(([, demo]) => demo);
const summary = (statuses: number[]) =>
	Object.entries(statuses.reduce<Record<number, number>>((counts, status) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }), {})).map(([status, count]) => `${count}× ${status}`).join(', ');
const fmt = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(1));

export async function inPool(count: number, concurrency: number, task: (index: number) => Promise<unknown>) {
	let next = 0;
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			while (next < count) await task(next++);
		}),
	);
}

async function finishedExecutions(n8n: N8nInstance, workflowId: string): Promise<number> {
	const { data } = await n8n.apiOk<{ data: { finished: boolean; status: string }[] }>('GET', `executions?workflowId=${workflowId}&limit=250`);
	return data.filter((execution) => execution.finished || execution.status === 'success' || execution.status === 'error').length;
}

/** Seconds from calling `send` until `count` executions of the workflow have finished. */
export async function secondsUntilExecuted(n8n: N8nInstance, workflowId: string, count: number, send: () => Promise<unknown>): Promise<number> {
	const start = performance.now();
	await send();
	const deadline = Date.now() + 120_000;
	for (let finished = 0; finished < count; finished = await finishedExecutions(n8n, workflowId)) {
		if (Date.now() > deadline) throw new Error(`bench: ${finished} of ${count} executions of ${workflowId} finished after 120 s`);
		await sleep(25);
	}
	return (performance.now() - start) / 1000;
}

function webhookNodeWorkflow(webhookPath: string): Workflow {
	return {
		name: `Bench: Webhook node ${webhookPath}`,
		nodes: [
			{
				id: `bench-${webhookPath}`,
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: webhookPath,
				parameters: { httpMethod: 'POST', path: webhookPath, responseMode: 'onReceived', options: {} },
			},
			{ id: `bench-${webhookPath}-noop`, name: 'Handle', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [260, 0], parameters: {} },
		],
		connections: { Webhook: { main: [[{ node: 'Handle', type: 'main', index: 0 }]] } },
	};
}

function send(url: string, request: ProxiedRequest) {
	return fetch(url, { method: 'POST', headers: request.headers, body: request.body });
}

/** A recorded callback with one character of its credentials or content changed. */
function forged(request: ProxiedRequest, index: number): ProxiedRequest {
	const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'a' ? 'b' : 'a') + text.slice(at + 1);
	const url = new URL(request.url, 'http://bench');
	if (url.searchParams.has('k')) {
		const secret = url.searchParams.get('k') as string;
		url.searchParams.set('k', flip(secret, index % secret.length));
		return { ...request, url: `${url.pathname}${url.search}` };
	}
	const body = request.body.toString('utf8');
	return { ...request, body: Buffer.from(flip(body, Math.floor(body.length / 2) + (index % 8))) };
}

async function activateDemo(n8n: N8nInstance, demo: Demo, emulator: RunningEmulator) {
	const spec = demo.credential(emulator);
	const credential = await n8n.createCredential(spec.name, spec.type, spec.data);
	const workflow = await n8n.createWorkflow(demo.workflow(credential));
	const activation = await n8n.activate(workflow.id);
	if (activation.status !== 200) throw new Error(`bench: ${demo.name} did not activate: ${JSON.stringify(activation.body)}`);
	for (let waited = 0; demo.ready && !demo.ready(emulator) && waited < 20_000; waited += 100) await sleep(100);
	return workflow;
}

const fire = (demo: Demo, emulator: RunningEmulator, extra = {}) => postJson(`${emulator.url}${demo.fire.path}`, { ...demo.fire.body, ...extra });

async function vendorRows(n8n: N8nInstance, front: FrontProxy, demo: Demo): Promise<Row[]> {
	const emulator = await startEmulator(demo.createEmulator(front.url));
	try {
		const workflow = await activateDemo(n8n, demo, emulator);
		// The vendor's signed callbacks are captured first, so that the trigger and the Webhook node get
		// the very same bytes, at the same concurrency, straight from this process.
		front.captured.length = 0;
		front.capturing = true;
		const fired: number[] = [];
		await inPool(CALLBACKS, CONCURRENCY, async () => fired.push((await fire(demo, emulator, { retry: false })).status));
		front.capturing = false;
		const callbacks = front.captured.slice();
		if (fired.some((status) => status !== 200) || callbacks.length !== CALLBACKS) {
			throw new Error(`bench: ${demo.name}: the emulator answered ${summary(fired)} and sent ${callbacks.length} callbacks`);
		}
		const replayed: number[] = [];
		const triggerSeconds = await secondsUntilExecuted(n8n, workflow.id, CALLBACKS, async () => {
			await inPool(CALLBACKS, CONCURRENCY, async (i) => replayed.push((await send(`${n8n.baseUrl}${callbacks[i].url}`, callbacks[i])).status));
			if (replayed.some((status) => status !== 200)) throw new Error(`bench: ${demo.name} Trigger answered ${summary(replayed)}`);
		});

		const webhookPath = `bench-${demo.name.toLowerCase().replace(/\W+/g, '-')}`;
		const baseline = await n8n.createWorkflow(webhookNodeWorkflow(webhookPath));
		await n8n.activate(baseline.id);
		const webhookSeconds = await secondsUntilExecuted(n8n, baseline.id, CALLBACKS, () =>
			inPool(CALLBACKS, CONCURRENCY, (i) => send(`${n8n.baseUrl}/webhook/${webhookPath}`, callbacks[i])),
		);
		await n8n.deactivate(baseline.id);

		const outboundBefore = emulator.requests.length;
		const statuses: number[] = [];
		const floodStart = performance.now();
		await inPool(FORGERIES, CONCURRENCY, async (i) => {
			const forgery = forged(callbacks[i % callbacks.length], i);
			statuses.push((await send(`${n8n.baseUrl}${forgery.url}`, forgery)).status);
		});
		const floodSeconds = (performance.now() - floodStart) / 1000;
		const accepted = statuses.filter((status) => status < 400 || status >= 500).length;
		const outbound = emulator.requests.length - outboundBefore;
		const executed = (await finishedExecutions(n8n, workflow.id)) - CALLBACKS;
		if (accepted > 0 || outbound > 0 || executed > 0) {
			throw new Error(`bench: ${demo.name} forgeries: ${accepted} not rejected with 4xx, ${outbound} outbound requests, ${executed} executions`);
		}
		await n8n.deactivate(workflow.id);

		const triggerRate = CALLBACKS / triggerSeconds;
		const rejectRate = FORGERIES / floodSeconds;
		return [
			[`End to end: ${demo.name} Trigger → executions`, `${fmt(triggerRate)}/s`, `${fmt(CALLBACKS / webhookSeconds)}/s Webhook node, same bytes`, (triggerRate / (CALLBACKS / webhookSeconds)).toFixed(2), '≥ 0.90'],
			[`Forged flood: ${demo.name}, ${FORGERIES} callbacks`, `${fmt(rejectRate)}/s rejected, 0 outbound`, `${fmt(triggerRate)}/s accepted`, (rejectRate / triggerRate).toFixed(1), '≥ 1.0'],
		];
	} finally {
		await emulator.close();
	}
}

async function queueRate(webhookProcesses: number, demo: Demo): Promise<number> {
	const n8n = await startN8nQueue({ webhookProcesses });
	const emulator = await startEmulator(demo.createEmulator(n8n.queue?.front.url));
	try {
		const workflow = await activateDemo(n8n, demo, emulator);
		const seconds = await secondsUntilExecuted(n8n, workflow.id, CALLBACKS, () => inPool(CALLBACKS, CONCURRENCY, () => fire(demo, emulator)));
		return CALLBACKS / seconds;
	} finally {
		await emulator.close();
		await n8n.stop();
	}
}

export async function endToEndRows(): Promise<Row[]> {
	const front = await startFrontProxy();
	const n8n = await startN8n({ webhookUrl: `${front.url}/` });
	front.targets = [n8n.baseUrl];
	const rows: Row[] = [];
	try {
		for (const demo of BENCHED_DEMOS) rows.push(...(await vendorRows(n8n, front, demo)));
		if (BENCHED_DEMOS.includes(DEMOS.dingtalk)) rows.push(...(await streamAgainstPushRows(n8n)));
		if (BENCHED_DEMOS.includes(DEMOS.feishu)) rows.push(...(await feishuLongConnectionRows(n8n, secondsUntilExecuted)));
	} finally {
		await n8n.stop();
		await front.close();
	}
	if (process.env.BENCH_QUEUE === '0') return rows;
	const two = await queueRate(2, DEMOS.kdocs);
	const one = await queueRate(1, DEMOS.kdocs);
	rows.push(['Queue mode: Kdocs Trigger → executions, 2 webhook processes', `${fmt(two)}/s`, `${fmt(one)}/s with 1`, (two / one).toFixed(2), '—']);
	return rows;
}
