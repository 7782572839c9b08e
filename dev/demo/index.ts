/** Every vendor's part of `npm start`, by the short name BENCH_VENDORS uses. */
import type { Demo } from './demo';
import { dingTalkDemo, dingTalkStreamDemo } from './dingtalk';
import { feishuDemo, feishuLongConnectionDemo } from './feishu';
import { kdocsDemo } from './kdocs';
import { smnDemo } from './smn';

export const DEMOS: Record<'dingtalk' | 'feishu' | 'kdocs' | 'smn', Demo> = { dingtalk: dingTalkDemo, feishu: feishuDemo, kdocs: kdocsDemo, smn: smnDemo };

/**
 * The long-connection triggers' demos: `npm start` runs them beside the HTTP-push ones. They stay out of
 * DEMOS, which the queue-mode suite runs behind webhook processes: these triggers run on the main instance.
 */
export const LONG_CONNECTION_DEMOS: Record<'dingtalkStream' | 'feishuLongConnection', Demo> = {
	dingtalkStream: dingTalkStreamDemo,
	feishuLongConnection: feishuLongConnectionDemo,
};
