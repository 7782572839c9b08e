/**
 * Ends a long test run when whatever started it has gone. npm runs scripts through a shell that does not
 * pass signals on, so a SIGTERM (or SIGKILL) sent to `npm test` kills npm, perhaps the shell, but not the
 * run below them; the run notices that its parent or grandparent is gone and stops itself, and its own
 * exit ends every n8n it started (see ./process-group.ts).
 */
import fs from 'node:fs';
import { isAlive } from './process-group';

function parentOf(pid: number): number | undefined {
	try {
		// /proc/<pid>/stat: "pid (command) state ppid ..."; the command may contain spaces and parentheses.
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
	} catch {
		return undefined;
	}
}

/** Calls `onOrphaned` once when the parent or grandparent of this process exits. */
export function whenStarterExits(onOrphaned: () => void, intervalMs = 500): void {
	const parent = process.ppid;
	const watched = [parent, parentOf(parent)].filter((pid): pid is number => pid !== undefined && pid > 1);
	const timer = setInterval(() => {
		if (process.ppid === parent && watched.every(isAlive)) return;
		clearInterval(timer);
		onOrphaned();
	}, intervalMs);
	timer.unref();
}
