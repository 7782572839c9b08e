#!/usr/bin/env node
'use strict';
/**
 * `npm test`: builds and packs the pack once, runs the unit and package checks (in parallel), then
 * the end-to-end suites in a real n8n (one at a time), and ends with one line "N passed, N failed".
 * Extra arguments are passed to jest (e.g. a path filter).
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const jest = path.join(root, 'node_modules', '.bin', 'jest');
const extraArgs = process.argv.slice(2);

function runJest(label, args) {
	const outputFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jest-')), 'result.json');
	const result = spawnSync(jest, [...args, '--json', `--outputFile=${outputFile}`, ...extraArgs], {
		cwd: root,
		stdio: 'inherit',
		env: process.env,
	});
	if (!fs.existsSync(outputFile)) {
		return { label, passed: 0, failed: 1, broken: `jest exited with ${result.status} before writing results` };
	}
	const summary = JSON.parse(fs.readFileSync(outputFile, 'utf8'));
	const brokenSuites = summary.testResults.filter((suite) => suite.status === 'failed' && suite.assertionResults.length === 0);
	return {
		label,
		passed: summary.numPassedTests,
		failed: summary.numFailedTests + brokenSuites.length,
		broken: brokenSuites.map((suite) => `${path.relative(root, suite.name)}: ${suite.message.split('\n').slice(0, 3).join(' ')}`).join('\n'),
	};
}

const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
	console.log('0 passed, 1 failed');
	process.exit(1);
}
process.env.E2E_PACKED_TARBALL = require('./e2e/n8n').packedTarball();

const phases = [
	runJest('unit + reliability + package', ['--selectProjects', 'unit', 'reliability', 'package']),
	runJest('end-to-end (real n8n)', ['--selectProjects', 'e2e', '--runInBand']),
];

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
