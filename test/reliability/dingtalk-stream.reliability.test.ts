/**
 * DingTalk Stream Trigger under connection faults, against the emulator's Stream side: 50 drops of each
 * kind (abrupt close, silence, the vendor's disconnect, ticket errors, slow ACK handling) with events in
 * flight, after which every event the emulator fired has started exactly one execution; and 50
 * activate/deactivate cycles with faults, after which the emulator holds no connection and no
 * subscription. Timings are shrunk to milliseconds.
 */
import type { INodeExecutionData } from 'n8n-workflow';
import { DingTalkApi } from '../../credentials/DingTalkApi.credentials';
import { dingTalkEmulatorCredential } from '../../dev/emulator/credentials';
import { createDingTalkEmulator, type DingTalkEmulator } from '../../dev/emulator/dingtalk';
import type { StreamFault } from '../../dev/emulator/dingtalk-stream';
import { startEmulator, type Fault, type RunningEmulator } from '../../dev/emulator/server';
import { DingTalkStreamTrigger } from '../../nodes/DingTalk/DingTalkStreamTrigger.node';
import { streamPolicy } from '../../nodes/DingTalk/long-connection';
import { connectionPolicy } from '../../nodes/shared/long-connection';
import { NodeHarness, type TriggerRun } from '../harness/node-harness';
import { printLifecycle } from './report';
import { strayRequests } from './setup';

const ADMIN_UNION_ID = 'emuUnionAdmin4220';
const DROPS = 50;
const EVENTS_PER_DROP = 4;
const TICKET_PATH = '/gateway/connections/open';

let emulator: RunningEmulator<DingTalkEmulator>;
const stream = () => emulator.vendor.stream;
const counters = () => stream().counters;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const subscriptions = () => emulator.vendor.state.subscriptions.size;
const injectFault = (fault: Partial<Fault>) => emulator.vendor.state.faults.push({ times: 1, status: 500, ...fault });

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; emulator: ${JSON.stringify(counters())}`);
		await pause(5);
	}
}

function streamTrigger() {
	return new NodeHarness({
		nodeType: new DingTalkStreamTrigger(),
		credentialTypes: { dingTalkApi: new DingTalkApi() },
		credentials: { dingTalkApi: dingTalkEmulatorCredential(emulator).data },
		parameters: {
			scope: 'ORG',
			scopeId: emulator.vendor.corpId,
			unionId: ADMIN_UNION_ID,
			events: ['storage_dentry_create', 'storage_dentry_update', 'storage_dentry_delete'],
		},
	});
}

function fire(eventId: string) {
	stream().fire({
		EventType: 'storage_dentry_update',
		EventTime: Date.now(),
		CorpId: emulator.vendor.corpId,
		eventId,
		spaceId: emulator.vendor.spaces[0],
		dentryId: eventId,
		eventScope: 'ORG',
		eventScopeId: emulator.vendor.corpId,
		extension: 'pdf',
		unionId: ADMIN_UNION_ID,
		type: 'FILE',
	});
}

/** Executions per eventId, from what the trigger emitted. */
function executionsByEvent(emitted: INodeExecutionData[][][]): Map<string, number> {
	const counts = new Map<string, number>();
	for (const execution of emitted) for (const item of execution[0]) counts.set(String(item.json.eventId), (counts.get(String(item.json.eventId)) ?? 0) + 1);
	return counts;
}

const policyBefore = { ...connectionPolicy };
const idleBefore = streamPolicy.idleTimeoutMs;
const IDLE_TIMEOUT_MS = 200;

beforeAll(async () => {
	Object.assign(connectionPolicy, { watchIntervalMs: 10, openTimeoutMs: 2_000, baseDelayMs: 10, maxDelayMs: 80, firstOpenAttempts: 3 });
	streamPolicy.idleTimeoutMs = IDLE_TIMEOUT_MS;
	emulator = await startEmulator(
		createDingTalkEmulator({
			deliveryMode: 'stream',
			qpsLimit: Infinity,
			stream: { pingIntervalMs: 40, redeliverAfterMs: 250, disconnectCloseMs: 2_000 },
		}),
	);
});

afterAll(async () => {
	Object.assign(connectionPolicy, policyBefore);
	streamPolicy.idleTimeoutMs = idleBefore;
	await stream().close();
	await emulator.close();
});

/**
 * One drop of the given kind, with events fired just before it (frames on the wire, answers not yet
 * back) and while the trigger is away; returns once the trigger holds a new connection.
 */
async function drop(kind: string, cycle: number): Promise<string[]> {
	const fired: string[] = [];
	const fireSome = (stage: string, count: number) => {
		for (let i = 0; i < count; i++) {
			const eventId = `rel-${kind}-${cycle}-${stage}${i}`;
			fired.push(eventId);
			fire(eventId);
		}
	};
	const opened = counters().connectionsOpened;
	const streamFault = (fault: StreamFault) => stream().fault(fault);
	if (kind === 'abrupt') {
		fireSome('before', EVENTS_PER_DROP / 2);
		streamFault('abrupt');
	} else if (kind === 'silence') {
		fireSome('before', EVENTS_PER_DROP / 2);
		streamFault('silence');
		// Into the void: the server believes they were sent.
		fireSome('silent', 1);
	} else if (kind === 'disconnect') {
		fireSome('before', EVENTS_PER_DROP / 2);
		streamFault('disconnect');
		// Sent on the old connection after the disconnect frame: the trigger has moved on when they arrive.
		fireSome('late', 1);
	} else if (kind === 'ticket') {
		fireSome('before', EVENTS_PER_DROP / 2);
		// The next tickets fail (a 5xx, then a rate limit), so the trigger backs off before it is back.
		injectFault({ method: 'POST', pathIncludes: TICKET_PATH, status: 503, body: { code: 'systemError', message: 'injected' } });
		injectFault({ method: 'POST', pathIncludes: TICKET_PATH, status: 429, body: { code: 'systemBusy', message: 'injected' } });
		streamFault('abrupt');
	} else if (kind === 'slowAck') {
		// Answers are taken into account late; the connection goes before some of them are.
		stream().configure({ slowAckMs: 60 });
		fireSome('before', EVENTS_PER_DROP / 2);
		await pause(20);
		streamFault('abrupt');
	}
	fireSome('away', EVENTS_PER_DROP / 2);
	await waitFor(`reconnect after ${kind} #${cycle}`, () => counters().connectionsOpened > opened && counters().openConnections >= 1, 10_000);
	if (kind === 'slowAck') stream().configure({ slowAckMs: 0 });
	return fired;
}

describe('DingTalk Stream Trigger: connection drops with events in flight', () => {
	it.each(['abrupt', 'silence', 'disconnect', 'ticket', 'slowAck'])(
		'%s: 50 drops, every fired event runs exactly once',
		async (kind) => {
			stream().reset();
			emulator.vendor.state.faults.length = 0;
			emulator.requests.length = 0;
			const harness = streamTrigger();
			const run: TriggerRun = await harness.trigger();
			const fired: string[] = [];
			try {
				for (let cycle = 0; cycle < DROPS; cycle++) {
					fired.push(...(await drop(kind, cycle)));
					// Some traffic on the new connection, so that every drop finds events in flight.
					for (let i = 0; i < 2; i++) {
						const eventId = `rel-${kind}-${cycle}-after${i}`;
						fired.push(eventId);
						fire(eventId);
					}
				}
				await waitFor('every event to be answered SUCCESS', () => counters().pendingEvents === 0, 30_000);
				// Redeliveries of events already answered may still be on their way.
				await pause(400);
			} finally {
				await run.response.closeFunction?.();
			}

			const executions = executionsByEvent(run.emitted);
			const lost = fired.filter((eventId) => !executions.has(eventId));
			const duplicated = [...executions].filter(([, count]) => count > 1).map(([eventId]) => eventId);
			const unknown = [...executions.keys()].filter((eventId) => !fired.includes(eventId));
			const { eventsSent, eventsRedelivered, connectionsOpened, ticketsIssued, duplicateAcks, answersLost, badAnswers } = counters();
			const ticketRequests = emulator.requests.filter((request) => request.path.endsWith(TICKET_PATH)).length;
			const stats = { lost: lost.length, duplicated: duplicated.length, unknown: unknown.length, errors: run.errors.length, badAnswers };
			process.stderr.write(
				`[reliability] DingTalk Stream ${kind}: ${DROPS} drops, ${fired.length} events fired, ${eventsSent} frames sent (${eventsRedelivered} redeliveries), ` +
					`${run.emitted.length} executions, ${lost.length} lost, ${duplicated.length} duplicated; ${connectionsOpened - 1} reconnects, ${ticketRequests} ticket requests (${ticketsIssued} answered with a ticket), ` +
					`${duplicateAcks} repeated SUCCESS answers, ${answersLost} answers lost with their connection\n`,
			);
			expect(stats).toEqual({ lost: 0, duplicated: 0, unknown: 0, errors: 0, badAnswers: 0 });
			expect(run.emitted).toHaveLength(fired.length);
			expect(connectionsOpened).toBeGreaterThanOrEqual(DROPS + 1);
			// Each kind really had events in flight: some were sent more than once.
			expect(eventsRedelivered).toBeGreaterThan(0);
			expect(strayRequests).toEqual([]);
		},
		240_000,
	);
});

describe('DingTalk Stream Trigger: activate/deactivate cycles', () => {
	it('leaves no connection and no subscription after 50 cycles with faults', async () => {
		stream().reset();
		emulator.vendor.state.faults.length = 0;
		let faultsInjected = 0;
		let failuresSurfaced = 0;
		const unclear: string[] = [];
		const leftAfterCleanCycle: string[] = [];
		const cycles: Array<{ before?: Array<Partial<Fault>>; during?: StreamFault; unsubscribeFails?: boolean; refused?: boolean }> = [
			{},
			{ before: [{ method: 'POST', pathIncludes: TICKET_PATH, status: 503, body: { code: 'systemError', message: 'x' } }] },
			{ before: [{ method: 'POST', pathIncludes: '/storage/events/subscribe', status: 500, body: { code: 'systemError', message: 'x' } }] },
			{ during: 'abrupt' },
			{ during: 'disconnect' },
			{ during: 'close' },
			{ before: [{ method: 'POST', pathIncludes: TICKET_PATH, status: 401, times: 1, body: { code: 'authFailed', message: '鉴权失败' } }], refused: true },
			{ unsubscribeFails: true },
			{ before: [{ method: 'POST', pathIncludes: '/oauth2/accessToken', drop: true }] },
		];
		for (let cycle = 0; cycle < DROPS; cycle++) {
			const plan = cycles[cycle % cycles.length];
			for (const fault of plan.before ?? []) {
				injectFault(fault);
				faultsInjected++;
			}
			let run: TriggerRun | undefined;
			try {
				run = await streamTrigger().trigger();
			} catch (error) {
				failuresSurfaced++;
				if (!/^DingTalk/.test((error as Error).message)) unclear.push((error as Error).message);
			}
			if (run) {
				fire(`cycle-${cycle}`);
				if (plan.during) {
					stream().fault(plan.during);
					faultsInjected++;
				}
				if (plan.unsubscribeFails) {
					injectFault({ method: 'POST', pathIncludes: '/storage/events/unsubscribe', status: 503, times: 10, body: { code: 'operationTimeout', message: 'x' } });
					faultsInjected++;
				}
				await pause(plan.during ? 30 : 5);
				await run.response.closeFunction?.();
				if (plan.unsubscribeFails) failuresSurfaced++;
			}
			emulator.vendor.state.faults.length = 0;
			// Deactivation does not wait for the peer; within a second nothing may be open any more.
			await waitFor(`cycle ${cycle} to leave no connection`, () => counters().openConnections === 0, 1_000);
			if (!plan.unsubscribeFails && subscriptions() > 0) leftAfterCleanCycle.push(`cycle ${cycle}: ${subscriptions()} subscriptions`);
			// What a failed unsubscribe left, the next activation subscribes again and its deactivation removes.
		}
		const final = await streamTrigger().trigger();
		await final.response.closeFunction?.();
		await waitFor('the last connection to close', () => counters().openConnections === 0, 1_000);

		expect(unclear).toEqual([]);
		expect(leftAfterCleanCycle).toEqual([]);
		expect(failuresSurfaced).toBeGreaterThan(0);
		expect({ connections: counters().openConnections, subscriptions: subscriptions() }).toEqual({ connections: 0, subscriptions: 0 });
		printLifecycle({ vendor: 'DingTalk Stream', cycles: DROPS, faultsInjected, failuresSurfaced, leaked: subscriptions() + counters().openConnections, duplicates: 0 });
	});
});
