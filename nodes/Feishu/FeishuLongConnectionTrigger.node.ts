import {
	NodeConnectionTypes,
	NodeOperationError,
	type INodeType,
	type INodeTypeDescription,
	type ITriggerFunctions,
	type ITriggerResponse,
} from 'n8n-workflow';
import { feishuBaseUrl } from '../../lib/feishu';
import { withAdviceAsMessage } from '../shared/activation';
import { startStreamTrigger, type StreamTriggerSetup } from '../shared/stream-trigger';
import { selectDriveEvents } from './callback';
import { feishuApiOf } from './api';
import { feishuCredentials, feishuLongConnectionTriggerProperties } from './descriptions';
import { subscribeWatchedFiles, unsubscribeWatchedFiles } from './lifecycle';
import { feishuProtocol, type EndpointTarget } from './long-connection';
import { readTriggerFiles } from './params';

/**
 * The app the connection is opened for; it needs the App ID and App Secret whatever token subscribes.
 * A user sign-in holds them as its OAuth2 client id and secret.
 */
async function readEndpointTarget(context: ITriggerFunctions): Promise<EndpointTarget> {
	const { credentialType, oAuth2 } = feishuApiOf(context);
	const credentials = await context.getCredentials(credentialType);
	const appId = String((oAuth2 ? credentials.clientId : credentials.appId) ?? '').trim();
	const appSecret = String((oAuth2 ? credentials.clientSecret : credentials.appSecret) ?? '');
	if (appId === '' || appSecret === '') {
		throw new NodeOperationError(context.getNode(), 'The long connection needs the App ID and App Secret', {
			description:
				'Feishu opens a long connection for an app, with its App ID and App Secret. Choose "Tenant Access Token (App ID and Secret)" in the credential and fill both in.',
		});
	}
	return { baseUrl: feishuBaseUrl(credentials), appId, appSecret };
}

/** Connects and subscribes the files (as the HTTP-push trigger does); both undone by the close function. */
function feishuStream(): StreamTriggerSetup {
	return {
		name: 'Feishu Long Connection Trigger',
		async subscribe() {
			const files = readTriggerFiles(this);
			const subscribed = await subscribeWatchedFiles.call(this, files);
			return async () => {
				await unsubscribeWatchedFiles.call(this, subscribed);
			};
		},
		// Made before subscribing (see startStreamTrigger), so a credential without App ID and Secret subscribes nothing.
		async protocol(deliver) {
			return feishuProtocol({
				target: await readEndpointTarget(this),
				request: async (options) => await this.helpers.httpRequest(options),
				select: (event) => selectDriveEvents(this, event),
				deliver,
				warn: (message) => this.logger.warn(message),
			});
		},
	};
}

export class FeishuLongConnectionTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Feishu Long Connection Trigger',
		name: 'feishuLongConnectionTrigger',
		icon: { light: 'file:../../icons/feishu.svg', dark: 'file:../../icons/feishu.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["events"].join(", ")}}',
		description: 'Starts the workflow when subscribed Feishu / Lark drive files change, over a long connection (no public URL)',
		defaults: { name: 'Feishu Long Connection Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: feishuCredentials,
		properties: feishuLongConnectionTriggerProperties,
	};

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		try {
			return await startStreamTrigger.call(this, feishuStream());
		} catch (error) {
			// Newer n8n shows an activation failure by its message alone: Feishu's advice goes there.
			throw withAdviceAsMessage(error);
		}
	}
}
