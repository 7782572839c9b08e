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

/** Two regions live outside myhuaweicloud.com. */
const DOMAIN_EXCEPTIONS: Record<string, string> = {
	'cn-north-2': 'myhuaweicloud.cn',
	'eu-west-101': 'myhuaweicloud.eu',
};

export function huaweiDomain(region: string): string {
	return DOMAIN_EXCEPTIONS[region] ?? 'myhuaweicloud.com';
}

export function smnHostFor(region: string): string {
	return `smn.${region}.${huaweiDomain(region)}`;
}

/** The SMN hosts a region may be served from; certificates and confirmation links are pinned to these. */
export function smnHostFamily(region: string): string[] {
	return ['myhuaweicloud.com', 'myhuaweicloud.cn', 'myhuaweicloud.eu'].map((domain) => `smn.${region}.${domain}`);
}

export function defaultSmnEndpoint(region: string): string {
	return `https://${smnHostFor(region)}`;
}

/** Only eu-west-101 is documented to use another IAM domain; cn-north-2 follows the SMN exception (ASSUMED). */
export function defaultIamEndpoint(region: string): string {
	return `https://iam.${region}.${huaweiDomain(region)}`;
}
