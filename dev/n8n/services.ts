/**
 * Redis and PostgreSQL for n8n's queue mode, each on a free loopback port with its data in a throwaway
 * folder, each under the process guard (./process-group.ts) so that neither outlives the test.
 * They come from Debian's packages: ensureQueueServices() installs what is missing (root, apt-get).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startGuarded, type GuardedProcess } from './process-group';

const DEBIAN_PACKAGES = { redis: 'redis-server', postgres: 'postgresql' };

function onPath(command: string): string | undefined {
	try {
		return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
	} catch {
		return undefined;
	}
}

/** Debian's postgresql package keeps its programs off PATH, under /usr/lib/postgresql/<major>/bin. */
function postgresBin(program: string): string | undefined {
	const root = '/usr/lib/postgresql';
	const majors = fs.existsSync(root) ? fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
	const candidate = majors.map((major) => path.join(root, major, 'bin', program)).find((file) => fs.existsSync(file));
	return candidate ?? onPath(program);
}

function missingPackages(): string[] {
	const missing: string[] = [];
	if (!onPath('redis-server')) missing.push(DEBIAN_PACKAGES.redis);
	if (!postgresBin('postgres') || !postgresBin('initdb')) missing.push(DEBIAN_PACKAGES.postgres);
	return missing;
}

/** Installs Redis and PostgreSQL from Debian's packages if they are missing; throws one clear line. */
export function ensureQueueServices(log = (message: string) => process.stderr.write(`[services] ${message}\n`)) {
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
		const { stderr, message } = error as Error & { stderr?: Buffer };
		throw new Error(`apt-get could not install ${missing.join(', ')}: ${String(stderr || message).trim().split('\n').pop()}`);
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

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

/** Waits until the port accepts connections and, if given, the log shows the server's ready line. */
async function waitUntilReady(port: number, guard: GuardedProcess, logFile: string, readyLine: RegExp, timeoutMs = 30_000) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const log = fs.readFileSync(logFile, 'utf8');
		if (guard.exitCode !== null) throw new Error(`exited early:\n${log.slice(-2000)}`);
		if (readyLine && !readyLine.test(log)) {
			if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs / 1000} s:\n${log.slice(-2000)}`);
			await new Promise((resolve) => setTimeout(resolve, 100));
			continue;
		}
		const open = await new Promise<boolean>((resolve) => {
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

function logTo(folder: string, name: string) {
	const logFile = path.join(folder, `${name}.log`);
	return { logFile, fd: fs.openSync(logFile, 'a') };
}

async function startRedis(folder: string) {
	const port = await freePort();
	const { logFile, fd } = logTo(folder, 'redis');
	const guard = startGuarded(
		onPath('redis-server') as string,
		['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', folder],
		{ stdio: ['ignore', fd, fd] },
	);
	fs.closeSync(fd);
	await waitUntilReady(port, guard, logFile, /Ready to accept connections/);
	return { port, stop: () => guard.stop() };
}

/** PostgreSQL refuses to run as root: when root, its programs run as the packaged `postgres` user. */
function asPostgresUser(program: string, args: string[]): [string, string[]] {
	const binary = postgresBin(program) as string;
	if (process.getuid?.() !== 0) return [binary, args];
	return [onPath('setpriv') as string, ['--reuid=postgres', '--regid=postgres', '--init-groups', binary, ...args]];
}

async function startPostgres(folder: string) {
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
export async function startQueueServices() {
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

if (require.main === module) {
	try {
		ensureQueueServices();
	} catch (error) {
		process.stderr.write(`${(error as Error).message}\n`);
		process.exit(1);
	}
}
