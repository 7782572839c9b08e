/**
 * The node panel's search in a real n8n: the editor matches what it types against each node type's
 * display name and `codex.alias` (n8n-editor-ui's search keys), taken from the node types n8n serves at
 * /types/nodes.json. The pack's types must arrive there with the vendors' Chinese names.
 */
import { PACKAGE_NAME, startN8n, type N8nInstance } from '../../dev/n8n/launcher';
import { packNodes, SEARCH_NAMES_BY_VENDOR } from '../harness/node-search-names';

jest.setTimeout(180_000);

let n8n: N8nInstance;

beforeAll(async () => {
	n8n = await startN8n();
});

afterAll(async () => {
	await n8n?.stop();
});

it('serves every node of the pack with the codex aliases the node panel searches', async () => {
	const response = await fetch(`${n8n.baseUrl}/types/nodes.json`, { headers: { cookie: n8n.cookie ?? '', 'browser-id': 'e2e' } });
	expect(response.status).toBe(200);
	const types = (await response.json()) as { name: string; codex?: { alias?: string[] } }[];
	const served = Object.fromEntries(
		types.filter((type) => type.name.startsWith(`${PACKAGE_NAME}.`)).map((type) => [type.name.slice(PACKAGE_NAME.length + 1), type.codex?.alias]),
	);
	for (const { vendor, type } of packNodes()) {
		expect({ type, aliases: served[type] }).toEqual({ type, aliases: expect.arrayContaining(SEARCH_NAMES_BY_VENDOR[vendor]) });
	}
});
