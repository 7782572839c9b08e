import { createCipheriv, createDecipheriv } from 'node:crypto';
import {
	callbackSignature,
	decryptMessage,
	encryptMessage,
	encryptedSuccess,
	isValidAesKey,
	signatureMatches,
} from '../../../nodes/DingTalk/crypto';

/** Published vectors, vendor-dingtalk.md section 8. */
const DT1 = {
	token: 'mryue',
	aesKey: 'Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7',
	ownerKey: 'ding6ccabc44d2c8d38b',
	signature: '03044561471240d4a14bb09372dfcfd4fd0e40cb',
	timestamp: '1608001896814',
	nonce: 'WL4PK6yA',
	encrypt:
		'0vJiX6vliEpwG3U45CtXqi+m8PXbQRARJ8p8BbDuD1EMTDf0jKpQ79QS93qEk7XHpP6u+oTTrd15NRPvNvmBKyDCYxxOK+HZeKju4yhELOFchzNukR+t8SB/qk4ROMu3',
	plaintext: '{"EventType":"check_url"}',
};
const DT2 = {
	token: '123456',
	aesKey: '1234567890123456789012345678901234567890123',
	ownerKey: 'dingsnotzck6pm5veliw',
	signature: '9a95a004dd16f5c307e849b994173f76aa26e5eb',
	timestamp: '1614767836',
	nonce: 'A7Co0cJLMzIDtMMI',
	encrypt: 'YvkvaGe4hQxd3VxRmEty0dVlnCOAqwf56xwTRHDHoOURqhalbmBJQk5FNcRk42Gl5T0YQXZNwpwWSm1xAFJ5ZA==',
	plaintext: 'success',
};

/** Re-encrypts raw plaintext bytes under a vector's key, to build malformed messages. */
function rawEncrypt(aesKey: string, plain: Buffer): string {
	const key = Buffer.from(`${aesKey}=`, 'base64');
	const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
	cipher.setAutoPadding(false);
	return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

function rawDecrypt(aesKey: string, encrypt: string): Buffer {
	const key = Buffer.from(`${aesKey}=`, 'base64');
	const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
	decipher.setAutoPadding(false);
	return Buffer.concat([decipher.update(Buffer.from(encrypt, 'base64')), decipher.final()]);
}

describe('DingTalk callback crypto with the published vectors', () => {
	it.each([
		['DT-1 (check_url request)', DT1, 31],
		['DT-2 (success reply)', DT2, 17],
	])('%s: the signature matches and the message decrypts with the owner key tail', (_name, vector, padLength) => {
		expect(callbackSignature(vector.token, vector.timestamp, vector.nonce, vector.encrypt)).toBe(vector.signature);
		expect(signatureMatches(vector.token, vector.timestamp, vector.nonce, vector.encrypt, vector.signature)).toBe(true);
		expect(decryptMessage(vector.aesKey, vector.encrypt, [vector.ownerKey])).toEqual({
			message: vector.plaintext,
			ownerKey: vector.ownerKey,
		});
		// The vectors use 32-byte PKCS#7 blocks: a pad above 16 proves it.
		const padded = rawDecrypt(vector.aesKey, vector.encrypt);
		expect(padded[padded.length - 1]).toBe(padLength);
	});

	it('accepts the owner key when it is any of the accepted ones (App Key or CorpId)', () => {
		expect(decryptMessage(DT1.aesKey, DT1.encrypt, ['appkey-not-it', DT1.ownerKey])?.ownerKey).toBe(DT1.ownerKey);
	});

	it('rejects a wrong owner key, an empty list of owner keys and a truncated owner key', () => {
		expect(decryptMessage(DT1.aesKey, DT1.encrypt, ['ding0000000000000000'])).toBeUndefined();
		expect(decryptMessage(DT1.aesKey, DT1.encrypt, [''])).toBeUndefined();
		expect(decryptMessage(DT1.aesKey, DT1.encrypt, [DT1.ownerKey.slice(0, -1)])).toBeUndefined();
	});

	it('rejects a flipped signature bit, a signature over other values and a missing signature', () => {
		const flipped = `${DT1.signature.slice(0, -1)}${DT1.signature.endsWith('b') ? 'a' : 'b'}`;
		expect(signatureMatches(DT1.token, DT1.timestamp, DT1.nonce, DT1.encrypt, flipped)).toBe(false);
		expect(signatureMatches('other', DT1.timestamp, DT1.nonce, DT1.encrypt, DT1.signature)).toBe(false);
		expect(signatureMatches(DT1.token, '1608001896815', DT1.nonce, DT1.encrypt, DT1.signature)).toBe(false);
		expect(signatureMatches(DT1.token, DT1.timestamp, DT1.nonce, DT1.encrypt, undefined)).toBe(false);
	});

	it('accepts an upper-case hex signature', () => {
		expect(signatureMatches(DT1.token, DT1.timestamp, DT1.nonce, DT1.encrypt, DT1.signature.toUpperCase())).toBe(true);
	});

	it('rejects a pad byte above 32, an inconsistent pad, corrupted ciphertext and non-block lengths', () => {
		const plain = rawDecrypt(DT1.aesKey, DT1.encrypt);
		const padAbove32 = Buffer.from(plain);
		padAbove32[padAbove32.length - 1] = 33;
		expect(decryptMessage(DT1.aesKey, rawEncrypt(DT1.aesKey, padAbove32), [DT1.ownerKey])).toBeUndefined();
		const padZero = Buffer.from(plain);
		padZero[padZero.length - 1] = 0;
		expect(decryptMessage(DT1.aesKey, rawEncrypt(DT1.aesKey, padZero), [DT1.ownerKey])).toBeUndefined();
		const inconsistentPad = Buffer.from(plain);
		inconsistentPad[inconsistentPad.length - 2] = 7;
		expect(decryptMessage(DT1.aesKey, rawEncrypt(DT1.aesKey, inconsistentPad), [DT1.ownerKey])).toBeUndefined();

		const corrupted = Buffer.from(DT1.encrypt, 'base64');
		corrupted[20] ^= 0xff;
		expect(decryptMessage(DT1.aesKey, corrupted.toString('base64'), [DT1.ownerKey])).toBeUndefined();
		expect(decryptMessage(DT1.aesKey, Buffer.from('short').toString('base64'), [DT1.ownerKey])).toBeUndefined();
		expect(decryptMessage(DT1.aesKey, '', [DT1.ownerKey])).toBeUndefined();
	});

	it('rejects a message length that points past the end of the plaintext', () => {
		const plain = rawDecrypt(DT1.aesKey, DT1.encrypt);
		plain.writeUInt32BE(10_000, 16);
		expect(decryptMessage(DT1.aesKey, rawEncrypt(DT1.aesKey, plain), [DT1.ownerKey])).toBeUndefined();
	});

	it('rejects a message that is not valid UTF-8 (a garbled, re-signed block)', () => {
		const plain = rawDecrypt(DT1.aesKey, DT1.encrypt);
		plain[22] = 0xff; // inside {"EventType":...}
		expect(decryptMessage(DT1.aesKey, rawEncrypt(DT1.aesKey, plain), [DT1.ownerKey])).toBeUndefined();
	});

	it('decrypts nothing with a malformed AES key instead of throwing', () => {
		expect(decryptMessage('too-short', DT1.encrypt, [DT1.ownerKey])).toBeUndefined();
	});

	it('reproduces the DT-2 ciphertext from its random prefix, byte for byte', () => {
		const random = rawDecrypt(DT2.aesKey, DT2.encrypt).subarray(0, 16);
		expect(encryptMessage(DT2.aesKey, 'success', DT2.ownerKey, random)).toBe(DT2.encrypt);
	});

	it('round-trips our own encrypted success reply under the same token, key and owner key', () => {
		const reply = encryptedSuccess(DT2.token, DT2.aesKey, DT2.ownerKey, '1614767836', 'A7Co0cJLMzIDtMMI');
		expect(Object.keys(reply).sort()).toEqual(['encrypt', 'msg_signature', 'nonce', 'timeStamp']);
		expect(reply.timeStamp).toBe('1614767836');
		expect(signatureMatches(DT2.token, reply.timeStamp, reply.nonce, reply.encrypt, reply.msg_signature)).toBe(true);
		expect(decryptMessage(DT2.aesKey, reply.encrypt, [DT2.ownerKey])).toEqual({ message: 'success', ownerKey: DT2.ownerKey });
		expect(decryptMessage(DT2.aesKey, reply.encrypt, [DT1.ownerKey])).toBeUndefined();
	});

	it('chooses a fresh 16-character nonce and a millisecond timestamp by default', () => {
		const before = Date.now();
		const first = encryptedSuccess(DT1.token, DT1.aesKey, DT1.ownerKey);
		const second = encryptedSuccess(DT1.token, DT1.aesKey, DT1.ownerKey);
		expect(first.nonce).toMatch(/^[A-Za-z0-9]{16}$/);
		expect(first.nonce).not.toBe(second.nonce);
		expect(first.encrypt).not.toBe(second.encrypt);
		expect(Number(first.timeStamp)).toBeGreaterThanOrEqual(before);
	});

	it('handles multi-byte UTF-8 messages (the length field counts bytes)', () => {
		const message = JSON.stringify({ EventType: 'storage_dentry_update', name: '季度报告.pdf' });
		const encrypt = encryptMessage(DT1.aesKey, message, DT1.ownerKey);
		expect(decryptMessage(DT1.aesKey, encrypt, [DT1.ownerKey])?.message).toBe(message);
	});

	it('validates the 43-character AES key format', () => {
		expect(isValidAesKey(DT1.aesKey)).toBe(true);
		expect(isValidAesKey(DT1.aesKey.slice(1))).toBe(false);
		expect(isValidAesKey(`${DT1.aesKey.slice(1)}+`)).toBe(false);
		expect(isValidAesKey(`${DT1.aesKey}=`)).toBe(false);
	});
});
