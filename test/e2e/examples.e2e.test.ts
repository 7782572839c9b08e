/**
 * Every workflow in examples/ in a real n8n, as a builder would use it: imported with its placeholders
 * bound (the emulators' credentials, files and scopes; its chat and system URLs pointed at a capture
 * server), activated, one matching event fired through the vendor's emulator, and the message the
 * workflow sends (through its one HTTP Request node) checked at the capture server; then deactivated.
 * The folder is read, so a new example is tested without editing this file (a new vendor or
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

/** What binds a vendor's examples to its emulator, and how the test drives that emulator. */
interface VendorScenario {
	emulator: RunningEmulator<Vendor>;
	credential: EmulatorCredential;
	/** The example's placeholders and the emulator's values for them. */
	placeholders: Record<string, string>;
	/** What the trigger holds at the vendor (subscriptions, webhooks), read from the emulator's state. */
	registrations: () => Promise<Json[]>;
	/** Checks the registration the active trigger made for `webhookUrl`. */
	expectRegistration: (registrations: Json[], webhookUrl: string) => void;
	/** What the builder does in the vendor's console after the activation, if anything. */
	afterActivation?: (webhookUrl: string) => Promise<void>;
	events: FiredEvent[];
}

let n8n: N8nInstance;
let capture: FrontProxy;
const emulators: Record<string, RunningEmulator<any>> = {};
const scenarios: Record<string, VendorScenario> = {};
const credentialsByType: Record<string, { id: string; name: string }> = {};

function dingTalkScenario(emulator: RunningEmulator<any>): VendorScenario {
	const { control, emulatorState } = emulatorControl('dingtalk', () => emulator);
	return {
		emulator,
		credential: dingTalkEmulatorCredential(emulator),
		placeholders: { YOUR_CORP_ID: emulator.vendor.corpId, YOUR_ADMIN_UNION_ID: emulator.vendor.users.manager4220.unionid },
		registrations: async () => (await emulatorState()).subscriptions,
		expectRegistration: (registrations) => expect(registrations).toEqual([expect.objectContaining({ scopeId: emulator.vendor.corpId, unionId: 'emuUnionAdmin4220' })]),
		// DingTalk saves the HTTP push URL only after the active trigger answered its check_url.
		afterActivation: async (webhookUrl) => expect(await control('console', { callbackUrl: webhookUrl })).toMatchObject({ saved: true }),
		events: [
			{
				reachesDownstream: true,
				fire: async () => {
					const { delivery } = await control('fire', { eventType: 'storage_dentry_create', dentryId: '310042', extension: 'xlsx' });
					expect(delivery.accepted).toBe(true);
					return '310042';
				},
			},
		],
	};
}

function feishuScenario(emulator: RunningEmulator<any>): VendorScenario {
	const { control, emulatorState } = emulatorControl('feishu', () => emulator);
	return {
		emulator,
		credential: feishuEmulatorCredential(emulator),
		placeholders: { YOUR_DOC_TOKEN: FEISHU_DOC },
		registrations: async () => (await emulatorState()).subscriptions,
		expectRegistration: (registrations) => expect(registrations).toEqual([expect.objectContaining({ file_token: FEISHU_DOC, file_type: 'docx' })]),
		// Feishu's one Request URL is set in the developer console; no API sets it.
		afterActivation: async (webhookUrl) => {
			await control('request-url', { url: webhookUrl });
		},
		events: [
			{
				reachesDownstream: true,
				fire: async () => {
					const { delivered } = await control('fire', { file_token: FEISHU_DOC, file_type: 'docx', event_type: 'drive.file.edit_v1' });
					expect(delivered.map((record: Json) => record.statusCode)).toEqual([200]);
					return FEISHU_DOC;
				},
			},
		],
	};
}

function smnScenario(emulator: RunningEmulator<any>): VendorScenario {
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
		// The SMN examples route serious alarms only (Cloud Eye levels 1 critical, 2 major); a topic may
		// also carry plain-text messages, which must pass by without failing the execution.
		events: [alarm(1, 'ecs-cpu-critical-e2e', true), alarm(4, 'ecs-disk-info-e2e', false), publish('Maintenance tonight, ref maint-e2e', 'maint-e2e', false)],
	};
}

function kdocsScenario(emulator: RunningEmulator<any>): VendorScenario {
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

const SCENARIOS = {
	dingTalkTrigger: { create: () => createDingTalkEmulator(), scenario: dingTalkScenario },
	feishuTrigger: { create: () => createFeishuEmulator(), scenario: feishuScenario },
	huaweiSmnTrigger: { create: () => createSmnEmulator(), scenario: smnScenario },
	kdocsTrigger: { create: () => createKdocsEmulator(), scenario: kdocsScenario },
};

const readExample = (file: string): Workflow => JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8'));

function triggerOf(workflow: Workflow): WorkflowNode {
	const triggers = workflow.nodes.filter((node) => node.type.startsWith(`${PACKAGE_NAME}.`) && node.type.endsWith('Trigger'));
	expect(triggers).toHaveLength(1);
	return triggers[0];
}

const scenarioOf = (trigger: WorkflowNode) => scenarios[trigger.type.slice(PACKAGE_NAME.length + 1)];

/** What the builder fills in on import: credentials, the trigger's placeholders, and the URLs they own (here the capture server's, same path). */
function bindExample(workflow: Workflow, scenario: VendorScenario): Workflow {
	let text = JSON.stringify(workflow);
	for (const [placeholder, value] of Object.entries(scenario.placeholders)) text = text.split(placeholder).join(value);
	const bound: Workflow = JSON.parse(text);
	for (const node of bound.nodes) {
		for (const type of Object.keys(node.credentials ?? {})) {
			expect(credentialsByType).toHaveProperty(type);
			(node.credentials as Json)[type] = credentialsByType[type];
		}
		if (node.type === HTTP_REQUEST) {
			const owned = new URL((node.parameters as Json).url);
			(node.parameters as Json).url = `${capture.url}${owned.pathname}${owned.search}`;
		}
	}
	expect(JSON.stringify(triggerOf(bound).parameters)).not.toMatch(/YOUR_/);
	return bound;
}

beforeAll(async () => {
	capture = await startFrontProxy();
	capture.capturing = true;
	for (const [type, { create, scenario }] of Object.entries(SCENARIOS)) {
		emulators[type] = await startEmulator(create() as Vendor);
		scenarios[type] = scenario(emulators[type]);
	}
	n8n = await startN8n();
	for (const { credential } of Object.values(scenarios)) {
		credentialsByType[credential.type] = await n8n.createCredential(credential.name, credential.type, credential.data);
	}
});

afterAll(async () => {
	await n8n?.stop();
	for (const emulator of Object.values(emulators)) await emulator.close();
	await capture?.close();
});

describe('examples/ in a real n8n', () => {
	it('has at least one example per vendor', () => {
		const vendors = new Set(exampleFiles.map((file) => triggerOf(readExample(file)).type));
		expect([...vendors].sort()).toEqual(Object.keys(SCENARIOS).map((type) => `${PACKAGE_NAME}.${type}`).sort());
	});

	it.each(exampleFiles)('%s: imports, activates, turns an event into its message, and deactivates', async (file) => {
		const example = readExample(file);
		const trigger = triggerOf(example);
		const scenario = scenarioOf(trigger);
		const webhookUrl = n8n.webhookUrl(trigger.webhookId as string);
		const senders = example.nodes.filter((node) => node.type === HTTP_REQUEST);
		expect(senders).toHaveLength(1);
		const outgoing = new URL((senders[0].parameters as Json).url);
		capture.captured.length = 0;

		const { id } = await n8n.createWorkflow(bindExample(example, scenario));
		await whileActive(n8n, id, async () => {
			scenario.expectRegistration(await scenario.registrations(), webhookUrl);
			await scenario.afterActivation?.(webhookUrl);

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
	});
});
