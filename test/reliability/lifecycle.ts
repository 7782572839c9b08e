import type { IDataObject } from 'n8n-workflow';
import type { NodeHarness } from '../harness/node-harness';
import { LifecycleLedger, losesRegistrationAnswer, printLifecycle } from './report';

/** A fault as the emulators' `faults` control takes it. */
export interface Fault {
	method?: string;
	pathIncludes?: string;
	status?: number;
	body?: object;
	times?: number;
	drop?: boolean;
	dropAfter?: boolean;
}

export interface LifecycleOptions<Registration> {
	/** As the printed counts name the vendor. */
	vendor: string;
	/** What every failure an activation surfaces must start with, so that the user sees which vendor failed. */
	clearFailure: RegExp;
	emulator: { vendor: { state: { faults: unknown[] } } };
	control: (route: string, body?: object) => Promise<unknown>;
	/** The faults injected before the activation of cycle n are faultsByCycle[n % faultsByCycle.length]. */
	faultsByCycle: Fault[][];
	/** The path of the call that registers the trigger: a cycle whose answer to it was lost is not judged. */
	registrationPath: string;
	/** Whether every 7th cycle, from the 4th, starts with every token expired. */
	expireTokens?: boolean;
	/** A trigger whose static data is `staticData` itself, so that what one cycle leaves the next one starts from. */
	trigger: (staticData: IDataObject) => NodeHarness;
	/** What the vendor holds for this trigger now. */
	registrations: () => Promise<Registration[]>;
	/** What a registration is for: two for the same target after an activation are a duplicate. */
	targetOf: (registration: Registration) => string;
	idOf: (registration: Registration) => string;
	/** The ids of the registrations the trigger's static data still tracks. */
	tracked: (staticData: IDataObject) => string[];
	/** Makes the vendor lose the trigger's registrations, as it does in every 5th cycle while the trigger is active. */
	forget: () => Promise<unknown>;
	/** Runs after each activation with what the vendor then holds. */
	afterActivation?: (cycle: number, registrations: Registration[]) => Promise<unknown>;
	/** Runs after the clean activation at the end, before its deactivation. */
	afterFinalActivation?: () => Promise<void>;
}

/**
 * 50 activate/deactivate cycles against the emulator, each with its faults injected, then one clean
 * activation and deactivation. Every failure must surface with the vendor's name, no judged cycle may
 * leave a registration its static data no longer tracks or register one target twice, and nothing may
 * be left at the vendor at the end. Prints the counts.
 */
export async function playLifecycle<Registration>(options: LifecycleOptions<Registration>): Promise<void> {
	const { control, registrations, targetOf, idOf } = options;
	const staticData: IDataObject = {};
	let faultsInjected = 0;
	let failuresSurfaced = 0;
	const unclearFailures: string[] = [];
	const ledger = new LifecycleLedger();

	for (let cycle = 0; cycle < 50; cycle++) {
		const harness = options.trigger(staticData);
		const faults = options.faultsByCycle[cycle % options.faultsByCycle.length];
		for (const fault of faults) {
			await control('faults', fault);
			faultsInjected++;
		}
		if (options.expireTokens && cycle % 7 === 3) {
			await control('expire-tokens');
			faultsInjected++;
		}
		try {
			await harness.activate();
		} catch (error) {
			failuresSurfaced++;
			if (!options.clearFailure.test((error as Error).message)) unclearFailures.push((error as Error).message);
		}
		const active = await registrations();
		ledger.afterActivation(active.map(targetOf));
		await options.afterActivation?.(cycle, active);
		if (cycle % 5 === 4) {
			await options.forget();
			faultsInjected++;
		}
		if (!(await harness.hook('delete'))) failuresSurfaced++;
		ledger.afterCycle({
			leftAtVendor: (await registrations()).map(idOf),
			tracked: options.tracked(harness.staticData),
			answerLost: losesRegistrationAnswer(faults, options.registrationPath),
		});
		// What this cycle left in static data is what the next cycle starts from (copied first: the
		// harness may hand out the very object that is being cleared).
		const carried = { ...harness.staticData };
		Object.keys(staticData).forEach((key) => delete staticData[key]);
		Object.assign(staticData, carried);
		options.emulator.vendor.state.faults.length = 0;
	}

	const final = options.trigger(staticData);
	await final.activate();
	await options.afterFinalActivation?.();
	expect(await final.hook('delete')).toBe(true);
	const leftover = await registrations();
	const leftoverIds = leftover.map(idOf);

	expect(unclearFailures).toEqual([]);
	expect(failuresSurfaced).toBeGreaterThan(0);
	expect(ledger.judgedCycles).toBeGreaterThan(40);
	// Ids left more than once count as duplicates as well, so that a failure tells a repeat from a leak.
	expect({ leaked: ledger.leaked, duplicates: ledger.duplicates + leftoverIds.length - new Set(leftoverIds).size }).toEqual({ leaked: 0, duplicates: 0 });
	expect(leftover).toEqual([]);
	printLifecycle({ vendor: options.vendor, cycles: 50, faultsInjected, failuresSurfaced, leaked: ledger.leaked + leftover.length, duplicates: ledger.duplicates });
}
