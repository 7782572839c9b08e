/** Collects the counts the reliability suite prints (variants tried, rejected, accepted, cycles, leaked). */
export interface CorpusCounts {
	vendor: string;
	forgeriesTried: number;
	forgeriesRejected: number;
	genuineTried: number;
	genuineAccepted: number;
	duplicatesSuppressed: number;
}

export interface LifecycleCounts {
	vendor: string;
	cycles: number;
	faultsInjected: number;
	failuresSurfaced: number;
	leaked: number;
	duplicates: number;
}

/**
 * Counts, cycle by cycle and at the emulator, what a trigger's lifecycle leaves behind:
 * - leaked: registrations of this trigger left at the vendor after a cycle that its static data no longer
 *   tracks, so nothing would ever remove them. Cycles in which the vendor's answer to a registration was
 *   lost are not judged (the trigger cannot know what it made; its next activation finds it by URL).
 * - duplicates: after an activation, more than one registration for the same target (file, scope, URL).
 */
export class LifecycleLedger {
	leaked = 0;
	duplicates = 0;
	judgedCycles = 0;

	afterActivation(targets: string[]): void {
		this.duplicates += targets.length - new Set(targets).size;
	}

	afterCycle({ leftAtVendor, tracked, answerLost }: { leftAtVendor: string[]; tracked: string[]; answerLost: boolean }): void {
		if (answerLost) return;
		this.judgedCycles++;
		this.leaked += leftAtVendor.filter((id) => !tracked.includes(id)).length;
	}
}

/** Whether one of a cycle's faults drops the vendor's answer to a registration it carried out. */
export const losesRegistrationAnswer = (faults: Array<{ method?: string; pathIncludes?: string; dropAfter?: boolean }>, registrationPath: string) =>
	faults.some((fault) => fault.dropAfter && fault.method === 'POST' && (fault.pathIncludes ?? '').includes(registrationPath));

export function printCorpus(counts: CorpusCounts): void {
	process.stderr.write(
		`[reliability] ${counts.vendor} callbacks: ${counts.forgeriesTried} forged variants tried, ${counts.forgeriesRejected} rejected; ` +
			`${counts.genuineTried} genuine tried, ${counts.genuineAccepted} accepted; ${counts.duplicatesSuppressed} duplicates suppressed\n`,
	);
}

export function printLifecycle(counts: LifecycleCounts): void {
	process.stderr.write(
		`[reliability] ${counts.vendor} lifecycle: ${counts.cycles} activate/deactivate cycles, ${counts.faultsInjected} faults injected, ` +
			`${counts.failuresSurfaced} failures surfaced, ${counts.leaked} leaked, ${counts.duplicates} duplicate subscriptions\n`,
	);
}
