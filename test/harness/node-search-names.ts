/**
 * The names builders type into n8n's node panel to find each vendor's nodes, which the codex files
 * carry as `alias` (the panel searches display names and aliases only); by vendor folder under nodes/.
 */
import fs from 'node:fs';
import path from 'node:path';

export const SEARCH_NAMES_BY_VENDOR: Record<string, string[]> = {
	DingTalk: ['钉钉'],
	Feishu: ['飞书', 'Lark'],
	HuaweiSmn: ['华为云', 'SMN'],
	Kdocs: ['金山文档', 'WPS'],
};

/** Every node the manifest ships: its vendor folder, codex file and node type name (without the package prefix). */
export function packNodes(): { vendor: string; codexFile: string; type: string }[] {
	const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8'));
	return (manifest.n8n.nodes as string[]).map((file) => {
		const [, , vendor, base] = file.split('/');
		const className = base.replace(/\.node\.js$/, '');
		return { vendor, codexFile: path.join('nodes', vendor, `${className}.node.json`), type: className[0].toLowerCase() + className.slice(1) };
	});
}
