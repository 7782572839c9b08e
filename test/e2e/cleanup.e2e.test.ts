/**
 * Nothing the tests start may outlive them: a process that started n8n is killed without warning, and
 * n8n with its task runners must be gone shortly after.
 */
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { nodeArgsFor } from '../../dev/typescript';

jest.setTimeout(180_000);

/** Pids of the processes in a process group, read from ps (empty when the group is gone). */
function groupMembers(groupId: number): number[] {
	const table = execFileSync('ps', ['-eo', 'pid=,pgid='], { encoding: 'utf8' });
	return table
		.split('\n')
		.map((line) => line.trim().split(/\s+/).map(Number))
		.filter(([pid, pgid]) => pgid === groupId && pid > 0)
		.map(([pid]) => pid);
}

function isAlive(pid: number) {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

async function waitFor(condition: () => boolean, timeoutMs: number) {
	const deadline = Date.now() + timeoutMs;
	while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
	return condition();
}

test('killing the process that started n8n with SIGKILL ends n8n and its task runners', async () => {
	const harness = path.join(__dirname, '..', '..', 'dev', 'n8n', 'launcher.ts');
	const starter = spawn(
		process.execPath,
		[
			...nodeArgsFor(harness),
			'-e',
			// The starter also ends when this test's process does (its stdin closes), so it cannot outlive jest.
			`process.stdin.on('end', () => process.exit(1)).resume();
			require(${JSON.stringify(harness)}).startN8n().then(async (n8n) =>
				console.log(JSON.stringify({ group: await n8n.child.programPid, guard: n8n.child.pid })))`,
		],
		{ stdio: ['pipe', 'pipe', 'inherit'], env: process.env },
	);
	try {
		const started = await new Promise<{ group: number; guard: number }>((resolve, reject) => {
			let text = '';
			starter.stdout.on('data', (chunk) => {
				text += chunk;
				const line = text.split('\n').find((candidate) => candidate.startsWith('{'));
				if (line) resolve(JSON.parse(line));
			});
			starter.once('exit', (code) => reject(new Error(`the starter exited (${code}) before n8n was up`)));
		});

		// n8n itself and its JS task runner share the group: the kill below has something to end.
		expect(await waitFor(() => groupMembers(started.group).length >= 2, 30_000)).toBe(true);
		expect(isAlive(started.guard)).toBe(true);

		starter.kill('SIGKILL');

		expect(await waitFor(() => groupMembers(started.group).length === 0 && !isAlive(started.guard), 30_000)).toBe(true);
	} finally {
		// A failed expectation above must not leave the starter (and its n8n) running.
		starter.kill('SIGKILL');
	}
});
