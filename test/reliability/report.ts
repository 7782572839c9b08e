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
