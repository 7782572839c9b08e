/**
 * What each vendor adds to `npm start` (and what the queue-mode suite and the bench reuse): its
 * emulator, the credential pointing at it, an example workflow, and how to make the emulator fire.
 */
import type { EmulatorCredential } from '../emulator/credentials';
import type { RunningEmulator, Vendor } from '../emulator/server';
import type { Workflow, WorkflowNode } from '../n8n/launcher';

// Methods, not function properties: a Demo of one vendor's emulator then counts as a Demo of any.
export interface Demo<V extends Vendor = Vendor> {
	name: string;
	emulatorPort: number;
	/** `webhookBase` is where the vendor is told to deliver (n8n, or a proxy in front of it). */
	createEmulator(webhookBase?: string): V;
	credential(emulator: RunningEmulator<V>): EmulatorCredential;
	workflow(credential: { id: string; name: string }): Workflow;
	/** The control call that makes the emulator deliver one event. */
	fire: { path: string; body: object };
	moreToFire?(emulator: RunningEmulator<V>): string;
	/** How many subscriptions the vendor still holds. */
	leftAtVendor(emulator: RunningEmulator<V>): number;
	/** Whether the vendor delivers yet (SMN only to confirmed subscriptions); true when not given. */
	ready?(emulator: RunningEmulator<V>): boolean;
	/** The Remove Duplicates key for the vendor's events (README's queue-mode recipe). */
	dedupeKey: string;
}

/** Where `npm start` runs n8n (N8N_PORT or 5678): vendors whose console holds a callback URL are told it up front. */
export const defaultWebhookBase = (): string => `http://127.0.0.1:${Number(process.env.N8N_PORT) || 5678}`;

/** An example workflow: the vendor's trigger, then a No Operation node where a builder adds their own steps. */
export function exampleWorkflow({ name, trigger, handler }: { name: string; trigger: WorkflowNode; handler: string }): Workflow {
	return {
		name,
		nodes: [
			trigger,
			{
				id: trigger.id.replace(/-trigger$/, '-noop'),
				name: handler,
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [260, 0],
				parameters: {},
			},
		],
		connections: { [trigger.name]: { main: [[{ node: handler, type: 'main', index: 0 }]] } },
	};
}
