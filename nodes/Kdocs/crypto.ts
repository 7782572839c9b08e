import { createHmac } from 'node:crypto';
import type { IHookFunctions, IWebhookFunctions } from 'n8n-workflow';

/**
 * Kdocs signs no callback (vendor-kdocs.md 5), so the callback URL this trigger registers carries a
 * secret of its own; activation puts it there and verification checks it.
 */

/** Query parameter of the callback URL that carries this registration's secret. */
export const SECRET_PARAMETER = 'k';

/**
 * The secret in this trigger's callback URL, derived from the credential's app key (or access token)
 * and the workflow and node ids rather than drawn at random: n8n saves what create() writes to static
 * data only after the whole activation, while the webhook is live before that, so a callback arriving
 * in between must be verifiable without static data.
 */
export async function derivedCallbackSecret(context: IHookFunctions | IWebhookFunctions): Promise<string> {
	const credentials = await context.getCredentials('kdocsApi');
	const key = String(credentials.appSecretKey || credentials.accessToken || '');
	return createHmac('sha256', key)
		.update(`kdocs-trigger-callback\n${context.getWorkflow().id ?? ''}\n${context.getNode().id}`)
		.digest('hex');
}

export function callbackUrlFor(webhookUrl: string, secret: string): string {
	const url = new URL(webhookUrl);
	url.searchParams.set(SECRET_PARAMETER, secret);
	return url.toString();
}
