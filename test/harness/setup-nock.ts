import nock from 'nock';
import { retryPolicy } from '../../nodes/shared/transport';

// Back-off is exercised in tests, but without waiting real seconds.
retryPolicy.baseDelayMs = 1;
retryPolicy.maxDelayMs = 20;

beforeAll(() => {
	if (!nock.isActive()) nock.activate();
	nock.disableNetConnect();
});

afterEach(() => {
	const pending = nock.pendingMocks();
	nock.cleanAll();
	if (pending.length > 0) throw new Error(`Expected requests were not sent: ${pending.join(', ')}`);
});

// Every test file gets its own nock instance but shares the worker's http module; an instance left
// active would intercept (and refuse) the next file's requests before that file's own mocks see them.
afterAll(() => {
	nock.enableNetConnect();
	nock.restore();
});
