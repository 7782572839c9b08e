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

// nock patches Node's http module, which every test file in a jest worker shares; restoring it here
// keeps this file's interceptors from answering (or erroring) for the next file in the same worker.
afterAll(() => {
	nock.enableNetConnect();
	nock.restore();
});
