/**
 * The Feishu Long Connection Trigger against the Feishu emulator's long-connection side (real HTTP and
 * WebSocket on 127.0.0.1), for the unit and reliability suites: short timings, the harness, and waits.
 */
import type { ICredentialDataDecryptedObject, INodeParameters } from 'n8n-workflow';
import { FeishuApi } from '../../../credentials/FeishuApi.credentials';
import { FeishuLongConnectionTrigger } from '../../../nodes/Feishu/FeishuLongConnectionTrigger.node';
import { feishuConnectionPolicy } from '../../../nodes/Feishu/long-connection';
import { connectionPolicy } from '../../../nodes/shared/long-connection';
import { feishuEmulatorCredential } from '../../../dev/emulator/credentials';
import type { FeishuEmulator } from '../../../dev/emulator/feishu';
import type { LongConnectionOptions } from '../../../dev/emulator/feishu-long-connection';
import type { RunningEmulator } from '../../../dev/emulator/server';
import { NodeHarness } from '../../harness/node-harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startEmulator } = require('../../../dev/emulator/server');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createFeishuEmulator } = require('../../../dev/emulator/feishu');

/** Seconds, as Feishu sends them: pings every 200 ms, reconnects within about 100 ms. */
export const FAST_CLIENT_CONFIG = { PingInterval: 0.2, ReconnectCount: -1, ReconnectInterval: 0.05, ReconnectNonce: 0.05 };

/** The loop's timings in milliseconds instead of seconds; `restore` puts the shipped values back. */
export function fastTimings(): () => void {
	const saved = { shared: { ...connectionPolicy }, feishu: { ...feishuConnectionPolicy } };
	Object.assign(connectionPolicy, { watchIntervalMs: 10, openTimeoutMs: 2_000, baseDelayMs: 10, maxDelayMs: 100 });
	Object.assign(feishuConnectionPolicy, { idleMarginMs: 150, partTtlMs: 2_000 });
	return () => {
		Object.assign(connectionPolicy, saved.shared);
		Object.assign(feishuConnectionPolicy, saved.feishu);
	};
}

export async function startLongConnectionEmulator(options: LongConnectionOptions = {}): Promise<RunningEmulator<FeishuEmulator>> {
	return await startEmulator(
		createFeishuEmulator({
			limits: { subscribePerSecond: 10_000, subscribePerMinute: 100_000, getPerMinute: 10_000, deletePerMinute: 10_000 },
			longConnection: { clientConfig: FAST_CLIENT_CONFIG, ackTimeoutMs: 400, silenceTerminateMs: 1_000, ...options },
		}),
	);
}

export async function stopLongConnectionEmulator(emulator: RunningEmulator<FeishuEmulator> | undefined): Promise<void> {
	await emulator?.vendor.longConnection.close();
	await emulator?.close();
}

export function longConnectionTrigger(
	emulator: RunningEmulator<FeishuEmulator>,
	parameters: INodeParameters,
	credentials: ICredentialDataDecryptedObject = feishuEmulatorCredential(emulator).data,
	ids: { workflowId?: string; nodeId?: string } = {},
): NodeHarness {
	return new NodeHarness({
		nodeType: new FeishuLongConnectionTrigger(),
		credentialTypes: { feishuApi: new FeishuApi() },
		credentials: { feishuApi: credentials },
		parameters,
		...ids,
	});
}

export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!(await condition())) {
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The event_id of every item the trigger emitted, one entry per item. */
export const emittedEventIds = (emitted: Array<Array<Array<{ json: Record<string, unknown> }>>>) =>
	emitted.flatMap((execution) => execution[0].map((item) => String(item.json.event_id)));
