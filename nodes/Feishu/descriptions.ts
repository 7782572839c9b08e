import type { INodeCredentialDescription, INodeProperties, INodePropertyOptions } from 'n8n-workflow';
import {
	APP_AUTHENTICATION,
	APP_CREDENTIAL_TYPE,
	USER_SIGN_IN_AUTHENTICATION,
	USER_SIGN_IN_CREDENTIAL_TYPE,
} from '../../lib/feishu';
import { FOLDER_EVENT } from './api';
import { FILE_URL_REGEX } from './params';

const fileTypeOptions: INodePropertyOptions[] = [
	{ name: 'Base (Bitable)', value: 'bitable' },
	{ name: 'Doc (Legacy)', value: 'doc' },
	{ name: 'Docx', value: 'docx' },
	{ name: 'File (Uploaded)', value: 'file' },
	{ name: 'Folder', value: 'folder' },
	{ name: 'Sheet', value: 'sheet' },
	{ name: 'Slides', value: 'slides' },
];

/** The drive file events Feishu delivers for subscribed files and folders (schema 2.0 header.event_type). */
const driveEventOptions: INodePropertyOptions[] = [
	{ name: 'Access Requested', value: 'drive.file.permission_member_applied_v1' },
	{ name: 'Base Field Changed', value: 'drive.file.bitable_field_changed_v1' },
	{ name: 'Base Record Changed', value: 'drive.file.bitable_record_changed_v1' },
	{ name: 'Collaborator Added', value: 'drive.file.permission_member_added_v1' },
	{ name: 'Collaborator Removed', value: 'drive.file.permission_member_removed_v1' },
	{ name: 'File Created in Folder', value: FOLDER_EVENT },
	{ name: 'File Deleted', value: 'drive.file.deleted_v1' },
	{ name: 'File Edited', value: 'drive.file.edit_v1' },
	{ name: 'File Moved to Trash', value: 'drive.file.trashed_v1' },
	{ name: 'File Read', value: 'drive.file.read_v1' },
	{ name: 'Title Updated', value: 'drive.file.title_updated_v1' },
];

/** Which identity the node acts as; a node saved before the choice existed has none and acts as the app. */
const authenticationProperty: INodeProperties = {
	displayName: 'Authentication',
	name: 'authentication',
	type: 'options',
	noDataExpression: true,
	options: [
		{
			name: 'App (Tenant Access Token)',
			value: APP_AUTHENTICATION,
			description:
				'A Feishu / Lark API credential: acts as the app, which reaches the files it was added to (or as the user whose token is pasted there)',
		},
		{
			name: 'User (Sign In with Feishu)',
			value: USER_SIGN_IN_AUTHENTICATION,
			description: 'Acts as the signed-in user: reaches the files that user owns or manages',
		},
	],
	default: APP_AUTHENTICATION,
};

/** The credential each Authentication option uses. */
export const feishuCredentials: INodeCredentialDescription[] = [
	{ name: APP_CREDENTIAL_TYPE, required: true, displayOptions: { show: { authentication: [APP_AUTHENTICATION] } } },
	{
		name: USER_SIGN_IN_CREDENTIAL_TYPE,
		required: true,
		displayOptions: { show: { authentication: [USER_SIGN_IN_AUTHENTICATION] } },
	},
];

export const feishuProperties: INodeProperties[] = [
	authenticationProperty,
	{
		displayName: 'Resource',
		name: 'resource',
		type: 'options',
		noDataExpression: true,
		options: [{ name: 'File Subscription', value: 'fileSubscription' }],
		default: 'fileSubscription',
	},
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['fileSubscription'] } },
		options: [
			{
				name: 'Get Status',
				value: 'getStatus',
				action: 'Get the subscription status of a file',
				description: 'Tell whether the file is subscribed (Feishu allows 10 calls per minute)',
			},
			{
				name: 'Subscribe',
				value: 'subscribe',
				action: 'Subscribe to a file s events',
				description: 'Have Feishu send the file\'s events to the app\'s request URL',
			},
			{
				name: 'Unsubscribe',
				value: 'unsubscribe',
				action: 'Unsubscribe from a file s events',
				description: 'Stop all events of the file (Feishu allows 10 calls per minute)',
			},
		],
		default: 'subscribe',
	},
	{
		displayName: 'File',
		name: 'file',
		type: 'resourceLocator',
		default: { mode: 'id', value: '' },
		required: true,
		description: 'The file or folder, owned or managed by the app (tenant token) or by the user (user token)',
		displayOptions: { show: { resource: ['fileSubscription'] } },
		modes: [
			{
				displayName: 'By Token',
				name: 'id',
				type: 'string',
				placeholder: 'doxcnAbCdEfGh1234567890',
				validation: [
					{
						type: 'regex',
						properties: { regex: '^[A-Za-z0-9_-]+$', errorMessage: 'A file token has only letters, digits, _ and -' },
					},
				],
			},
			{
				displayName: 'By URL',
				name: 'url',
				type: 'string',
				placeholder: 'https://example.feishu.cn/docx/doxcnAbCdEfGh1234567890',
				extractValue: { type: 'regex', regex: FILE_URL_REGEX },
				validation: [
					{ type: 'regex', properties: { regex: FILE_URL_REGEX, errorMessage: 'Paste the link of a Feishu or Lark file or folder' } },
				],
			},
		],
	},
	{
		displayName: 'File Type',
		name: 'fileType',
		type: 'options',
		options: fileTypeOptions,
		default: 'docx',
		description:
			'A folder is subscribed to "file created in folder" events only; every other type to all of its events',
		displayOptions: { show: { resource: ['fileSubscription'] } },
	},
];

/** What both triggers watch: the files and folders they subscribe, and the events that start the workflow. */
const watchedFilesProperties: INodeProperties[] = [
	{
		displayName: 'Files and Folders',
		name: 'files',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add File or Folder',
		default: {},
		required: true,
		options: [
			{
				displayName: 'File',
				name: 'file',
				values: [
					{
						displayName: 'File',
						name: 'file',
						type: 'string',
						default: '',
						required: true,
						placeholder: 'https://example.feishu.cn/docx/doxcnAbCdEfGh1234567890',
						description: 'The token of a file or folder the app manages, or its link (the token is the last part of the link)',
					},
					{
						displayName: 'File Type',
						name: 'fileType',
						type: 'options',
						options: fileTypeOptions,
						default: 'docx',
						description: 'A folder reports only files created in it',
					},
				],
			},
		],
	},
	{
		displayName: 'Events',
		name: 'events',
		type: 'multiOptions',
		options: driveEventOptions,
		default: ['drive.file.edit_v1'],
		required: true,
		description: 'The events that start the workflow; others are acknowledged and dropped',
	},
];

export const feishuTriggerProperties: INodeProperties[] = [
	authenticationProperty,
	{
		displayName:
			'Feishu sends all of an app\'s events to one request URL that only the developer console can set: paste this trigger\'s Production URL (shown above) once under Events & Callbacks > Event Configuration, and add the drive events there. On activation the trigger subscribes the files below and on deactivation unsubscribes exactly those. "Listen for test event" subscribes only files that are not subscribed yet, and unsubscribes them when it stops.',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	...watchedFilesProperties,
];

export const feishuLongConnectionTriggerProperties: INodeProperties[] = [
	authenticationProperty,
	{
		displayName:
			'Receives the app\'s events over a long connection that this trigger opens to Feishu, so n8n needs no public URL. In the developer console, under Events & Callbacks, choose "Receive events through persistent connection" (使用长连接接收事件) and add the drive events. Only self-built apps can use it. Feishu gives each event to one of the app\'s connections (at most 50 per app), so run one such trigger per app. In queue mode it runs on the main instance. Needs n8n on Node.js 22 or newer. On activation it subscribes the files below and on deactivation unsubscribes exactly those.',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	...watchedFilesProperties,
];
