import { KdocsApi } from '../../../credentials/KdocsApi.credentials';
import { Kdocs } from '../../../nodes/Kdocs/Kdocs.node';
import { KdocsTrigger } from '../../../nodes/Kdocs/KdocsTrigger.node';
import { vendorHarnesses } from '../../harness/vendor-harnesses';

export const BASE = 'https://developer.kdocs.cn';
export const FILE = 'wfoKKYzWR2jyxMHCFVuBxa42RSf8tpndOUeHQQzryfI';
export const TOKEN = 'user-token-1';

export const pastedToken = { accessToken: TOKEN };
export const refreshable = { appId: 'app-1', appSecretKey: 'app-key-1', refreshToken: 'refresh-1' };

export const {
	node: kdocsNode,
	triggerOptions: kdocsTriggerOptions,
	trigger: kdocsTrigger,
} = vendorHarnesses({ ActionNode: Kdocs, TriggerNode: KdocsTrigger, CredentialType: KdocsApi, credentials: () => pastedToken });

export const fileLocator = (value = FILE) => ({ __rl: true, mode: 'id', value });
export const sheetLocator = (value = '1') => ({ __rl: true, mode: 'id', value });
