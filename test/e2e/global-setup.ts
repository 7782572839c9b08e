/**
 * jest's globalSetup for the e2e project: installs n8n (first use only) and packs the pack before any
 * suite starts, so that no test or hook timeout covers the install. Workers inherit the tarball path.
 */
import { ensureInstalled } from '../../dev/n8n/install';
import { packedTarball } from '../../dev/n8n/launcher';
import { whenStarterExits } from '../../dev/n8n/parent-watch';
import { ensureQueueServices } from '../../dev/n8n/services';

export default async function installBeforeAnySuite(_globalConfig: unknown, projectConfig: { displayName?: { name: string } }): Promise<void> {
	// jest runs on if whatever started it (npm test, run-all.ts) is killed; its exit is what ends n8n.
	whenStarterExits(() => process.kill(process.pid, 'SIGTERM'));
	await ensureInstalled();
	if (projectConfig.displayName?.name === 'queue') ensureQueueServices();
	packedTarball();
}
