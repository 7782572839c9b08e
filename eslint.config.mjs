// The configuration that `n8n-node lint` applies (@n8n/node-cli `config`, i.e. the n8n Cloud rule set),
// reproduced here because @n8n/node-cli itself cannot be installed with npm. Its generic import-x
// rules are left out: their resolver's platform binaries are missing from the registry this project
// installs from, which breaks `npm ci`; every n8n-specific rule is kept.
import eslint from '@eslint/js';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import { globalIgnores } from 'eslint/config';
import n8nNodesPlugin from 'eslint-plugin-n8n-nodes-base';
import tseslint from 'typescript-eslint';

const communityNodesRecommended = n8nCommunityNodesPlugin.configs.recommended;

const SHIPPED_CODE = ['lib/**/*.ts', 'credentials/**/*.ts', 'nodes/**/*.ts'];

export default tseslint.config(
	globalIgnores(['dist', 'node_modules', 'test', 'coverage', '**/*.js', '**/*.mjs']),
	{
		files: SHIPPED_CODE,
		extends: [
			eslint.configs.recommended,
			tseslint.configs.recommended,
			communityNodesRecommended,
		],
		rules: {
			'prefer-spread': 'off',
			'no-console': 'error',
		},
	},
	// The tooling builders and contributors run (emulators, demo, n8n launcher, bench) is Node code that
	// never ships: the generic rules apply, n8n's Cloud rules (no process, timers or node: modules) do not.
	{
		files: ['dev/**/*.ts'],
		extends: [eslint.configs.recommended, tseslint.configs.recommended],
	},
	{
		plugins: { 'n8n-nodes-base': n8nNodesPlugin },
	},
	{
		files: ['package.json'],
		extends: [communityNodesRecommended],
		rules: {
			...n8nNodesPlugin.configs.community.rules,
		},
		languageOptions: {
			parser: tseslint.parser,
			parserOptions: {
				extraFileExtensions: ['.json'],
			},
		},
	},
	{
		files: ['./credentials/**/*.ts'],
		rules: {
			...n8nNodesPlugin.configs.credentials.rules,
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
			'n8n-nodes-base/cred-class-field-type-options-password-missing': 'off',
		},
	},
	{
		files: ['./nodes/**/*.ts'],
		rules: {
			...n8nNodesPlugin.configs.nodes.rules,
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
			'n8n-nodes-base/node-param-type-options-max-value-present': 'off',
		},
	},
);
