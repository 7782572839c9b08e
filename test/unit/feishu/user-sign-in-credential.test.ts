/**
 * The user sign-in credential's hidden OAuth2 URLs, resolved the way n8n resolves a credential's
 * defaults ($self is the credential's own data): the sign-in page on the accounts host, the token
 * endpoint on the OpenAPI host, and one custom base URL for both.
 */
import { Workflow, type INode, type INodeType } from 'n8n-workflow';
import { FeishuOAuth2Api } from '../../../credentials/FeishuOAuth2Api.credentials';

const credential = new FeishuOAuth2Api();
const defaultOf = (name: string) => String(credential.properties.find((property) => property.name === name)?.default);

const node: INode = { id: 'n', name: 'Feishu', type: 'feishu', typeVersion: 1, position: [0, 0], parameters: {} };
const nodeType = { description: { properties: [] } } as unknown as INodeType;
const workflow = new Workflow({
	nodes: [node],
	connections: {},
	active: false,
	nodeTypes: { getByName: () => nodeType, getByNameAndVersion: () => nodeType, getKnownTypes: () => ({}) },
});
const resolve = (name: string, data: Record<string, string>) =>
	workflow.expression.getSimpleParameterValue(node, defaultOf(name), 'internal', { $self: data });

describe('Feishu user sign-in credential', () => {
	it.each([
		[{ host: 'https://open.feishu.cn' }, 'https://accounts.feishu.cn/open-apis/authen/v1/authorize', 'https://open.feishu.cn/open-apis/authen/v2/oauth/token'],
		[{ host: 'https://open.larksuite.com' }, 'https://accounts.larksuite.com/open-apis/authen/v1/authorize', 'https://open.larksuite.com/open-apis/authen/v2/oauth/token'],
		[{ host: 'custom', baseUrl: 'http://127.0.0.1:4000' }, 'http://127.0.0.1:4000/open-apis/authen/v1/authorize', 'http://127.0.0.1:4000/open-apis/authen/v2/oauth/token'],
	])('for %o signs in at %s and exchanges the code at %s', (data, authUrl, accessTokenUrl) => {
		expect(resolve('authUrl', data)).toBe(authUrl);
		expect(resolve('accessTokenUrl', data)).toBe(accessTokenUrl);
	});

	it('is an authorization-code OAuth2 credential that asks for offline_access and sends the client secret in the body', () => {
		expect(credential.extends).toEqual(['oAuth2Api']);
		expect(defaultOf('grantType')).toBe('authorizationCode');
		expect(defaultOf('scope').split(' ')).toContain('offline_access');
		expect(defaultOf('authentication')).toBe('body');
	});
});
