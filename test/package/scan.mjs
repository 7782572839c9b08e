// Lints JavaScript the way @n8n/scan-community-package does (forbidden imports and globals, inline
// eslint-disable comments ignored) and prints {files, problems} as JSON. Usage: node scan.mjs <dir> [code]
import { ESLint } from 'eslint';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';

const [directory, probeCode] = process.argv.slice(2);
const eslint = new ESLint({
	cwd: directory,
	overrideConfigFile: true,
	allowInlineConfig: false,
	overrideConfig: [
		{
			files: ['**/*.js'],
			plugins: { '@n8n/community-nodes': n8nCommunityNodesPlugin },
			languageOptions: { ecmaVersion: 2022, sourceType: 'commonjs' },
			rules: {
				'@n8n/community-nodes/no-restricted-globals': 'error',
				'@n8n/community-nodes/no-restricted-imports': 'error',
			},
		},
	],
});
const results = probeCode
	? await eslint.lintText(probeCode, { filePath: `${directory}/probe.js` })
	: await eslint.lintFiles(['**/*.js']);
const problems = results.flatMap((result) =>
	result.messages.map((message) => ({ file: result.filePath.replace(directory, ''), line: message.line, rule: message.ruleId, message: message.message })),
);
process.stdout.write(JSON.stringify({ files: results.length, problems }));
