/**
 * End to end in a real n8n: Feishu events per second from the emulator to finished executions over the
 * long connection (the long-connection demo's workflow), against the same kind of events over HTTP push
 * (the Feishu demo's workflow: encrypted, signed POSTs, 8 at a time) from the same emulator into the same
 * n8n. Each workflow is its trigger and a No Operation node; the two watch different files.
 */
import { feishuDemo, feishuLongConnectionDemo } from '../demo/feishu';
import { startEmulator, type RunningEmulator } from '../emulator/server';
import type { FeishuEmulator } from '../emulator/feishu';
import { postJson, sleep, type N8nInstance, type Workflow } from '../n8n/launcher';
import type { Row } from './context';

const EVENTS = Number(process.env.BENCH_CALLBACKS || 200);
const CONCURRENCY = 8;
const fmt = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(1));

/** Seconds from calling `send` until `count` executions of the workflow have finished (end-to-end.ts's). */
export type SecondsUntilExecuted = (n8n: N8nInstance, workflowId: string, count: number, send: () => Promise<unknown>) => Promise<number>;

async function activated(n8n: N8nInstance, workflow: Workflow): Promise<string> {
	const { id } = await n8n.createWorkflow(workflow);
	const activation = await n8n.activate(id);
	if (activation.status !== 200) throw new Error(`bench: ${workflow.name} did not activate: ${JSON.stringify(activation.body)}`);
	return id;
}

export async function feishuLongConnectionRows(n8n: N8nInstance, secondsUntilExecuted: SecondsUntilExecuted): Promise<Row[]> {
	const emulator: RunningEmulator<FeishuEmulator> = await startEmulator(feishuLongConnectionDemo.createEmulator());
	const lc = emulator.vendor.longConnection;
	try {
		const spec = feishuLongConnectionDemo.credential(emulator);
		const credential = await n8n.createCredential(spec.name, spec.type, spec.data);

		const longConnection = await activated(n8n, feishuLongConnectionDemo.workflow(credential));
		for (let waited = 0; !feishuLongConnectionDemo.ready?.(emulator); waited += 50) {
			if (waited > 20_000) throw new Error('bench: the long connection did not open');
			await sleep(50);
		}
		// Feishu pushes events without waiting for the replies to earlier ones.
		const lcSeconds = await secondsUntilExecuted(n8n, longConnection, EVENTS, async () => {
			for (let i = 0; i < EVENTS; i++) lc.fire({ ...feishuLongConnectionDemo.fire.body });
		});
		const lcState = lc.state();
		await n8n.deactivate(longConnection);
		if (lcState.eventsFired !== EVENTS || lcState.rePushed > 0 || lcState.repliesMalformed > 0) throw new Error(`bench: long connection ${JSON.stringify(lcState)}`);

		const pushWorkflow = feishuDemo.workflow(credential);
		await postJson(`${emulator.url}/_emulator/feishu/request-url`, { url: n8n.webhookUrl(String(pushWorkflow.nodes[0].webhookId)) });
		const httpPush = await activated(n8n, pushWorkflow);
		const statuses: number[] = [];
		let next = 0;
		const httpSeconds = await secondsUntilExecuted(n8n, httpPush, EVENTS, () =>
			Promise.all(
				Array.from({ length: CONCURRENCY }, async () => {
					while (next < EVENTS) {
						next++;
						const answer = await postJson(`${emulator.url}${feishuDemo.fire.path}`, feishuDemo.fire.body);
						statuses.push(...(answer.body as { delivered: { statusCode: number }[] }).delivered.map((delivery) => delivery.statusCode));
					}
				}),
			),
		);
		await n8n.deactivate(httpPush);
		if (statuses.length !== EVENTS || statuses.some((status) => status !== 200)) throw new Error(`bench: HTTP push answered ${statuses.join(', ')}`);

		const lcRate = EVENTS / lcSeconds;
		const httpRate = EVENTS / httpSeconds;
		return [
			[`End to end: Feishu Long Connection Trigger → executions, ${EVENTS} events`, `${fmt(lcRate)}/s`, `${fmt(httpRate)}/s HTTP push, same n8n`, (lcRate / httpRate).toFixed(2), '≥ 0.90'],
		];
	} finally {
		await lc.close();
		await emulator.close();
	}
}
