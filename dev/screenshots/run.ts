/**
 * `npm run screenshots`: the README's pictures, taken from the real editor. Starts the `npm start` demo
 * (emulators, n8n, credentials, active example workflows) on free ports, signs in as the owner in
 * headless Chromium and writes to docs/images/: per vendor the trigger's parameter panel, the
 * credential dialog and an execution showing the trigger's output item; and the node panel searched
 * in Chinese. Every picture is quantised with pngquant and must stay within MAX_IMAGE_BYTES.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

import { DEMOS } from '../demo';
import type { Demo } from '../demo/demo';
import { startDemo, type DemoSession, type RunningDemo } from '../demo/session';
import { OWNER, postJson, sleep } from '../n8n/launcher';
import { CHROMIUM, ensureDebianPackages, PNGQUANT } from './debian';
import { IMAGES_DIR, MAX_IMAGE_BYTES } from './images';

/**
 * The node panel searched by each vendor's Chinese name (the codex aliases) and what it must list: the
 * editor lists a trigger under its app's name, without " Trigger". The first search is the picture.
 */
const NODE_SEARCHES = [
	{ query: '钉钉', finds: ['DingTalk', 'DingTalk Stream'] },
	{ query: '飞书', finds: ['Feishu', 'Feishu Long Connection'] },
	{ query: '金山文档', finds: ['Kdocs'] },
	{ query: '华为云', finds: ['Huawei Cloud SMN'] },
];

const log = (line: string) => process.stdout.write(`${line}\n`);

/** Sleeps that let the editor's transitions end before a picture; the waits for content come first. */
const SETTLE_MS = 800;

async function launchBrowser(): Promise<Browser> {
	return await chromium.launch({
		executablePath: CHROMIUM,
		// playwright-core passes --headless, --no-first-run, --disable-sync, --disable-component-update,
		// --disable-background-networking and a fresh profile itself; the rest suits a closed network and no GPU.
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic'],
	});
}

async function signIn(page: Page, baseUrl: string) {
	await page.goto(`${baseUrl}/signin`);
	await page.fill('#emailOrLdapLoginId', OWNER.email);
	await page.fill('#password', OWNER.password);
	await page.click('[data-test-id="form-submit-button"]');
	await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
}

/** Writes what `shoot` captures as an optimised PNG; fails if it stays over the size limit. */
async function savePicture(name: string, shoot: (file: string) => Promise<unknown>) {
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'screenshot-'));
	const raw = path.join(folder, name);
	const target = path.join(IMAGES_DIR, name);
	try {
		await shoot(raw);
		execFileSync(PNGQUANT, ['--force', '--strip', '--quality=60-90', '--speed=1', '--output', target, raw]);
	} finally {
		fs.rmSync(folder, { recursive: true, force: true });
	}
	const bytes = fs.statSync(target).size;
	if (bytes > MAX_IMAGE_BYTES) throw new Error(`${name} is ${Math.round(bytes / 1024)} KB, over ${MAX_IMAGE_BYTES / 1024} KB`);
	log(`  docs/images/${name} (${Math.round(bytes / 1024)} KB)`);
}

async function pictureOf(locator: Locator, name: string) {
	await locator.waitFor();
	await locator.page().waitForTimeout(SETTLE_MS);
	await savePicture(name, (file) => locator.screenshot({ path: file }));
}

/** The vendor's events reach the trigger only once its subscription is ready at the vendor (SMN: confirmed). */
async function fireEvent({ demo, emulator, workflow }: RunningDemo, session: DemoSession) {
	const deadline = Date.now() + 30_000;
	while (demo.ready && !demo.ready(emulator)) {
		if (Date.now() > deadline) throw new Error(`${demo.name}: the subscription never became ready`);
		await sleep(200);
	}
	const answer = await postJson(`${emulator.url}${demo.fire.path}`, demo.fire.body);
	if (answer.status !== 200) throw new Error(`${demo.name}: the emulator did not fire (${answer.status}): ${JSON.stringify(answer.body)}`);
	const [execution] = await session.n8n.waitForExecutions(workflow.id, 1);
	if (execution.status !== 'success') throw new Error(`${demo.name}: the execution ${execution.id} ended ${execution.status}`);
	return execution;
}

async function vendorPictures(page: Page, session: DemoSession, vendor: string, running: RunningDemo) {
	const { baseUrl } = session.n8n;
	const trigger = running.workflow.nodes[0];
	const ndv = page.locator('[data-test-id="ndv"]');

	await page.goto(`${baseUrl}/workflow/${running.workflow.id}/${trigger.id}`);
	await ndv.locator('[data-test-id="node-parameters"]').waitFor();
	await pictureOf(ndv, `${vendor}-trigger.png`);

	await page.goto(`${baseUrl}/home/credentials/${running.credential.id}`);
	// The dialog tests the credential on opening; the picture shows the outcome.
	const dialog = page.locator('[data-test-id="editCredential-modal"]');
	await dialog.locator('[data-test-id="credentials-config-container-test-success"]').waitFor({ timeout: 30_000 });
	await pictureOf(dialog, `${vendor}-credential.png`);

	const execution = await fireEvent(running, session);
	await page.goto(`${baseUrl}/workflow/${running.workflow.id}/executions/${execution.id}`);
	await page.locator(`[data-test-id="canvas-node"][data-node-name="${trigger.name}"]`).dblclick();
	await ndv.locator('[data-test-id="ndv-items-count"]').waitFor();
	// The JSON view shows the whole item; the table cuts it off at the panel's edge.
	await ndv.locator('[data-test-id="radio-button-json"]').click();
	await pictureOf(ndv, `${vendor}-execution.png`);
}

async function nodeSearchPicture(page: Page, session: DemoSession, running: RunningDemo) {
	await page.goto(`${session.n8n.baseUrl}/workflow/${running.workflow.id}`);
	const searchBar = page.locator('[data-test-id="node-creator-search-bar"]');
	for (const [index, { query, finds }] of NODE_SEARCHES.entries()) {
		await page.locator('[data-test-id="node-creator-plus-button"]').first().click();
		await searchBar.waitFor();
		await page.keyboard.type(query);
		const names = page.locator('[data-test-id="node-creator-item-name"]');
		await names.first().waitFor();
		await page.waitForTimeout(SETTLE_MS);
		const found = await names.allInnerTexts();
		const missing = finds.filter((name) => !found.includes(name));
		if (missing.length > 0) throw new Error(`searching the node panel for ${query} found ${JSON.stringify(found)}, not ${missing.join(', ')}`);
		if (index === 0) await savePicture('node-search.png', (file) => page.screenshot({ path: file }));
		await page.keyboard.press('Escape');
		await searchBar.waitFor({ state: 'hidden' });
	}
}

async function main() {
	ensureDebianPackages(log);
	fs.mkdirSync(IMAGES_DIR, { recursive: true });
	const stops: (() => Promise<unknown>)[] = [];
	let stopping: Promise<void> | undefined;
	const stopAll = () => (stopping ??= (async () => {
		for (const stop of stops.reverse()) await stop().catch((error) => process.stderr.write(`while stopping: ${error}\n`));
	})());
	// A signal while the demo starts leaves n8n to its process guard, which ends it with this process.
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.on(signal, () => stopAll().then(() => process.exit(130)));
	}
	try {
		const session = await startDemo({ demoPorts: false });
		stops.push(() => session.stop());
		const browser = await launchBrowser();
		stops.push(() => browser.close());
		const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
		await signIn(page, session.n8n.baseUrl);
		log(`Writing pictures to ${IMAGES_DIR}`);
		const runningDemo = (demo: Demo) => session.demos.find((running) => running.demo === demo) as RunningDemo;
		for (const [vendor, demo] of Object.entries(DEMOS)) {
			const running = runningDemo(demo);
			if (running.activation.status !== 200) throw new Error(`${demo.name}: the demo workflow did not activate: ${JSON.stringify(running.activation.body)}`);
			await vendorPictures(page, session, vendor, running);
		}
		await nodeSearchPicture(page, session, runningDemo(DEMOS.dingtalk));
	} finally {
		await stopAll();
	}
}

// Handles the demo leaves open after stopping (as npm start, which exits too) must not keep the run alive.
main().then(() => process.exit(0), (error) => {
	process.stderr.write(`${error.stack || error}\n`);
	process.exit(1);
});
