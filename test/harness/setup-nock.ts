import nock from 'nock';
import { retryPolicy } from '../../nodes/shared/transport';

// Back-off is exercised in tests, but without waiting real seconds.
retryPolicy.baseDelayMs = 1;
retryPolicy.maxDelayMs = 20;

beforeAll(() => {
	nock.disableNetConnect();
});

afterEach(() => {
	const pending = nock.pendingMocks();
	nock.cleanAll();
	if (pending.length > 0) throw new Error(`Expected requests were not sent: ${pending.join(', ')}`);
});

afterAll(() => {
	nock.enableNetConnect();
	// Each test file loads its own nock, and every copy patches Node's shared http module; one left active
	// would intercept the next file's requests in the same worker (with its own net-connect rules).
	nock.restore();
});
