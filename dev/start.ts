/**
 * `npm start`: builds the pack, starts every vendor emulator and a real n8n on 127.0.0.1 with the pack
 * installed, creates a credential per vendor pointing at its emulator and activates an example
 * workflow per vendor. Prints the editor URL, the login and how to fire events. Ctrl-C stops it all.
 */
import { startDemo, type DemoSession } from './demo/session';
import { OWNER } from './n8n/launcher';

async function main() {
	// The demo once it is up, for stop(): a Ctrl-C while it starts leaves n8n's end to the process guard.
	const running: { session?: DemoSession } = {};
	let stopping = false;
	const stop = async () => {
		if (stopping) return;
		stopping = true;
		process.stdout.write('\nStopping n8n and the emulators...\n');
		await running.session?.stop();
		process.exit(0);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);

	const session = await startDemo({ port: Number(process.env.N8N_PORT) || 5678, demoPorts: true });
	running.session = session;
	const { n8n } = session;

	const lines = [];
	for (const { demo, emulator, workflow, activation } of session.demos) {
		const state = activation.status === 200 ? 'active' : `NOT active (${JSON.stringify(activation.body)})`;
		lines.push(
			`${demo.name}: emulator ${emulator.url}, workflow "${workflow.name}" ${state}`,
			`  fire an event: curl -s -X POST ${emulator.url}${demo.fire.path} -H 'content-type: application/json' -d '${JSON.stringify(demo.fire.body)}'${demo.moreToFire?.(emulator) ?? ''}`,
		);
	}
	process.stdout.write(
		[
			'',
			`n8n editor: ${n8n.baseUrl}/`,
			`login:      ${OWNER.email} / ${OWNER.password}`,
			...lines,
			`n8n log:    ${n8n.logFile}`,
			'Press Ctrl-C to stop everything.',
			'',
		].join('\n'),
	);
	n8n.child.on('exit', (code) => {
		if (!stopping) {
			process.stderr.write(`n8n exited unexpectedly (${code}); see ${n8n.logFile}\n`);
			stop();
		}
	});
}

main().catch((error) => {
	process.stderr.write(`${error.stack || error}\n`);
	process.exit(1);
});
