import type { IHookFunctions } from 'n8n-workflow';

type HookMethod = (this: IHookFunctions) => Promise<boolean>;

interface WebhookLifecycle {
	checkExists: HookMethod;
	create: HookMethod;
	delete: HookMethod;
}

/**
 * Puts an error's advice where n8n shows an activation failure. n8n up to 2.8 reports it by the
 * error's description; newer n8n (publication status, public API) by its message alone, which would
 * leave the builder with a bare vendor code. The message of a vendor's error becomes the advice (which
 * names the vendor), with the vendor's error code added where the advice does not quote it.
 */
export function withAdviceAsMessage(error: unknown): unknown {
	if (!(error instanceof Error)) return error;
	const { description, context } = error as { description?: unknown; context?: { vendorCode?: unknown } };
	// Only the vendor's own answers: a parameter check's message already says what is wrong.
	if (typeof description !== 'string' || description === '' || context?.vendorCode === undefined) return error;
	const code = String(context.vendorCode);
	error.message = description.includes(code) ? description : `${description} (code ${code})`;
	return error;
}

/** Wraps a trigger's webhook lifecycle so that every failure reads the same in every n8n version. */
export function reportingAdviceOnActivation(lifecycle: WebhookLifecycle): WebhookLifecycle {
	const wrap =
		(method: HookMethod): HookMethod =>
		async function (this: IHookFunctions) {
			try {
				return await method.call(this);
			} catch (error) {
				throw withAdviceAsMessage(error);
			}
		};
	return { checkExists: wrap(lifecycle.checkExists), create: wrap(lifecycle.create), delete: wrap(lifecycle.delete) };
}
