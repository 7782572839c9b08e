/**
 * `npm start`: builds the pack, starts every vendor emulator and a real n8n on 127.0.0.1 with the pack
 * installed, creates a credential per vendor pointing at its emulator and activates an example
 * workflow per vendor. Prints the editor URL, the login and how to fire events. Ctrl-C stops it all.
 */
import { DEMOS, LONG_CONNECTION_DEMOS } from './demo';
import { startEmulator, type RunningEmulator } from './emulator/server';
import { OWNER, startN8n, type N8nInstance } from './n8n/launcher';

async function main() {
	const demos = [...Object.values(DEMOS), ...Object.values(LONG_CONNECTION_DEMOS)];
	const emulators: RunningEmulator[] = [];
	// n8n once it is up, for stop(): a Ctrl-C while it starts leaves its end to the process guard.
	const running: { n8n?: N8nInstance } = {};
	let stopping = false;
	const stop = async () => {
		if (stopping) return;
		stopping = true;
		process.stdout.write('\nStopping n8n and the emulators...\n');
		await running.n8n?.stop();
		await Promise.all(emulators.map((emulator) => emulator.close()));
		process.exit(0);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);

	for (const demo of demos) emulators.push(await startEmulator(demo.createEmulator(), { port: demo.emulatorPort }));
	process.stdout.write('Building the pack and starting n8n (a first run installs n8n first, about 5 minutes; progress below)...\n');
	const n8n = await startN8n({ port: Number(process.env.N8N_PORT) || 5678 });
	running.n8n = n8n;

	const lines = [];
	for (const [index, demo] of demos.entries()) {
		const emulator = emulators[index];
		const spec = demo.credential(emulator);
		const credential = await n8n.createCredential(spec.name, spec.type, spec.data);
		const workflow = await n8n.createWorkflow(demo.workflow(credential));
		const activation = await n8n.activate(workflow.id);
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
