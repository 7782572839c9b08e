/**
 * The shared connection loop's first connection: it gives up after connectionPolicy.firstOpenAttempts
 * failed attempts (so that activation fails with the reason instead of hanging), while a connection that
 * was open once keeps retrying for as long as the trigger runs. Vendor-neutral: a small in-test ws server.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { connectionPolicy, ConnectionRefused, openLongConnection, type LongConnectionProtocol } from '../../../nodes/shared/long-connection';

const policyBefore = { ...connectionPolicy };
let server: WebSocketServer;
let url: string;

beforeAll(async () => {
	Object.assign(connectionPolicy, { watchIntervalMs: 5, openTimeoutMs: 1_000, baseDelayMs: 5, maxDelayMs: 20, firstOpenAttempts: 3 });
	server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
	await new Promise((resolve) => server.once('listening', resolve));
	url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
	Object.assign(connectionPolicy, policyBefore);
	await new Promise((resolve) => server.close(resolve));
});

function protocol(openEndpoint: () => Promise<string>): LongConnectionProtocol {
	return { name: 'Test Stream', binaryFrames: false, openEndpoint, idleTimeoutMs: () => 60_000, onFrame: () => undefined };
}

describe('openLongConnection: the first connection', () => {
	it('rejects `opened` with the last reason after firstOpenAttempts failed attempts, and asks no more', async () => {
		let asked = 0;
		const connection = openLongConnection(
			protocol(async () => {
				asked++;
				throw new Error(`gateway answered 503 (attempt ${asked})`);
			}),
			{ onFatal: () => undefined, warn: () => undefined },
		);
		const error = (await connection.opened.catch((e: unknown) => e)) as ConnectionRefused;
		await new Promise((resolve) => setTimeout(resolve, 100));
		connection.close();

		expect(error).toBeInstanceOf(ConnectionRefused);
		expect(error.message).toBe('Test Stream could not connect (gateway answered 503 (attempt 3))');
		expect(error.description).toMatch(/^3 attempts to connect failed/);
		expect(asked).toBe(3);
	});

	it('keeps retrying past firstOpenAttempts once a connection was open, without reporting a fatal error', async () => {
		let asked = 0;
		const fatal: Error[] = [];
		const connection = openLongConnection(
			protocol(async () => {
				asked++;
				if (asked > 1) throw new Error('gateway answered 503');
				return url;
			}),
			{ onFatal: (error) => fatal.push(error), warn: () => undefined },
		);
		await connection.opened;
		for (const client of server.clients) client.terminate();
		const deadline = Date.now() + 2_000;
		while (asked < 6 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
		connection.close();

		expect(asked).toBeGreaterThanOrEqual(6);
		expect(fatal).toEqual([]);
	});
});
