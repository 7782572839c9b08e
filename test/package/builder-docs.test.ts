/**
 * What a builder sees before installing: the README's pictures (written by `npm run screenshots`)
 * exist and stay small, and the codex files carry the vendors' Chinese names, which n8n's node panel
 * search matches (it searches display names and codex aliases only).
 */
import fs from 'node:fs';
import path from 'node:path';

import { IMAGES_DIR, MAX_IMAGE_BYTES } from '../../dev/screenshots/images';
import { packNodes, SEARCH_NAMES_BY_VENDOR } from '../harness/node-search-names';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');

/** Every local image the README shows, as Markdown `![…](…)` or HTML `<img src="…">`. */
function readmeImages(): string[] {
	const markdown = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)/g)].map((match) => match[1]);
	const html = [...readme.matchAll(/<img[^>]*\ssrc="([^"]+)"/g)].map((match) => match[1]);
	return [...markdown, ...html].filter((src) => !/^https?:/.test(src));
}

describe('README pictures', () => {
	const pictures = fs.readdirSync(IMAGES_DIR).filter((file) => file.endsWith('.png'));

	it('every picture under docs/images is at most 150 KB', () => {
		expect(pictures.length).toBeGreaterThan(0);
		const oversized = pictures.filter((file) => fs.statSync(path.join(IMAGES_DIR, file)).size > MAX_IMAGE_BYTES);
		expect(oversized).toEqual([]);
	});

	it('every image the README shows exists', () => {
		const shown = readmeImages();
		expect(shown.length).toBeGreaterThan(0);
		expect(shown.filter((src) => !fs.existsSync(path.join(REPO_ROOT, src)))).toEqual([]);
	});

	it('the README shows every picture the screenshots write', () => {
		const shown = new Set(readmeImages().map((src) => path.resolve(REPO_ROOT, src)));
		expect(pictures.filter((file) => !shown.has(path.join(IMAGES_DIR, file)))).toEqual([]);
	});
});

describe('codex aliases', () => {
	it('every vendor folder is covered', () => {
		expect([...new Set(packNodes().map(({ vendor }) => vendor))].sort()).toEqual(Object.keys(SEARCH_NAMES_BY_VENDOR).sort());
	});

	it.each(packNodes())('$codexFile lists the vendor names a builder searches for', ({ vendor, codexFile }) => {
		const codex = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, codexFile), 'utf8'));
		expect(codex.alias).toEqual(expect.arrayContaining(SEARCH_NAMES_BY_VENDOR[vendor]));
	});
});
