import { randomBytes } from 'node:crypto';
import nock from 'nock';
import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';
import { HuaweiCloudApi } from '../../../credentials/HuaweiCloudApi.credentials';
import { HuaweiSmn } from '../../../nodes/HuaweiSmn/HuaweiSmn.node';
import { HuaweiSmnTrigger } from '../../../nodes/HuaweiSmn/HuaweiSmnTrigger.node';
import { vendorHarnesses } from '../../harness/vendor-harnesses';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const smnCrypto = require('../../../dev/emulator/smn-crypto') as {
	createSelfSignedCertificate(options?: IDataObject): { pem: string; privateKey: unknown; publicKey: unknown; digest: string };
	signSmnMessage(message: IDataObject, privateKey: unknown, digest?: string): string;
	smnStringToSign(message: IDataObject): string;
	checkGatewaySignature(
		request: { method: string; path: string; query: IDataObject; headers: IDataObject; body: Buffer },
		keys: Record<string, string>,
	): string | undefined;
};
export { smnCrypto };

export const REGION = 'cn-north-4';
export const PROJECT = '0919a0fb38f24ff5b3e8c4a1b2c3d4e5';
export const SMN = `https://smn.${REGION}.myhuaweicloud.com`;
export const IAM = `https://iam.${REGION}.myhuaweicloud.com`;
export const TOPIC = `urn:smn:${REGION}:${PROJECT}:orders`;
export const SUBSCRIPTION = `${TOPIC}:7b1a2ab5f3b84b6ca2a1f5d4e3c2b1a0`;
export const TOKEN = 'MIIsession-token-1';
export const V2 = `/v2/${PROJECT}/notifications`;

/** A password credential that already holds a live session (no IAM call needed). */
export const signedIn: ICredentialDataDecryptedObject = {
	region: REGION,
	authType: 'password',
	userName: 'n8n-smn',
	password: 'pw',
	domainName: 'acme',
	sessionToken: TOKEN,
	sessionExpiresAt: Date.now() + 10 * 60 * 60 * 1000,
	sessionProjectId: PROJECT,
};

export const urnLocator = (value = TOPIC) => ({ __rl: true, mode: 'urn', value });

export const {
	node: smnNode,
	triggerOptions: smnTriggerOptions,
	trigger: smnTrigger,
} = vendorHarnesses({ ActionNode: HuaweiSmn, TriggerNode: HuaweiSmnTrigger, CredentialType: HuaweiCloudApi, credentials: () => signedIn, triggerParameters: () => ({ topic: urnLocator() }) });

export const certificateName = () => `SMN_${REGION}_${randomBytes(16).toString('hex')}.pem`;

export const smnTimestamp = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The console link a subscription confirmation carries for the trigger to follow. */
export const CONFIRM_URL = `https://console.huaweicloud.com/smn/subscription/confirm?token=tok123&topic_urn=${encodeURIComponent(TOPIC)}&region=${REGION}`;

export type SmnCertificate = ReturnType<typeof smnCrypto.createSelfSignedCertificate>;

/**
 * SMN's certificate for the region (its key signs the genuine messages) and a forger's. RSA key
 * generation is slow on a busy machine: tests make them once, in a beforeAll with a generous timeout.
 */
export function createSigningCertificates(): { current: SmnCertificate; stranger: SmnCertificate } {
	return {
		current: smnCrypto.createSelfSignedCertificate({ commonName: `smn.${REGION}.myhuaweicloud.com` }),
		stranger: smnCrypto.createSelfSignedCertificate({ commonName: 'forger.example' }),
	};
}

export interface SignedMessage {
	body: IDataObject;
	certificateUrl: string;
	certificatePath: string;
}

export interface SigningOptions {
	key: SmnCertificate;
	/** Where the message says its certificate is; SMN's trusted origin unless given. */
	origin?: string;
	name?: string;
}

let signedMessages = 0;

/**
 * A message signed like SMN signs it (with the emulator's signer, not the node's code), naming its
 * certificate under a fresh URL unless `name` is given, so that nothing is cached. A field given as
 * undefined is left out of the message.
 */
export function signedSmnMessage(
	fields: IDataObject,
	{ key, origin = SMN, name = certificateName() }: SigningOptions,
): SignedMessage {
	const certificatePath = `/smn/${name}`;
	const certificateUrl = `${origin}${certificatePath}`;
	const message: IDataObject = {
		type: 'Notification',
		topic_urn: TOPIC,
		message_id: `m-${++signedMessages}-${Math.random().toString(16).slice(2)}`,
		message: '{"order":42,"status":"shipped"}',
		subject: 'Order update',
		timestamp: smnTimestamp(),
		signing_cert_url: certificateUrl,
		signature_version: 'v1',
		...fields,
	};
	for (const field of Object.keys(message)) if (message[field] === undefined) delete message[field];
	message.signature = smnCrypto.signSmnMessage(message, key.privateKey, key.digest);
	return { body: message, certificateUrl, certificatePath };
}

/** Asserts that an interceptor for a URL that must not be fetched stayed untouched, then removes it. */
export function expectUntouched(scope: nock.Scope) {
	expect(scope.isDone()).toBe(false);
	nock.cleanAll();
}
