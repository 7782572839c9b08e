/** Activating a suite's workflow in n8n: for the length of a test, and through cycles with faults. */
import type { N8nInstance } from '../../dev/n8n/launcher';
import type { EmulatorControl } from './suite';

type Json = Record<string, any>;

/** Runs `test` while the workflow is active (its activation must succeed); deactivates it whatever happens. */
export async function whileActive(n8n: N8nInstance, workflowId: string, test: () => Promise<void>): Promise<void> {
	try {
		expect((await n8n.activate(workflowId)).status).toBe(200);
		await test();
	} finally {
		await n8n.deactivate(workflowId);
	}
}

/** One activate/deactivate cycle of a fault test. */
export interface FaultCycle {
	/** Injected into the emulator before the activation; cleared after the deactivation. */
	fault?: Json;
	/** Whether the vendor loses the trigger's registrations while the workflow is active. */
	forget?: boolean;
}

export interface FaultCyclesOptions {
	cycles: FaultCycle[];
	/** Makes the vendor lose the trigger's registrations. */
	forget: () => Promise<unknown>;
	/** Runs before every activation, the clean one at the end included. */
	beforeActivation?: () => Promise<unknown>;
	/** Runs after each cycle's activation, with whether n8n activated the workflow. */
	afterActivation?: (activated: boolean) => Promise<unknown>;
	/** Runs while the workflow is active after the clean activation at the end. */
	whileFinallyActive?: () => Promise<unknown>;
}

/**
 * Activates and deactivates the workflow once per cycle with the cycle's fault injected, then once more
 * without faults, which must succeed both ways. Whatever fails, the faults are cleared and the workflow
 * deactivated at the end, so that the suite's next test starts clean. Returns the cycles whose
 * activation failed and the messages n8n gave for them.
 */
export async function cycleThroughFaults(
	n8n: N8nInstance,
	workflowId: string,
	emulator: Pick<EmulatorControl, 'control' | 'clearFaults'>,
	options: FaultCyclesOptions,
): Promise<{ failedCycles: number[]; activationErrors: string[] }> {
	const failedCycles: number[] = [];
	const activationErrors: string[] = [];
	try {
		for (const [cycle, { fault, forget }] of options.cycles.entries()) {
			await options.beforeActivation?.();
			if (fault) await emulator.control('faults', fault);
			const activation = await n8n.activate(workflowId);
			if (activation.status !== 200) {
				failedCycles.push(cycle);
				activationErrors.push(String((activation.body as Json | undefined)?.message));
			}
			await options.afterActivation?.(activation.status === 200);
			if (forget) await options.forget();
			await n8n.deactivate(workflowId);
			emulator.clearFaults();
		}
		await options.beforeActivation?.();
		expect((await n8n.activate(workflowId)).status).toBe(200);
		await options.whileFinallyActive?.();
		expect((await n8n.deactivate(workflowId)).status).toBe(200);
	} finally {
		emulator.clearFaults();
		await n8n.deactivate(workflowId);
	}
	return { failedCycles, activationErrors };
}
