'use strict';
/**
 * Ends a long test run when whatever started it has gone. npm runs scripts through a shell that does not
 * pass signals on, so a SIGTERM (or SIGKILL) sent to `npm test` kills npm, perhaps the shell, but not the
 * run below them; the run notices that its parent or grandparent is gone and stops itself, and its own
 * exit ends every n8n it started (see ./process-group.js).
 */
const fs = require('node:fs');
const { isAlive } = require('./process-group');

function parentOf(pid) {
	try {
		// /proc/<pid>/stat: "pid (command) state ppid ..."; the command may contain spaces and parentheses.
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
	} catch {
		return undefined;
	}
}

/** Calls `onOrphaned` once when the parent or grandparent of this process exits. */
function whenStarterExits(onOrphaned, intervalMs = 500) {
	const parent = process.ppid;
	const watched = [parent, parentOf(parent)].filter((pid) => pid !== undefined && pid > 1);
	const timer = setInterval(() => {
		if (process.ppid === parent && watched.every(isAlive)) return;
		clearInterval(timer);
		onOrphaned();
	}, intervalMs);
	timer.unref();
}

module.exports = { whenStarterExits };
