/**
 * `npm run bench`: prints one table of ratios measured in this run.
 * - Callback path, per trigger: verified callbacks per second through webhook() against the raw crypto
 *   ceiling (the same node:crypto operations on the same bytes, nothing else).
 * - Bulk subscription (vendors that have it): items per second against the vendor's limit and against a
 *   one-request-at-a-time loop.
 * - Footprint: packed tarball size, runtime dependencies, and the time to load every node and
 *   credential in a fresh Node process against loading n8n-workflow alone.
 * - End to end, in a real n8n: see ./end-to-end.ts.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { webhookContext, type Bench, type BenchContext, type Row } from './context';
import { dingTalkBench } from './dingtalk';
import { endToEndRows } from './end-to-end';
import { feishuBench } from './feishu';
import { kdocsBench } from './kdocs';
import { smnBench } from './smn';

const BENCHES: Bench[] = [dingTalkBench, feishuBench, kdocsBench, smnBench];

const root = path.resolve(__dirname, '..', '..');
const CALLBACK_SECONDS = Number(process.env.BENCH_SECONDS || 2);

function ratesPerSecond(fn: (i: number) => void, seconds: number): number {
	let i = 0;
	const warmUntil = performance.now() + 200;
	while (performance.now() < warmUntil) fn(i++);
	const start = performance.now();
	const end = start + seconds * 1000;
	let count = 0;
	while (performance.now() < end) {
		fn(i++);
		count++;
	}
	return count / ((performance.now() - start) / 1000);
}

/**
 * Rate of webhook() calls. The request/response context is n8n's plumbing, not the pack's work, so
 * contexts are built in untimed batches and only the calls themselves are timed.
 */
async function webhookRatePerSecond(prepare: (i: number) => BenchContext, call: (context: BenchContext) => Promise<void>, seconds: number): Promise<number> {
	const BATCH = 500;
	let i = 0;
	let timedMs = 0;
	let count = 0;
	let warmed = false;
	while (timedMs < seconds * 1000) {
		const contexts = Array.from({ length: BATCH }, () => prepare(i++));
		const start = performance.now();
		for (const context of contexts) await call(context);
		const elapsed = performance.now() - start;
		if (!warmed) {
			warmed = true;
			continue;
		}
		timedMs += elapsed;
		count += BATCH;
	}
	return count / (timedMs / 1000);
}

async function callbackRows(): Promise<Row[]> {
	const rows: Row[] = [];
	for (const bench of BENCHES) {
		if (!bench.callbackCase) continue;
		// A case prepares asynchronously: it loads the built pack, and may prime a certificate cache.
		const scenario = await bench.callbackCase();
		const { webhook } = scenario.trigger;
		if (!webhook) throw new Error(`${bench.name}: the trigger has no webhook()`);
		let rejected = 0;
		const node = await webhookRatePerSecond(
			(i) => webhookContext(scenario.contextFor(i)),
			async (context) => {
				const result = await webhook.call(context);
				if (!scenario.accepted(result, context.response)) rejected++;
			},
			CALLBACK_SECONDS,
		);
		if (rejected > 0) throw new Error(`${bench.name}: ${rejected} genuine callbacks were rejected during the benchmark`);
		const ceiling = ratesPerSecond(scenario.ceiling, CALLBACK_SECONDS);
		rows.push([`Callback path: ${bench.name}`, `${fmt(node)}/s`, `${fmt(ceiling)}/s crypto ceiling`, (node / ceiling).toFixed(2), '≥ 0.80']);
		if (scenario.uncached) {
			const first = await scenario.uncached();
			rows.push([`Callback path: ${bench.name} first message (uncached)`, `${first.toFixed(1)} ms`, `${(1000 / node).toFixed(3)} ms cached`, (first / (1000 / node)).toFixed(1), '—']);
		}
	}
	return rows;
}

async function bulkRows(): Promise<Row[]> {
	const rows: Row[] = [];
	for (const bench of BENCHES) if (bench.bulkCase) rows.push(...(await bench.bulkCase()));
	return rows;
}

function footprintRows(): Row[] {
	const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-pack-'));
	const tarballName = execFileSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop() as string;
	const size = fs.statSync(path.join(out, tarballName)).size;
	const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
	const files = [...manifest.n8n.nodes, ...manifest.n8n.credentials].map((file: string) => path.join(root, file));
	const timeLoad = (modules: string[]) => {
		const script = `const t=process.hrtime.bigint();${modules.map((m) => `require(${JSON.stringify(m)});`).join('')}process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
		const samples = Array.from({ length: 5 }, () => Number(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })));
		return samples.sort((a, b) => a - b)[2];
	};
	const workflowOnly = timeLoad(['n8n-workflow']);
	const pack = timeLoad(['n8n-workflow', ...files]);
	return [
		['Footprint: packed tarball', `${(size / 1024).toFixed(1)} KiB`, `${files.length} nodes and credentials`, '—', '—'],
		['Footprint: runtime dependencies', String(Object.keys(manifest.dependencies || {}).length), '—', '—', '0'],
		['Footprint: load pack (incl. n8n-workflow)', `${pack.toFixed(0)} ms`, `${workflowOnly.toFixed(0)} ms n8n-workflow alone`, (pack / workflowOnly).toFixed(2), '—'],
	];
}

const fmt = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0));

async function main() {
	execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
	const rows = [...(await callbackRows()), ...(await bulkRows()), ...footprintRows(), ...(await endToEndRows())];
	const header = ['Measure', 'Pack', 'Against', 'Ratio', 'Goal'];
	const widths = header.map((_, c) => Math.max(...[header, ...rows].map((row) => String(row[c]).length)));
	const line = (row: string[]) => `| ${row.map((cell, c) => String(cell).padEnd(widths[c])).join(' | ')} |`;
	console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
