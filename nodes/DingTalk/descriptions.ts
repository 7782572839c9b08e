import type { INodeProperties } from 'n8n-workflow';
import { STORAGE_EVENT_TYPES } from './api';

/** Scope, Scope ID and Operator Union ID: the action node and the trigger show the same ones. */
function subscriptionProperties(displayOptions?: INodeProperties['displayOptions']): INodeProperties[] {
	return [
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'options',
			default: 'ORG',
			options: [
				{ name: 'Organization', value: 'ORG', description: 'Every storage change in the organization' },
				{ name: 'Space', value: 'SPACE', description: 'Changes inside one storage space' },
			],
			displayOptions,
		},
		{
			displayName: 'Scope ID',
			name: 'scopeId',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'ding6ccabc44d2c8d38b',
			description:
				'For Organization, the CorpId (shown in the developer console); for Space, the storage space ID (spaceId)',
			displayOptions,
		},
		{
			displayName: 'Operator Union ID',
			name: 'unionId',
			type: 'string',
			default: '',
			required: true,
			description:
				'The unionId of a user allowed to manage storage event subscriptions for this scope (an org admin for Organization). Use the DingTalk node\'s User > Get Union ID to look it up from a user ID.',
			displayOptions,
		},
	];
}

const forStorageEvents = { show: { resource: ['storageEvent'] } };

export const dingTalkProperties: INodeProperties[] = [
	{
		displayName: 'Resource',
		name: 'resource',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Storage Event', value: 'storageEvent' },
			{ name: 'User', value: 'user' },
		],
		default: 'storageEvent',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: forStorageEvents,
		options: [
			{
				name: 'Subscribe',
				value: 'subscribe',
				action: 'Subscribe to storage events',
				description: 'Have DingTalk push file and folder changes in a scope to the app\'s HTTP push URL',
			},
			{
				name: 'Unsubscribe',
				value: 'unsubscribe',
				action: 'Unsubscribe from storage events',
				description: 'Stop the pushes for a scope',
			},
		],
		default: 'subscribe',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['user'] } },
		options: [
			{
				name: 'Get Union ID',
				value: 'getUnionId',
				action: 'Get a user s union ID',
				description: 'Look up the unionId of a user from their user ID (userid)',
			},
		],
		default: 'getUnionId',
	},
	...subscriptionProperties(forStorageEvents),
	{
		displayName: 'User ID',
		name: 'userId',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'manager4220',
		description: 'The userid of the member in the organization (admin console, Contacts)',
		displayOptions: { show: { resource: ['user'], operation: ['getUnionId'] } },
	},
];

const eventTypeOptions = STORAGE_EVENT_TYPES.map((value) => ({
	name: {
		storage_dentry_create: 'File or Folder Created',
		storage_dentry_update: 'File or Folder Updated',
		storage_dentry_delete: 'File or Folder Deleted',
	}[value],
	value,
}));

/** Scope, Scope ID, Operator Union ID and Events: the same in both triggers. */
const storageEventTriggerProperties: INodeProperties[] = [
	...subscriptionProperties(),
	{
		displayName: 'Events',
		name: 'events',
		type: 'multiOptions',
		options: eventTypeOptions,
		default: [...STORAGE_EVENT_TYPES],
		required: true,
		description: 'Which changes start the workflow; other events are acknowledged and dropped',
	},
];

export const dingTalkTriggerProperties: INodeProperties[] = [
	{
		displayName:
			'DingTalk pushes every event of an app to one URL, set by hand: paste this node\'s Production URL (above) into the developer console under Event Subscription > HTTP Push, with the same Token and AES Key as the credential, and turn on the storage events switch. On activation this trigger subscribes the scope; on deactivation it unsubscribes it. "Listen for test event" subscribes too but never unsubscribes, and receives pushes only while the console points at the Test URL.',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	...storageEventTriggerProperties,
];

export const dingTalkStreamTriggerProperties: INodeProperties[] = [
	{
		displayName:
			'No public URL needed: this trigger connects out to DingTalk. In the developer console set the app\'s Event Subscription to Stream mode (Stream 模式推送) and turn on the storage events switch. DingTalk gives each event to one of the app\'s connections, so it is received once: run one Stream trigger per app. In queue mode it runs on the main instance. Needs n8n on Node.js 22 or newer. On activation it subscribes the scope and opens the connection; on deactivation it closes it and unsubscribes. "Listen for test event" subscribes too but never unsubscribes, and leaves each event it shows to be delivered again to the app\'s active workflow.',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	...storageEventTriggerProperties,
];
