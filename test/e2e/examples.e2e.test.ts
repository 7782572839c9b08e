/**
 * Every workflow in examples/ in a real n8n, as a builder would use it: imported with its placeholders
 * bound (the emulators' credentials, files and scopes; its chat and system URLs pointed at a capture
 * server), activated, one matching event fired through the vendor's emulator, and the message the
 * workflow sends (through its one HTTP Request node) checked at the capture server; then deactivated.
 * The scenario is chosen by the example's trigger type: an HTTP-push trigger is reached through its n8n
 * webhook URL (with the vendor's console step, if any), a Stream or long-connection trigger through the
 * one connection it opens to the emulator, so the check there is that connection, open while active and
 * closed after. Those need a global WebSocket (Node 22+) and are skipped on n8n 2.8.4 (Node 20).
 * The folder is read, so a new example is tested without editing this file (a new trigger type or
 * placeholder needs a line below).
 */
import fs from 'node:fs';
import path from 'node:path';
import {
	dingTalkEmulatorCredential,
	feishuEmulatorCredential,
	kdocsEmulatorCredential,
	smnEmulatorCredential,
	type EmulatorCredential,
} from '../../dev/emulator/credentials';
import { createDingTalkEmulator } from '../../dev/emulator/dingtalk';
import { createFeishuEmulator } from '../../dev/emulator/feishu';
import { createKdocsEmulator } from '../../dev/emulator/kdocs';
import { startEmulator, type RunningEmulator, type Vendor } from '../../dev/emulator/server';
import { createSmnEmulator } from '../../dev/emulator/smn';
import { layout, targetVersion } from '../../dev/n8n/install';
import { PACKAGE_NAME, startFrontProxy, startN8n, type FrontProxy, type N8nInstance, type Workflow, type WorkflowNode } from '../../dev/n8n/launcher';
import { whileActive } from './activation';
import { emulatorControl, waitFor } from './suite';

jest.setTimeout(300_000);

type Json = Record<string, any>;

const EXAMPLES_DIR = path.join(__dirname, '..', '..', 'examples');
const exampleFiles = fs.readdirSync(EXAMPLES_DIR).filter((file) => file.endsWith('.json')).sort();
const HTTP_REQUEST = 'n8n-nodes-base.httpRequest';
const KDOCS_FILE = 'wfoKKYzWR2jyxMHCFVuBxa42RSf8tpndOUeHQQzryfI';
const FEISHU_DOC = 'doxcnExampleWatchedDoc01';

/** One event an example's trigger receives, and whether the example passes it on to its HTTP Request node. */
interface FiredEvent {
	/** Fires the event through the emulator and returns a value of it that the message sent downstream must contain. */
	fire: () => Promise<string>;
	reachesDownstream: boolean;
}

/** What binds a vendor's examples to its emulator, whichever way its triggers receive the events. */
interface VendorBinding {
	emulator: RunningEmulator<Vendor>;
	credential: EmulatorCredential;
	/** The example's placeholders and the emulator's values for them. */
	placeholders: Record<string, string>;
	/** What the trigger holds at the vendor (subscriptions, webhooks), read from the emulator's state. */
	registrations: () => Promise<Json[]>;
	/** Checks the registration the active trigger made; HTTP-push triggers register their own n8n URL, `webhookUrl`. */
	expectRegistration: (registrations: Json[], webhookUrl: string) => void;
}

/**
 * How the events reach a trigger: n8n's webhook URL, which the builder may still have to paste into the
 * vendor's console, or a connection the trigger opens to the vendor (Stream mode, long connection), which
 * needs neither a URL nor a console step, only a global WebSocket in n8n's Node.js.
 */
type Delivery =
	| { kind: 'webhook'; afterActivation?: (webhookUrl: string) => Promise<void> }
	| {
			kind: 'connection';
			/** The trigger's connections the emulator holds open right now. */
			openConnections: () => Promise<number>;
			/** Closes the emulator's WebSocket side, which emulator.close() leaves open. */
			close: () => Promise<void>;
	  };

/** How the test drives one trigger type's examples: its vendor's binding, how its events reach it, and the events. */
interface TriggerScenario extends VendorBinding {
	delivery: Delivery;
	events: FiredEvent[];
}

let n8n: N8nInstance;
let capture: FrontProxy;
const scenarios: Record<string, TriggerScenario> = {};
/** The emulator credential created in n8n for each trigger type (each type has its own emulator). */
const credentialsByTrigger: Record<string, { id: string; name: string }> = {};

function dingTalkBinding(emulator: RunningEmulator<any>): VendorBinding {
	const { emulatorState } = emulatorControl('dingtalk', () => emulator);
	return {
		emulator,
		credential: dingTalkEmulatorCredential(emulator),
		placeholders: { YOUR_CORP_ID: emulator.vendor.corpId, YOUR_ADMIN_UNION_ID: emulator.vendor.users.manager4220.unionid },
		registrations: async () => (await emulatorState()).subscriptions,
		expectRegistration: (registrations) => expect(registrations).toEqual([expect.objectContaining({ scopeId: emulator.vendor.corpId, unionId: 'emuUnionAdmin4220' })]),
	};
}

/** A file added in the organization's storage; `expectDelivered` checks the emulator's answer to the fire, which differs by delivery. */
function dingTalkFileAdded(emulator: RunningEmulator<any>, expectDelivered: (fired: Json) => void): FiredEvent {
	const { control } = emulatorControl('dingtalk', () => emulator);
	return {
		reachesDownstream: true,
		fire: async () => {
			expectDelivered(await control('fire', { eventType: 'storage_dentry_create', dentryId: '310042', extension: 'xlsx' }));
			return '310042';
		},
	};
}

function dingTalkScenario(emulator: RunningEmulator<any>): TriggerScenario {
	const { control } = emulatorControl('dingtalk', () => emulator);
	return {
		...dingTalkBinding(emulator),
		// DingTalk saves the HTTP push URL only after the active trigger answered its check_url.
		delivery: { kind: 'webhook', afterActivation: async (webhookUrl) => expect(await control('console', { callbackUrl: webhookUrl })).toMatchObject({ saved: true }) },
		events: [dingTalkFileAdded(emulator, ({ delivery }) => expect(delivery.accepted).toBe(true))],
	};
}

function dingTalkStreamScenario(emulator: RunningEmulator<any>): TriggerScenario {
	const streamCounters = async () => ((await (await fetch(`${emulator.url}/_emulator/dingtalk/stream`)).json()) as Json).counters;
	return {
		...dingTalkBinding(emulator),
		delivery: { kind: 'connection', openConnections: async () => (await streamCounters()).openConnections, close: () => emulator.vendor.stream.close() },
		// In Stream mode the emulator sends the event down the open connection; it names the event it sent.
		events: [dingTalkFileAdded(emulator, ({ event }) => expect(event).toMatchObject({ payload: expect.objectContaining({ dentryId: '310042' }) }))],
	};
}

function feishuBinding(emulator: RunningEmulator<any>): VendorBinding {
	const { emulatorState } = emulatorControl('feishu', () => emulator);
	return {
		emulator,
		credential: feishuEmulatorCredential(emulator),
		placeholders: { YOUR_DOC_TOKEN: FEISHU_DOC },
		registrations: async () => (await emulatorState()).subscriptions,
		expectRegistration: (registrations) => expect(registrations).toEqual([expect.objectContaining({ file_token: FEISHU_DOC, file_type: 'docx' })]),
	};
}

/** The watched document edited, fired through `route` (HTTP push or the long connection); `expectDelivered` checks the emulator's answer. */
function feishuDocEdited(emulator: RunningEmulator<any>, route: string, expectDelivered: (fired: Json) => void): FiredEvent {
	const { control } = emulatorControl('feishu', () => emulator);
	return {
		reachesDownstream: true,
		fire: async () => {
			expectDelivered(await control(route, { file_token: FEISHU_DOC, file_type: 'docx', event_type: 'drive.file.edit_v1' }));
			return FEISHU_DOC;
		},
	};
}

function feishuScenario(emulator: RunningEmulator<any>): TriggerScenario {
	const { control } = emulatorControl('feishu', () => emulator);
	return {
		...feishuBinding(emulator),
		// Feishu's one Request URL is set in the developer console; no API sets it.
		delivery: {
			kind: 'webhook',
			afterActivation: async (webhookUrl) => {
				await control('request-url', { url: webhookUrl });
			},
		},
		events: [feishuDocEdited(emulator, 'fire', ({ delivered }) => expect(delivered.map((record: Json) => record.statusCode)).toEqual([200]))],
	};
}

function feishuLongConnectionScenario(emulator: RunningEmulator<any>): TriggerScenario {
	const longConnectionState = async () => (await (await fetch(`${emulator.url}/_emulator/feishu/long-connection/state`)).json()) as Json;
	return {
		...feishuBinding(emulator),
		delivery: { kind: 'connection', openConnections: async () => (await longConnectionState()).open, close: () => emulator.vendor.longConnection.close() },
		// The emulator skips a file nobody subscribed; otherwise it pushes the event down the one open connection.
		events: [feishuDocEdited(emulator, 'long-connection/fire', (fired) => expect(fired).toMatchObject({ event_id: expect.any(String), connections: 1 }))],
	};
}

function smnScenario(emulator: RunningEmulator<any>): TriggerScenario {
	const { control, emulatorState } = emulatorControl('smn', () => emulator);
	const publish = (message: string, marker: string, reachesDownstream: boolean): FiredEvent => ({
		reachesDownstream,
		fire: async () => {
			const delivery = await control('fire', { message, subject: `Notification ${marker}` });
			expect(delivery.statusCode).toBe(200);
			return marker;
		},
	});
	const alarm = (alarmLevel: number, alarmName: string, reachesDownstream: boolean) =>
		publish(JSON.stringify({ alarm_level: alarmLevel, alarm_name: alarmName }), alarmName, reachesDownstream);
	return {
		emulator,
		credential: smnEmulatorCredential(emulator),
		placeholders: { YOUR_REGION: emulator.vendor.region, YOUR_PROJECT_ID: emulator.vendor.projectId, YOUR_TOPIC_NAME: 'orders' },
		// SMN delivers only to a confirmed subscription; the trigger confirms the one it made.
		registrations: async () => (await waitFor(emulatorState, (state) => state.subscriptions.every((s: Json) => s.status === 1))).subscriptions,
		expectRegistration: (registrations, webhookUrl) =>
			expect(registrations).toEqual([expect.objectContaining({ topic_urn: emulator.vendor.topicUrn('orders'), endpoint: webhookUrl, status: 1 })]),
		delivery: { kind: 'webhook' },
		// The SMN examples route serious alarms only (Cloud Eye levels 1 critical, 2 major); a topic may
		// also carry plain-text messages, which must pass by without failing the execution.
		events: [alarm(1, 'ecs-cpu-critical-e2e', true), alarm(4, 'ecs-disk-info-e2e', false), publish('Maintenance tonight, ref maint-e2e', 'maint-e2e', false)],
	};
}

function kdocsScenario(emulator: RunningEmulator<any>): TriggerScenario {
	const { control, emulatorState } = emulatorControl('kdocs', () => emulator);
	return {
		emulator,
		credential: kdocsEmulatorCredential(emulator),
		placeholders: { YOUR_DBT_FILE_TOKEN: KDOCS_FILE, YOUR_SHEET_ID: '1' },
		registrations: async () => (await emulatorState()).webhooks,
		expectRegistration: (registrations, webhookUrl) => {
			expect(registrations).toEqual([expect.objectContaining({ file_token: KDOCS_FILE, sheet_id: 1, type: 'dbt.record.create' })]);
			const callback = new URL(registrations[0].callback_url);
			expect(`${callback.origin}${callback.pathname}`).toBe(webhookUrl);
		},
		delivery: { kind: 'webhook' },
		events: [
			{
				reachesDownstream: true,
				fire: async () => {
					const { delivered } = await control('fire', { file_token: KDOCS_FILE });
					expect(delivered.map((record: Json) => record.statusCode)).toEqual([200]);
					return delivered[0].payload.events[0].content.recordIds[0];
				},
			},
		],
	};
}

/**
 * One scenario per trigger type, each with an emulator of its own: DingTalk's emulator sends either by HTTP
 * push or over Stream (its console switch), and a vendor's two triggers must not see each other's state.
 * `connectsOut` is known before anything starts, so that the examples that cannot run here are skipped.
 */
const SCENARIOS: Record<string, { create: () => Vendor; scenario: (emulator: RunningEmulator<any>) => TriggerScenario; connectsOut?: true }> = {
	dingTalkTrigger: { create: () => createDingTalkEmulator(), scenario: dingTalkScenario },
	dingTalkStreamTrigger: { create: () => createDingTalkEmulator({ deliveryMode: 'stream' }), scenario: dingTalkStreamScenario, connectsOut: true },
	feishuTrigger: { create: () => createFeishuEmulator(), scenario: feishuScenario },
	feishuLongConnectionTrigger: { create: () => createFeishuEmulator(), scenario: feishuLongConnectionScenario, connectsOut: true },
	huaweiSmnTrigger: { create: () => createSmnEmulator(), scenario: smnScenario },
	kdocsTrigger: { create: () => createKdocsEmulator(), scenario: kdocsScenario },
};

/** The Stream and long-connection triggers use Node's global WebSocket (Node 22+); n8n 2.8.4 runs on Node 20. */
const NODE_MAJOR = Number(layout(targetVersion()).nodeVersion.split('.')[0]);
const HAS_WEBSOCKET = NODE_MAJOR >= 22;

const readExample = (file: string): Workflow => JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8'));

function triggerOf(workflow: Workflow): WorkflowNode {
	const triggers = workflow.nodes.filter((node) => node.type.startsWith(`${PACKAGE_NAME}.`) && node.type.endsWith('Trigger'));
	expect(triggers).toHaveLength(1);
	return triggers[0];
}

/** The trigger's type without the package prefix, as SCENARIOS names it. */
const triggerTypeOf = (workflow: Workflow) => triggerOf(workflow).type.slice(PACKAGE_NAME.length + 1);

/** What the builder fills in on import: credentials, the trigger's placeholders, and the URLs they own (here the capture server's, same path). */
function bindExample(workflow: Workflow, triggerType: string): Workflow {
	const scenario = scenarios[triggerType];
	let text = JSON.stringify(workflow);
	for (const [placeholder, value] of Object.entries(scenario.placeholders)) text = text.split(placeholder).join(value);
	const bound: Workflow = JSON.parse(text);
	for (const node of bound.nodes) {
		for (const type of Object.keys(node.credentials ?? {})) {
			expect(type).toBe(scenario.credential.type);
			(node.credentials as Json)[type] = credentialsByTrigger[triggerType];
		}
		if (node.type === HTTP_REQUEST) {
			const owned = new URL((node.parameters as Json).url);
			(node.parameters as Json).url = `${capture.url}${owned.pathname}${owned.search}`;
		}
	}
	expect(JSON.stringify(triggerOf(bound).parameters)).not.toMatch(/YOUR_/);
	return bound;
}

const needsWebSocket = (file: string) => SCENARIOS[triggerTypeOf(readExample(file))]?.connectsOut === true;
const runnableExamples = exampleFiles.filter((file) => HAS_WEBSOCKET || !needsWebSocket(file));
const examplesWithoutWebSocket = exampleFiles.filter((file) => !runnableExamples.includes(file));

beforeAll(async () => {
	capture = await startFrontProxy();
	capture.capturing = true;
	for (const [type, { create, scenario }] of Object.entries(SCENARIOS)) scenarios[type] = scenario(await startEmulator(create()));
	n8n = await startN8n();
	for (const [type, { credential }] of Object.entries(scenarios)) {
		credentialsByTrigger[type] = await n8n.createCredential(`${credential.name}, ${type}`, credential.type, credential.data);
	}
});

afterAll(async () => {
	await n8n?.stop();
	for (const { emulator, delivery } of Object.values(scenarios)) {
		if (delivery.kind === 'connection') await delivery.close();
		await emulator.close();
	}
	await capture?.close();
});

describe(`examples/ in a real n8n ${targetVersion()} (Node ${NODE_MAJOR})`, () => {
	it('has at least one example per trigger', () => {
		const triggers = new Set(exampleFiles.map((file) => triggerOf(readExample(file)).type));
		expect([...triggers].sort()).toEqual(Object.keys(SCENARIOS).map((type) => `${PACKAGE_NAME}.${type}`).sort());
	});

	it.each(runnableExamples)('%s: imports, activates, turns an event into its message, and deactivates', async (file) => {
		const example = readExample(file);
		const triggerType = triggerTypeOf(example);
		const scenario = scenarios[triggerType];
		const { delivery } = scenario;
		const webhookId = triggerOf(example).webhookId;
		// A trigger that connects out has no webhook, so n8n gives it no URL and the vendor holds none.
		expect({ triggerType, hasWebhook: webhookId !== undefined }).toEqual({ triggerType, hasWebhook: delivery.kind === 'webhook' });
		const webhookUrl = webhookId === undefined ? '' : n8n.webhookUrl(webhookId);
		const senders = example.nodes.filter((node) => node.type === HTTP_REQUEST);
		expect(senders).toHaveLength(1);
		const outgoing = new URL((senders[0].parameters as Json).url);
		capture.captured.length = 0;

		const { id } = await n8n.createWorkflow(bindExample(example, triggerType));
		await whileActive(n8n, id, async () => {
			scenario.expectRegistration(await scenario.registrations(), webhookUrl);
			if (delivery.kind === 'webhook') await delivery.afterActivation?.(webhookUrl);
			// n8n starts a trigger once: exactly one connection, opened during the activation.
			else expect(await waitFor(delivery.openConnections, (open) => open > 0)).toBe(1);

			const fired = [];
			for (const event of scenario.events) fired.push({ ...event, value: await event.fire() });
			const executions = await n8n.waitForExecutions(id, fired.length);
			expect(executions.map((execution) => execution.status)).toEqual(fired.map(() => 'success'));
			const sent = (execution: Json) => execution.data.resultData.runData[senders[0].name]?.[0].data.main[0].length ?? 0;
			expect(executions.map((execution) => sent(execution) > 0)).toEqual(fired.map((event) => event.reachesDownstream));

			const passed = fired.filter((event) => event.reachesDownstream);
			// Each HTTP Request node's call was answered by the capture server before its execution finished.
			expect(capture.captured.map((request) => `${request.method} ${request.url}`)).toEqual(passed.map(() => `POST ${outgoing.pathname}${outgoing.search}`));
			// Chat robots and bots refuse a body that is not sent as JSON.
			expect(capture.captured.map((request) => request.headers['content-type'])).toEqual(passed.map(() => expect.stringMatching(/^application\/json/)));
			const bodies = capture.captured.map((request) => request.body.toString('utf8'));
			for (const body of bodies) expect(() => JSON.parse(body)).not.toThrow();
			for (const event of fired) expect(bodies.filter((body) => body.includes(event.value))).toHaveLength(event.reachesDownstream ? 1 : 0);
		});

		expect(await scenario.registrations()).toEqual([]);
		// Deactivation closes the connection; the emulator may see the close a moment later.
		if (delivery.kind === 'connection') await waitFor(delivery.openConnections, (open) => open === 0, 2_000);
	});

	// As the Stream and long-connection suites do on Node 20: skipped, with the reason in the title.
	if (examplesWithoutWebSocket.length > 0) {
		it.skip.each(examplesWithoutWebSocket)(`%s: needs Node.js 22 or newer (its global WebSocket); this n8n runs on Node ${NODE_MAJOR}`, () => undefined);
	}
});
