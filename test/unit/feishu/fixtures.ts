import { randomBytes } from 'node:crypto';
import type { ICredentialDataDecryptedObject, IDataObject, INodeParameterResourceLocator } from 'n8n-workflow';
import { FeishuApi } from '../../../credentials/FeishuApi.credentials';
import { Feishu } from '../../../nodes/Feishu/Feishu.node';
import { FeishuTrigger } from '../../../nodes/Feishu/FeishuTrigger.node';
import { vendorHarnesses } from '../../harness/vendor-harnesses';

export const BASE = 'https://open.feishu.cn';
export const APP_ID = 'cli_test_app';
export const APP_SECRET = 'app-secret-1';
export const VERIFICATION_TOKEN = 'verification-token-1';
export const ENCRYPT_KEY = 'encrypt-key-1';
export const DOCX = 'doxcnAbCdEfGh1234567890';
export const FOLDER = 'fldcnFolder0987654321';

export const tenant: ICredentialDataDecryptedObject = {
	authentication: 'tenantToken',
	appId: APP_ID,
	appSecret: APP_SECRET,
	verificationToken: VERIFICATION_TOKEN,
	encryptSecret: ENCRYPT_KEY,
};
/** A tenant credential whose token was fetched earlier and is still valid. */
export const tenantWithToken = (token = 't-cached', expiresAt = Date.now() + 3_600_000): ICredentialDataDecryptedObject => ({
	...tenant,
	sessionToken: token,
	sessionExpiresAt: expiresAt,
});
export const user: ICredentialDataDecryptedObject = { authentication: 'userToken', userAccessToken: 'u-user-token' };

export const {
	node: feishuNode,
	triggerOptions: feishuTriggerOptions,
	trigger: feishuTrigger,
} = vendorHarnesses({ ActionNode: Feishu, TriggerNode: FeishuTrigger, CredentialType: FeishuApi, credentials: () => tenantWithToken() });

/** The query of every subscription call for a folder: Feishu subscribes a folder to the one event folders have. */
export const FOLDER_QUERY = { file_type: 'folder', event_type: 'file.created_in_folder_v1' };

export const byToken = (value: string): INodeParameterResourceLocator => ({ __rl: true, mode: 'id', value });

// The emulator's Feishu crypto, written from the vendor document independently of the node's code.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const emulatorCrypto = require('../../../dev/emulator/feishu') as {
	encryptPayload: (encryptKey: string, text: string) => string;
	signPayload: (timestamp: string, nonce: string, encryptKey: string, rawBody: Buffer | string) => string;
};

/** Encrypts like Feishu does (the emulator's code, not the node's). */
export const encryptLikeFeishu = (key: string, plaintext: string): string => emulatorCrypto.encryptPayload(key, plaintext);

/** X-Lark-Signature as Feishu computes it (the emulator's code, not the node's). */
export const signLikeFeishu = (timestamp: string, nonce: string, key: string, rawBody: Buffer | string): string =>
	emulatorCrypto.signPayload(timestamp, nonce, key, rawBody);

export function driveEvent(overrides: { eventId?: string; eventType?: string; token?: string; event?: IDataObject } = {}) {
	return {
		schema: '2.0',
		header: {
			event_id: overrides.eventId ?? `evt-${randomBytes(6).toString('hex')}`,
			event_type: overrides.eventType ?? 'drive.file.edit_v1',
			create_time: String(Date.now()),
			token: overrides.token ?? VERIFICATION_TOKEN,
			app_id: APP_ID,
			tenant_key: 'tenant-1',
		},
		event: overrides.event ?? {
			file_type: 'docx',
			file_token: DOCX,
			operator_id_list: [{ open_id: 'ou_1', union_id: 'on_1', user_id: '' }],
			subscriber_id_list: [{ open_id: 'ou_2', union_id: 'on_2', user_id: '' }],
		},
	};
}

/** A delivery as Feishu sends it with an Encrypt Key set: encrypted body, signed raw bytes, fresh timestamp. */
export function signedDelivery(payload: unknown, key = ENCRYPT_KEY, timestamp = String(Math.floor(Date.now() / 1000))) {
	const rawBody = JSON.stringify({ encrypt: encryptLikeFeishu(key, JSON.stringify(payload)) });
	const nonce = randomBytes(8).toString('hex');
	return {
		rawBody,
		body: JSON.parse(rawBody) as IDataObject,
		headers: {
			'content-type': 'application/json',
			'x-lark-request-timestamp': timestamp,
			'x-lark-request-nonce': nonce,
			'x-lark-signature': signLikeFeishu(timestamp, nonce, key, rawBody),
		},
	};
}

export const watching = (files: Array<[string, string]>, events: string[] = ['drive.file.edit_v1']) => ({
	files: { file: files.map(([file, fileType]) => ({ file, fileType })) },
	events,
});
