/** Kdocs callback benchmark case: secret + webhook_id check, de-duplication, one item per event. */
import crypto from 'node:crypto';
import path from 'node:path';
import type { KdocsTrigger as KdocsTriggerType } from '../../nodes/Kdocs/KdocsTrigger.node';
import { fromDist, type Bench } from './context';

const dist = path.join(__dirname, '..', '..', 'dist', 'nodes', 'Kdocs');
const SECRET = 'a'.repeat(64);

export const kdocsBench: Bench = {
	name: 'Kdocs',
	async callbackCase() {
		const { KdocsTrigger } = await fromDist<{ KdocsTrigger: typeof KdocsTriggerType }>(path.join(dist, 'KdocsTrigger.node.js'));
		const staticData = { webhookId: 'wh-bench', callbackSecret: SECRET, fileToken: 'f', targetKey: '' };
		const body = (i: number) => ({ webhook_id: 'wh-bench', type: 'dbt.record.create', events: [{ timestamp: 1_763_700_000_000 + i, content: { sheetId: 1, recordIds: [`R${i}`] } }] });
		return {
			trigger: new KdocsTrigger(),
			contextFor: (i) => ({ parameters: { event: 'recordCreate' }, staticData, request: { query: { k: SECRET }, body: body(i) } }),
			// The same node:crypto work on the same bytes: two constant-time comparisons of SHA-256
			// digests and the SHA-256 de-duplication key.
			ceiling: (i) => {
				const event = body(i);
				const digest = (value: string) => crypto.createHash('sha256').update(value).digest();
				crypto.timingSafeEqual(digest(SECRET), digest(SECRET));
				crypto.timingSafeEqual(digest(event.webhook_id), digest(event.webhook_id));
				crypto.createHash('sha256').update(`${event.webhook_id}\n${event.events[0].timestamp}\n${JSON.stringify(event.events[0].content)}`).digest('hex');
			},
			accepted: (result, response) => response.statusCode === 200 && Array.isArray(result.workflowData),
		};
	},
};
