/** DingTalk callback benchmark case: signature, AES decryption, owner key, de-duplication, encrypted reply. */
import crypto from 'node:crypto';
import path from 'node:path';
import type { DingTalkTrigger as DingTalkTriggerType } from '../../nodes/DingTalk/DingTalkTrigger.node';
import { DEFAULT_AES_KEY, encrypt, sign } from '../emulator/dingtalk';
import { fromDist, type Bench } from './context';

const dist = path.join(__dirname, '..', '..', 'dist', 'nodes', 'DingTalk');
const TOKEN = 'benchToken123';
const APP_KEY = 'dingbenchappkey00001';

function push(i: number) {
	const encrypted = encrypt(
		DEFAULT_AES_KEY,
		JSON.stringify({ EventType: 'storage_dentry_update', eventId: `bench-${i}`, spaceId: '1', dentryId: String(i), eventScope: 'ORG', type: 'FILE' }),
		APP_KEY,
	);
	// Current, as the trigger refuses pushes signed more than 5 minutes ago.
	const timestamp = String(Date.now() + i);
	return { body: { encrypt: encrypted }, query: { msg_signature: sign(TOKEN, timestamp, 'benchnonce', encrypted), timestamp, nonce: 'benchnonce' } };
}

export const dingTalkBench: Bench = {
	name: 'DingTalk',
	async callbackCase() {
		const { DingTalkTrigger } = await fromDist<{ DingTalkTrigger: typeof DingTalkTriggerType }>(path.join(dist, 'DingTalkTrigger.node.js'));
		// Pushes are prepared up front so that building them is not measured. There are more of them than
		// the trigger's de-duplication log keeps (10,000), so each one counts as new when it comes round again.
		const pushes = Array.from({ length: 16_384 }, (_, i) => push(i));
		const key = Buffer.from(`${DEFAULT_AES_KEY}=`, 'base64');
		return {
			trigger: new DingTalkTrigger(),
			contextFor: (i) => ({
				parameters: { events: ['storage_dentry_update'] },
				credentials: { callbackToken: TOKEN, aesSecretKey: DEFAULT_AES_KEY, appKey: APP_KEY },
				request: pushes[i % pushes.length],
			}),
			// The same node:crypto work on the same bytes: SHA-1 signature and its constant-time check,
			// AES-256-CBC decryption, the owner key check, the SHA-256 digests of the comparisons, and the
			// encrypted, signed "success" reply.
			ceiling: (i) => {
				const { body, query } = pushes[i % pushes.length];
				const digest = (value: string | Buffer) => crypto.createHash('sha256').update(value).digest();
				const expected = crypto.createHash('sha1').update([TOKEN, query.timestamp, query.nonce, body.encrypt].sort().join('')).digest('hex');
				crypto.timingSafeEqual(digest(expected), digest(query.msg_signature));
				const decipher = crypto.createDecipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
				const plain = Buffer.concat([decipher.update(Buffer.from(body.encrypt, 'base64')), decipher.final()]);
				const length = plain.readUInt32BE(16);
				crypto.timingSafeEqual(digest(APP_KEY), digest(plain.subarray(20 + length, plain.length - plain[plain.length - 1])));
				JSON.parse(plain.subarray(20, 20 + length).toString('utf8'));
				const unpadded = Buffer.concat([crypto.randomBytes(16), Buffer.from([0, 0, 0, 7]), Buffer.from(`success${APP_KEY}`)]);
				const pad = 32 - (unpadded.length % 32);
				const reply = Buffer.concat([unpadded, Buffer.alloc(pad, pad)]);
				const cipher = crypto.createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
				const encrypted = Buffer.concat([cipher.update(reply), cipher.final()]).toString('base64');
				crypto.createHash('sha1').update([TOKEN, String(i), 'benchnonce', encrypted].sort().join('')).digest('hex');
			},
			accepted: (result, response) => response.statusCode === 200 && Array.isArray(result.workflowData),
		};
	},
};
