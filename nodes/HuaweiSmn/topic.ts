import type { IExecuteFunctions, IHookFunctions, INodeProperties, IWebhookFunctions } from 'n8n-workflow';
import { invalidParameter, requireText } from '../shared/validation';
import { listTopics, TOPIC_URN } from './api';

const TOPIC_ID = /^[0-9a-f]{32}$/;

type TopicMode = 'list' | 'urn' | 'id';

/** The topic picker; the trigger leaves out "By ID" because its webhook() must not call the API to resolve it. */
export function topicLocator(modes: TopicMode[], displayOptions?: INodeProperties['displayOptions']): INodeProperties {
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

interface LocatorValue {
	mode?: string;
	value?: unknown;
}

/** Reads the Topic parameter as a URN, checked before any call; a topic ID is looked up once. */
export async function readTopicUrn(
	context: IExecuteFunctions | IHookFunctions,
	itemIndex = 0,
): Promise<string> {
	const locator = context.getNodeParameter('topic', itemIndex, {}) as LocatorValue | string;
	const mode = typeof locator === 'object' ? (locator.mode ?? 'urn') : 'urn';
	const value = requireText(context, typeof locator === 'object' ? locator.value : locator, 'Topic', itemIndex);
	if (mode === 'id') {
		if (!TOPIC_ID.test(value)) {
			throw invalidParameter(context, 'Topic ID is not valid', `"${value}" is not 32 hexadecimal digits.`, itemIndex);
		}
		const [topic] = await listTopics.call(context, { topicId: value }, 1, itemIndex);
		if (!topic || typeof topic.topic_urn !== 'string') {
			throw invalidParameter(
				context,
				`No topic with ID ${value}`,
				'Check the ID, and that the credential points to the region and project of the topic.',
				itemIndex,
			);
		}
		return topic.topic_urn;
	}
	return requireTopicUrn(context, value, itemIndex);
}

export function requireTopicUrn(
	context: IExecuteFunctions | IHookFunctions,
	value: string,
	itemIndex?: number,
): string {
	if (!TOPIC_URN.test(value)) {
		throw invalidParameter(
			context,
			'Topic is not a valid topic URN',
			`"${value}" does not look like urn:smn:<region>:<project ID>:<topic name>.`,
			itemIndex,
		);
	}
	return value;
}

/** The topic URN configured on a trigger, read without any API call (webhook() must stay offline). */
export function configuredTopicUrn(context: IWebhookFunctions | IHookFunctions): string {
	const value = context.getNodeParameter('topic', undefined, { extractValue: true }) as unknown;
	return typeof value === 'string' ? value.trim() : '';
}

export function regionOfTopic(topicUrn: string): string | undefined {
	return TOPIC_URN.exec(topicUrn)?.[1];
}
