import {
	NodeConnectionTypes,
	type INodeType,
	type INodeTypeDescription,
	type ITriggerFunctions,
	type ITriggerResponse,
} from 'n8n-workflow';
import { startStreamTrigger } from '../shared/stream-trigger';
import { dingTalkStreamTriggerProperties } from './descriptions';
import { subscribeForStream } from './lifecycle';
import { dingTalkStreamProtocol } from './long-connection';

export class DingTalkStreamTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'DingTalk Stream Trigger',
		name: 'dingTalkStreamTrigger',
		icon: { light: 'file:../../icons/dingtalk.svg', dark: 'file:../../icons/dingtalk.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["scope"] + ": " + $parameter["scopeId"]}}',
		description: 'Starts the workflow when files or folders change in DingTalk storage (钉盘), over a Stream mode connection: no public URL needed',
		defaults: { name: 'DingTalk Stream Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'dingTalkApi', required: true }],
		properties: dingTalkStreamTriggerProperties,
	};

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		return await startStreamTrigger.call(this, {
			name: 'DingTalk Stream',
			subscribe: subscribeForStream,
			protocol: dingTalkStreamProtocol,
		});
	}
}
