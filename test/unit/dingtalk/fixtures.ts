import type { ICredentialDataDecryptedObject, IDataObject, INodeParameters } from 'n8n-workflow';
import { DingTalkApi } from '../../../credentials/DingTalkApi.credentials';
import { DingTalk } from '../../../nodes/DingTalk/DingTalk.node';
import { DingTalkTrigger } from '../../../nodes/DingTalk/DingTalkTrigger.node';
import { vendorHarnesses } from '../../harness/vendor-harnesses';

// The emulator's DingTalk crypto, written from the vendor document independently of the node's code.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const emulatorCrypto = require('../../../dev/emulator/dingtalk') as {
	sign: (token: string, timestamp: string, nonce: string, encrypt: string) => string;
	encrypt: (aesKey: string, text: string, ownerKey: string) => string;
	decrypt: (aesKey: string, encrypted: string) => { text: string; ownerKey: string };
};
export const { sign: signLikeDingTalk, encrypt: encryptLikeDingTalk, decrypt: decryptLikeDingTalk } = emulatorCrypto;

export const BASE = 'https://api.dingtalk.com';
export const LEGACY = 'https://oapi.dingtalk.com';
export const APP_KEY = 'dingappkey0000000001';
export const APP_SECRET = 'app-secret-1';
export const CORP_ID = 'ding6ccabc44d2c8d38b';
export const CALLBACK_TOKEN = 'mryue';
export const AES_KEY = 'Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7';
export const UNION_ID = 'iPiSnoUnion00001';
export const TOKEN = 'fresh-token-1';

const callbackFields = { callbackToken: CALLBACK_TOKEN, aesSecretKey: AES_KEY, corpId: CORP_ID };

export const appCredentials: ICredentialDataDecryptedObject = {
	authentication: 'appCredentials',
	appKey: APP_KEY,
	appSecret: APP_SECRET,
	...callbackFields,
};

export const pastedToken: ICredentialDataDecryptedObject = {
	authentication: 'accessToken',
	appKey: APP_KEY,
	accessToken: 'pasted-token',
	...callbackFields,
};

export const triggerParameters = (extra: INodeParameters = {}): INodeParameters => ({
	scope: 'ORG',
	scopeId: CORP_ID,
	unionId: UNION_ID,
	events: ['storage_dentry_create', 'storage_dentry_update', 'storage_dentry_delete'],
	...extra,
});

export const {
	node: dingTalkNode,
	triggerOptions: dingTalkTriggerOptions,
	trigger: dingTalkTrigger,
} = vendorHarnesses({ ActionNode: DingTalk, TriggerNode: DingTalkTrigger, CredentialType: DingTalkApi, credentials: () => appCredentials, triggerParameters });

/** A push as DingTalk sends it: encrypted body, signature, a current timestamp and nonce in the query. */
export function signedPush(
	payload: IDataObject | string,
	{ ownerKey = APP_KEY, token = CALLBACK_TOKEN, timestamp = String(Date.now()), nonce = 'nonce123' } = {},
) {
	const encrypt = encryptLikeDingTalk(AES_KEY, typeof payload === 'string' ? payload : JSON.stringify(payload), ownerKey);
	return {
		body: { encrypt },
		query: { msg_signature: signLikeDingTalk(token, timestamp, nonce, encrypt), timestamp, nonce },
	};
}

export const updateEvent = (eventId = 'event-1'): IDataObject => ({
	EventType: 'storage_dentry_update',
	EventTime: 1700000000000,
	CorpId: CORP_ID,
	BizId: `biz-${eventId}`,
	eventId,
	spaceId: '123456',
	dentryId: '987654',
	eventScope: 'ORG',
	eventScopeId: CORP_ID,
	extension: 'pdf',
	unionId: UNION_ID,
	type: 'FILE',
});
