'use strict';
/**
 * jest's globalSetup for the e2e project: installs n8n (first use only) and packs the pack before any
 * suite starts, so that no test or hook timeout covers the install. Workers inherit the tarball path.
 */
const { ensureInstalled } = require('./install');
const { packedTarball } = require('./n8n');
const { ensureQueueServices } = require('./services');
const { whenStarterExits } = require('./parent-watch');

module.exports = async function installBeforeAnySuite(globalConfig, projectConfig) {
	// jest runs on if whatever started it (npm test, run-all.js) is killed; its exit is what ends n8n.
	whenStarterExits(() => process.kill(process.pid, 'SIGTERM'));
	await ensureInstalled();
	if (projectConfig.displayName.name === 'queue') ensureQueueServices();
	packedTarball();
};
