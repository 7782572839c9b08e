/**
 * How the TypeScript in dev/ runs outside jest: plain node with ts-node's transpile-only hook (types
 * are checked by `npm run typecheck`, not at start-up). A child process started by file path gets the
 * same hook, so that a .ts file runs the same in jest, under `npm start` and as a spawned script.
 */
export const TS_NODE_HOOK = 'ts-node/register/transpile-only';

/** Node's arguments to run `file` (a .ts file needs the hook, a .js file nothing). */
export function nodeArgsFor(file: string): string[] {
	return file.endsWith('.ts') ? ['--require', require.resolve(TS_NODE_HOOK)] : [];
}
