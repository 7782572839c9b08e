'use strict';
/** Feishu callback benchmark case: signature over the raw body, AES-256-CBC decryption, token check, de-duplication. */
const crypto = require('node:crypto');
const path = require('node:path');
const { encryptPayload, signPayload } = require('../emulator/feishu');

const dist = path.join(__dirname, '..', '..', 'dist', 'nodes', 'Feishu');
const ENCRYPT_KEY = 'bench-encrypt-key';
const VERIFICATION_TOKEN = 'bench-verification-token';
const FILE = 'doxcnBench000000000000001';
// Encrypting is the sender's work, so deliveries are prepared before measuring; beyond the pool they repeat
// (and are then suppressed as duplicates after full verification).
const POOL = 20_000;

function prepareDeliveries() {
	const timestamp = String(Math.floor(Date.now() / 1000));
	return Array.from({ length: POOL }, (_, i) => {
		const payload = {
			schema: '2.0',
			header: { event_id: `evt-bench-${i}`, event_type: 'drive.file.edit_v1', create_time: '1763700000000', token: VERIFICATION_TOKEN, app_id: 'cli_bench', tenant_key: 't' },
			event: { file_type: 'docx', file_token: FILE, operator_id_list: [{ open_id: 'ou_1' }], subscriber_id_list: [] },
		};
		const rawBody = Buffer.from(JSON.stringify({ encrypt: encryptPayload(ENCRYPT_KEY, JSON.stringify(payload)) }));
		const nonce = `nonce-${i}`;
		return { rawBody, body: JSON.parse(rawBody), timestamp, nonce, signature: signPayload(timestamp, nonce, ENCRYPT_KEY, rawBody) };
	});
}

module.exports = {
	name: 'Feishu',
	callbackCase() {
		const { FeishuTrigger } = require(path.join(dist, 'FeishuTrigger.node.js'));
		const deliveries = prepareDeliveries();
		const at = (i) => deliveries[i % POOL];
		const digest = (value) => crypto.createHash('sha256').update(value).digest();
		return {
			trigger: new FeishuTrigger(),
			contextFor: (i) => {
				const delivery = at(i);
				return {
					parameters: { events: ['drive.file.edit_v1'], files: { file: [{ file: FILE, fileType: 'docx' }] } },
					credentials: { verificationToken: VERIFICATION_TOKEN, encryptSecret: ENCRYPT_KEY },
					request: {
						body: delivery.body,
						rawBody: delivery.rawBody,
						headers: {
							'x-lark-request-timestamp': delivery.timestamp,
							'x-lark-request-nonce': delivery.nonce,
							'x-lark-signature': delivery.signature,
						},
					},
				};
			},
			// The same node:crypto work on the same bytes: the signature hash, its constant-time comparison,
			// key derivation and AES-256-CBC decryption, and the constant-time token comparison.
			ceiling: (i) => {
				const delivery = at(i);
				const expected = crypto.createHash('sha256').update(delivery.timestamp + delivery.nonce + ENCRYPT_KEY).update(delivery.rawBody).digest('hex');
				crypto.timingSafeEqual(digest(expected), digest(delivery.signature));
				const raw = Buffer.from(delivery.body.encrypt, 'base64');
				const decipher = crypto.createDecipheriv('aes-256-cbc', digest(ENCRYPT_KEY), raw.subarray(0, 16));
				Buffer.concat([decipher.update(raw.subarray(16)), decipher.final()]);
				crypto.timingSafeEqual(digest(VERIFICATION_TOKEN), digest(VERIFICATION_TOKEN));
			},
			accepted: (_result, response) => response.statusCode === 200,
		};
	},
};
