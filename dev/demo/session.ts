/**
 * The demo `npm start` runs and `npm run screenshots` photographs: every vendor emulator, a real n8n
 * with the pack, a credential per vendor pointing at its emulator and each vendor's example workflow,
 * activated.
 */
import type { Demo } from './demo';
import { DEMOS, LONG_CONNECTION_DEMOS } from './index';
import { startEmulator, type RunningEmulator } from '../emulator/server';
import { freePort, startN8n, type ApiAnswer, type N8nInstance, type StoredWorkflow } from '../n8n/launcher';

export interface RunningDemo {
	demo: Demo;
	emulator: RunningEmulator;
	credential: { id: string; name: string };
	workflow: StoredWorkflow;
	activation: ApiAnswer;
}

export interface DemoSession {
	n8n: N8nInstance;
	demos: RunningDemo[];
	/** Stops n8n and closes the emulators. */
	stop(): Promise<void>;
}

/**
 * `demoPorts`: the emulators listen on the ports the README names (npm start); otherwise on free ones,
 * so that a second demo on the same machine does not collide with the first.
 */
export async function startDemo({ port, demoPorts }: { port?: number; demoPorts: boolean }): Promise<DemoSession> {
	const n8nPort = port ?? (await freePort());
	const demos = [...Object.values(DEMOS), ...Object.values(LONG_CONNECTION_DEMOS)];
	const emulators: RunningEmulator[] = [];
	const closeEmulators = () => Promise.all(emulators.map((emulator) => emulator.close()));
	let n8n: N8nInstance;
	try {
		for (const demo of demos) {
			emulators.push(await startEmulator(demo.createEmulator(`http://127.0.0.1:${n8nPort}`), { port: demoPorts ? demo.emulatorPort : 0 }));
		}
		process.stdout.write('Building the pack and starting n8n (a first run installs n8n first, about 5 minutes; progress below)...\n');
		n8n = await startN8n({ port: n8nPort });
	} catch (error) {
		await closeEmulators();
		throw error;
	}
	const stop = async () => {
		await n8n.stop();
		await closeEmulators();
	};
	try {
		const running: RunningDemo[] = [];
		for (const [index, demo] of demos.entries()) {
			const emulator = emulators[index];
			const spec = demo.credential(emulator);
			const credential = await n8n.createCredential(spec.name, spec.type, spec.data);
			const workflow = await n8n.createWorkflow(demo.workflow(credential));
			running.push({ demo, emulator, credential, workflow, activation: await n8n.activate(workflow.id) });
		}
		return { n8n, demos: running, stop };
	} catch (error) {
		await stop();
		throw error;
	}
}
