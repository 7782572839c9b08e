/**
 * A real n8n for end-to-end tests, `npm start` and the bench: installed by ./install.ts into a cache outside the repository,
 * started on 127.0.0.1 under a guard that ends it (and its task runners) with the process that started it, with every phone-home feature off, with this pack installed into its
 * community-nodes folder exactly as n8n installs community packages (node types are
 * `n8n-nodes-event-subscriptions.<node>`). Tests talk to it through n8n's public API.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { ensureInstalled, type N8nTarget } from './install';
import { startGuarded, type GuardedProcess } from './process-group';
import { freePort, startQueueServices } from './services';

export { freePort };

export const PACKAGE_NAME = 'n8n-nodes-event-subscriptions';
const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface WorkflowNode {
	id: string;
	name: string;
	type: string;
	typeVersion: number;
	position: number[];
	webhookId?: string;
	parameters: object;
	credentials?: Record<string, { id: string; name: string }>;
}

/** A workflow as this tooling writes it; n8n's API answers with more fields (id, active, staticData…). */
export interface Workflow {
	name: string;
	nodes: WorkflowNode[];
	connections?: object;
	[field: string]: unknown;
}

export type StoredWorkflow = Workflow & { id: string };

export interface Execution {
	id: string;
	finished: boolean;
	status: string;
	[field: string]: unknown;
}

/** GET /rest/workflows/:id/publication-status on n8n with queued publication. */
interface PublicationStatus {
	status: string;
	pendingVersionId: string | null;
	triggers: { status: string; errorMessage?: string }[];
}

export const OWNER = { email: 'owner@example.com', firstName: 'E2E', lastName: 'Owner', password: 'E2eOwner-passw0rd' };

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How often an emulator fault meant to fail an activation fires. Newer n8n retries a failed activation
 * by itself (five attempts), older n8n tries once; the tests clear the faults after each cycle.
 */
export const ACTIVATION_FAULT_TIMES = 1000;

/** Builds and packs the pack once per test run (test/run-all.ts passes the tarball on). */
export function packedTarball(): string {
	if (process.env.E2E_PACKED_TARBALL && fs.existsSync(process.env.E2E_PACKED_TARBALL)) return process.env.E2E_PACKED_TARBALL;
	execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
	const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-pack-'));
	const output = execFileSync('npm', ['pack', '--silent', '--pack-destination', outDir], { cwd: REPO_ROOT, encoding: 'utf8' });
	const tarball = path.join(outDir, output.trim().split('\n').pop() as string);
	process.env.E2E_PACKED_TARBALL = tarball;
	return tarball;
}

/** Installs the tarball as n8n's CommunityPackagesService does: unpack, strip dev/peer dependencies. */
function installPackInto(userFolder: string, tarball: string) {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	const target = path.join(nodesDir, 'node_modules', PACKAGE_NAME);
	fs.mkdirSync(target, { recursive: true });
	execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
	const manifestPath = path.join(target, 'package.json');
	const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
	delete manifest.devDependencies;
	delete manifest.peerDependencies;
	delete manifest.optionalDependencies;
	fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
	fs.writeFileSync(
		path.join(nodesDir, 'package.json'),
		JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [PACKAGE_NAME]: manifest.version } }),
	);
}

function n8nEnvironment({ userFolder, port, brokerPort, nodeBin }: { userFolder: string; port: number; brokerPort: number; nodeBin: string }): NodeJS.ProcessEnv {
	const base = `http://127.0.0.1:${port}/`;
	return {
		PATH: `${path.dirname(nodeBin)}:${process.env.PATH}`,
		HOME: userFolder,
		N8N_USER_FOLDER: userFolder,
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PORT: String(port),
		N8N_PROTOCOL: 'http',
		WEBHOOK_URL: base,
		N8N_EDITOR_BASE_URL: base,
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_ENCRYPTION_KEY: 'e2e-not-secret-encryption-key',
		N8N_USER_MANAGEMENT_JWT_SECRET: 'e2e-not-secret-jwt',
		N8N_SECURE_COOKIE: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		DB_TYPE: 'sqlite',
		DB_SQLITE_POOL_SIZE: '2',
		GENERIC_TIMEZONE: 'UTC',
		N8N_LOG_LEVEL: 'info',
		N8N_LOG_OUTPUT: 'console',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_DIAGNOSTICS_CONFIG_FRONTEND: '',
		N8N_DIAGNOSTICS_CONFIG_BACKEND: '',
		N8N_DIAGNOSTICS_POSTHOG_API_HOST: 'http://127.0.0.1:9/',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_VERIFIED_PACKAGES_ENABLED: 'false',
		N8N_UNVERIFIED_PACKAGES_ENABLED: 'false',
		N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
		N8N_LICENSE_DETACH_FLOATING_ON_SHUTDOWN: 'false',
		N8N_LICENSE_SERVER_URL: 'http://127.0.0.1:9/',
		N8N_AI_ENABLED: 'false',
		N8N_SENTRY_DSN: '',
		N8N_FRONTEND_SENTRY_DSN: '',
		EXTERNAL_FRONTEND_HOOKS_URLS: '',
		SCARF_ANALYTICS: 'false',
		// n8n 1.x runs Code nodes in-process unless runners are enabled; 2.x always uses them.
		N8N_RUNNERS_ENABLED: 'true',
		N8N_RUNNERS_MODE: 'internal',
	};
}

/** What n8n's public API answered: the status and the parsed body (or the text, when not JSON). */
export interface ApiAnswer {
	status: number;
	body: unknown;
}

export class N8nInstance {
	readonly userFolder: string;
	readonly port: number;
	readonly baseUrl: string;
	readonly child: GuardedProcess;
	readonly logFile: string;
	apiKey: string | undefined = undefined;
	cookie: string | undefined = undefined;
	/** Set on an instance started by startN8nQueue(). */
	queue?: { front: FrontProxy; worker: StartedProcess; webhooks: StartedProcess[] };

	constructor({ userFolder, port, child, logFile }: { userFolder: string; port: number; child: GuardedProcess; logFile: string }) {
		this.userFolder = userFolder;
		this.port = port;
		this.baseUrl = `http://127.0.0.1:${port}`;
		this.child = child;
		this.logFile = logFile;
	}

	log(): string {
		return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
	}

	webhookUrl(webhookId: string, webhookPath = 'webhook'): string {
		return `${this.baseUrl}/webhook/${webhookId}/${webhookPath}`;
	}

	/** n8n's internal REST API as the editor calls it (owner cookie); throws on HTTP errors. */
	async rest<T = unknown>(method: string, route: string, body?: unknown): Promise<T> {
		const response = await fetch(`${this.baseUrl}/rest/${route}`, {
			method,
			headers: { 'content-type': 'application/json', 'browser-id': 'e2e', ...(this.cookie ? { cookie: this.cookie } : {}) },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const setCookie = response.headers.get('set-cookie');
		if (setCookie) this.cookie = setCookie.split(';')[0];
		const text = await response.text();
		if (!response.ok) throw new Error(`n8n REST ${method} ${route} → ${response.status}: ${text}`);
		return (text ? JSON.parse(text) : undefined) as T;
	}

	/** The public API (X-N8N-API-KEY); returns { status, body } and never throws on HTTP errors. */
	async api(method: string, route: string, body?: unknown): Promise<ApiAnswer> {
		const response = await fetch(`${this.baseUrl}/api/v1/${route}`, {
			method,
			headers: { 'content-type': 'application/json', 'x-n8n-api-key': this.apiKey ?? '' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await response.text();
		let parsed: unknown;
		try {
			parsed = text ? JSON.parse(text) : undefined;
		} catch {
			parsed = text;
		}
		return { status: response.status, body: parsed };
	}

	async apiOk<T = unknown>(method: string, route: string, body?: unknown): Promise<T> {
		const result = await this.api(method, route, body);
		if (result.status >= 300) throw new Error(`n8n API ${method} ${route} → ${result.status}: ${JSON.stringify(result.body)}`);
		return result.body as T;
	}

	async setUpOwnerAndApiKey() {
		await this.rest('POST', 'owner/setup', OWNER);
		const scopes = (await this.rest<{ data: string[] }>('GET', 'api-keys/scopes')).data;
		const created = await this.rest<{ data: { rawApiKey: string } }>('POST', 'api-keys', { label: 'e2e', scopes, expiresAt: null });
		this.apiKey = created.data.rawApiKey;
	}

	/**
	 * Creates a credential the way the editor does (REST): n8n 1.x's public API validates credential data
	 * against a schema that requires the fields of every authentication option at once.
	 */
	async createCredential(name: string, type: string, data: object): Promise<{ id: string; name: string }> {
		return (await this.rest<{ data: { id: string; name: string } }>('POST', 'credentials', { name, type, data })).data;
	}

	async createWorkflow(workflow: Workflow): Promise<StoredWorkflow> {
		return await this.apiOk<StoredWorkflow>('POST', 'workflows', {
			settings: { saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all', saveManualExecutions: true, executionOrder: 'v1' },
			connections: {},
			...workflow,
		});
	}

	async getWorkflow(id: string): Promise<StoredWorkflow> {
		return await this.apiOk<StoredWorkflow>('GET', `workflows/${id}`);
	}

	/**
	 * Activates (publishes) a workflow and returns once n8n has finished: its triggers' checkExists/create
	 * ran and their static data is saved. n8n 2.x from about 2.3x on only queues the publication and answers
	 * 200 at once; the outcome is then read from the publication status (a failed trigger is reported as
	 * a 400 with the trigger's error message, as older n8n answered the activation itself).
	 */
	async activate(id: string): Promise<ApiAnswer> {
		const answer = await this.api('POST', `workflows/${id}/activate`);
		if (answer.status !== 200) return answer;
		const publication = await this.settledPublication(id, (status) => status.status !== 'in_progress' && status.pendingVersionId === null);
		if (!publication || publication.status === 'published') return answer;
		const failed = publication.triggers.find((trigger) => trigger.status === 'failed');
		return { status: 400, body: { message: failed?.errorMessage ?? `publication ${publication.status}` } };
	}

	/** Deactivates (unpublishes) a workflow and returns once its triggers' delete() ran. */
	async deactivate(id: string): Promise<ApiAnswer> {
		const answer = await this.api('POST', `workflows/${id}/deactivate`);
		if (answer.status === 200) await this.settledPublication(id, (status) => status.status === 'not_published');
		return answer;
	}

	/**
	 * Polls n8n's publication status until `isSettled` says so; undefined on an n8n without publication
	 * status (activation is synchronous there).
	 */
	async settledPublication(id: string, isSettled: (status: PublicationStatus) => boolean, timeoutMs = 90_000): Promise<PublicationStatus | undefined> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			let status;
			try {
				status = (await this.rest<{ data: PublicationStatus }>('GET', `workflows/${id}/publication-status`)).data;
			} catch (error) {
				if (/→ 404/.test((error as Error).message)) return undefined;
				throw error;
			}
			if (isSettled(status)) return status;
			if (Date.now() > deadline) throw new Error(`publication of workflow ${id} did not settle: ${JSON.stringify(status)}`);
			await sleep(100);
		}
	}

	async executions(workflowId: string): Promise<Execution[]> {
		const result = await this.apiOk<{ data: Execution[] }>('GET', `executions?workflowId=${workflowId}&includeData=true&limit=250`);
		return result.data;
	}

	/** Waits until the workflow has at least `count` finished executions and returns them, oldest first. */
	async waitForExecutions(workflowId: string, count: number, timeoutMs = 20_000): Promise<Execution[]> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const finished = (await this.executions(workflowId)).filter((e) => e.finished || e.status === 'error' || e.status === 'success');
			if (finished.length >= count) return finished.reverse();
			if (Date.now() > deadline) throw new Error(`expected ${count} executions of ${workflowId}, saw ${finished.length}`);
			await sleep(200);
		}
	}

	/** Executions after a quiet period, to assert that nothing (more) ran. */
	async executionsAfterQuiet(workflowId: string, quietMs = 1500): Promise<Execution[]> {
		await sleep(quietMs);
		return await this.executions(workflowId);
	}

	/**
	 * Runs a workflow made by actionWorkflow() once: activates it, calls its Webhook node, waits for the
	 * execution and deactivates it again. Returns the HTTP answer and the execution.
	 */
	async runActionWorkflow(workflow: Workflow): Promise<{ response: PostAnswer; execution: Execution }> {
		const created = await this.createWorkflow(workflow);
		const activation = await this.activate(created.id);
		if (activation.status !== 200) throw new Error(`could not activate ${workflow.name}: ${JSON.stringify(activation.body)}`);
		const response = await postJson(`${this.baseUrl}/webhook/${workflow.nodes[0].webhookId}`, {});
		const [execution] = await this.waitForExecutions(created.id, 1);
		await this.deactivate(created.id);
		return { response, execution };
	}

	/** Stops n8n and everything it started; the guard sends SIGKILL after 15 s of waiting. */
	async stop(): Promise<void> {
		await this.child.stop();
	}
}

/**
 * Starts one n8n process (`n8n <command>`) under the process guard, in its own user folder with the pack
 * installed, and resolves once its log shows `readyLine`.
 */
interface StartedProcess {
	child: GuardedProcess;
	logFile: string;
	log: () => string;
	port: number;
}

async function startN8nProcess({
	target,
	command,
	userFolder,
	port,
	env = {},
	readyLine,
	logName = 'n8n',
}: {
	target: N8nTarget;
	command: string[];
	userFolder: string;
	port: number;
	env?: NodeJS.ProcessEnv;
	readyLine: RegExp;
	logName?: string;
}): Promise<StartedProcess> {
	installPackInto(userFolder, packedTarball());
	const brokerPort = await freePort();
	const logFile = path.join(userFolder, `${logName}.log`);
	const out = fs.openSync(logFile, 'a');
	const child = startGuarded(target.nodeBin, [target.n8nBin, ...command], {
		env: { ...n8nEnvironment({ userFolder, port, brokerPort, nodeBin: target.nodeBin }), ...env },
		stdio: ['ignore', out, out],
	});
	fs.closeSync(out);
	const log = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
	const deadline = Date.now() + 120_000;
	for (;;) {
		if (child.exitCode !== null) throw new Error(`n8n ${command[0]} exited early (${child.exitCode}):\n${log().slice(-4000)}`);
		if (readyLine.test(log())) return { child, logFile, log, port };
		if (Date.now() > deadline) {
			await child.stop();
			throw new Error(`n8n ${command[0]} did not start within 120 s:\n${log().slice(-4000)}`);
		}
		await sleep(250);
	}
}

const EDITOR_READY = /Editor is now accessible via/;

/**
 * Starts a fresh n8n with the pack installed; resolves once the editor is up and an API key exists.
 * `webhookUrl` is the public URL n8n gives its webhooks (WEBHOOK_URL), e.g. a proxy in front of it.
 */
export async function startN8n({ port, keepUserFolder, webhookUrl }: { port?: number; keepUserFolder?: string; webhookUrl?: string } = {}): Promise<N8nInstance> {
	const target = await ensureInstalled();
	const userFolder = keepUserFolder || fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-'));
	const main = await startN8nProcess({
		target, command: ['start'], userFolder, port: port || (await freePort()), readyLine: EDITOR_READY, env: webhookUrl ? { WEBHOOK_URL: webhookUrl } : {},
	});
	const instance = new N8nInstance({ userFolder, port: main.port, child: main.child, logFile: main.logFile });
	if (!keepUserFolder) await instance.setUpOwnerAndApiKey();
	return instance;
}

/**
 * n8n in queue mode, as scaled installs run it: PostgreSQL and Redis, a main process (activation,
 * editor, API), one worker that runs every execution, and `webhookProcesses` webhook processes that
 * receive the vendors' callbacks. Vendors are given the URL of a front proxy (WEBHOOK_URL), as a load
 * balancer would be in production; it spreads callbacks over the webhook processes (see FrontProxy).
 * Resolves with the main's N8nInstance, extended with `queue` ({ front, worker, webhooks }).
 */
export async function startN8nQueue({ webhookProcesses = 2 } = {}): Promise<N8nInstance> {
	const target = await ensureInstalled();
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-queue-'));
	const started: (() => Promise<void>)[] = [];
	const stopAll = async () => {
		for (const stop of started.reverse()) await stop();
	};
	try {
		const services = await startQueueServices();
		started.push(() => services.stop());
		const front = await startFrontProxy();
		started.push(() => front.close());
		const shared = {
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(services.redis.port),
			QUEUE_HEALTH_CHECK_ACTIVE: 'false',
			N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(services.postgres.port),
			DB_POSTGRESDB_DATABASE: services.postgres.database,
			DB_POSTGRESDB_USER: services.postgres.user,
			DB_POSTGRESDB_PASSWORD: '',
			// Production webhooks go to the webhook processes only, as behind a real load balancer.
			N8N_DISABLE_PRODUCTION_MAIN_PROCESS: 'true',
			WEBHOOK_URL: `${front.url}/`,
		};
		const folder = (name: string) => {
			const userFolder = path.join(root, name);
			fs.mkdirSync(userFolder);
			return userFolder;
		};
		const mainProcess = await startN8nProcess({
			target, command: ['start'], userFolder: folder('main'), port: await freePort(), env: shared, readyLine: EDITOR_READY, logName: 'main',
		});
		started.push(() => mainProcess.child.stop());
		// The main has created the database schema; the others start side by side.
		const starting = await Promise.allSettled([
			startN8nProcess({
				target, command: ['worker', '--concurrency=10'], userFolder: folder('worker'), port: await freePort(),
				env: { ...shared, QUEUE_HEALTH_CHECK_PORT: String(await freePort()) }, readyLine: /n8n worker is now ready/, logName: 'worker',
			}),
			...Array.from({ length: webhookProcesses }, async (_, index) =>
				startN8nProcess({
					target, command: ['webhook'], userFolder: folder(`webhook-${index + 1}`), port: await freePort(), env: shared,
					readyLine: /Webhook listener waiting for requests/, logName: `webhook-${index + 1}`,
				}),
			),
		]);
		for (const outcome of starting) if (outcome.status === 'fulfilled') started.push(() => outcome.value.child.stop());
		const failure = starting.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
		if (failure) throw failure.reason;
		const [worker, ...webhooks] = starting.map((outcome) => (outcome as PromiseFulfilledResult<StartedProcess>).value);
		front.targets = webhooks.map((webhook) => `http://127.0.0.1:${webhook.port}`);

		const instance = new N8nInstance({ userFolder: path.join(root, 'main'), port: mainProcess.port, child: mainProcess.child, logFile: mainProcess.logFile });
		instance.stop = stopAll;
		instance.queue = { front, worker, webhooks };
		await instance.setUpOwnerAndApiKey();
		return instance;
	} catch (error) {
		await stopAll();
		throw error;
	}
}

/**
 * The load balancer in front of the webhook processes: it sends callbacks to the targets in turn, and
 * logs which target got each one (the request as received) and what it answered. `replayLast(index)`
 * sends the last callback once more, byte for byte, to one target, as a vendor's redelivery that lands
 * on another process would. While `capturing`, it only records callbacks in `captured` and answers
 * 200 itself (the bench replays them later).
 */
/** A callback as the front proxy received it. */
export interface ProxiedRequest {
	method: string;
	url: string;
	headers: Record<string, string>;
	body: Buffer;
}

export interface FrontProxy {
	url: string;
	targets: string[];
	next: number;
	log: { target: number; request: ProxiedRequest; status: number }[];
	lastRequest: ProxiedRequest | undefined;
	capturing: boolean;
	captured: ProxiedRequest[];
	replayLast(index: number): Promise<{ status: number; contentType: string | null; body: Buffer }>;
	close(): Promise<void>;
}

export async function startFrontProxy(): Promise<FrontProxy> {
	const proxy = { targets: [], next: 0, log: [], lastRequest: undefined, capturing: false, captured: [] } as unknown as FrontProxy;
	const forward = async (index: number, request: ProxiedRequest) => {
		const response = await fetch(`${proxy.targets[index]}${request.url}`, {
			method: request.method,
			headers: request.headers,
			body: ['GET', 'HEAD'].includes(request.method) ? undefined : request.body,
		});
		const answer = { status: response.status, contentType: response.headers.get('content-type'), body: Buffer.from(await response.arrayBuffer()) };
		proxy.log.push({ target: index, request, status: answer.status });
		return answer;
	};
	proxy.replayLast = (index) => forward(index, proxy.lastRequest as ProxiedRequest);
	const server = http.createServer(async (req, res) => {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk);
		const headers = Object.fromEntries(
			Object.entries(req.headers as IncomingHttpHeaders).filter(([name]) => !['host', 'content-length', 'connection'].includes(name)),
		) as Record<string, string>;
		const request: ProxiedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers, body: Buffer.concat(chunks) };
		proxy.lastRequest = request;
		if (proxy.capturing) {
			proxy.captured.push(request);
			res.writeHead(200, { 'content-type': 'application/json' }).end('{"code":0}');
			return;
		}
		try {
			const answer = await forward(proxy.next++ % proxy.targets.length, request);
			res.writeHead(answer.status, answer.contentType ? { 'content-type': answer.contentType } : {});
			res.end(answer.body);
		} catch (error) {
			res.writeHead(502).end(String((error as Error).message));
		}
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	proxy.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
	return proxy;
}

/** The Webhook node that starts a workflow run with one HTTP call; it answers with the last node's items. */
export function runWebhookNode(webhookId: string): WorkflowNode {
	return {
		id: 'e2e-webhook',
		name: 'Run',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, 0],
		webhookId,
		parameters: { httpMethod: 'POST', path: webhookId, responseMode: 'lastNode', responseData: 'allEntries', options: {} },
	};
}

/**
 * A workflow whose Webhook node runs one action node and answers with its output, so that tests
 * can run an action node in the real n8n with one HTTP call.
 */
export function actionWorkflow({ name, webhookId, actionNode }: { name: string; webhookId: string; actionNode: Omit<WorkflowNode, 'position'> }): Workflow {
	return {
		name,
		nodes: [runWebhookNode(webhookId), { position: [300, 0], ...actionNode }],
		connections: { Run: { main: [[{ node: actionNode.name, type: 'main', index: 0 }]] } },
	};
}

/** What postJson() got back: the status, the parsed body (or the text, when not JSON) and the headers. */
export interface PostAnswer {
	status: number;
	body: unknown;
	headers: Headers;
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<PostAnswer> {
	const response = await fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...headers },
		body: typeof body === 'string' ? body : JSON.stringify(body),
	});
	const text = await response.text();
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		parsed = text;
	}
	return { status: response.status, body: parsed, headers: response.headers };
}
