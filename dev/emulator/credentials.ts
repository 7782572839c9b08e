/**
 * The credential of each vendor that points at its emulator: one definition, used by `npm start`, the
 * end-to-end suites (created in a real n8n) and the reliability suites (handed to the node harness).
 */
import type { DingTalkEmulator } from './dingtalk';
import type { FeishuEmulator } from './feishu';
import type { KdocsEmulator } from './kdocs';
import type { RunningEmulator } from './server';
import type { SmnEmulator } from './smn';

export interface EmulatorCredential {
	name: string;
	type: string;
	data: Record<string, string>;
}

export function dingTalkEmulatorCredential(emulator: RunningEmulator<DingTalkEmulator>): EmulatorCredential {
	return {
		name: 'DingTalk (emulator)',
		type: 'dingTalkApi',
		data: {
			baseUrl: 'custom',
			customBaseUrl: emulator.url,
			legacyBaseUrl: emulator.url,
			authentication: 'appCredentials',
			appKey: emulator.vendor.appKey,
			appSecret: emulator.vendor.appSecret,
			callbackToken: emulator.vendor.callbackToken,
			aesSecretKey: emulator.vendor.aesKey,
			corpId: emulator.vendor.corpId,
		},
	};
}

export function feishuEmulatorCredential(emulator: RunningEmulator<FeishuEmulator>): EmulatorCredential {
	return {
		name: 'Feishu (emulator)',
		type: 'feishuApi',
		data: {
			host: 'custom',
			baseUrl: emulator.url,
			authentication: 'tenantToken',
			appId: emulator.vendor.appId,
			appSecret: emulator.vendor.appSecret,
			verificationToken: emulator.vendor.verificationToken,
			encryptSecret: emulator.vendor.encryptKey,
		},
	};
}

/**
 * The Feishu user sign-in pointing at the emulator: the app's id and secret as the OAuth2 client. It holds
 * no token: the sign-in (n8n's OAuth2 flow against the emulator's authorize page) obtains oauthTokenData.
 */
export function feishuSignInEmulatorCredential(emulator: RunningEmulator<FeishuEmulator>): EmulatorCredential {
	return {
		name: 'Feishu user sign-in (emulator)',
		type: 'feishuOAuth2Api',
		data: {
			host: 'custom',
			baseUrl: emulator.url,
			clientId: emulator.vendor.appId,
			clientSecret: emulator.vendor.appSecret,
			verificationToken: emulator.vendor.verificationToken,
			encryptSecret: emulator.vendor.encryptKey,
		},
	};
}

export function kdocsEmulatorCredential(emulator: RunningEmulator<KdocsEmulator>): EmulatorCredential {
	return {
		name: 'Kdocs (emulator)',
		type: 'kdocsApi',
		data: { baseUrl: emulator.url, accessToken: emulator.vendor.accessToken },
	};
}

export function smnEmulatorCredential(emulator: RunningEmulator<SmnEmulator>): EmulatorCredential {
	return {
		name: 'Huawei Cloud (emulator)',
		type: 'huaweiCloudApi',
		data: {
			region: emulator.vendor.region,
			authType: 'password',
			userName: emulator.vendor.users[0].name,
			password: emulator.vendor.users[0].password,
			domainName: emulator.vendor.domainName,
			smnEndpoint: emulator.url,
			iamEndpoint: emulator.url,
		},
	};
}
