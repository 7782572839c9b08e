/**
 * Makes a value safe to write into a log line. Anything a caller (or a vendor's error message) controls
 * may carry line breaks that would forge extra log entries, terminal escape sequences, or direction
 * overrides that make a line read differently than it is, and may be arbitrarily long. Such characters
 * are shown as escapes (`\x0a`, `\u202e`) and the result is capped.
 */
function isUnsafeForLogs(code: number): boolean {
	return (
		code <= 0x1f ||
		(code >= 0x7f && code <= 0x9f) ||
		code === 0x200e ||
		code === 0x200f ||
		code === 0x2028 ||
		code === 0x2029 ||
		(code >= 0x202a && code <= 0x202e) ||
		(code >= 0x2066 && code <= 0x2069) ||
		code === 0xfeff
	);
}

export const MAX_LOGGED_CHARACTERS = 200;

export function forLog(value: unknown, maxLength = MAX_LOGGED_CHARACTERS): string {
	let text: string;
	try {
		text = typeof value === 'string' ? value : String(value);
	} catch {
		text = '[unprintable]';
	}
	// Cut first (by code points, so no surrogate pair is split), then escape: the cap bounds the work too.
	const long = text.length > maxLength * 2;
	const points = Array.from(long ? text.slice(0, maxLength * 2) : text);
	const cut = long || points.length > maxLength;
	const escaped = (cut ? points.slice(0, maxLength) : points)
		.map((character) => {
			const code = character.codePointAt(0) as number;
			if (!isUnsafeForLogs(code)) return character;
			return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
		})
		.join('');
	return cut ? `${escaped}…` : escaped;
}
