/**
 * Runs this pack's nodes through n8n-core's own execution contexts (the classes n8n instantiates for
 * execute(), webhookMethods, webhook(), listSearch/loadOptions and credential tests), so that the
 * credential's authenticate/preAuthentication and n8n's HTTP client really run and nock sees the
 * exact outgoing requests. Only what lives in n8n's CLI package (credential storage, the webhook
 * server) is replaced by the small stand-ins below, written after packages/cli's CredentialsHelper
 * and CredentialsTester.
 */
import {
	ExecuteContext,
	HookContext,
	LoadOptionsContext,
	RoutingNode,
	TriggerContext,
	WebhookContext,
} from 'n8n-core';
import {
	createEmptyRunExecutionData,
	ICredentialsHelper,
	isExpression,
	Workflow,
	type ICredentialDataDecryptedObject,
	type ICredentialType,
	type ICredentials,
	type IDataObject,
	type IHttpRequestHelper,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialsDetails,
	type INodeExecutionData,
	type INodeParameters,
	type INodeProperties,
	type INodeType,
	type INodeTypes,
	type IRequestOptionsSimplified,
	type ITriggerResponse,
	type IWebhookData,
	type IWebhookResponseData,
	type IWorkflowExecuteAdditionalData,
	type WorkflowActivateMode,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

export const WEBHOOK_BASE_URL = 'http://127.0.0.1:5678/webhook';
export const WEBHOOK_TEST_BASE_URL = 'http://127.0.0.1:5678/webhook-test';
export const NODE_WEBHOOK_ID = '5b0f7a6e-0000-4000-8000-00000000e2e1';

class TestCredentialsHelper extends ICredentialsHelper {
	readonly updates: Array<{ type: string; data: ICredentialDataDecryptedObject }> = [];

	constructor(
		private readonly types: Record<string, ICredentialType>,
		readonly stored: Record<string, ICredentialDataDecryptedObject>,
	) {
		super();
	}

	getParentTypes(): string[] {
		return [];
	}

	/** n8n-core 2.40 asks this before decrypting any credential; as in n8n, only a type with restrictToSupportedNodes is limited. */
	isCredentialUsableByNode(credentialType: string, nodeType: string): boolean {
		const type = this.types[credentialType];
		if (!type?.restrictToSupportedNodes) return true;
		return (type.supportedNodes ?? []).includes(nodeType);
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		incoming: IHttpRequestOptions | IRequestOptionsSimplified,
		workflow?: Workflow,
		node?: INode,
	): Promise<IHttpRequestOptions> {
		const requestOptions = incoming as IHttpRequestOptions & Record<string, IDataObject>;
		const { authenticate } = this.types[typeName];
		if (typeof authenticate === 'function') return await authenticate(credentials, requestOptions);
		if (authenticate?.type === 'generic') {
			if (!workflow || !node) throw new Error('Workflow and node are required for declarative credential authentication');
			requestOptions.headers ??= {};
			for (const [outerKey, outerValue] of Object.entries(authenticate.properties)) {
				for (const [key, value] of Object.entries(outerValue as IDataObject)) {
					const resolve = (raw: unknown) =>
						isExpression(raw)
							? String(
									workflow.expression.getSimpleParameterValue(node, raw as string, 'internal', { $credentials: credentials }, undefined, '') ?? '',
								)
							: raw;
					requestOptions[outerKey] ??= {};
					(requestOptions[outerKey] as IDataObject)[resolve(key) as string] = resolve(value) as string;
				}
			}
		}
		return requestOptions;
	}

	async preAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		node: INode,
		credentialsExpired: boolean,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const type = this.types[typeName];
		const expirable = type.properties.find((p) => p.type === 'hidden' && p.typeOptions?.expirable === true);
		if (!expirable || typeof type.preAuthentication !== 'function') return undefined;
		const testing = node.type === 'n8n-nodes-base.noOp';
		if (credentials[expirable.name] !== '' && !credentialsExpired && !testing) return undefined;
		const output = await type.preAuthentication.call(helpers, credentials);
		if (output[expirable.name] === undefined) return undefined;
		if (node.credentials) {
			await this.updateCredentials(node.credentials[typeName], typeName, Object.assign(credentials, output));
			return Object.assign(credentials, output);
		}
		return undefined;
	}

	/** The OAuth helpers' variant: runs the type's preAuthentication unconditionally and persists nothing. */
	async runPreAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const type = this.types[typeName];
		if (typeof type.preAuthentication !== 'function') return undefined;
		return ((await type.preAuthentication.call(helpers, credentials)) as ICredentialDataDecryptedObject) ?? undefined;
	}

	async getCredentials(): Promise<ICredentials> {
		throw new Error('not used by the pack');
	}

	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		_nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const withDefaults: ICredentialDataDecryptedObject = {};
		for (const property of this.types[type].properties) withDefaults[property.name] = property.default as string;
		return { ...withDefaults, ...structuredClone(this.stored[type] ?? {}) };
	}

	async updateCredentials(_details: INodeCredentialsDetails, type: string, data: ICredentialDataDecryptedObject) {
		this.stored[type] = { ...structuredClone(data) };
		this.updates.push({ type, data: structuredClone(data) });
	}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties(type: string): INodeProperties[] {
		return this.types[type].properties;
	}
}

/** Stands for the body n8n itself sends when the node leaves the reply to n8n. */
export const N8N_DEFAULT_REPLY = '(n8n answers: workflow started)';

export interface CapturedResponse {
	statusCode: number;
	headers: Record<string, string>;
	body: unknown;
	ended: boolean;
}

export interface WebhookRequest {
	/** What n8n's body parser made of the request; when the key is absent, {} (or what rawBody holds). */
	body?: unknown;
	/** The bytes as received; by default the JSON of body. null: none, as n8n has for multipart requests. */
	rawBody?: Buffer | string | null;
	headers?: Record<string, string>;
	query?: Record<string, string>;
	method?: string;
}

export interface HarnessOptions {
	nodeType: INodeType;
	/** The node type name as it appears in a workflow, e.g. n8n-nodes-event-subscriptions.kdocsTrigger. */
	typeName?: string;
	credentialTypes: Record<string, ICredentialType>;
	credentials: Record<string, ICredentialDataDecryptedObject>;
	parameters?: INodeParameters;
	staticData?: IDataObject;
	continueOnFail?: boolean;
	/** Ids of the one-node workflow, e.g. to drive two triggers that must not share state. */
	workflowId?: string;
	nodeId?: string;
}

function fakeResponse(captured: CapturedResponse) {
	const response = {
		status(code: number) {
			captured.statusCode = code;
			return response;
		},
		setHeader(name: string, value: string) {
			captured.headers[name.toLowerCase()] = value;
			return response;
		},
		set(name: string, value: string) {
			return response.setHeader(name, value);
		},
		header(name: string, value: string) {
			return response.setHeader(name, value);
		},
		send(body: unknown) {
			captured.body = body;
			return response;
		},
		json(body: unknown) {
			captured.headers['content-type'] = 'application/json';
			captured.body = body;
			return response;
		},
		end(body?: unknown) {
			if (body !== undefined) captured.body = body;
			captured.ended = true;
			return response;
		},
		get headersSent() {
			return captured.ended;
		},
	};
	return response;
}

/** The node's name in the harness's workflow, which is also where n8n keeps its static data (`node:<name>`). */
export function nodeNameOf(nodeType: INodeType): string {
	return nodeType.description.defaults.name ?? nodeType.description.displayName;
}

/** One node in a one-node workflow, driven the way n8n drives it. */
export interface TriggerRun {
	/** One entry per emit: the items of one execution. */
	emitted: INodeExecutionData[][][];
	errors: Error[];
	response: ITriggerResponse;
}

export class NodeHarness {
	readonly credentialsHelper: TestCredentialsHelper;
	readonly node: INode;
	readonly workflow: Workflow;

	constructor(private readonly options: HarnessOptions) {
		this.credentialsHelper = new TestCredentialsHelper(options.credentialTypes, structuredClone(options.credentials));
		const typeName = options.typeName ?? `n8n-nodes-event-subscriptions.${options.nodeType.description.name}`;
		const description = options.nodeType.description;
		this.node = {
			id: options.nodeId ?? 'node-under-test',
			name: nodeNameOf(options.nodeType),
			type: typeName,
			typeVersion: Array.isArray(description.version) ? description.version.at(-1)! : description.version,
			position: [0, 0],
			parameters: options.parameters ?? {},
			webhookId: NODE_WEBHOOK_ID,
			credentials: Object.fromEntries(
				(description.credentials ?? []).map((c) => [c.name, { id: `cred-${c.name}`, name: c.name }]),
			),
			...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
		};
		const nodeTypes: INodeTypes = {
			getByName: () => options.nodeType,
			getByNameAndVersion: () => options.nodeType,
			getKnownTypes: () => ({}),
		};
		this.workflow = new Workflow({
			id: options.workflowId ?? 'wf-under-test',
			name: 'harness',
			nodes: [this.node],
			connections: {},
			active: true,
			nodeTypes,
			staticData: options.staticData ?? {},
		});
	}

	/** Credentials as n8n would hold them now (including tokens saved by preAuthentication). */
	get storedCredentials() {
		return this.credentialsHelper.stored;
	}

	get staticData(): IDataObject {
		return this.workflow.getStaticData('node', this.node);
	}

	private additionalData(extra: Partial<IWorkflowExecuteAdditionalData> = {}): IWorkflowExecuteAdditionalData {
		return {
			credentialsHelper: this.credentialsHelper,
			webhookBaseUrl: WEBHOOK_BASE_URL,
			webhookTestBaseUrl: WEBHOOK_TEST_BASE_URL,
			webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting',
			formWaitingBaseUrl: 'http://127.0.0.1:5678/form-waiting',
			instanceBaseUrl: 'http://127.0.0.1:5678/',
			restApiUrl: 'http://127.0.0.1:5678/rest',
			variables: {},
			executionId: 'exec-under-test',
			userId: 'user-under-test',
			currentNodeParameters: undefined,
			...extra,
		} as unknown as IWorkflowExecuteAdditionalData;
	}

	async execute(items: IDataObject[] = [{}]): Promise<INodeExecutionData[]> {
		const inputData = { main: [items.map((json) => ({ json }))] };
		const context = new ExecuteContext(
			this.workflow,
			this.node,
			this.additionalData(),
			'manual',
			createEmptyRunExecutionData(),
			0,
			inputData.main[0],
			inputData,
			{ node: this.node, data: inputData, source: { main: [{ previousNode: 'Manual' }] } },
			[],
		);
		const output = await this.options.nodeType.execute!.call(context);
		return (output as INodeExecutionData[][])[0];
	}

	async hook(
		method: 'checkExists' | 'create' | 'delete',
		{ mode = 'trigger', isTest = false }: { mode?: WorkflowExecuteMode; isTest?: boolean } = {},
	): Promise<boolean> {
		const webhookData = { isTest, webhookDescription: this.options.nodeType.description.webhooks![0] } as IWebhookData;
		const activation: WorkflowActivateMode = 'activate';
		const context = new HookContext(this.workflow, this.node, this.additionalData(), mode, activation, webhookData);
		return await this.options.nodeType.webhookMethods!.default![method].call(context);
	}

	/** Lifecycle as n8n runs it on activation: checkExists, and create only when that says no. */
	async activate(): Promise<void> {
		if (!(await this.hook('checkExists'))) await this.hook('create');
	}

	async webhook(request: WebhookRequest): Promise<{ result: IWebhookResponseData; response: CapturedResponse }> {
		// Unanswered until the node answers: a test of "200 and no execution" must see the node reply.
		const captured: CapturedResponse = { statusCode: 0, headers: {}, body: undefined, ended: false };
		const rawBody =
			request.rawBody === null
				? undefined
				: request.rawBody !== undefined
					? Buffer.from(request.rawBody)
					: Buffer.from(request.body === undefined ? '' : JSON.stringify(request.body));
		const httpRequest = {
			method: request.method ?? 'POST',
			headers: Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
			query: request.query ?? {},
			params: {},
			// n8n leaves the body undefined for an empty POST and passes null, arrays and scalars on as parsed.
			body: 'body' in request ? request.body : {},
			rawBody,
		};
		const description = this.options.nodeType.description.webhooks![0];
		const context = new WebhookContext(
			this.workflow,
			this.node,
			this.additionalData({
				httpRequest,
				httpResponse: fakeResponse(captured),
			} as unknown as Partial<IWorkflowExecuteAdditionalData>),
			'trigger',
			{ webhookDescription: description } as IWebhookData,
			[],
			null,
		);
		const result = await this.options.nodeType.webhook!.call(context);
		if (!result.noWebhookResponse && !captured.ended) {
			// As n8n does for a responseMode 'onReceived' webhook whose node wrote no reply of its own.
			Object.assign(captured, { statusCode: 200, body: N8N_DEFAULT_REPLY, ended: true });
		}
		return { result, response: captured };
	}

	/**
	 * Starts a trigger() node as n8n does on activation (or for "Listen for test event" with mode
	 * 'manual'); what it emits and reports through emitError is collected, and closeFunction ends it.
	 */
	async trigger({ mode = 'trigger' }: { mode?: WorkflowExecuteMode } = {}): Promise<TriggerRun> {
		const run = { emitted: [] as INodeExecutionData[][][], errors: [] as Error[] };
		const context = new TriggerContext(
			this.workflow,
			this.node,
			this.additionalData(),
			mode,
			mode === 'manual' ? 'manual' : 'activate',
			(data) => run.emitted.push(data),
			(error) => run.errors.push(error),
		);
		const response = await this.options.nodeType.trigger!.call(context);
		if (!response) throw new Error('trigger() returned no response');
		return { ...run, response };
	}

	private loadOptionsContext(): LoadOptionsContext {
		return new LoadOptionsContext(
			this.workflow,
			this.node,
			this.additionalData({ currentNodeParameters: this.node.parameters }),
			'',
		);
	}

	async listSearch(method: string, filter?: string, paginationToken?: string) {
		const fn = this.options.nodeType.methods!.listSearch![method];
		return await fn.call(this.loadOptionsContext(), filter, paginationToken);
	}

	async loadOptions(method: string) {
		const fn = this.options.nodeType.methods!.loadOptions![method];
		return await fn.call(this.loadOptionsContext());
	}
}

/**
 * Runs a credential's `test` request the way n8n's CredentialsTester does: through RoutingNode on a
 * temporary node, then applying the test's rules.
 */
export async function testCredential(
	credentialType: ICredentialType,
	data: ICredentialDataDecryptedObject,
): Promise<{ status: 'OK' | 'Error'; message: string; stored: ICredentialDataDecryptedObject }> {
	const test = credentialType.test!;
	const helper = new TestCredentialsHelper({ [credentialType.name]: credentialType }, { [credentialType.name]: data });
	const nodeType = {
		description: {
			displayName: 'Temp',
			name: 'n8n-nodes-base.noOp',
			group: ['transform'],
			version: 1,
			description: '',
			defaults: {},
			inputs: ['main'],
			outputs: ['main'],
			credentials: [{ name: credentialType.name, required: true }],
			properties: [{ displayName: 'Temp', name: 'temp', type: 'string', routing: { request: test.request }, default: '' }],
		},
	} as unknown as INodeType;
	const node: INode = {
		id: 'temp',
		name: 'Temp-Node',
		type: 'n8n-nodes-base.noOp',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		credentials: { [credentialType.name]: { id: 'cred', name: credentialType.name } },
	};
	const workflow = new Workflow({
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: { getByName: () => nodeType, getByNameAndVersion: () => nodeType, getKnownTypes: () => ({}) },
	});
	const inputData = { main: [[{ json: {} }]] };
	const additionalData = {
		credentialsHelper: helper,
		currentNodeParameters: node.parameters,
		variables: {},
	} as unknown as IWorkflowExecuteAdditionalData;
	const context = new ExecuteContext(
		workflow,
		node,
		additionalData,
		'internal',
		createEmptyRunExecutionData(),
		0,
		[],
		inputData,
		{ node, data: {}, source: null },
		[],
	);
	const credentialsDecrypted = { id: 'cred', name: credentialType.name, type: credentialType.name, data: await helper.getDecrypted(additionalData, { id: 'cred', name: '' }, credentialType.name) };
	let response: INodeExecutionData[][] | null | undefined;
	try {
		response = await new RoutingNode(context, nodeType, credentialsDecrypted).runNode();
	} catch (error) {
		const status = (error as { cause?: { response?: { status?: number; statusText?: string } } }).cause?.response;
		if (status?.status !== undefined) {
			for (const rule of test.rules ?? []) {
				if (rule.type === 'responseCode' && rule.properties.value === status.status) {
					return { status: 'Error', message: rule.properties.message, stored: helper.stored[credentialType.name] };
				}
			}
			return {
				status: 'Error',
				message: status.statusText || `Received HTTP status code: ${status.status}`,
				stored: helper.stored[credentialType.name],
			};
		}
		return { status: 'Error', message: (error as Error).message, stored: helper.stored[credentialType.name] };
	}
	for (const rule of test.rules ?? []) {
		if (rule.type === 'responseSuccessBody') {
			const body = response?.[0]?.[0]?.json as IDataObject;
			const value = rule.properties.key.split('.').reduce<unknown>((obj, key) => (obj as IDataObject)?.[key], body);
			if (value === rule.properties.value) {
				return { status: 'Error', message: rule.properties.message, stored: helper.stored[credentialType.name] };
			}
		}
	}
	return { status: 'OK', message: 'Connection successful!', stored: helper.stored[credentialType.name] };
}
