/**
 * The files in examples/ as a builder imports them: valid workflows of the pack's nodes and a few core
 * nodes, credentials as placeholders only, and nothing that looks like a real secret.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { INodeType } from 'n8n-workflow';

type Json = Record<string, any>;

const ROOT = path.join(__dirname, '..', '..');
const EXAMPLES_DIR = path.join(ROOT, 'examples');
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
/** Core nodes whose versions used here exist in every n8n the pack supports (1.123, 2.8, 2.40). */
const CORE_NODES: Record<string, number[]> = {
	'n8n-nodes-base.httpRequest': [4.2],
	'n8n-nodes-base.filter': [2.2],
	'n8n-nodes-base.if': [2.2],
	'n8n-nodes-base.set': [3.4],
	'n8n-nodes-base.splitOut': [1],
	'n8n-nodes-base.code': [2],
	'n8n-nodes-base.stickyNote': [1],
};
const CREDENTIAL_PLACEHOLDER = /^YOUR_[A-Z_]+_CREDENTIAL_ID$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The pack's nodes by the type a workflow names them with, as package.json registers them. */
const packNodes = new Map<string, INodeType>(
	(PACKAGE.n8n.nodes as string[]).map((built) => {
		const source = path.join(ROOT, built.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
		const exported = Object.values(require(source) as Record<string, new () => INodeType>)[0];
		const node = new exported();
		return [`${PACKAGE.name}.${node.description.name}`, node];
	}),
);

const files = fs.readdirSync(EXAMPLES_DIR).filter((file) => file.endsWith('.json')).sort();
const examples = files.map((file) => ({ file, workflow: JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8')) as Json }));

/** Every string in a JSON value, with the key it sits under. */
function stringsOf(value: unknown, key = ''): { key: string; text: string }[] {
	if (typeof value === 'string') return [{ key, text: value }];
	if (Array.isArray(value)) return value.flatMap((entry) => stringsOf(entry, key));
	if (value && typeof value === 'object') return Object.entries(value).flatMap(([name, entry]) => stringsOf(entry, name));
	return [];
}

describe('examples/', () => {
	it('holds only workflow JSON files, at least one per trigger of the pack', () => {
		expect(fs.readdirSync(EXAMPLES_DIR).filter((file) => !file.endsWith('.json') && file !== 'README.md')).toEqual([]);
		const triggers = new Set(examples.flatMap(({ workflow }) => workflow.nodes.map((node: Json) => node.type)).filter((type) => packNodes.has(type) && /Trigger$/.test(type)));
		const packTriggers = [...packNodes.keys()].filter((type) => /Trigger$/.test(type));
		expect([...triggers].sort()).toEqual(packTriggers.sort());
	});

	describe.each(examples)('$file', ({ workflow }) => {
		const nodes: Json[] = workflow.nodes;

		it('is a workflow n8n imports: a name, nodes with unique ids and names, connections between existing nodes, no extra fields', () => {
			expect(Object.keys(workflow).sort()).toEqual(['connections', 'name', 'nodes']);
			expect(typeof workflow.name).toBe('string');
			expect(new Set(nodes.map((node) => node.id)).size).toBe(nodes.length);
			expect(new Set(nodes.map((node) => node.name)).size).toBe(nodes.length);
			for (const node of nodes) expect(node.id).toMatch(UUID);
			const names = new Set(nodes.map((node) => node.name));
			for (const [from, outputs] of Object.entries(workflow.connections as Json)) {
				expect(names).toContain(from);
				for (const target of (outputs.main as Json[][]).flat()) expect(names).toContain(target.node);
			}
		});

		it('uses only the pack’s nodes and the allowed core nodes, at versions that exist', () => {
			for (const node of nodes) {
				const packNode = packNodes.get(node.type);
				const versions = packNode ? [packNode.description.version].flat() : CORE_NODES[node.type];
				expect({ type: node.type, allowed: versions !== undefined }).toEqual({ type: node.type, allowed: true });
				expect(versions).toContain(node.typeVersion);
				expect(node.position).toEqual([expect.any(Number), expect.any(Number)]);
			}
		});

		it('has one pack trigger, with a fixed webhook id of its own if it listens on a webhook, and a sticky note saying what to fill in', () => {
			const triggers = nodes.filter((node) => packNodes.has(node.type) && /Trigger$/.test(node.type));
			expect(triggers).toHaveLength(1);
			// n8n gives webhook ids to webhook nodes only; the Stream and long-connection triggers connect out and have none.
			if (!packNodes.get(triggers[0].type)?.description.webhooks?.length) {
				expect(triggers[0]).not.toHaveProperty('webhookId');
				return;
			}
			expect(triggers[0].webhookId).toMatch(UUID);
			const webhookIds = examples.flatMap((example) => example.workflow.nodes.map((node: Json) => node.webhookId)).filter(Boolean);
			expect(webhookIds.filter((id: string) => id === triggers[0].webhookId)).toHaveLength(1);
			const notes = nodes.filter((node) => node.type === 'n8n-nodes-base.stickyNote').map((node) => node.parameters.content as string);
			expect(notes.join('\n')).toMatch(/YOUR_/);
		});

		it('refers to credentials by placeholder only, of a type the node takes', () => {
			for (const node of nodes.filter((candidate) => candidate.credentials)) {
				const accepted = (packNodes.get(node.type)?.description.credentials ?? []).map((credential) => credential.name);
				for (const [type, reference] of Object.entries(node.credentials as Json)) {
					expect(accepted).toContain(type);
					expect(Object.keys(reference).sort()).toEqual(['id', 'name']);
					expect(reference.id).toMatch(CREDENTIAL_PLACEHOLDER);
				}
			}
		});

		it('contains no secret: secret-named fields and URL queries hold placeholders, and no long random token appears', () => {
			for (const { key, text } of stringsOf(nodes)) {
				if (/secret|password|token|key/i.test(key)) expect({ key, text }).toEqual({ key, text: expect.stringMatching(/^(YOUR_[A-Z_]+|)$/) });
				// UUIDs (node and webhook ids) and the pack's node types (feishuLongConnectionTrigger is long) are not secrets; anything else this long and random-looking may be.
				if (!UUID.test(text) && !packNodes.has(text)) expect({ key, text }).toEqual({ key, text: expect.not.stringMatching(/[A-Za-z0-9]{24,}/) });
			}
			for (const node of nodes.filter((candidate) => candidate.type === 'n8n-nodes-base.httpRequest')) {
				const url = new URL(node.parameters.url);
				for (const value of url.searchParams.values()) expect(value).toMatch(/^YOUR_[A-Z_]+$/);
				expect(url.pathname.split('/').filter((part) => /[0-9a-f-]{20,}/i.test(part))).toEqual([]);
			}
		});
	});
});
