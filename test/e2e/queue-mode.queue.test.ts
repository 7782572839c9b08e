/**
 * The four triggers in n8n's queue mode, as scaled installs run it: PostgreSQL, Redis, one main process,
 * one worker and two webhook processes behind a load balancer (the front proxy is WEBHOOK_URL, so it is
 * the URL the triggers register and the emulators deliver to).
 *
 * Per vendor: activation subscribes once (on the main); callbacks spread over both webhook processes
 * each start one execution, run by the worker; a redelivery that lands on the other webhook process is
 * caught by the README's recipe (a Remove Duplicates node keyed on the event's id), since each webhook
 * process remembers only what it received itself; deactivation leaves nothing at the emulator.
 */
import fs from 'node:fs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startN8nQueue, postJson, sleep } = require('../../dev/n8n/launcher');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startEmulator } = require('../../dev/emulator/server');

jest.setTimeout(240_000);

type Json = Record<string, any>;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const demos: Json[] = Object.values(require('../../dev/demo').DEMOS);

/** The vendor's subscribe call for each demo, to count how often activation subscribed. */
const SUBSCRIBE_CALLS: Record<string, (request: Json) => boolean> = {
	DingTalk: (request) => request.path.endsWith('/storage/events/subscribe'),
	Feishu: (request) => request.method === 'POST' && request.path.endsWith('/subscribe'),
	Kdocs: (request) => request.method === 'POST' && request.path.includes('/webhook/sheets/'),
	'Huawei Cloud SMN': (request) => request.method === 'POST' && request.path.endsWith('/subscriptions'),
};

const EVENTS_PER_VENDOR = 4;

let n8n: any;

beforeAll(async () => {
	n8n = await startN8nQueue({ webhookProcesses: 2 });
});

afterAll(async () => {
	await n8n?.stop();
});

/** The trigger, then n8n's Remove Duplicates node keyed on the event's id (the README's recipe), then the demo's handler. */
function withDuplicateRecipe(workflow: Json, dedupeKey: string): Json {
	const [trigger, handler] = workflow.nodes;
	const dedupe = {
		id: `${trigger.id}-dedupe`,
		name: 'Remove Duplicates',
		type: 'n8n-nodes-base.removeDuplicates',
		typeVersion: 2,
		position: [130, 0],
		parameters: { operation: 'removeItemsSeenInPreviousExecutions', dedupeValue: dedupeKey, options: {} },
	};
	return {
		...workflow,
		nodes: [trigger, dedupe, { ...handler, position: [390, 0] }],
		connections: {
			[trigger.name]: { main: [[{ node: dedupe.name, type: 'main', index: 0 }]] },
			[dedupe.name]: { main: [[{ node: handler.name, type: 'main', index: 0 }]] },
		},
	};
}

async function waitFor<T>(read: () => Promise<T> | T, isDone: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await read();
		if (isDone(value) || Date.now() > deadline) return value;
		await sleep(200);
	}
}

const itemsOf = (execution: Json, nodeName: string) =>
	(execution.data.resultData.runData[nodeName]?.[0]?.data?.main?.[0] ?? []).map((item: Json) => item.json);

describe.each(demos.map((demo) => [demo.name, demo]))('%s Trigger in queue mode', (_name, demo: Json) => {
	let emulator: any;
	let workflowId: string;
	const front = () => n8n.queue.front;
	const handlerName = () => demo.workflow({ id: 'x', name: 'x' }).nodes[1].name;

	beforeAll(async () => {
		emulator = await startEmulator(demo.createEmulator(front().url));
		const spec = demo.credential(emulator);
		const credential = await n8n.createCredential(spec.name, spec.type, spec.data);
		const workflow = await n8n.createWorkflow(withDuplicateRecipe(demo.workflow(credential), demo.dedupeKey));
		workflowId = workflow.id;
	});

	afterAll(async () => {
		await emulator?.close();
	});

	it('subscribes once, from the main process, on activation', async () => {
		expect((await n8n.activate(workflowId)).status).toBe(200);
		const subscribed = demo.leftAtVendor(emulator);
		expect(subscribed).toBeGreaterThan(0);
		expect(emulator.requests.filter(SUBSCRIBE_CALLS[demo.name])).toHaveLength(subscribed);
		// SMN confirms the subscription through the webhook processes before it delivers anything.
		expect(await waitFor(() => demo.ready?.(emulator) ?? true, Boolean)).toBe(true);
	});

	it('turns callbacks spread over both webhook processes into one execution each, run by the worker', async () => {
		front().log.length = 0;
		for (let event = 0; event < EVENTS_PER_VENDOR; event++) {
			expect((await postJson(`${emulator.url}${demo.fire.path}`, demo.fire.body)).status).toBe(200);
		}
		const executions = await n8n.waitForExecutions(workflowId, EVENTS_PER_VENDOR);
		expect(executions.map((execution: Json) => execution.status)).toEqual(Array(EVENTS_PER_VENDOR).fill('success'));
		expect(executions.every((execution: Json) => itemsOf(execution, handlerName()).length > 0)).toBe(true);

		const byProcess = [0, 1].map((target) => front().log.filter((entry: Json) => entry.target === target));
		expect(byProcess.map((entries) => entries.length)).toEqual([EVENTS_PER_VENDOR / 2, EVENTS_PER_VENDOR / 2]);
		expect(front().log.map((entry: Json) => entry.status)).toEqual(Array(EVENTS_PER_VENDOR).fill(200));
		const workerLog = fs.readFileSync(n8n.queue.worker.logFile, 'utf8');
		for (const execution of executions) expect(workerLog).toContain(`Worker started execution ${execution.id} `);
		expect((await n8n.executionsAfterQuiet(workflowId, 1000)).length).toBe(EVENTS_PER_VENDOR);
	});

	it('passes a redelivery that reaches the other webhook process on to no handler, through the Remove Duplicates recipe', async () => {
		const before = (await n8n.executions(workflowId)).length;
		expect((await postJson(`${emulator.url}${demo.fire.path}`, demo.fire.body)).status).toBe(200);
		const [first] = front().log.slice(-1);
		await n8n.waitForExecutions(workflowId, before + 1);

		const again = await front().replayLast(1 - first.target);
		expect(again.status).toBe(200);
		const executions = await n8n.waitForExecutions(workflowId, before + 2);
		const latest = executions.slice(-2);
		// The other process has not seen the event, so its trigger starts a second execution ...
		const triggerName = demo.workflow({ id: 'x', name: 'x' }).nodes[0].name;
		expect(latest.map((execution: Json) => itemsOf(execution, triggerName).length > 0)).toEqual([true, true]);
		// ... in which the recipe lets nothing reach the handler.
		expect(latest.map((execution: Json) => itemsOf(execution, handlerName()).length > 0)).toEqual([true, false]);
	});

	it('unsubscribes everything on deactivation', async () => {
		expect((await n8n.deactivate(workflowId)).status).toBe(200);
		expect(demo.leftAtVendor(emulator)).toBe(0);
	});
});
