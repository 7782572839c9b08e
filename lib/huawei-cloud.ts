import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

/**
 * What the Huawei Cloud credential and the SMN nodes both need to know: the regions, their domains and
 * default endpoints, and where a credential keeps its authentication method and project.
 */

/** Region ids of the Huawei Cloud Node SDK's SmnRegion list (see README, Huawei Cloud SMN). */
export const HUAWEI_REGIONS = [
	'af-north-1',
	'af-south-1',
	'ae-ad-1',
	'ap-southeast-1',
	'ap-southeast-2',
	'ap-southeast-3',
	'ap-southeast-4',
	'ap-southeast-5',
	'cn-east-2',
	'cn-east-3',
	'cn-east-4',
	'cn-east-5',
	'cn-north-1',
	'cn-north-2',
	'cn-north-4',
	'cn-north-9',
	'cn-north-11',
	'cn-north-12',
	'cn-south-1',
	'cn-south-2',
	'cn-south-4',
	'cn-southwest-2',
	'cn-southwest-3',
	'eu-west-0',
	'eu-west-101',
	'la-north-2',
	'la-south-2',
	'me-east-1',
	'my-kualalumpur-1',
	'na-mexico-1',
	'ru-moscow-1',
	'sa-brazil-1',
	'tr-west-1',
] as const;

export const DEFAULT_REGION = 'cn-north-4';

const DEFAULT_DOMAIN = 'myhuaweicloud.com';

/** Two regions live outside myhuaweicloud.com. */
const DOMAIN_EXCEPTIONS: Record<string, string> = {
	'cn-north-2': 'myhuaweicloud.cn',
	'eu-west-101': 'myhuaweicloud.eu',
};

export function huaweiDomain(region: string): string {
	return DOMAIN_EXCEPTIONS[region] ?? DEFAULT_DOMAIN;
}

/**
 * `.` and the domain of a region, as an n8n expression over `region` (an expression itself, e.g.
 * `$credentials.region`), for what n8n evaluates without running the pack's code: a credential's test
 * request. Built from the same exceptions as huaweiDomain, so the two cannot disagree.
 */
export function huaweiDomainSuffixExpression(region: string): string {
	return Object.entries(DOMAIN_EXCEPTIONS).reduceRight(
		(otherwise, [exception, domain]) => `${region} === ${JSON.stringify(exception)} ? ".${domain}" : ${otherwise}`,
		JSON.stringify(`.${DEFAULT_DOMAIN}`),
	);
}

export function smnHostFor(region: string): string {
	return `smn.${region}.${huaweiDomain(region)}`;
}

/** The SMN hosts a region may be served from; certificates and confirmation links are pinned to these. */
export function smnHostFamily(region: string): string[] {
	return [DEFAULT_DOMAIN, ...Object.values(DOMAIN_EXCEPTIONS)].map((domain) => `smn.${region}.${domain}`);
}

export function defaultSmnEndpoint(region: string): string {
	return `https://${smnHostFor(region)}`;
}

/** Only eu-west-101 is documented to use another IAM domain; cn-north-2 follows the SMN exception (ASSUMED). */
export function defaultIamEndpoint(region: string): string {
	return `https://iam.${region}.${huaweiDomain(region)}`;
}

/** Request paths hold this placeholder; it is replaced once the project id is known (after sign-in). */
export const PROJECT_ID_PLACEHOLDER = '{project_id}';

export type HuaweiAuthType = 'password' | 'token' | 'aksk';

export function authTypeOf(credentials: ICredentialDataDecryptedObject): HuaweiAuthType {
	return (credentials.authType ?? 'password') as HuaweiAuthType;
}

export function smnEndpointOf(credentials: ICredentialDataDecryptedObject): string {
	const override = String(credentials.smnEndpoint ?? '').trim();
	return (override || defaultSmnEndpoint(String(credentials.region || DEFAULT_REGION))).replace(/\/+$/, '');
}

export function iamEndpointOf(credentials: ICredentialDataDecryptedObject): string {
	const override = String(credentials.iamEndpoint ?? '').trim();
	return (override || defaultIamEndpoint(String(credentials.region || DEFAULT_REGION))).replace(/\/+$/, '');
}

export function projectIdOf(credentials: ICredentialDataDecryptedObject): string {
	return String(credentials.projectId || credentials.sessionProjectId || '').trim();
}
