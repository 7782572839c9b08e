'use strict';
/**
 * Redis and PostgreSQL for n8n's queue mode, each on a free loopback port with its data in a throwaway
 * folder, each under the process guard (test/e2e/process-group.js) so that neither outlives the test.
 * They come from Debian's packages: ensureQueueServices() installs what is missing (root, apt-get).
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { startGuarded } = require('./process-group');

const DEBIAN_PACKAGES = { redis: 'redis-server', postgres: 'postgresql' };

function onPath(command) {
	try {
		return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
	} catch {
		return undefined;
	}
}

/** Debian's postgresql package keeps its programs off PATH, under /usr/lib/postgresql/<major>/bin. */
function postgresBin(program) {
	const root = '/usr/lib/postgresql';
	const majors = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
	const candidate = majors.map((major) => path.join(root, major, 'bin', program)).find((file) => fs.existsSync(file));
	return candidate ?? onPath(program);
}

function missingPackages() {
	const missing = [];
	if (!onPath('redis-server')) missing.push(DEBIAN_PACKAGES.redis);
	if (!postgresBin('postgres') || !postgresBin('initdb')) missing.push(DEBIAN_PACKAGES.postgres);
	return missing;
}

/** Installs Redis and PostgreSQL from Debian's packages if they are missing; throws one clear line. */
function ensureQueueServices(log = (message) => process.stderr.write(`[services] ${message}\n`)) {
	const missing = missingPackages();
	if (missing.length === 0) return;
	if (process.getuid?.() !== 0) {
		throw new Error(`queue mode needs ${missing.join(' and ')} (Debian packages); install them, or run as root to have them installed`);
	}
	log(`installing ${missing.join(', ')} from Debian's packages`);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	try {
		execFileSync('apt-get', ['update', '-qq'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
		execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env, stdio: ['ignore', 'ignore', 'pipe'] });
	} catch (error) {
		throw new Error(`apt-get could not install ${missing.join(', ')}: ${String(error.stderr || error.message).trim().split('\n').pop()}`);
	}
	// Debian starts the packaged servers on their default ports; the tests start their own.
	for (const service of ['redis-server', 'postgresql']) {
		try {
			execFileSync('service', [service, 'stop'], { stdio: 'ignore' });
		} catch {
			// Not started, or no service manager: nothing to stop.
		}
	}
	if (missingPackages().length > 0) throw new Error(`${missingPackages().join(', ')} still missing after apt-get install`);
}

function freePort() {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

/** Waits until the port accepts connections and, if given, the log shows the server's ready line. */
async function waitUntilReady(port, guard, logFile, readyLine, timeoutMs = 30_000) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const log = fs.readFileSync(logFile, 'utf8');
		if (guard.exitCode !== null) throw new Error(`exited early:\n${log.slice(-2000)}`);
		if (readyLine && !readyLine.test(log)) {
			if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs / 1000} s:\n${log.slice(-2000)}`);
			await new Promise((resolve) => setTimeout(resolve, 100));
			continue;
		}
		const open = await new Promise((resolve) => {
			const socket = net.connect(port, '127.0.0.1', () => {
				socket.end();
				resolve(true);
			});
			socket.once('error', () => resolve(false));
		});
		if (open) return;
		if (Date.now() > deadline) throw new Error(`port ${port} did not open within ${timeoutMs / 1000} s`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

function logTo(folder, name) {
	const logFile = path.join(folder, `${name}.log`);
	return { logFile, fd: fs.openSync(logFile, 'a') };
}

async function startRedis(folder) {
	const port = await freePort();
	const { logFile, fd } = logTo(folder, 'redis');
	const guard = startGuarded(
		onPath('redis-server'),
		['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', folder],
		{ stdio: ['ignore', fd, fd] },
	);
	fs.closeSync(fd);
	await waitUntilReady(port, guard, logFile, /Ready to accept connections/);
	return { port, stop: () => guard.stop() };
}

/** PostgreSQL refuses to run as root: when root, its programs run as the packaged `postgres` user. */
function asPostgresUser(program, args) {
	const binary = postgresBin(program);
	if (process.getuid?.() !== 0) return [binary, args];
	return [onPath('setpriv'), ['--reuid=postgres', '--regid=postgres', '--init-groups', binary, ...args]];
}

async function startPostgres(folder) {
	const dataDir = path.join(folder, 'postgres');
	fs.mkdirSync(dataDir, { recursive: true });
	if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'postgres:postgres', folder]);
	const [initdb, initArgs] = asPostgresUser('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'n8n', '--no-sync']);
	execFileSync(initdb, initArgs, { stdio: 'ignore' });
	const port = await freePort();
	const { logFile, fd } = logTo(folder, 'postgres');
	const [postgres, args] = asPostgresUser('postgres', [
		'-D', dataDir, '-p', String(port), '-k', dataDir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200',
	]);
	const guard = startGuarded(postgres, args, { stdio: ['ignore', fd, fd] });
	fs.closeSync(fd);
	await waitUntilReady(port, guard, logFile, /database system is ready to accept connections/);
	return { port, user: 'n8n', database: 'postgres', stop: () => guard.stop() };
}

/** Starts Redis and PostgreSQL in a new folder; stop() ends both. */
async function startQueueServices() {
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-queue-services-'));
	fs.chmodSync(folder, 0o755);
	const [redis, postgres] = await Promise.all([startRedis(folder), startPostgres(folder)]);
	return {
		redis,
		postgres,
		async stop() {
			await Promise.all([redis.stop(), postgres.stop()]);
			fs.rmSync(folder, { recursive: true, force: true });
		},
	};
}

module.exports = { ensureQueueServices, startQueueServices, freePort };

if (require.main === module) {
	try {
		ensureQueueServices();
	} catch (error) {
		process.stderr.write(`${error.message}\n`);
		process.exit(1);
	}
}
