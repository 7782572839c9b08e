/**
 * The harness builders every vendor's unit fixtures export (dingTalkNode, feishuTrigger, …): the vendor's
 * action node or trigger with its one credential type. A vendor chooses only the node classes and what a
 * test gets when it names no credential or trigger parameters.
 */
import type { ICredentialDataDecryptedObject, ICredentialType, IDataObject, INodeParameters, INodeType } from 'n8n-workflow';
import { NodeHarness, nodeNameOf, type HarnessOptions } from './node-harness';

export interface VendorNodes {
	ActionNode: new () => INodeType;
	TriggerNode: new () => INodeType;
	CredentialType: new () => ICredentialType;
	/** The credential of a harness whose test names none; called for each harness, as some hold a fresh expiry. */
	credentials: () => ICredentialDataDecryptedObject;
	/** The trigger's parameters where its test names none. */
	triggerParameters?: () => INodeParameters;
}

/** Ids of the one-node workflow, to drive two triggers that must not share state. */
type WorkflowIds = Pick<HarnessOptions, 'workflowId' | 'nodeId'>;

export function vendorHarnesses(vendor: VendorNodes) {
	function withCredential(nodeType: INodeType, credentials: ICredentialDataDecryptedObject) {
		const credentialType = new vendor.CredentialType();
		return {
			nodeType,
			credentialTypes: { [credentialType.name]: credentialType },
			credentials: { [credentialType.name]: credentials },
		};
	}

	function node(parameters: INodeParameters, credentials = vendor.credentials(), continueOnFail = false): NodeHarness {
		return new NodeHarness({ ...withCredential(new vendor.ActionNode(), credentials), parameters, continueOnFail });
	}

	/** `staticData` is the trigger's own (what n8n keeps under `node:<name>`); without it, the trigger starts with none. */
	function triggerOptions(
		parameters: INodeParameters = vendor.triggerParameters?.() ?? {},
		staticData?: IDataObject,
		credentials = vendor.credentials(),
		ids: WorkflowIds = {},
	): HarnessOptions {
		const nodeType = new vendor.TriggerNode();
		return {
			...withCredential(nodeType, credentials),
			parameters,
			staticData: staticData ? { [`node:${nodeNameOf(nodeType)}`]: staticData } : undefined,
			...ids,
		};
	}

	function trigger(...options: Parameters<typeof triggerOptions>): NodeHarness {
		return new NodeHarness(triggerOptions(...options));
	}

	return { node, triggerOptions, trigger };
}
