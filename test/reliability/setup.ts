import nock from 'nock';
import { retryPolicy } from '../../nodes/shared/transport';

retryPolicy.baseDelayMs = 1;
retryPolicy.maxDelayMs = 50;

/** Requests that left the process for anything but the loopback emulators. */
export const strayRequests: string[] = [];

beforeAll(() => {
	if (!nock.isActive()) nock.activate();
	nock.disableNetConnect();
	nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
	nock.emitter.on('no match', (request: { path?: string; host?: string; hostname?: string }) => {
		const host = request.hostname ?? request.host ?? '';
		if (!/^(127\.0\.0\.1|localhost)$/.test(host.replace(/:\d+$/, ''))) strayRequests.push(`${host}${request.path ?? ''}`);
	});
});

afterAll(() => {
	nock.enableNetConnect();
	nock.emitter.removeAllListeners('no match');
	nock.restore();
});
