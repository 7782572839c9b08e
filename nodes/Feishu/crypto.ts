import { createDecipheriv, createHash } from 'node:crypto';

/**
 * Feishu's event encryption: AES-256-CBC with key = SHA-256(Encrypt Key), and the random IV sent as the
 * first 16 bytes of the base64 payload. Returns undefined for anything that does not decrypt cleanly.
 */
export function decryptEvent(encryptKey: string, encrypted: string): string | undefined {
	try {
		const raw = Buffer.from(encrypted, 'base64');
		if (raw.length < 32 || raw.length % 16 !== 0) return undefined;
		const key = createHash('sha256').update(encryptKey, 'utf8').digest();
		const decipher = createDecipheriv('aes-256-cbc', key, raw.subarray(0, 16));
		return Buffer.concat([decipher.update(raw.subarray(16)), decipher.final()]).toString('utf8');
	} catch {
		return undefined;
	}
}

/** X-Lark-Signature: lowercase hex SHA-256 over timestamp + nonce + Encrypt Key followed by the raw body bytes. */
export function eventSignature(timestamp: string, nonce: string, encryptKey: string, rawBody: Buffer): string {
	return createHash('sha256').update(`${timestamp}${nonce}${encryptKey}`, 'utf8').update(rawBody).digest('hex');
}
