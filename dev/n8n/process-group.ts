/**
 * Starts a long-running program (n8n, and through it its task runners) so that it cannot outlive the
 * process that started it, however that process ends: a normal stop, a failed test, a hook timeout,
 * jest's forced exit, Ctrl-C, SIGTERM or SIGKILL.
 *
 * The program leads a process group of its own (so a terminal's Ctrl-C does not reach n8n half-way
 * through its own shutdown) under a small guard process that holds a pipe from the starter. When the
 * pipe closes — the starter stopped it, exited, or was killed — the guard ends the program's whole
 * group: SIGTERM, then SIGKILL for whatever is still there after the grace period.
 *
 * Run as a script, this file is the guard: `node process-group.ts <grace ms> <command> [args...]`
 * (with ts-node's hook, see ../typescript.ts).
 */
import { spawn, type ChildProcess, type StdioNull, type StdioPipe } from 'node:child_process';
import fs from 'node:fs';
import { nodeArgsFor } from '../typescript';

const DEFAULT_GRACE_MS = 15_000;

/** Whether a process (or, for a negative id, a process group) still exists. */
export function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

export const groupIsAlive = (groupId: number): boolean => isAlive(-groupId);

function signalGroup(groupId: number, signal: NodeJS.Signals) {
	try {
		process.kill(-groupId, signal);
	} catch {
		// The group is already gone.
	}
}

/** Where the guarded program's output goes: inherited, discarded, or a file descriptor. */
type Output = 'inherit' | StdioNull | StdioPipe | number;

/**
 * The guard's ChildProcess, whose 'exit' event and exit code are the program's, with `stop()` (ends the
 * program's group and waits for the guard) and `programPid` (a promise of the program's pid, which is
 * also its process group id) added.
 */
export type GuardedProcess = ChildProcess & { programPid: Promise<number>; stop(): Promise<void> };

/** Starts `command` under a guard. */
export function startGuarded(
	command: string,
	args: string[],
	{ env, stdio = ['ignore', 'inherit', 'inherit'], graceMs = DEFAULT_GRACE_MS }: { env?: NodeJS.ProcessEnv; stdio?: [Output, Output, Output]; graceMs?: number } = {},
): GuardedProcess {
	const guard = spawn(process.execPath, [...nodeArgsFor(__filename), __filename, String(graceMs), command, ...args], {
		env,
		stdio: ['pipe', stdio[1], stdio[2], 'pipe'],
		detached: true,
	}) as GuardedProcess;
	guard.programPid = new Promise((resolve, reject) => {
		let text = '';
		guard.stdio[3]?.on('data', (chunk) => {
			text += chunk;
			if (text.includes('\n')) resolve(Number(text.trim()));
		});
		guard.once('exit', () => reject(new Error(`${command} exited before it started`)));
	});
	guard.programPid.catch(() => {});
	guard.stop = async () => {
		if (guard.exitCode !== null || guard.signalCode !== null) return;
		const exited = new Promise((resolve) => guard.once('exit', resolve));
		guard.stdin?.end();
		await exited;
	};
	return guard;
}

/**
 * The guard itself: runs the program as the leader of a new process group, and when stdin closes or
 * the program exits, ends that whole group before exiting with the program's exit code.
 */
function guardMain([graceArg, command, ...args]: string[]) {
	const graceMs = Number(graceArg);
	const program = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
	let ending = false;

	const endGroup = () => {
		if (ending || program.pid === undefined) return;
		ending = true;
		const groupId = program.pid;
		signalGroup(groupId, 'SIGTERM');
		const killAt = Date.now() + graceMs;
		const poll = setInterval(() => {
			if (Date.now() > killAt) signalGroup(groupId, 'SIGKILL');
			const programDone = program.exitCode !== null || program.signalCode !== null;
			if (programDone && !groupIsAlive(groupId)) {
				clearInterval(poll);
				process.exit(program.exitCode ?? 1);
			}
		}, 100);
	};

	// A terminal's Ctrl-C or a SIGTERM aimed at the guard must not leave the group behind either.
	for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, endGroup);
	process.stdin.on('end', endGroup);
	process.stdin.on('error', endGroup);
	process.stdin.resume();
	program.on('spawn', () => fs.writeSync(3, `${program.pid}\n`));
	program.on('error', (error) => {
		process.stderr.write(`could not start ${command}: ${error.message}\n`);
		process.exit(127);
	});
	// The program ended on its own: nothing it started may stay behind.
	program.on('exit', endGroup);
}

if (require.main === module) guardMain(process.argv.slice(2));
