import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';
import { listTopicsPage } from './api';

const PAGE_SIZE = 50;

export const smnListSearch = {
	async searchTopics(
		this: ILoadOptionsFunctions,
		filter?: string,
		paginationToken?: string,
	): Promise<INodeListSearchResult> {
		const offset = Number(paginationToken ?? 0);
		const { topics, total } = await listTopicsPage.call(this, { fuzzyName: filter?.trim() }, offset, PAGE_SIZE);
		const results = topics
			.filter((topic) => typeof topic.topic_urn === 'string')
			.map((topic) => {
				const urn = topic.topic_urn as string;
				const displayName =
					typeof topic.display_name === 'string' && topic.display_name !== '' ? ` (${topic.display_name})` : '';
				return { name: `${String(topic.name ?? urn)}${displayName}`, value: urn };
			});
		const next = offset + topics.length;
		return { results, paginationToken: topics.length === PAGE_SIZE && next < total ? String(next) : undefined };
	},
};
