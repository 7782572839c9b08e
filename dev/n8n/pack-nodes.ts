/**
 * The pack's nodes as the workflows this tooling writes hold them (the demo's and the E2E suites'). Each
 * vendor's nodes are named after its label: "DingTalk" and "DingTalk Trigger", which is also where n8n
 * keeps the trigger's static data and its run data.
 */
import { PACKAGE_NAME, actionWorkflow, type Workflow, type WorkflowNode } from './launcher';

export interface PackVendor {
	label: string;
	/** The action node's type in the pack; the trigger's is the same followed by "Trigger". */
	nodeType: string;
	credentialType: string;
}

export const PACK_VENDORS = {
	dingtalk: { label: 'DingTalk', nodeType: 'dingTalk', credentialType: 'dingTalkApi' },
	feishu: { label: 'Feishu', nodeType: 'feishu', credentialType: 'feishuApi' },
	kdocs: { label: 'Kdocs', nodeType: 'kdocs', credentialType: 'kdocsApi' },
	smn: { label: 'SMN', nodeType: 'huaweiSmn', credentialType: 'huaweiCloudApi' },
} satisfies Record<string, PackVendor>;

interface NodeSettings {
	parameters: object;
	credential: { id: string; name: string };
}

const slugOf = (vendor: PackVendor) => vendor.label.toLowerCase();
const credentialsOf = (vendor: PackVendor, { id, name }: { id: string; name: string }) => ({ [vendor.credentialType]: { id, name } });

/** The vendor's trigger as a workflow node; `idPrefix` sets the demo's node ids apart. */
export function triggerNode(vendor: PackVendor, { webhookId, parameters, credential, idPrefix = '' }: NodeSettings & { webhookId: string; idPrefix?: string }): WorkflowNode {
	return {
		id: `${idPrefix}${slugOf(vendor)}-trigger`,
		name: `${vendor.label} Trigger`,
		type: `${PACKAGE_NAME}.${vendor.nodeType}Trigger`,
		typeVersion: 1,
		position: [0, 0],
		webhookId,
		parameters,
		credentials: credentialsOf(vendor, credential),
	};
}

/** A workflow of the vendor's trigger alone. */
export function vendorTriggerWorkflow(vendor: PackVendor, name: string, settings: NodeSettings & { webhookId: string }): Workflow {
	return { name, nodes: [triggerNode(vendor, settings)] };
}

/** The vendor's action node, for a workflow that runs it on a call to the Webhook node `webhookId`. */
export function actionNode(vendor: PackVendor, webhookId: string, { parameters, credential }: NodeSettings): Omit<WorkflowNode, 'position'> {
	return {
		id: `${slugOf(vendor)}-${webhookId}`,
		name: vendor.label,
		type: `${PACKAGE_NAME}.${vendor.nodeType}`,
		typeVersion: 1,
		parameters,
		credentials: credentialsOf(vendor, credential),
	};
}

/** launcher's actionWorkflow around the vendor's action node. */
export function vendorActionWorkflow(vendor: PackVendor, webhookId: string, settings: NodeSettings): Workflow {
	return actionWorkflow({ name: `${vendor.label} action ${webhookId}`, webhookId, actionNode: actionNode(vendor, webhookId, settings) });
}
