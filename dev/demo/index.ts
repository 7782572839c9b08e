/** Every vendor's part of `npm start`, by the short name BENCH_VENDORS uses. */
import type { Demo } from './demo';
import { dingTalkDemo } from './dingtalk';
import { feishuDemo } from './feishu';
import { kdocsDemo } from './kdocs';
import { smnDemo } from './smn';

export const DEMOS: Record<'dingtalk' | 'feishu' | 'kdocs' | 'smn', Demo> = { dingtalk: dingTalkDemo, feishu: feishuDemo, kdocs: kdocsDemo, smn: smnDemo };
