import nock from 'nock';
import { BASE, FILE, TOKEN, fileLocator, kdocsNode, sheetLocator } from './fixtures';

const schemas = {
	code: 0,
	data: {
		schemas: [
			{ id: 1, name: 'Leads', fields: [{ id: 'P', name: 'Stage' }, { id: 'N', name: 'Company' }], views: [{ id: 'B', name: 'Grid' }] },
			{ id: 583, name: 'Accounts', fields: [], views: [] },
		],
	},
};

describe('Kdocs file and sheet pickers', () => {
	it('lists personal dbt files page by page, filtered by name', async () => {
		const scope = nock(BASE)
			.get('/api/v1/openapi/personal/files/flat')
			.query({ exts: 'dbt', count: 50, offset: 50, access_token: TOKEN })
			.reply(200, {
				code: 0,
				data: { files: [{ id: 'f1', fname: 'Sales.dbt' }, { file_token: 'f2', id: 'x', fname: 'Hiring.dbt' }], next_offset: 100 },
			});
		const result = await kdocsNode({ resource: 'webhook', operation: 'create' }).listSearch('searchDbtFiles', 'sales', '50');
		expect(scope.isDone()).toBe(true);
		expect(result).toEqual({ results: [{ name: 'Sales.dbt', value: 'f1', url: undefined }], paginationToken: '100' });
	});

	it('ends pagination at next_offset -1', async () => {
		nock(BASE).get('/api/v1/openapi/personal/files/flat').query(true).reply(200, { code: 0, data: { files: [], next_offset: -1 } });
		expect(await kdocsNode({}).listSearch('searchDbtFiles')).toEqual({ results: [], paginationToken: undefined });
	});

	it('lists the sheets of the chosen file', async () => {
		const scope = nock(BASE).get(`/api/v1/openapi/dbt/${FILE}/schemas`).query({ access_token: TOKEN }).reply(200, schemas);
		const result = await kdocsNode({ file: fileLocator() }).listSearch('searchSheets', 'lea');
		expect(scope.isDone()).toBe(true);
		expect(result).toEqual({ results: [{ name: 'Leads', value: '1' }] });
	});

	it('offers the fields and views of the chosen sheet, sorted by name', async () => {
		nock(BASE).get(`/api/v1/openapi/dbt/${FILE}/schemas`).query(true).twice().reply(200, schemas);
		const harness = kdocsNode({ file: fileLocator(), sheet: sheetLocator('1') });
		expect(await harness.loadOptions('getFields')).toEqual([
			{ name: 'Company', value: 'N' },
			{ name: 'Stage', value: 'P' },
		]);
		expect(await harness.loadOptions('getViews')).toEqual([{ name: 'Grid', value: 'B' }]);
	});

	it('offers nothing before a file is chosen', async () => {
		expect(await kdocsNode({ file: fileLocator('') }).listSearch('searchSheets')).toEqual({ results: [] });
	});
});
