'use strict';
/**
 * Deliberate mistakes the fast tests must catch (see ./run.js). Each names the file, the one piece of it
 * that is replaced (`from`, which must occur exactly once), the broken replacement (`to`), and the test
 * paths that must fail because of it.
 */
module.exports = [
	{
		name: 'every secret comparison says yes',
		file: 'nodes/shared/callbacks.ts',
		from: 'if (actual === undefined || expected.length === 0) return false;',
		to: 'return true;',
		tests: ['test/unit/kdocs/trigger', 'test/unit/feishu/trigger'],
	},
	{
		name: 'DingTalk signature over unsorted parts',
		file: 'nodes/DingTalk/crypto.ts',
		from: '[token, timestamp, nonce, encrypt].sort().join(\'\')',
		to: '[token, timestamp, nonce, encrypt].join(\'\')',
		tests: ['test/unit/dingtalk'],
	},
	{
		name: 'Feishu folder subscription without event_type',
		file: 'nodes/Feishu/api.ts',
		from: "return fileType === 'folder' ? { file_type: fileType, event_type: FOLDER_EVENT_TYPE } : { file_type: fileType };",
		to: 'return { file_type: fileType };',
		tests: ['test/unit/feishu'],
	},
	{
		name: 'SMN notification signature leaves the timestamp out',
		file: 'nodes/HuaweiSmn/verify.ts',
		from: "const NOTIFICATION_KEYS = ['message', 'message_id', 'subject', 'timestamp', 'topic_urn', 'type'] as const;",
		to: "const NOTIFICATION_KEYS = ['message', 'message_id', 'subject', 'topic_urn', 'type'] as const;",
		tests: ['test/unit/smn/trigger'],
	},
	{
		name: 'Kdocs callback webhook_id not checked',
		file: 'nodes/Kdocs/KdocsTrigger.node.ts',
		from: 'if (!idMatches) {',
		to: 'if (false) {',
		tests: ['test/unit/kdocs/trigger'],
	},
	{
		name: 'Kdocs checkExists deletes other leftover webhooks of the document',
		file: 'nodes/Kdocs/KdocsTrigger.node.ts',
		from: 'if (leftover !== ours && endpointOf(leftover.callbackUrl) === endpointOf(webhookUrl)) {',
		to: 'if (leftover !== ours) {',
		tests: ['test/unit/kdocs/trigger'],
	},
	{
		name: 'Kdocs delete forgets a webhook it failed to delete',
		file: 'nodes/Kdocs/KdocsTrigger.node.ts',
		from: "this.logger.warn(`Kdocs webhook ${data.webhookId} could not be deleted: ${(error as Error).message}`);\n\t\t\t\t\treturn false;",
		to: "this.logger.warn(`Kdocs webhook ${data.webhookId} could not be deleted: ${(error as Error).message}`);\n\t\t\t\t\tforgetRegistration(data);\n\t\t\t\t\treturn false;",
		tests: ['test/unit/kdocs/trigger', 'test/reliability/kdocs'],
	},
	{
		name: 'Feishu delete forgets files it failed to unsubscribe',
		file: 'nodes/Feishu/FeishuTrigger.node.ts',
		from: 'data.subscribedFiles = remaining;\n\t\t\t\t\treturn false;',
		to: 'delete data.subscribedFiles;\n\t\t\t\t\treturn false;',
		tests: ['test/unit/feishu/trigger', 'test/reliability/feishu'],
	},
	{
		name: 'Kdocs credential accepts a missing token',
		file: 'credentials/KdocsApi.credentials.ts',
		from: "throw new Error('Enter an Access Token, or App ID, App Key and Refresh Token');",
		to: "return session('', 0);",
		tests: ['test/unit/kdocs/credential'],
	},
	{
		name: 'Kdocs callback secret kept only in static data (a callback during activation fails)',
		file: 'nodes/Kdocs/KdocsTrigger.node.ts',
		from: 'const expectedSecret = data.callbackSecret ?? (await derivedCallbackSecret(this));',
		to: "const expectedSecret = data.callbackSecret ?? '';",
		tests: ['test/unit/kdocs/trigger'],
	},
	{
		name: 'activation errors keep the bare vendor code as their message',
		file: 'nodes/shared/activation.ts',
		from: 'throw withAdviceAsMessage(error);',
		to: 'throw error;',
		tests: ['test/unit/dingtalk/trigger', 'test/unit/kdocs/trigger', 'test/reliability'],
	},
];
