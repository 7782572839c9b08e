import { createHash } from 'node:crypto';
import { decryptEvent, eventSignature } from '../../../nodes/Feishu/crypto';

describe('Feishu event decryption (vendor doc section 8)', () => {
	it('FS-1: decrypts the official documentation vector', () => {
		expect(decryptEvent('test key', 'P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=')).toBe('hello world');
	});

	it('FS-2: decrypts the encrypted url_verification request of the Node SDK tests', () => {
		const encrypted =
			'tT1xP+ovuc0T3b/rnZX3ax76exqAn0ANQ6/U45GcciC0mgNBc8JtvqOJGNAPMKpgRs2dVU1NYk9VDeqS8T4SYtU0hzNU54aS84WnxvZ3VFfDcy/RyABlNqlUiGyLDzFI0yxdCMT4KR/YEQXlt6nZi50KwRlZ+A75r645KesZuLMljezYyY8VeeXEVjPw35+e';
		expect(decryptEvent('mazhe.nerd', encrypted)).toBe(
			'{"challenge":"5634b122-c042-4634-bc7f-b07a3c3e77ad","token":"iRdCP2WwXNBXRM3mGLqhrgch3cn0gbT6","type":"url_verification"}',
		);
	});

	it('returns undefined for a wrong key, a truncated payload or non-base64 text', () => {
		expect(decryptEvent('wrong key', 'P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=')).toBeUndefined();
		expect(decryptEvent('test key', 'P37w+VZImNgPEO1RBhJ6Rg==')).toBeUndefined();
		expect(decryptEvent('test key', '%%%not base64%%%')).toBeUndefined();
	});
});

describe('Feishu X-Lark-Signature', () => {
	const body = Buffer.from('{"encrypt":"abc"}');

	it('is lowercase hex SHA-256 over timestamp + nonce + Encrypt Key + raw body bytes', () => {
		const expected = createHash('sha256').update('1600000000' + 'nonce-1' + 'key-1' + '{"encrypt":"abc"}').digest('hex');
		expect(eventSignature('1600000000', 'nonce-1', 'key-1', body)).toBe(expected);
	});

	it('changes with one flipped body byte, another key, timestamp or nonce', () => {
		const signature = eventSignature('1600000000', 'nonce-1', 'key-1', body);
		const flipped = Buffer.from(body);
		flipped[3] ^= 1;
		expect(eventSignature('1600000000', 'nonce-1', 'key-1', flipped)).not.toBe(signature);
		expect(eventSignature('1600000000', 'nonce-1', 'key-2', body)).not.toBe(signature);
		expect(eventSignature('1600000001', 'nonce-1', 'key-1', body)).not.toBe(signature);
		expect(eventSignature('1600000000', 'nonce-2', 'key-1', body)).not.toBe(signature);
	});

	it('hashes the bytes as received, not a re-serialisation', () => {
		const spaced = Buffer.from('{ "encrypt": "abc" }');
		expect(eventSignature('1', 'n', 'k', spaced)).not.toBe(eventSignature('1', 'n', 'k', body));
	});
});
