/** Unit tests run in-process with nock; E2E tests drive a real n8n and the vendor emulator. */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }];

module.exports = {
	// n8n-core keeps timers and sockets of its own alive after the last test.
	forceExit: true,
	// Generous: CI machines have two cores and the suites share them.
	testTimeout: 120_000,
	projects: [
		{
			displayName: 'unit',
			testEnvironment: 'node',
			testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
			transform: { '^.+\\.ts$': tsJest },
			setupFiles: ['<rootDir>/test/harness/setup-env.js'],
			setupFilesAfterEnv: ['<rootDir>/test/harness/setup-nock.ts'],
		},
		{
			displayName: 'reliability',
			testEnvironment: 'node',
			testMatch: ['<rootDir>/test/reliability/**/*.reliability.test.ts'],
			transform: { '^.+\\.ts$': tsJest },
			setupFiles: ['<rootDir>/test/harness/setup-env.js'],
			setupFilesAfterEnv: ['<rootDir>/test/reliability/setup.ts'],
		},
		{
			displayName: 'package',
			testEnvironment: 'node',
			testMatch: ['<rootDir>/test/package/**/*.test.ts'],
			transform: { '^.+\\.ts$': tsJest },
		},
		{
			displayName: 'e2e',
			testEnvironment: 'node',
			testMatch: ['<rootDir>/test/e2e/**/*.e2e.test.ts'],
			transform: { '^.+\\.ts$': tsJest },
			globalSetup: '<rootDir>/test/e2e/global-setup.ts',
			maxWorkers: 1,
		},
		{
			displayName: 'queue',
			testEnvironment: 'node',
			testMatch: ['<rootDir>/test/e2e/**/*.queue.test.ts'],
			transform: { '^.+\\.ts$': tsJest },
			globalSetup: '<rootDir>/test/e2e/global-setup.ts',
			maxWorkers: 1,
		},
	],
};
