/**
 * The Feishu Long Connection Trigger against the emulator's long-connection side (real WebSocket on
 * 127.0.0.1, protobufjs frames): 50 connection drops of each fault kind with events in flight, after which
 * every event the emulator sent has started exactly one execution (0 lost, 0 duplicated); and 50
 * activate/deactivate cycles, some with faults, after which no connection and no subscription is left.
 */
import type { INodeExecutionData } from 'n8n-workflow';
import type { FeishuEmulator } from '../../dev/emulator/feishu';
import type { RunningEmulator } from '../../dev/emulator/server';
import { feishuEmulatorCredential } from '../../dev/emulator/credentials';
import type { TriggerRun } from '../harness/node-harness';
import { watching } from '../unit/feishu/fixtures';
import {
	emittedEventIds,
	fastTimings,
	longConnectionTrigger,
	sleep,
	startLongConnectionEmulator,
	stopLongConnectionEmulator,
	waitFor,
} from '../unit/feishu/stream-fixtures';
import { printLifecycle } from './report';
import { strayRequests } from './setup';

const WATCHED = 'doxcnLongConnection000000001';
const FOLDER = 'fldcnLongConnection000000001';
const DROPS = 50;
const EVENTS_PER_DROP = 3;

let emulator: RunningEmulator<FeishuEmulator>;
let restoreTimings: () => void;
const lc = () => emulator.vendor.longConnection;
const fire = (fields: Record<string, unknown> = {}) => {
	const fired = lc().fire({ file_token: WATCHED, file_type: 'docx', ...fields });
	if (!fired) throw new Error('the watched file is not subscribed at the emulator');
	return fired.eventId;
};

beforeAll(async () => {
	restoreTimings = fastTimings();
	// Pings every 100 ms, so that silence is noticed within about half a second; re-push after 300 ms.
	emulator = await startLongConnectionEmulator({
		clientConfig: { PingInterval: 0.1, ReconnectInterval: 0.05, ReconnectNonce: 0.05 },
		ackTimeoutMs: 300,
		silenceTerminateMs: 1_500,
	});
});

afterAll(async () => {
	restoreTimings();
	await stopLongConnectionEmulator(emulator);
	expect(strayRequests).toEqual([]);
});

/** How each fault kind drops the connection while events are in flight. */
const FAULTS: Record<string, (cycle: number) => Promise<string[]> | string[]> = {
	'abrupt close': async (cycle) => {
		const fired = Array.from({ length: EVENTS_PER_DROP }, () => fire());
		// At once, or a few milliseconds later: events lost on the way, and events whose reply is lost.
		await sleep((cycle % 4) * 4);
		lc().drop('abrupt');
		return fired;
	},
	'silence (no pong)': () => {
		const before = Array.from({ length: EVENTS_PER_DROP - 1 }, () => fire());
		lc().drop('silence');
		// Sent while the connection is silent: held until the trigger has noticed and reconnected.
		return [...before, fire()];
	},
	'multi-part frames in flight': () => [
		fire({ parts: 3 }),
		fire({ parts: 4, cutAfterParts: 2 }),
		// Queued behind the cut connection, pushed (in parts) to the next one.
		fire({ parts: 2 }),
	],
	'endpoint errors': (cycle) => {
		const answers = [{ code: 1 }, { code: 1000040343 }];
		lc().faults.endpointAnswers.push({ ...answers[cycle % 2], times: 1 + (cycle % 3) });
		if (cycle % 5 === 0) emulator.vendor.state.faults.push({ method: 'POST', pathIncludes: '/callback/ws/endpoint', status: 500, times: 1 });
		const fired = Array.from({ length: EVENTS_PER_DROP }, () => fire());
		lc().drop('abrupt');
		return fired;
	},
	'slow replies': () => {
		// Two replies arrive after Feishu's deadline (the emulator's 300 ms), so both events are pushed again.
		lc().faults.replies.push({ delayMs: 450, times: 2 });
		const fired = Array.from({ length: EVENTS_PER_DROP }, () => fire());
		return (async () => {
			await waitFor('the slow replies', () => lc().faults.replies.every((fault) => fault.times === 0), 5_000);
			lc().drop('abrupt');
			return fired;
		})();
	},
};

describe('Feishu Long Connection Trigger: connection drops with events in flight', () => {
	let run: TriggerRun;

	beforeAll(async () => {
		await lc().reset();
		emulator.vendor.state.subscriptions.clear();
		run = await longConnectionTrigger(emulator, watching([[WATCHED, 'docx']])).trigger();
	});

	afterAll(async () => {
		await run?.response.closeFunction?.();
	});

	it.each(Object.keys(FAULTS))('%s, 50 times: every event sent starts exactly one execution', async (kind) => {
		const startState = lc().state();
		const executionsBefore = emittedEventIds(run.emitted as INodeExecutionData[][][]).length;
		const fired: string[] = [];
		for (let cycle = 0; cycle < DROPS; cycle++) {
			const opened = lc().state().everOpened;
			fired.push(...(await FAULTS[kind](cycle)));
			await waitFor(`reconnect after drop ${cycle + 1}`, () => lc().state().everOpened > opened && lc().state().open >= 1, 10_000);
			await waitFor(`the events of drop ${cycle + 1} answered`, () => lc().state().pending === 0, 15_000);
		}
		// Late re-pushes (a reply the emulator counted after its deadline) land within one more deadline.
		await sleep(600);
		await waitFor('nothing pending', () => lc().state().pending === 0);

		const executed = emittedEventIds(run.emitted as INodeExecutionData[][][]).slice(executionsBefore);
		const counts = new Map<string, number>();
		for (const id of executed) counts.set(id, (counts.get(id) ?? 0) + 1);
		const lost = fired.filter((id) => !counts.has(id));
		const duplicated = [...counts.entries()].filter(([, count]) => count > 1).map(([id]) => id);
		const unexpected = [...counts.keys()].filter((id) => !fired.includes(id));
		const end = lc().state();
		const reconnects = end.everOpened - startState.everOpened;
		const rePushed = end.rePushed - startState.rePushed;
		// Replies the emulator counted beyond its deadline: the trigger had already run those events.
		const late = end.repliesLate - startState.repliesLate;
		process.stderr.write(
			`[reliability] Feishu long connection, ${kind}: ${DROPS} drops, ${fired.length} events sent, ${executed.length} executions ` +
				`(${lost.length} lost, ${duplicated.length} duplicated), ${reconnects} reconnects, ${rePushed} re-pushed, ` +
				`${late} late replies, ${end.repliesMalformed - startState.repliesMalformed} malformed replies\n`,
		);
		expect(fired).toHaveLength(DROPS * EVENTS_PER_DROP);
		expect({ lost, duplicated, unexpected }).toEqual({ lost: [], duplicated: [], unexpected: [] });
		expect(executed).toHaveLength(fired.length);
		expect(reconnects).toBeGreaterThanOrEqual(DROPS);
		expect(end.repliesMalformed).toBe(startState.repliesMalformed);
		expect(run.errors).toEqual([]);
		// Each kind really had events pushed again, which the trigger then had to recognise.
		expect(rePushed).toBeGreaterThan(0);
		if (kind === 'slow replies') expect(late).toBeGreaterThanOrEqual(DROPS);
	});
});

describe('Feishu Long Connection Trigger: activate/deactivate cycles', () => {
	it('leaves 0 connections and 0 subscriptions at the emulator after 50 cycles, some with faults', async () => {
		await lc().reset();
		emulator.vendor.state.subscriptions.clear();
		const startOpened = lc().state().everOpened;
		let faultsInjected = 0;
		let failuresSurfaced = 0;
		let leakedAfterCycle = 0;
		let executions = 0;
		for (let cycle = 0; cycle < 50; cycle++) {
			const kind = cycle % 5;
			// 1: the endpoint refuses the app; 2: an event in flight on deactivation; 3: deactivated while
			// reconnecting; 4: a busy endpoint at activation.
			if (kind === 1) {
				faultsInjected++;
				lc().faults.endpointAnswers.push({ code: 514, times: 1 });
			}
			if (kind === 4) {
				faultsInjected++;
				lc().faults.endpointAnswers.push({ code: 1, times: 2 });
			}
			const harness = longConnectionTrigger(emulator, watching([[WATCHED, 'docx'], [FOLDER, 'folder']]), feishuEmulatorCredential(emulator).data, {
				workflowId: `wf-cycle-${cycle}`,
			});
			let run: TriggerRun | undefined;
			try {
				run = await harness.trigger();
			} catch (error) {
				failuresSurfaced++;
				expect((error as Error).message).toContain('code 514');
			}
			if (run) {
				if (kind === 2) {
					faultsInjected++;
					fire();
					await waitFor('the event', () => run!.emitted.length === 1);
					executions += run.emitted.length;
				}
				if (kind === 3) {
					faultsInjected++;
					lc().faults.refuseUpgrades += 1000;
					lc().drop('abrupt');
					await waitFor('a refused reconnect', () => lc().state().upgradesRefused > 0, 5_000);
				}
				await run.response.closeFunction?.();
				lc().faults.refuseUpgrades = 0;
			}
			await waitFor('no open connection', () => lc().state().open === 0, 1_000);
			leakedAfterCycle += emulator.vendor.state.subscriptions.size;
		}
		const requests = lc().state().endpointRequests;
		await sleep(500);
		const end = lc().state();
		printLifecycle({ vendor: 'Feishu long connection', cycles: 50, faultsInjected, failuresSurfaced, leaked: leakedAfterCycle, duplicates: 0 });
		process.stderr.write(`[reliability] Feishu long connection cycles: ${end.everOpened - startOpened} connections opened, ${end.open} open at the end, ${executions} executions\n`);
		expect(failuresSurfaced).toBe(10);
		expect(executions).toBe(10);
		expect(end.open).toBe(0);
		expect(end.endpointRequests).toBe(requests);
		expect(emulator.vendor.state.subscriptions.size).toBe(0);
		expect(leakedAfterCycle).toBe(0);
	});
});
