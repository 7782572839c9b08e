import { isFresh, nestedDeeperThan, timestampMs, withinReplayWindow } from '../../../nodes/shared/callbacks';

describe('timestamps', () => {
	const now = 1_796_022_236_000;

	it.each([
		['1796022236', now],
		['1796022236000', now],
		[1796022236, now],
		[now, now],
	])('reads %p as %p ms', (value, ms) => {
		expect(timestampMs(value)).toBe(ms);
	});

	it.each([
		['0x6b0d1fdc'],
		[' 1796022236'],
		['1796022236 '],
		['1796022236\n'],
		['+1796022236'],
		['1796022236e0'],
		['1796022236.0'],
		['01796022236'],
		['１７９６０２２２３６'],
		['12345678901234567'],
		[''],
		['0'],
		[-1796022236],
		[1796022236.5],
		[Number.NaN],
		[Number.POSITIVE_INFINITY],
		[null],
		[undefined],
		[{}],
		[['1796022236']],
	])('refuses %p', (value) => {
		expect(timestampMs(value)).toBeUndefined();
		expect(withinReplayWindow(value, { maxAgeMs: Number.MAX_SAFE_INTEGER, maxAheadMs: Number.MAX_SAFE_INTEGER }, now)).toBe(false);
	});

	it('applies the age and the allowance ahead separately', () => {
		const window = { maxAgeMs: 60_000, maxAheadMs: 5_000 };
		expect(withinReplayWindow(String(now - 60_000), window, now)).toBe(true);
		expect(withinReplayWindow(String(now - 60_001), window, now)).toBe(false);
		expect(withinReplayWindow(String(now + 5_000), window, now)).toBe(true);
		expect(withinReplayWindow(String(now + 5_001), window, now)).toBe(false);
	});

	it('keeps isFresh symmetric for callers that pass a parsed date (Huawei SMN)', () => {
		expect(isFresh(Date.parse('2026-11-21T10:00:00Z'), 60_000, Date.parse('2026-11-21T10:00:59Z'))).toBe(true);
		expect(isFresh(Date.parse('not a date'), 60_000)).toBe(false);
		expect(isFresh(' 1796022236', 60_000, now)).toBe(false);
	});
});

describe('nestedDeeperThan', () => {
	it('counts a plain object as one level and walks 100,000 levels without recursion', () => {
		expect(nestedDeeperThan({}, 1)).toBe(false);
		expect(nestedDeeperThan({ a: [{}] }, 2)).toBe(true);
		expect(nestedDeeperThan({ a: [{}] }, 3)).toBe(false);
		expect(nestedDeeperThan('x', 0)).toBe(false);
		const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
		expect(nestedDeeperThan(deep, 64)).toBe(true);
		expect(nestedDeeperThan(deep, 100_000)).toBe(false);
	});
});
