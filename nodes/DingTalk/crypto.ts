import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { secretsMatch } from '../shared/callbacks';

/**
 * DingTalk's HTTP push crypto (the "DingTalkEncryptor" scheme of open-dingtalk/DingTalk-Callback-Crypto):
 * AES-256-CBC with the IV taken from the key, PKCS#7 padding to 32-byte blocks (not AES's 16), and a
 * SHA-1 signature over the sorted token, timestamp, nonce and ciphertext. Feishu uses a different scheme.
 */

const AES_KEY_PATTERN = /^[A-Za-z0-9]{43}$/;
const PADDING_BLOCK_SIZE = 32;
const RANDOM_PREFIX_LENGTH = 16;
const LENGTH_FIELD_SIZE = 4;
const NONCE_LENGTH = 16;
const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function isValidAesKey(aesKey: string): boolean {
	return AES_KEY_PATTERN.test(aesKey);
}

let lastKey: { text: string; bytes: Buffer } | undefined;

/** The console shows the 32-byte key as 43 Base64 characters without the trailing "=". */
function keyBytes(aesKey: string): Buffer {
	// Every push decodes the same key twice (request and reply); remembering the last one saves that work.
	if (lastKey?.text === aesKey) return lastKey.bytes;
	if (!isValidAesKey(aesKey)) throw new Error('The AES key must be 43 letters or digits');
	lastKey = { text: aesKey, bytes: Buffer.from(`${aesKey}=`, 'base64') };
	return lastKey.bytes;
}

export function callbackSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
	return createHash('sha1').update([token, timestamp, nonce, encrypt].sort().join('')).digest('hex');
}

export function signatureMatches(
	token: string,
	timestamp: string,
	nonce: string,
	encrypt: string,
	signature: string | undefined,
): boolean {
	return secretsMatch(callbackSignature(token, timestamp, nonce, encrypt), signature?.toLowerCase());
}

/** Encrypts a message for one owner key; `random` is only fixed by tests. */
export function encryptMessage(
	aesKey: string,
	message: string,
	ownerKey: string,
	random: Buffer = randomBytes(RANDOM_PREFIX_LENGTH),
): string {
	const key = keyBytes(aesKey);
	const messageBytes = Buffer.from(message, 'utf8');
	const length = Buffer.alloc(LENGTH_FIELD_SIZE);
	length.writeUInt32BE(messageBytes.length);
	const plain = Buffer.concat([random, length, messageBytes, Buffer.from(ownerKey, 'utf8')]);
	const padLength = PADDING_BLOCK_SIZE - (plain.length % PADDING_BLOCK_SIZE);
	const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
	cipher.setAutoPadding(false);
	return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(padLength, padLength)])), cipher.final()]).toString(
		'base64',
	);
}

export interface DecryptedMessage {
	message: string;
	/** The owner key found at the end of the plaintext: the App Key or the CorpId. */
	ownerKey: string;
}

/**
 * Decrypts a push and checks that it ends with one of the accepted owner keys. Returns undefined for
 * anything that is not a well-formed message for this app, and never throws.
 */
export function decryptMessage(
	aesKey: string,
	encrypt: string,
	acceptedOwnerKeys: string[],
): DecryptedMessage | undefined {
	try {
		const key = keyBytes(aesKey);
		const cipherText = Buffer.from(encrypt, 'base64');
		if (cipherText.length === 0 || cipherText.length % 16 !== 0) return undefined;
		const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
		decipher.setAutoPadding(false);
		const padded = Buffer.concat([decipher.update(cipherText), decipher.final()]);
		const padLength = padded[padded.length - 1];
		if (padLength < 1 || padLength > PADDING_BLOCK_SIZE || padLength > padded.length) return undefined;
		if (!padded.subarray(padded.length - padLength).every((byte) => byte === padLength)) return undefined;
		const plain = padded.subarray(0, padded.length - padLength);
		if (plain.length < RANDOM_PREFIX_LENGTH + LENGTH_FIELD_SIZE) return undefined;
		const messageLength = plain.readUInt32BE(RANDOM_PREFIX_LENGTH);
		const messageStart = RANDOM_PREFIX_LENGTH + LENGTH_FIELD_SIZE;
		if (messageStart + messageLength > plain.length) return undefined;
		const ownerKey = plain.subarray(messageStart + messageLength).toString('utf8');
		const accepted = acceptedOwnerKeys.filter((candidate) => candidate !== '');
		if (!accepted.some((candidate) => secretsMatch(candidate, ownerKey))) return undefined;
		// CBC has no integrity of its own: whoever knows the signing token can re-sign a ciphertext with a
		// garbled block. Such a block almost never decodes as UTF-8, so malformed text is refused outright.
		const messageBytes = plain.subarray(messageStart, messageStart + messageLength);
		const message = messageBytes.toString('utf8');
		if (!Buffer.from(message, 'utf8').equals(messageBytes)) return undefined;
		return { message, ownerKey };
	} catch {
		return undefined;
	}
}

export interface EncryptedReply {
	msg_signature: string;
	timeStamp: string;
	nonce: string;
	encrypt: string;
}

function nonceFrom(bytes: Buffer): string {
	let nonce = '';
	for (const byte of bytes) nonce += NONCE_ALPHABET[byte % NONCE_ALPHABET.length];
	return nonce;
}

/** The reply DingTalk expects to every push: the word "success", encrypted and signed (camel-case timeStamp). */
export function encryptedSuccess(
	token: string,
	aesKey: string,
	ownerKey: string,
	timeStamp = String(Date.now()),
	nonce?: string,
): EncryptedReply {
	// One call to the random source serves both the plaintext's random prefix and the nonce.
	const entropy = randomBytes(RANDOM_PREFIX_LENGTH + NONCE_LENGTH);
	const encrypt = encryptMessage(aesKey, 'success', ownerKey, entropy.subarray(0, RANDOM_PREFIX_LENGTH));
	const replyNonce = nonce ?? nonceFrom(entropy.subarray(RANDOM_PREFIX_LENGTH));
	return { msg_signature: callbackSignature(token, timeStamp, replyNonce, encrypt), timeStamp, nonce: replyNonce, encrypt };
}
