import nock from 'nock';
import { retryPolicy } from '../../nodes/shared/transport';

// Back-off is exercised in tests, but without waiting real seconds.
retryPolicy.baseDelayMs = 1;
retryPolicy.maxDelayMs = 20;

// A request no mock matches fails the test even when the node swallows the refusal (a cleanup that
// deletes more than it should, a fallback that calls elsewhere): nock's refusal alone would go unseen.
// Loopback is left out: it is where the few tests that start an emulator let requests through.
const unmatched: string[] = [];
const recordUnmatched = (request: { method?: string; href?: string; path?: string; host?: string; hostname?: string }) => {
	const href = request.href ?? `http://${request.host ?? ''}${request.path ?? ''}`;
	if (/^\w+:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//.test(href)) return;
	unmatched.push(`${request.method ?? 'GET'} ${href}`);
};

beforeAll(() => {
	if (!nock.isActive()) nock.activate();
	nock.disableNetConnect();
	nock.emitter.on('no match', recordUnmatched);
});

afterEach(() => {
	const pending = nock.pendingMocks();
	const unexpected = unmatched.splice(0);
	nock.cleanAll();
	if (pending.length > 0) throw new Error(`Expected requests were not sent: ${pending.join(', ')}`);
	if (unexpected.length > 0) throw new Error(`Requests no mock expected were sent: ${unexpected.join(', ')}`);
});

// Every test file gets its own nock instance but shares the worker's http module; an instance left
// active would intercept (and refuse) the next file's requests before that file's own mocks see them.
afterAll(() => {
	nock.emitter.removeListener('no match', recordUnmatched);
	nock.enableNetConnect();
	nock.restore();
});
