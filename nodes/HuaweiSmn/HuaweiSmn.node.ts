import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';
import { executePerItem } from '../shared/execute';
import { invalidParameter, requireText } from '../shared/validation';
import {
	addSubscription,
	deleteSubscription,
	getTopic,
	listSubscriptions,
	listTopics,
	listTopicSubscriptions,
	publishMessage,
	SUBSCRIPTION_URN,
} from './api';
import { smnListSearch } from './methods';
import { readPublishBody } from './publish';
import { PROTOCOLS, readNewSubscription, requireRemark } from './subscription';
import { readTopicUrn, topicLocator } from './topic';

const show = (resource: string, operation: string[], extra: IDataObject = {}) => ({
	show: { resource: [resource], operation, ...extra },
});

const returnAllAndLimit = (resource: string, operation: string): INodeProperties[] => [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
		displayOptions: show(resource, [operation]),
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: show(resource, [operation], { returnAll: [false] }),
	},
];

const STATUS_OPTIONS = [
	{ name: 'Unconfirmed', value: 0 },
	{ name: 'Confirmed', value: 1 },
	{ name: 'Confirmation Not Required', value: 2 },
	{ name: 'Unsubscribed', value: 3 },
	{ name: 'Deleted', value: 4 },
];

const robotProtocols = { protocol: ['dingding', 'feishu'] };

export class HuaweiSmn implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Huawei Cloud SMN',
		name: 'huaweiSmn',
		icon: { light: 'file:../../icons/huaweiSmn.svg', dark: 'file:../../icons/huaweiSmn.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Publish messages and manage subscriptions of Huawei Cloud Simple Message Notification topics',
		defaults: { name: 'Huawei Cloud SMN' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'huaweiCloudApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Message', value: 'message' },
					{ name: 'Subscription', value: 'subscription' },
					{ name: 'Topic', value: 'topic' },
				],
				default: 'message',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['message'] } },
				options: [
					{ name: 'Publish', value: 'publish', action: 'Publish a message', description: 'Send a message to every subscriber of a topic' },
				],
				default: 'publish',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['subscription'] } },
				options: [
					{ name: 'Add', value: 'add', action: 'Add a subscription', description: 'Subscribe an endpoint to a topic' },
					{ name: 'Delete', value: 'delete', action: 'Delete a subscription', description: 'Remove a subscription' },
					{ name: 'List', value: 'list', action: 'List subscriptions', description: 'List the subscriptions of a topic or of the project' },
				],
				default: 'add',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['topic'] } },
				options: [
					{ name: 'Get', value: 'get', action: 'Get a topic', description: 'Read the details of a topic' },
					{ name: 'List', value: 'list', action: 'List topics', description: 'List the topics of the project' },
				],
				default: 'list',
			},

			// Message > Publish
			topicLocator(['list', 'urn', 'id'], show('message', ['publish'])),
			{
				displayName: 'Content',
				name: 'content',
				type: 'options',
				options: [
					{ name: 'Message', value: 'message', description: 'The same text for every protocol' },
					{ name: 'Message Structure', value: 'structure', description: 'A JSON object with one text per protocol' },
					{ name: 'Template', value: 'template', description: 'A message template filled with tags' },
				],
				default: 'message',
				displayOptions: show('message', ['publish']),
			},
			{
				displayName: 'Message',
				name: 'message',
				type: 'string',
				typeOptions: { rows: 4 },
				default: '',
				required: true,
				description: 'At most 256 KB of UTF-8',
				displayOptions: show('message', ['publish'], { content: ['message'] }),
			},
			{
				displayName: 'Message Structure',
				name: 'messageStructure',
				type: 'json',
				default: '{\n  "default": "",\n  "email": "",\n  "https": ""\n}',
				required: true,
				description: 'A JSON object with a "default" text and optional texts per protocol (http, https, email, sms, ...)',
				displayOptions: show('message', ['publish'], { content: ['structure'] }),
			},
			{
				displayName: 'Template Name',
				name: 'templateName',
				type: 'string',
				default: '',
				required: true,
				displayOptions: show('message', ['publish'], { content: ['template'] }),
			},
			{
				displayName: 'Template Tags',
				name: 'templateTags',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true },
				default: {},
				placeholder: 'Add Tag',
				description: 'Values for the {tag} placeholders of the template',
				displayOptions: show('message', ['publish'], { content: ['template'] }),
				options: [
					{
						displayName: 'Tag',
						name: 'tag',
						values: [
							{ displayName: 'Name', name: 'name', type: 'string', default: '', description: 'At most 21 characters' },
							{ displayName: 'Value', name: 'value', type: 'string', default: '', description: 'At most 1 KB' },
						],
					},
				],
			},
			{
				displayName: 'Options',
				name: 'publishOptions',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				displayOptions: show('message', ['publish']),
				options: [
					{ displayName: 'Subject', name: 'subject', type: 'string', default: '', description: 'Used as the email subject; at most 512 bytes' },
					{
						displayName: 'Time to Live (Seconds)',
						name: 'timeToLive',
						type: 'number',
						typeOptions: { minValue: 1, maxValue: 86400 },
						default: 3600,
						description: 'How long SMN keeps trying to deliver the message',
					},
				],
			},

			// Subscription > Add
			topicLocator(['list', 'urn', 'id'], show('subscription', ['add'])),
			{
				displayName: 'Protocol',
				name: 'protocol',
				type: 'options',
				options: PROTOCOLS.map(({ name, value, endpoint }) => ({ name, value, description: endpoint })),
				default: 'https',
				displayOptions: show('subscription', ['add']),
			},
			{
				displayName: 'Endpoint',
				name: 'endpoint',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'https://example.com/smn',
				description: 'Where SMN delivers: a URL, email address, phone number, function URN or group, depending on the protocol',
				displayOptions: show('subscription', ['add']),
			},
			{
				displayName: 'Client ID',
				name: 'welinkClientId',
				type: 'string',
				default: '',
				required: true,
				displayOptions: show('subscription', ['add'], { protocol: ['welink'] }),
			},
			{
				displayName: 'Client Secret',
				name: 'welinkClientSecret',
				type: 'string',
				typeOptions: { password: true },
				default: '',
				required: true,
				displayOptions: show('subscription', ['add'], { protocol: ['welink'] }),
			},
			{
				displayName: 'App Key',
				name: 'dingTalkAppKey',
				type: 'string',
				default: '',
				required: true,
				displayOptions: show('subscription', ['add'], { protocol: ['dingTalkBot'] }),
			},
			{
				displayName: 'App Secret',
				name: 'dingTalkAppSecret',
				type: 'string',
				typeOptions: { password: true },
				default: '',
				required: true,
				displayOptions: show('subscription', ['add'], { protocol: ['dingTalkBot'] }),
			},
			{
				displayName: 'Robot Code',
				name: 'dingTalkRobotCode',
				type: 'string',
				default: '',
				required: true,
				displayOptions: show('subscription', ['add'], { protocol: ['dingTalkBot'] }),
			},
			{
				displayName: 'Robot Security',
				name: 'robotSecurity',
				type: 'options',
				options: [
					{ name: 'Keyword', value: 'keyword', description: 'The robot accepts messages containing a keyword' },
					{ name: 'None', value: 'none', description: 'Not accepted for Feishu robots' },
					{ name: 'Sign Secret', value: 'signSecret', description: 'The robot checks a signature' },
				],
				default: 'keyword',
				description: 'The security setting of the group robot; Feishu requires exactly one',
				displayOptions: show('subscription', ['add'], robotProtocols),
			},
			{
				displayName: 'Keyword',
				name: 'robotKeyword',
				type: 'string',
				default: '',
				required: true,
				displayOptions: show('subscription', ['add'], { ...robotProtocols, robotSecurity: ['keyword'] }),
			},
			{
				displayName: 'Sign Secret',
				name: 'robotSignSecret',
				type: 'string',
				typeOptions: { password: true },
				default: '',
				required: true,
				displayOptions: show('subscription', ['add'], { ...robotProtocols, robotSecurity: ['signSecret'] }),
			},
			{
				displayName: 'Options',
				name: 'subscriptionOptions',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				displayOptions: show('subscription', ['add']),
				options: [
					{
						displayName: 'Extension Headers',
						name: 'headers',
						type: 'fixedCollection',
						typeOptions: { multipleValues: true },
						default: {},
						description:
							'HTTP(S) only: up to 10 headers SMN adds to every delivery once the subscription is confirmed. Names start with x- (not x-smn).',
						options: [
							{
								displayName: 'Header',
								name: 'header',
								values: [
									{ displayName: 'Name', name: 'name', type: 'string', default: '', placeholder: 'x-source' },
									{ displayName: 'Value', name: 'value', type: 'string', default: '' },
								],
							},
						],
					},
					{ displayName: 'Remark', name: 'remark', type: 'string', default: '', description: 'At most 128 bytes of UTF-8' },
				],
			},

			// Subscription > Delete
			{
				displayName: 'Subscription URN',
				name: 'subscriptionUrn',
				type: 'string',
				default: '',
				required: true,
				placeholder: 'urn:smn:cn-north-4:0919a0fb38f24ff5b3e8c4a1b2c3d4e5:orders:7b1a2ab5f3b84b6ca2a1f5d4e3c2b1a0',
				displayOptions: show('subscription', ['delete']),
			},

			// Subscription > List
			{
				displayName: 'List',
				name: 'scope',
				type: 'options',
				options: [
					{ name: 'All Subscriptions of the Project', value: 'all' },
					{ name: 'Subscriptions of a Topic', value: 'topic' },
				],
				default: 'topic',
				displayOptions: show('subscription', ['list']),
			},
			topicLocator(['list', 'urn', 'id'], show('subscription', ['list'], { scope: ['topic'] })),
			...returnAllAndLimit('subscription', 'list'),
			{
				displayName: 'Filters',
				name: 'subscriptionFilters',
				type: 'collection',
				placeholder: 'Add Filter',
				default: {},
				displayOptions: show('subscription', ['list']),
				options: [
					{
						displayName: 'Endpoint',
						name: 'endpoint',
						type: 'string',
						default: '',
						description: 'Exact endpoint (all subscriptions of the project only)',
					},
					{
						displayName: 'Protocol',
						name: 'protocol',
						type: 'options',
						options: PROTOCOLS.map(({ name, value }) => ({ name, value })),
						default: 'https',
						description: 'All subscriptions of the project only',
					},
					{ displayName: 'Remark Contains', name: 'fuzzyRemark', type: 'string', default: '' },
					{
						displayName: 'Status',
						name: 'status',
						type: 'options',
						options: STATUS_OPTIONS,
						default: 1,
						description: 'All subscriptions of the project only',
					},
				],
			},

			// Topic > Get / List
			topicLocator(['list', 'urn', 'id'], show('topic', ['get'])),
			...returnAllAndLimit('topic', 'list'),
			{
				displayName: 'Filters',
				name: 'topicFilters',
				type: 'collection',
				placeholder: 'Add Filter',
				default: {},
				displayOptions: show('topic', ['list']),
				options: [
					{ displayName: 'Display Name Contains', name: 'fuzzyDisplayName', type: 'string', default: '' },
					{ displayName: 'Enterprise Project ID', name: 'enterpriseProjectId', type: 'string', default: '' },
					{ displayName: 'Name', name: 'name', type: 'string', default: '', description: 'Exact topic name' },
					{ displayName: 'Name Contains', name: 'fuzzyName', type: 'string', default: '' },
					{ displayName: 'Topic ID', name: 'topicId', type: 'string', default: '' },
				],
			},
		],
	};

	methods = { listSearch: smnListSearch };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const resource = this.getNodeParameter('resource', 0) as string;
		const operation = this.getNodeParameter('operation', 0) as string;
		const readLimit = (itemIndex: number) =>
			this.getNodeParameter('returnAll', itemIndex, false) ? undefined : (this.getNodeParameter('limit', itemIndex, 50) as number);

		return await executePerItem.call(this, async (itemIndex): Promise<IDataObject | IDataObject[]> => {
			if (resource === 'message' && operation === 'publish') {
				const body = readPublishBody(this, itemIndex);
				const topicUrn = await readTopicUrn(this, itemIndex);
				const response = await publishMessage.call(this, topicUrn, body, itemIndex);
				return { topicUrn, messageId: response.message_id as string, requestId: response.request_id as string };
			}
			if (resource === 'subscription' && operation === 'add') {
				const subscription = readNewSubscription(this, itemIndex);
				const topicUrn = await readTopicUrn(this, itemIndex);
				const added = await addSubscription.call(this, topicUrn, subscription, itemIndex);
				return { ...added, topicUrn, protocol: subscription.protocol, endpoint: subscription.endpoint };
			}
			if (resource === 'subscription' && operation === 'delete') {
				const subscriptionUrn = requireText(this, this.getNodeParameter('subscriptionUrn', itemIndex), 'Subscription URN', itemIndex);
				if (!SUBSCRIPTION_URN.test(subscriptionUrn)) {
					throw invalidParameter(
						this,
						'Subscription URN is not valid',
						`"${subscriptionUrn}" should be the topic URN followed by ":" and 32 hexadecimal digits.`,
						itemIndex,
					);
				}
				const existed = await deleteSubscription.call(this, subscriptionUrn, itemIndex);
				return { deleted: true, existed, subscriptionUrn };
			}
			if (resource === 'subscription' && operation === 'list') {
				const filters = this.getNodeParameter('subscriptionFilters', itemIndex, {}) as IDataObject;
				const fuzzyRemark = requireRemark(this, filters.fuzzyRemark, itemIndex);
				const limit = readLimit(itemIndex);
				if (this.getNodeParameter('scope', itemIndex) === 'topic') {
					const onlyForAll = ['endpoint', 'protocol', 'status'].filter((name) => filters[name] !== undefined);
					if (onlyForAll.length > 0) {
						throw invalidParameter(
							this,
							`Filter ${onlyForAll.join(', ')} works only when listing all subscriptions of the project`,
							'SMN filters a topic\'s subscriptions by remark only. Remove the filter or list all subscriptions.',
							itemIndex,
						);
					}
					const topicUrn = await readTopicUrn(this, itemIndex);
					return await listTopicSubscriptions.call(this, topicUrn, { fuzzyRemark }, limit, itemIndex);
				}
				return await listSubscriptions.call(
					this,
					{
						protocol: filters.protocol as string | undefined,
						status: filters.status as number | undefined,
						endpoint: filters.endpoint as string | undefined,
						fuzzyRemark,
					},
					limit,
					itemIndex,
				);
			}
			if (resource === 'topic' && operation === 'get') {
				const topicUrn = await readTopicUrn(this, itemIndex);
				return await getTopic.call(this, topicUrn, itemIndex);
			}
			if (resource === 'topic' && operation === 'list') {
				const filters = this.getNodeParameter('topicFilters', itemIndex, {}) as IDataObject;
				return await listTopics.call(this, filters, readLimit(itemIndex), itemIndex);
			}
			throw invalidParameter(this, `Unsupported operation "${operation}" on "${resource}"`, 'Choose a listed operation.', itemIndex);
		});
	}
}
