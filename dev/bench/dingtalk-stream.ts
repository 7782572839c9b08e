/**
 * End to end in a real n8n: DingTalk storage events per second from the emulator to finished executions,
 * over a Stream connection (DingTalk Stream Trigger) against HTTP push (DingTalk Trigger), in the same
 * n8n, with the same events fired through the emulator's control endpoint at the same concurrency.
 */
import { dingTalkDemo, dingTalkStreamDemo } from '../demo/dingtalk';
import { dingTalkEmulatorCredential } from '../emulator/credentials';
import { createDingTalkEmulator, type DingTalkEmulator } from '../emulator/dingtalk';
import { startEmulator, type RunningEmulator } from '../emulator/server';
import { postJson, sleep, type N8nInstance, type Workflow } from '../n8n/launcher';
import type { Row } from './context';
import { inPool, secondsUntilExecuted } from './end-to-end';

const EVENTS = Number(process.env.BENCH_CALLBACKS || 200);
const CONCURRENCY = 8;
const PUSH_WEBHOOK_ID = 'b3c4d5e6-0000-4000-8000-00000000d57b';
const fmt = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(1));

/** Activates the workflow, fires EVENTS storage events, and returns events per second into finished executions. */
async function eventsPerSecond(n8n: N8nInstance, emulator: RunningEmulator<DingTalkEmulator>, workflow: Workflow, ready: () => boolean): Promise<number> {
	const spec = dingTalkEmulatorCredential(emulator);
	const credential = await n8n.createCredential(`${spec.name} ${workflow.name}`, spec.type, spec.data);
	const created = await n8n.createWorkflow({ ...workflow, nodes: workflow.nodes.map((node) => (node.credentials ? { ...node, credentials: { dingTalkApi: credential } } : node)) });
	const activation = await n8n.activate(created.id);
	if (activation.status !== 200) throw new Error(`bench: ${workflow.name} did not activate: ${JSON.stringify(activation.body)}`);
	for (let waited = 0; !ready() && waited < 20_000; waited += 50) await sleep(50);
	try {
		const statuses: number[] = [];
		const seconds = await secondsUntilExecuted(n8n, created.id, EVENTS, () =>
			inPool(EVENTS, CONCURRENCY, async (i) => {
				statuses.push((await postJson(`${emulator.url}/_emulator/dingtalk/fire`, { eventType: 'storage_dentry_update', eventId: `bench-${i}`, retry: false })).status);
			}),
		);
		if (statuses.some((status) => status !== 200)) throw new Error(`bench: ${workflow.name}: the emulator answered ${statuses.filter((s) => s !== 200).length} fires with an error`);
		return EVENTS / seconds;
	} finally {
		await n8n.deactivate(created.id);
	}
}

export async function streamAgainstPushRows(n8n: N8nInstance): Promise<Row[]> {
	// HTTP push straight to this n8n's production URL, as the console would have it.
	const push = await startEmulator(createDingTalkEmulator({ callbackUrl: `${n8n.baseUrl}/webhook/${PUSH_WEBHOOK_ID}/webhook` }));
	const stream = await startEmulator(createDingTalkEmulator({ deliveryMode: 'stream' }));
	try {
		// The HTTP-push demo workflow, on a webhook id of its own (the push bench above used the demo's).
		const demo = dingTalkDemo.workflow({ id: '', name: '' });
		const httpPush: Workflow = {
			...demo,
			name: 'Bench: DingTalk Trigger (HTTP push)',
			nodes: demo.nodes.map((node) => (node.webhookId ? { ...node, webhookId: PUSH_WEBHOOK_ID } : node)),
		};
		const pushRate = await eventsPerSecond(n8n, push, httpPush, () => true);
		const streamWorkflow = { ...dingTalkStreamDemo.workflow({ id: '', name: '' }), name: 'Bench: DingTalk Stream Trigger' };
		const streamRate = await eventsPerSecond(n8n, stream, streamWorkflow, () => stream.vendor.stream.counters.openConnections > 0);
		const { eventsAcked, eventsRedelivered } = stream.vendor.stream.counters;
		if (eventsAcked < EVENTS) throw new Error(`bench: DingTalk Stream: only ${eventsAcked} of ${EVENTS} events were answered SUCCESS`);
		return [
			[
				`End to end: DingTalk events → executions, Stream (${eventsRedelivered} redelivered)`,
				`${fmt(streamRate)}/s`,
				`${fmt(pushRate)}/s HTTP push, same n8n`,
				(streamRate / pushRate).toFixed(2),
				'≥ 0.90',
			],
		];
	} finally {
		await stream.vendor.stream.close();
		await Promise.all([push.close(), stream.close()]);
	}
}
