/**
 * `npm test`: builds and packs the pack once, installs every n8n the end-to-end suites run on (its own
 * step, first use only), runs the unit, reliability and package checks, then the end-to-end suites in a
 * real n8n (one at a time): on the default target, then in queue mode (PostgreSQL, Redis, a worker and
 * two webhook processes), then on each older line of the compat pass (N8N_E2E_COMPAT, comma-separated;
 * empty for none). Each phase prints its own line, and the run ends
 * with one line "N passed, N failed".
 * Extra arguments are passed to jest (e.g. a path filter).
 *
 * SIGINT/SIGTERM are passed on to the running step, so that stopping `npm test` stops jest, whose
 * exit in turn ends every n8n it started (see dev/n8n/process-group.ts). npm does not pass a SIGTERM on
 * through its shell, so the run also stops when npm is gone (see dev/n8n/parent-watch.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { COMPAT_N8N_VERSIONS, layout, targetVersion } from '../dev/n8n/install';
import { packedTarball } from '../dev/n8n/launcher';
import { whenStarterExits } from '../dev/n8n/parent-watch';
import { nodeArgsFor } from '../dev/typescript';

const root = path.resolve(__dirname, '..');
const jest = path.join(root, 'node_modules', '.bin', 'jest');
const extraArgs = process.argv.slice(2);
/** The steps that run as scripts of their own: the n8n install, and Redis and PostgreSQL for queue mode. */
const INSTALL_SCRIPT = path.join(root, 'dev', 'n8n', 'install.ts');
const SERVICES_SCRIPT = path.join(root, 'dev', 'n8n', 'services.ts');

let running: ChildProcess | undefined;
const stop = (signal: NodeJS.Signals) => {
	running?.kill(signal);
	process.exit(130);
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
whenStarterExits(() => stop('SIGTERM'));

function run(command: string, args: string[]): Promise<number> {
	return new Promise((resolve) => {
		const child = spawn(command, args, { cwd: root, stdio: 'inherit', env: process.env });
		running = child;
		child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
		child.on('error', () => resolve(127));
	});
}

/** Runs a TypeScript script of dev/ as a step of its own; resolves with its exit code. */
const runScript = (script: string, args: string[] = []) => run(process.execPath, [...nodeArgsFor(script), script, ...args]);

interface Phase {
	label: string;
	passed: number;
	failed: number;
	broken: string;
}

interface JestSummary {
	numPassedTests: number;
	numFailedTests: number;
	testResults: { name: string; status: string; message: string; assertionResults: unknown[] }[];
}

async function runJest(label: string, args: string[]): Promise<Phase> {
	const outputFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jest-')), 'result.json');
	const status = await run(jest, [...args, '--json', `--outputFile=${outputFile}`, ...extraArgs]);
	if (!fs.existsSync(outputFile)) {
		return { label, passed: 0, failed: 1, broken: `jest exited with ${status} before writing results` };
	}
	const summary: JestSummary = JSON.parse(fs.readFileSync(outputFile, 'utf8'));
	const brokenSuites = summary.testResults.filter((suite) => suite.status === 'failed' && suite.assertionResults.length === 0);
	return {
		label,
		passed: summary.numPassedTests,
		failed: summary.numFailedTests + brokenSuites.length,
		broken: brokenSuites.map((suite) => `${path.relative(root, suite.name)}: ${suite.message.split('\n').slice(0, 3).join(' ')}`).join('\n'),
	};
}

/** Older n8n lines the end-to-end suites also run on, after the default target (see dev/n8n/install.ts). */
function compatVersions(): string[] {
	const chosen = process.env.N8N_E2E_COMPAT;
	return chosen === undefined ? COMPAT_N8N_VERSIONS : chosen.split(',').map((version) => version.trim()).filter(Boolean);
}

async function endToEnd(version: string): Promise<Phase> {
	const label = `end-to-end on n8n ${version} (Node ${layout(version).nodeVersion})`;
	const installed = (await runScript(INSTALL_SCRIPT, [version])) === 0;
	if (!installed) return { label, passed: 0, failed: 1, broken: 'not run: the n8n install failed (see the line above)' };
	process.env.N8N_E2E_VERSION = version;
	return await runJest(label, ['--selectProjects', 'e2e', '--runInBand']);
}

async function main() {
	if ((await run('npm', ['run', 'build', '--silent'])) !== 0) {
		console.log('0 passed, 1 failed');
		process.exit(1);
	}
	process.env.E2E_PACKED_TARBALL = packedTarball();
	const versions = [targetVersion(), ...compatVersions().filter((version) => version !== targetVersion())];

	// Everything is installed before the first suite, so that no suite waits on an install.
	for (const version of versions) await runScript(INSTALL_SCRIPT, [version]);
	const servicesReady = (await runScript(SERVICES_SCRIPT)) === 0;
	const phases = [await runJest('unit + reliability + package', ['--selectProjects', 'unit', 'reliability', 'package'])];
	phases.push(await endToEnd(versions[0]));
	process.env.N8N_E2E_VERSION = versions[0];
	phases.push(
		servicesReady
			? await runJest(`queue mode on n8n ${versions[0]}`, ['--selectProjects', 'queue', '--runInBand'])
			: { label: 'queue mode', passed: 0, failed: 1, broken: 'not run: Redis or PostgreSQL could not be installed (see the line above)' },
	);
	for (const version of versions.slice(1)) phases.push(await endToEnd(version));

	let passed = 0;
	let failed = 0;
	for (const phase of phases) {
		passed += phase.passed;
		failed += phase.failed;
		console.log(`${phase.label}: ${phase.passed} passed, ${phase.failed} failed`);
		if (phase.broken) console.log(phase.broken);
	}
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

main();
