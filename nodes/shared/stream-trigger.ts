import { NodeOperationError, type IDataObject, type ITriggerFunctions, type ITriggerResponse } from 'n8n-workflow';
import { withAdviceAsMessage } from './activation';
import type { CallbackEvent } from './callback-flow';
import { DeliveryLog } from './callbacks';
import { forLog } from './log';
import {
	ConnectionRefused,
	missingWebSocketMessage,
	openLongConnection,
	type LongConnectionProtocol,
} from './long-connection';

/** Redeliveries within a day start nothing; both vendors redeliver within minutes. */
const DELIVERY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Starts the executions for events that arrived over a long connection: each new event (by its delivery
 * id) once. Returns false when n8n refused to start them, so that the vendor is told to deliver again.
 */
export type Deliver = (events: CallbackEvent[]) => boolean;

export interface StreamTriggerSetup {
	/** Named in errors, e.g. "DingTalk Stream". */
	name: string;
	/** Subscribes what the parameters name (scope, files) and returns how to remove exactly that again. */
	subscribe(this: ITriggerFunctions): Promise<() => Promise<void>>;
	/** The vendor's protocol for this trigger, handing its events to `deliver`. */
	protocol(this: ITriggerFunctions, deliver: Deliver): Promise<LongConnectionProtocol>;
}

function refusalError(context: ITriggerFunctions, error: Error): NodeOperationError {
	return new NodeOperationError(context.getNode(), error.message, {
		description: error instanceof ConnectionRefused ? error.description : undefined,
	});
}

/**
 * A long-connection trigger's lifecycle: activation subscribes and opens the connection (and fails, leaving
 * nothing subscribed, when the connection cannot be opened); deactivation closes it without waiting for the
 * peer and unsubscribes. A refusal after activation (the secret was changed) is reported through emitError,
 * which makes n8n deactivate the workflow and retry it later.
 */
export async function startStreamTrigger(this: ITriggerFunctions, setup: StreamTriggerSetup): Promise<ITriggerResponse> {
	const missing = missingWebSocketMessage(setup.name);
	if (missing) {
		throw new NodeOperationError(this.getNode(), missing, {
			description: 'Node.js 22 and newer have a built-in WebSocket. Run n8n on Node.js 22 or later, or use the HTTP push trigger.',
		});
	}
	const deliveries = new DeliveryLog(DELIVERY_TTL_MS);
	const deliver: Deliver = (events) => {
		const fresh = events.filter((event) => event.deliveryId === undefined || deliveries.firstDelivery(event.deliveryId));
		if (fresh.length === 0) return true;
		try {
			this.emit([this.helpers.returnJsonArray(fresh.map((event) => event.item as IDataObject))]);
			return true;
		} catch (error) {
			for (const event of fresh) if (event.deliveryId !== undefined) deliveries.forget(event.deliveryId);
			this.logger.warn(`${setup.name}: the execution could not be started: ${forLog((error as Error).message, 300)}`);
			return false;
		}
	};

	// Made before subscribing: a protocol that cannot be made must not leave a subscription behind.
	const protocol = await setup.protocol.call(this, deliver);
	let unsubscribe: () => Promise<void>;
	try {
		unsubscribe = await setup.subscribe.call(this);
	} catch (error) {
		// As for the webhook triggers: newer n8n shows an activation failure by its message alone.
		throw withAdviceAsMessage(error);
	}
	const connection = openLongConnection(protocol, {
		onFatal: (error) => this.emitError(refusalError(this, error)),
		warn: (message) => this.logger.warn(message),
	});
	try {
		await connection.opened;
	} catch (error) {
		connection.close();
		await unsubscribe();
		throw refusalError(this, error as Error);
	}
	return {
		closeFunction: async () => {
			connection.close();
			await unsubscribe();
		},
		// "Listen for test event": the connection is open already; the first event ends the test.
		manualTriggerFunction: async () => undefined,
	};
}
