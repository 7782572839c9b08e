import { sleep } from 'n8n-workflow';

/**
 * Timings of the shared connection loop; tunable so that tests need not wait real seconds. Vendors can
 * override the reconnect delays (Feishu's server sends its own), never the watch interval.
 */
export const connectionPolicy = {
	/** How often an open connection is checked for silence and given its periodic work (pings). */
	watchIntervalMs: 1_000,
	/** How long a WebSocket may take to open before the attempt counts as failed. */
	openTimeoutMs: 15_000,
	/** Reconnect back-off: base · 2^attempt, capped, with up to 100 % jitter on top of the base. */
	baseDelayMs: 1_000,
	maxDelayMs: 60_000,
	/**
	 * Failed attempts after which the first connection gives up, so that activation fails with the reason
	 * instead of waiting for ever (n8n activates workflows one after another, so a hung one holds up the rest).
	 */
	firstOpenAttempts: 3,
};

/** The vendor refused in a way that retrying cannot fix (wrong secret, app banned): stop and report. */
export class ConnectionRefused extends Error {
	constructor(
		message: string,
		readonly description: string,
	) {
		super(message);
	}
}

/** One open connection, as the vendor protocol sees it. */
export interface ConnectionLink {
	send(data: string | Uint8Array): void;
	/** Opens a new connection at once and ends this one (the vendor asked to move, e.g. DingTalk's disconnect). */
	renew(reason: string): void;
}

/** What a vendor's long-connection protocol tells the shared loop. */
export interface LongConnectionProtocol {
	/** Named in log lines and errors, e.g. "DingTalk Stream". */
	name: string;
	/** Asks the vendor for a fresh WebSocket URL (a ticket is good for one connection); throws ConnectionRefused when retrying is pointless. */
	openEndpoint(): Promise<string>;
	/** Feishu's frames are protobuf; DingTalk's are JSON text. */
	binaryFrames: boolean;
	/** Silence longer than this means the connection is half-open: it is dropped and replaced. */
	idleTimeoutMs(): number;
	/** Delay before reconnect attempt `attempt` (0-based) after a failure, or undefined to give up. */
	reconnectDelayMs?(attempt: number): number | undefined;
	/** Failed attempts after which the first connection gives up; connectionPolicy.firstOpenAttempts when not given. */
	readonly firstOpenAttempts?: number;
	onOpen?(link: ConnectionLink): void;
	onFrame(frame: string | ArrayBuffer, link: ConnectionLink): void;
	/** Called every watch interval while open (Feishu pings from here). */
	onWatch?(link: ConnectionLink, now: number): void;
}

export interface ConnectionEvents {
	/** Called once for a refusal that ends the connection for good, after the first connection opened. */
	onFatal(error: ConnectionRefused): void;
	warn(message: string): void;
}

export interface LongConnection {
	/** Settles once the first connection is open, or rejects with why it could not be opened. */
	readonly opened: Promise<void>;
	/** Connections opened so far, and how many of them replaced an earlier one. */
	readonly stats: { connected: number; reconnected: number };
	/** Stops every loop and closes the socket; never waits for the peer's close frame (a silent peer sends none). */
	close(): void;
}

/** Back-off with jitter, so that many triggers that lost one server do not come back in the same instant. */
export function backoffWithJitterMs(attempt: number, random = Math.random): number {
	const exponential = connectionPolicy.baseDelayMs * 2 ** Math.min(attempt, 16);
	return Math.min(connectionPolicy.maxDelayMs, exponential + random() * connectionPolicy.baseDelayMs);
}

/** The sentence a builder sees on a Node without a global WebSocket (before 22, or with it switched off). */
export function missingWebSocketMessage(name: string): string | undefined {
	return typeof WebSocket === 'function'
		? undefined
		: `${name} needs Node.js 22 or newer (its built-in WebSocket); this n8n runs on an older Node.js, so use HTTP push instead`;
}

/**
 * Keeps one WebSocket to a vendor open for a trigger: fetches an endpoint, connects, watches for silence,
 * and on any loss fetches a new endpoint and connects again with back-off, until close() is called. Each
 * connection has its own generation, so a socket that was given up can no longer reach the protocol.
 */
export function openLongConnection(protocol: LongConnectionProtocol, events: ConnectionEvents): LongConnection {
	let closed = false;
	let endCurrent: ((reason: string) => void) | undefined;
	const wakers = new Set<() => void>();
	const stats = { connected: 0, reconnected: 0 };

	let settleFirst: { resolve: () => void; reject: (error: Error) => void } | undefined;
	const opened = new Promise<void>((resolve, reject) => (settleFirst = { resolve, reject }));
	// Nobody may be waiting for the first outcome any more; it must not become an unhandled rejection.
	opened.catch(() => undefined);

	/** Waits, but returns at once when the trigger is closed: n8n-workflow's sleep cannot be aborted. */
	const pause = async (ms: number) => {
		let wake: () => void = () => undefined;
		const woken = new Promise<void>((resolve) => (wake = resolve));
		wakers.add(wake);
		await Promise.race([sleep(ms), woken]);
		wakers.delete(wake);
	};

	/** Ends the loop for good: the first activation fails with it, a running trigger reports it. */
	const giveUp = (error: ConnectionRefused) => {
		if (settleFirst) settleFirst.reject(error);
		else if (!closed) events.onFatal(error);
		settleFirst = undefined;
	};

	/** One connection, from opening to its end: whether it opened, and why it ended. */
	const connectOnce = async (url: string): Promise<{ opened: boolean; reason: string }> => {
		const socket = new WebSocket(url);
		if (protocol.binaryFrames) socket.binaryType = 'arraybuffer';
		let isOpen = false;
		let lastInboundAt = Date.now();
		let ended = false;
		const ending = new Promise<string>((resolve) => {
			endCurrent = (reason) => {
				if (ended) return;
				ended = true;
				endCurrent = undefined;
				try {
					socket.close();
				} catch {
					// A socket that is still connecting cannot always be closed; it is given up all the same.
				}
				resolve(reason);
			};
		});
		const end = (reason: string) => endCurrent !== undefined && !ended && endCurrent(reason);
		const link: ConnectionLink = {
			send: (data) => {
				if (!ended && socket.readyState === WebSocket.OPEN) socket.send(data);
			},
			renew: (reason) => end(`renewed: ${reason}`),
		};
		socket.addEventListener('open', () => {
			if (ended) return;
			isOpen = true;
			lastInboundAt = Date.now();
			stats.connected++;
			if (stats.connected > 1) stats.reconnected++;
			settleFirst?.resolve();
			settleFirst = undefined;
			protocol.onOpen?.(link);
		});
		socket.addEventListener('message', (message: MessageEvent) => {
			if (ended) return;
			lastInboundAt = Date.now();
			try {
				protocol.onFrame(message.data as string | ArrayBuffer, link);
			} catch (error) {
				events.warn(`${protocol.name}: a frame could not be handled: ${(error as Error).message}`);
			}
		});
		socket.addEventListener('close', (close: { code: number }) => end(`closed by the server (code ${close.code})`));
		socket.addEventListener('error', () => end('connection error'));

		const openDeadline = Date.now() + connectionPolicy.openTimeoutMs;
		while (!ended) {
			await pause(connectionPolicy.watchIntervalMs);
			if (ended) break;
			const now = Date.now();
			if (!isOpen && now > openDeadline) end('the connection did not open in time');
			else if (isOpen && now - lastInboundAt > protocol.idleTimeoutMs()) end(`silent for ${Math.round((now - lastInboundAt) / 1000)} s`);
			else if (isOpen) protocol.onWatch?.(link, now);
		}
		return { opened: isOpen, reason: await ending };
	};

	const run = async () => {
		let failures = 0;
		while (!closed) {
			let outcome: { opened: boolean; reason: string };
			try {
				const url = await protocol.openEndpoint();
				if (closed) return;
				outcome = await connectOnce(url);
			} catch (error) {
				if (error instanceof ConnectionRefused) return giveUp(error);
				outcome = { opened: false, reason: (error as Error).message };
			}
			if (closed) return;
			if (outcome.opened) failures = 0;
			if (settleFirst && failures + 1 >= (protocol.firstOpenAttempts ?? connectionPolicy.firstOpenAttempts)) {
				return giveUp(
					new ConnectionRefused(
						`${protocol.name} could not connect (${outcome.reason})`,
						`${failures + 1} attempts to connect failed. Check the network path to the vendor and the app's long-connection setting in the developer console, then activate the workflow again.`,
					),
				);
			}
			// A connection the vendor asked to move is replaced at once, without back-off.
			if (outcome.reason.startsWith('renewed')) continue;
			const delay = protocol.reconnectDelayMs ? protocol.reconnectDelayMs(failures) : backoffWithJitterMs(failures);
			if (delay === undefined) {
				return giveUp(
					new ConnectionRefused(
						`${protocol.name} kept refusing the connection (${outcome.reason})`,
						`Reconnecting was given up after ${failures + 1} attempts. Check the app's credentials and its long-connection setting in the developer console, then activate the workflow again.`,
					),
				);
			}
			events.warn(`${protocol.name} connection ended (${outcome.reason}); reconnecting in ${Math.round(delay)} ms`);
			failures++;
			await pause(delay);
		}
	};
	void run();

	return {
		opened,
		stats,
		close() {
			closed = true;
			endCurrent?.('closed by the trigger');
			for (const wake of wakers) wake();
			settleFirst?.reject(new Error(`${protocol.name} was closed before it connected`));
			settleFirst = undefined;
		},
	};
}
