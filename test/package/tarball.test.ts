/**
 * What n8n's community-package scanner (@n8n/scan-community-package) checks, applied to the packed
 * tarball users install: the shipped JavaScript, linted with no-restricted-imports and
 * no-restricted-globals and with inline eslint-disable comments ignored, plus the manifest rules.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { packedTarball } = require('../../dev/n8n/launcher');

jest.setTimeout(120_000);

let unpacked: string;
let manifest: Record<string, any>;

beforeAll(() => {
	const tarball = packedTarball();
	unpacked = mkdtempSync(join(tmpdir(), 'pack-scan-'));
	execFileSync('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1']);
	manifest = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8'));
});

function scan(directory: string, probeCode?: string) {
	const args = [join(__dirname, 'scan.mjs'), directory, ...(probeCode ? [probeCode] : [])];
	return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' }));
}

function shippedFiles(): string[] {
	return execFileSync('find', ['.', '-type', 'f'], { cwd: unpacked, encoding: 'utf8' })
		.split('\n')
		.filter(Boolean)
		.map((file) => file.replace(/^\.\//, ''))
		.sort();
}

describe('packed tarball', () => {
	it('has no runtime dependencies and only n8n-workflow "*" as peer', () => {
		expect(manifest.dependencies ?? {}).toEqual({});
		expect(manifest.peerDependencies).toEqual({ 'n8n-workflow': '*' });
		expect(manifest.license).toBe('MIT');
		expect(manifest.keywords).toContain('n8n-community-node-package');
	});

	it('ships every node and credential the n8n section lists, with their icons', () => {
		const files = shippedFiles();
		const listed = [...manifest.n8n.nodes, ...manifest.n8n.credentials];
		expect(listed.length).toBeGreaterThan(0);
		for (const file of listed) expect(files).toContain(file);
		for (const node of manifest.n8n.nodes as string[]) {
			expect(files).toContain(node.replace(/\.js$/, '.json'));
		}
		expect(files.filter((file) => file.endsWith('.svg')).length).toBeGreaterThan(0);
		expect(files.some((file) => file.startsWith('test/') || file.endsWith('.ts') && !file.endsWith('.d.ts'))).toBe(false);
	});

	it('ships the icon file at every path a node or credential names', () => {
		const files = new Set(shippedFiles());
		const listed = [...manifest.n8n.nodes, ...manifest.n8n.credentials] as string[];
		for (const file of listed) {
			const icons = [...readFileSync(join(unpacked, file), 'utf8').matchAll(/file:([^'"]+\.svg)/g)].map((match) => match[1]);
			expect({ file, icons: icons.length > 0 }).toEqual({ file, icons: true });
			for (const icon of icons) {
				const resolved = normalize(join(dirname(file), icon));
				expect({ file, icon, shipped: files.has(resolved) }).toEqual({ file, icon, shipped: true });
			}
		}
	});

	it('uses no import or global that the community-package scanner forbids', () => {
		const { files, problems } = scan(unpacked);
		expect(files).toBeGreaterThan(3);
		expect(problems).toEqual([]);
	});

	it('would catch shipped code that reaches for a forbidden import or global, even behind eslint-disable', () => {
		const { problems } = scan(unpacked, "// eslint-disable-next-line\nconst fs = require('fs');\nsetTimeout(() => process.exit(1), 1);\n");
		expect(problems.map((problem: { rule: string }) => problem.rule).sort()).toEqual([
			'@n8n/community-nodes/no-restricted-globals',
			'@n8n/community-nodes/no-restricted-globals',
			'@n8n/community-nodes/no-restricted-imports',
		]);
	});
});
