import { X509Certificate } from 'node:crypto';
import type { IWebhookFunctions } from 'n8n-workflow';
import { forLog } from '../shared/log';
import { getCallbackLink } from './api';
import { isCertificateCurrent, signatureDigestOf } from './crypto';

/**
 * SMN's signing certificates, fetched from the URL a message names. The URL is chosen by whoever sends
 * the message, so everything here is bounded: a forger who names a new URL with every message (all on
 * Huawei's own host, which the allow-list cannot tell apart) makes at most `fetchesPerWindow` outbound
 * requests per window for the whole process; concurrent messages naming one URL share one request; a
 * failed URL is remembered for `failureTtlMs`; and a certificate that verified a genuine message is
 * never pushed out of the cache by certificates that did not.
 */

/** A parsed signing certificate with what every message needs from it, read once. */
export interface CachedCertificate {
	certificate: X509Certificate;
	digest: string | undefined;
	validFrom: number;
	validTo: number;
}

/**
 * What one download gave: a PEM, a definitive refusal (the URL does not serve a usable certificate:
 * 3xx/4xx, not a PEM, expired) or a transient failure (network error, timeout, 5xx, 429).
 */
export type CertificateDownload =
	| { kind: 'pem'; pem: string }
	| { kind: 'invalid'; reason: string }
	| { kind: 'unavailable'; reason: string };

/**
 * `invalid`: the message cannot be genuine, answer 4xx. `unavailable`: it could not be checked now
 * (transient failure, or the fetch budget is spent), answer 5xx so that SMN delivers it again later.
 */
export type CertificateLookup =
	| { status: 'ok'; entry: CachedCertificate; fetched: boolean }
	| { status: 'invalid'; reason: string; fetched: boolean }
	| { status: 'unavailable'; reason: string; fetched: boolean; budgetExhausted?: boolean };

export interface CertificateStoreOptions {
	/** At most this many downloads (of distinct, uncached URLs) start within any `windowMs`. */
	fetchesPerWindow: number;
	windowMs: number;
	/** How long a failed URL is answered from memory. */
	failureTtlMs: number;
	/** Certificates kept; ones that verified a message are never evicted for others. */
	maxCertificates: number;
	/** Failed URLs kept (each one cost a budgeted download, so this fills slowly). */
	maxFailures: number;
	now?: () => number;
}

/** The defaults the trigger uses; see README (Huawei Cloud SMN). */
export const CERTIFICATE_FETCHES_PER_MINUTE = 10;
export const CERTIFICATE_FAILURE_TTL_MS = 60_000;

interface Failure {
	status: 'invalid' | 'unavailable';
	reason: string;
	until: number;
}

interface Entry extends CachedCertificate {
	/** Whether this certificate has verified a message (then it is never evicted for another). */
	proven: boolean;
}

export class CertificateStore {
	private readonly certificates = new Map<string, Entry>();
	private readonly failures = new Map<string, Failure>();
	private readonly inFlight = new Map<string, Promise<CertificateLookup>>();
	/** Start times of the downloads within the current window, oldest first. */
	private readonly fetchStarts: number[] = [];
	private budgetNoticeAt = Number.NEGATIVE_INFINITY;

	constructor(private readonly options: CertificateStoreOptions) {}

	private now(): number {
		return (this.options.now ?? Date.now)();
	}

	/**
	 * The certificate for a canonical URL (see canonicalCertificateUrl): from the cache, from a download
	 * already under way, or downloaded now if the budget allows. `download` must not throw.
	 */
	async lookup(url: string, download: (url: string) => Promise<CertificateDownload>): Promise<CertificateLookup> {
		const now = this.now();
		const cached = this.certificates.get(url);
		if (cached) {
			if (cached.validFrom <= now && now <= cached.validTo) return { status: 'ok', entry: cached, fetched: false };
			// Expired (or not yet valid): dropped, so that a renewed certificate at the same URL is picked up.
			this.certificates.delete(url);
		}
		const failure = this.failures.get(url);
		if (failure) {
			if (now < failure.until) return { status: failure.status, reason: failure.reason, fetched: false };
			this.failures.delete(url);
		}
		const pending = this.inFlight.get(url);
		if (pending) return { ...(await pending), fetched: false };

		if (!this.takeBudget(now)) {
			return { status: 'unavailable', reason: 'certificate fetch budget exhausted', fetched: false, budgetExhausted: true };
		}
		const started = this.download(url, download);
		this.inFlight.set(url, started);
		try {
			return await started;
		} finally {
			this.inFlight.delete(url);
		}
	}

	/** Marks a certificate as having verified a genuine message: from now on it is never evicted for another. */
	markProven(url: string): void {
		const entry = this.certificates.get(url);
		if (entry) entry.proven = true;
	}

	/** Whether the budget's exhaustion should be reported now: once per window, not once per message. */
	shouldReportExhaustedBudget(): boolean {
		const now = this.now();
		if (now - this.budgetNoticeAt < this.options.windowMs) return false;
		this.budgetNoticeAt = now;
		return true;
	}

	/** Whether a URL is cached as a current certificate (for tests and diagnostics). */
	has(url: string): boolean {
		return this.certificates.has(url);
	}

	/** Forgets everything, e.g. between tests. */
	reset(): void {
		this.certificates.clear();
		this.failures.clear();
		this.inFlight.clear();
		this.fetchStarts.length = 0;
		this.budgetNoticeAt = Number.NEGATIVE_INFINITY;
	}

	private takeBudget(now: number): boolean {
		while (this.fetchStarts.length > 0 && this.fetchStarts[0] <= now - this.options.windowMs) this.fetchStarts.shift();
		if (this.fetchStarts.length >= this.options.fetchesPerWindow) return false;
		this.fetchStarts.push(now);
		return true;
	}

	private async download(
		url: string,
		download: (url: string) => Promise<CertificateDownload>,
	): Promise<CertificateLookup> {
		let result: CertificateDownload;
		try {
			result = await download(url);
		} catch (error) {
			result = { kind: 'unavailable', reason: (error as Error)?.message ?? 'download failed' };
		}
		if (result.kind !== 'pem') return this.fail(url, result.kind, result.reason);
		let certificate: X509Certificate;
		try {
			certificate = new X509Certificate(result.pem);
		} catch {
			return this.fail(url, 'invalid', 'not an X.509 certificate');
		}
		if (!isCertificateCurrent(certificate, this.now())) return this.fail(url, 'invalid', 'certificate is not currently valid');
		const entry: Entry = {
			certificate,
			digest: signatureDigestOf(certificate),
			validFrom: Date.parse(certificate.validFrom),
			validTo: Date.parse(certificate.validTo),
			proven: false,
		};
		if (this.makeRoom()) this.certificates.set(url, entry);
		return { status: 'ok', entry, fetched: true };
	}

	private fail(url: string, status: 'invalid' | 'unavailable', reason: string): CertificateLookup {
		this.failures.delete(url);
		this.failures.set(url, { status, reason, until: this.now() + this.options.failureTtlMs });
		while (this.failures.size > this.options.maxFailures) {
			this.failures.delete(this.failures.keys().next().value as string);
		}
		return { status, reason, fetched: true };
	}

	/**
	 * Frees a slot for a new certificate: an expired one first, then the oldest one that never verified a
	 * message. When every slot holds a proven, current certificate, the new one is used but not kept.
	 */
	private makeRoom(): boolean {
		if (this.certificates.size < this.options.maxCertificates) return true;
		const now = this.now();
		for (const [url, entry] of this.certificates) {
			if (now > entry.validTo || now < entry.validFrom) {
				this.certificates.delete(url);
				return true;
			}
		}
		for (const [url, entry] of this.certificates) {
			if (!entry.proven) {
				this.certificates.delete(url);
				return true;
			}
		}
		return false;
	}
}

/** The process-wide store the trigger uses: the budget is per process, shared by every SMN trigger in it. */
export const smnCertificates = new CertificateStore({
	fetchesPerWindow: CERTIFICATE_FETCHES_PER_MINUTE,
	windowMs: 60_000,
	failureTtlMs: CERTIFICATE_FAILURE_TTL_MS,
	maxCertificates: 32,
	maxFailures: 256,
});

const MAX_CERTIFICATE_BYTES = 16 * 1024;

/** One GET of a certificate URL (already canonical and allow-listed); never throws. */
async function downloadCertificate(context: IWebhookFunctions, url: string): Promise<CertificateDownload> {
	let outcome: CertificateDownload;
	try {
		const response = await getCallbackLink(context, url, { encoding: 'text' });
		const pem = typeof response.body === 'string' ? response.body : '';
		const status = response.statusCode;
		if (status === 429 || status >= 500) outcome = { kind: 'unavailable', reason: `HTTP ${status}` };
		else if (status !== 200) outcome = { kind: 'invalid', reason: `HTTP ${status}` };
		else if (pem.length === 0 || pem.length > MAX_CERTIFICATE_BYTES) outcome = { kind: 'invalid', reason: `a body of ${pem.length} characters` };
		else return { kind: 'pem', pem };
	} catch (error) {
		outcome = { kind: 'unavailable', reason: (error as Error)?.message ?? 'request failed' };
	}
	context.logger.warn(`SMN signing certificate ${forLog(url)} could not be loaded: ${forLog(outcome.reason)}`);
	return outcome;
}

/** The certificate at a canonical, allow-listed URL, from the process-wide store or downloaded now. */
export async function lookupCertificate(context: IWebhookFunctions, url: string): Promise<CertificateLookup> {
	const lookup = await smnCertificates.lookup(url, (certificateUrl) => downloadCertificate(context, certificateUrl));
	if (lookup.status === 'unavailable' && lookup.budgetExhausted && smnCertificates.shouldReportExhaustedBudget()) {
		context.logger.warn(
			`SMN Trigger: more than ${CERTIFICATE_FETCHES_PER_MINUTE} new signing certificate URLs within a minute; messages naming an uncached certificate are answered 503 until the minute is over`,
		);
	}
	return lookup;
}
