import { KdocsApi } from '../../../credentials/KdocsApi.credentials';
import { Kdocs } from '../../../nodes/Kdocs/Kdocs.node';
import { KdocsTrigger } from '../../../nodes/Kdocs/KdocsTrigger.node';
import { NodeHarness, type HarnessOptions } from '../../harness/node-harness';
import type { ICredentialDataDecryptedObject, IDataObject, INodeParameters } from 'n8n-workflow';

export const BASE = 'https://developer.kdocs.cn';
export const FILE = 'wfoKKYzWR2jyxMHCFVuBxa42RSf8tpndOUeHQQzryfI';
export const TOKEN = 'user-token-1';

export const pastedToken = { accessToken: TOKEN };
export const refreshable = { appId: 'app-1', appSecretKey: 'app-key-1', refreshToken: 'refresh-1' };

export function kdocsNode(parameters: INodeParameters, credentials: ICredentialDataDecryptedObject = pastedToken, continueOnFail = false) {
	return new NodeHarness({
		nodeType: new Kdocs(),
		credentialTypes: { kdocsApi: new KdocsApi() },
		credentials: { kdocsApi: credentials },
		parameters,
		continueOnFail,
	});
}

export function kdocsTriggerOptions(
	parameters: INodeParameters,
	staticData: IDataObject = {},
	credentials: ICredentialDataDecryptedObject = pastedToken,
): HarnessOptions {
	return {
		nodeType: new KdocsTrigger(),
		credentialTypes: { kdocsApi: new KdocsApi() },
		credentials: { kdocsApi: credentials },
		parameters,
		staticData: staticData ? { 'node:Kdocs Trigger': staticData } : undefined,
	};
}

export function kdocsTrigger(parameters: INodeParameters, staticData: IDataObject = {}, credentials: ICredentialDataDecryptedObject = pastedToken) {
	return new NodeHarness(kdocsTriggerOptions(parameters, staticData, credentials));
}

export const fileLocator = (value = FILE) => ({ __rl: true, mode: 'id', value });
export const sheetLocator = (value = '1') => ({ __rl: true, mode: 'id', value });
