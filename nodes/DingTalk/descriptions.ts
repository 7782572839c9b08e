import type { INodeProperties } from 'n8n-workflow';
import { STORAGE_EVENT_TYPES } from './api';

/** Scope, Scope ID and Operator Union ID: the action node and the trigger show the same ones. */
export function subscriptionProperties(displayOptions?: INodeProperties['displayOptions']): INodeProperties[] {
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

export const eventTypeOptions = STORAGE_EVENT_TYPES.map((value) => ({
	name: {
		storage_dentry_create: 'File or Folder Created',
		storage_dentry_update: 'File or Folder Updated',
		storage_dentry_delete: 'File or Folder Deleted',
	}[value],
	value,
}));
