#!/usr/bin/env node
'use strict';
/**
 * `npm run test:mutation`: checks that the fast test projects catch deliberate mistakes. Each mutation
 * in ./mutations.js changes one place of the source in a scratch copy of the repository; the tests that
 * should notice run against it, and the mutation is "killed" if they fail, "survived" if they pass. A
 * mutation whose text no longer occurs exactly once is reported as stale (the source moved on: update
 * it); one whose tests could not run at all is reported as broken. Exits non-zero unless every mutation
 * is killed.
 *
 * Adding a mutation: append { name, file, from, to, tests } to ./mutations.js, where `from` is a piece of
 * `file` that occurs once, `to` its broken replacement, and `tests` the test paths that must catch it.
 * Optional: NAME_FILTER=<text> as an argument runs only the mutations whose name contains it.
 */
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const mutations = require('./mutations');

const root = path.resolve(__dirname, '..', '..');
const filter = process.argv[2];

function scratchCopy() {
	const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mutation-'));
	const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
	for (const file of files) {
		if (!fs.existsSync(path.join(root, file))) continue;
		fs.mkdirSync(path.dirname(path.join(scratch, file)), { recursive: true });
		fs.copyFileSync(path.join(root, file), path.join(scratch, file));
	}
	fs.symlinkSync(path.join(root, 'node_modules'), path.join(scratch, 'node_modules'));
	return scratch;
}

function occurrences(text, piece) {
	let count = 0;
	for (let at = text.indexOf(piece); at !== -1; at = text.indexOf(piece, at + 1)) count++;
	return count;
}

function main() {
	const scratch = scratchCopy();
	const selected = mutations.filter((mutation) => !filter || mutation.name.includes(filter));
	const results = [];
	try {
		for (const mutation of selected) {
			const file = path.join(scratch, mutation.file);
			const original = fs.readFileSync(file, 'utf8');
			if (occurrences(original, mutation.from) !== 1) {
				results.push({ ...mutation, outcome: 'stale' });
				continue;
			}
			fs.writeFileSync(file, original.replace(mutation.from, mutation.to));
			const started = Date.now();
			const run = spawnSync(
				path.join(root, 'node_modules', '.bin', 'jest'),
				['--selectProjects', 'unit', 'reliability', '--silent', '--bail', '--', ...mutation.tests],
				{ cwd: scratch, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, FORCE_COLOR: '0' } },
			);
			fs.writeFileSync(file, original);
			// Killed means a test failed on an assertion, not that the suite could not run at all.
			const failedTests = Number(/Tests:\s+(\d+) failed/.exec(run.stderr)?.[1] ?? 0);
			const ranTests = /Tests:\s+.*\d+ total/.test(run.stderr);
			const outcome = !ranTests ? 'broken' : failedTests > 0 ? 'killed' : run.status === 0 ? 'survived' : 'broken';
			const firstFailure = /● (.+)/.exec(run.stderr)?.[1] ?? '';
			results.push({ ...mutation, outcome, seconds: Math.round((Date.now() - started) / 1000) });
			process.stdout.write(`${outcome.padEnd(9)} ${mutation.name} (${results.at(-1).seconds} s)${outcome === 'killed' ? ` by: ${firstFailure.slice(0, 100)}` : ''}\n`);
			if (outcome === 'broken') process.stdout.write(`${run.stderr.split('\n').slice(0, 15).join('\n')}\n`);
		}
	} finally {
		fs.rmSync(scratch, { recursive: true, force: true });
	}
	const killed = results.filter((result) => result.outcome === 'killed').length;
	const others = results.filter((result) => result.outcome !== 'killed');
	for (const result of others.filter((r) => r.outcome === 'stale')) {
		process.stdout.write(`${result.outcome.padEnd(12)} ${result.name}: "${result.from.slice(0, 60)}" no longer occurs once in ${result.file}\n`);
	}
	process.stdout.write(`${killed} killed, ${others.length} survived, broken or stale, of ${results.length} mutations\n`);
	process.exit(others.length === 0 && results.length > 0 ? 0 : 1);
}

main();
