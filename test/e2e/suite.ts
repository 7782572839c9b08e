/**
 * What every vendor's E2E suite runs against: its emulator, and a real n8n holding the emulator's
 * credential (as dev/emulator/credentials.ts defines it); and how the tests drive that emulator.
 */
import type { EmulatorCredential } from '../../dev/emulator/credentials';
import { startEmulator, type RunningEmulator, type Vendor } from '../../dev/emulator/server';
import { postJson, sleep, startN8n, type N8nInstance } from '../../dev/n8n/launcher';

type Json = Record<string, any>;

/** Starts the emulator, then n8n, and creates the emulator's credential there. */
export async function startWithEmulator<V extends Vendor>(
	vendor: V,
	credentialFor: (emulator: RunningEmulator<V>) => EmulatorCredential,
): Promise<{ emulator: RunningEmulator<V>; n8n: N8nInstance; credential: { id: string; name: string } }> {
	const emulator = await startEmulator(vendor);
	try {
		const n8n = await startN8n();
		const { name, type, data } = credentialFor(emulator);
		return { emulator, n8n, credential: await n8n.createCredential(name, type, data) };
	} catch (error) {
		// The suite's afterAll can only close what this returns.
		await emulator.close();
		throw error;
	}
}

/** The control API of the suite's emulator over HTTP, and its fault list in process; the emulator is started in beforeAll, hence the getter. */
export function emulatorControl(vendor: string, emulator: () => { url: string; vendor: { state: { faults: unknown[] } } }) {
	const base = () => `${emulator().url}/_emulator`;
	return {
		/** POST /_emulator/<vendor>/<route>: fire an event, inject a fault, forget subscriptions, expire tokens… */
		control: async (route: string, body: Json = {}): Promise<any> => (await postJson(`${base()}/${vendor}/${route}`, body)).body,
		emulatorState: async () => (await fetch(`${base()}/${vendor}/state`)).json() as Promise<Json>,
		/** Every vendor API call the emulator answered since clearRequests(). */
		emulatorRequests: async () => (await fetch(`${base()}/requests`)).json() as Promise<Json[]>,
		clearRequests: () => fetch(`${base()}/requests`, { method: 'DELETE' }),
		/** Drops the faults not yet used up. */
		clearFaults: () => {
			emulator().vendor.state.faults.length = 0;
		},
	};
}

export type EmulatorControl = ReturnType<typeof emulatorControl>;

/** Reads until `done` holds for what was read (an emulator's state, a count…) and returns it; throws, with the last value, after `timeoutMs`. */
export async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await read();
		if (done(value)) return value;
		if (Date.now() > deadline) throw new Error(`condition not met in time: ${JSON.stringify(value).slice(0, 2000)}`);
		await sleep(200);
	}
}
