import type { IDataObject, INodeProperties } from 'n8n-workflow';
import { PROTOCOLS, TOPIC_ID, TOPIC_URN } from './api';
import { DEFAULT_REPLAY_WINDOW_MINUTES } from './params';

type TopicMode = 'list' | 'urn' | 'id';

/** The topic picker; the trigger leaves out "By ID" because its webhook() must not call the API to resolve it. */
function topicLocator(modes: TopicMode[], displayOptions?: INodeProperties['displayOptions']): INodeProperties {
	const property: INodeProperties = {
		displayName: 'Topic',
		name: 'topic',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: true,
		description: 'The SMN topic',
		displayOptions,
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				typeOptions: { searchListMethod: 'searchTopics', searchable: true },
			},
			{
				displayName: 'By URN',
				name: 'urn',
				type: 'string',
				placeholder: 'urn:smn:cn-north-4:0919a0fb38f24ff5b3e8c4a1b2c3d4e5:orders',
				validation: [
					{
						type: 'regex',
						properties: {
							regex: TOPIC_URN.source,
							errorMessage: 'A topic URN looks like urn:smn:<region>:<project ID>:<topic name>',
						},
					},
				],
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: '84698185946d44d08431aa441d8e2cf2',
				validation: [
					{ type: 'regex', properties: { regex: TOPIC_ID.source, errorMessage: 'A topic ID has 32 hexadecimal digits' } },
				],
			},
		],
	};
	return { ...property, modes: property.modes?.filter((mode) => modes.includes(mode.name as TopicMode)) };
}

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

export const huaweiSmnProperties: INodeProperties[] = [
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
];

export const huaweiSmnTriggerProperties: INodeProperties[] = [
	{
		displayName:
			'On activation this trigger subscribes its own URL to the topic, confirms the subscription, and deletes it on deactivation. SMN only delivers to public addresses, and every "Listen for test event" subscribes and removes a test URL.',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	topicLocator(['list', 'urn']),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Replay Window (Minutes)',
				name: 'replayWindowMinutes',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 1440 },
				default: DEFAULT_REPLAY_WINDOW_MINUTES,
				description:
					'Messages whose SMN timestamp (the time of the first delivery attempt) is further away than this are rejected. SMN retries failed deliveries later, so keep it generous.',
			},
		],
	},
];
