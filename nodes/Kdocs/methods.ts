import type {
	IDataObject,
	ILoadOptionsFunctions,
	INodeListSearchResult,
	INodePropertyOptions,
} from 'n8n-workflow';
import { vendorRequest } from '../shared/transport';
import { kdocsApi } from './api';

const PAGE_SIZE = 50;

interface DbtSheet {
	id: string;
	name: string;
	fields: IDataObject[];
	views: IDataObject[];
}

function currentValue(context: ILoadOptionsFunctions, name: string): string {
	const value = context.getCurrentNodeParameter(name, { extractValue: true });
	return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

async function readSheets(context: ILoadOptionsFunctions): Promise<DbtSheet[]> {
	const fileToken = currentValue(context, 'file');
	if (!fileToken) return [];
	const response = await vendorRequest.call(context, kdocsApi, {
		method: 'GET',
		path: `/api/v1/openapi/dbt/${encodeURIComponent(fileToken)}/schemas`,
		idempotent: true,
	});
	const data = (response.data ?? {}) as IDataObject;
	return ((data.schemas ?? data.sheets ?? []) as IDataObject[]).map((sheet) => ({
		id: String(sheet.id),
		name: String(sheet.name ?? sheet.id),
		fields: (sheet.fields ?? []) as IDataObject[],
		views: (sheet.views ?? []) as IDataObject[],
	}));
}

async function currentSheet(context: ILoadOptionsFunctions): Promise<DbtSheet | undefined> {
	const sheetId = currentValue(context, 'sheet');
	return (await readSheets(context)).find((sheet) => sheet.id === sheetId);
}

const asOptions = (entries: IDataObject[]): INodePropertyOptions[] =>
	entries
		.map((entry) => ({ name: String(entry.name ?? entry.id), value: String(entry.id) }))
		.sort((a, b) => a.name.localeCompare(b.name));

export const kdocsListSearch = {
	async searchDbtFiles(
		this: ILoadOptionsFunctions,
		filter?: string,
		paginationToken?: string,
	): Promise<INodeListSearchResult> {
		const response = await vendorRequest.call(this, kdocsApi, {
			method: 'GET',
			path: '/api/v1/openapi/personal/files/flat',
			qs: { exts: 'dbt', count: PAGE_SIZE, offset: Number(paginationToken ?? 0) },
			idempotent: true,
		});
		const data = (response.data ?? {}) as IDataObject;
		const needle = (filter ?? '').toLowerCase();
		const results = ((data.files ?? []) as IDataObject[])
			.map((file) => ({
				name: String(file.fname ?? file.name ?? file.file_token ?? file.id),
				value: String(file.file_token ?? file.id),
				url: typeof file.link_url === 'string' ? file.link_url : undefined,
			}))
			.filter((file) => needle === '' || file.name.toLowerCase().includes(needle));
		const nextOffset = Number(data.next_offset ?? -1);
		return { results, paginationToken: nextOffset >= 0 ? String(nextOffset) : undefined };
	},

	async searchSheets(this: ILoadOptionsFunctions, filter?: string): Promise<INodeListSearchResult> {
		const needle = (filter ?? '').toLowerCase();
		return {
			results: (await readSheets(this))
				.filter((sheet) => needle === '' || sheet.name.toLowerCase().includes(needle))
				.map((sheet) => ({ name: sheet.name, value: sheet.id })),
		};
	},
};

export const kdocsLoadOptions = {
	async getFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
		return asOptions((await currentSheet(this))?.fields ?? []);
	},

	async getViews(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
		return asOptions((await currentSheet(this))?.views ?? []);
	},
};
