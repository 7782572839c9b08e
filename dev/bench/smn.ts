/**
 * Huawei Cloud SMN callback benchmark case: JSON shape, topic and replay checks, certificate URL pinning,
 * RSA signature over the string to sign with a cached certificate, de-duplication, one item per message.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import type { IWebhookResponseData } from 'n8n-workflow';
import type { smnCertificates as SmnCertificates } from '../../nodes/HuaweiSmn/certificates';
import type { HuaweiSmnTrigger as HuaweiSmnTriggerType } from '../../nodes/HuaweiSmn/HuaweiSmnTrigger.node';
import { createSelfSignedCertificate, signSmnMessage, smnStringToSign, type SelfSignedCertificate, type SmnMessage } from '../emulator/smn-crypto';
import { fromDist, webhookContext, type Bench, type BenchContext, type HttpRequestStub } from './context';

const dist = path.join(__dirname, '..', '..', 'dist', 'nodes', 'HuaweiSmn');
const REGION = 'cn-north-4';
const TOPIC = `urn:smn:${REGION}:0919a0fb38f24ff5b3e8c4a1b2c3d4e5:orders`;
const SUBSCRIPTION = `${TOPIC}:7b1a2ab5f3b84b6ca2a1f5d4e3c2b1a0`;
// More messages than the trigger's de-duplication log keeps (10,000), so each counts as new when it
// comes round again. Signing them (RSA-2048) is the slow part of setting the case up, and is not measured.
const MESSAGES = 10_240;

const certificateUrl = () => `https://smn.${REGION}.myhuaweicloud.com/smn/SMN_${REGION}_${crypto.randomBytes(16).toString('hex')}.pem`;

function signedMessage(certificate: SelfSignedCertificate, url: string, i: number): SmnMessage {
	const message: SmnMessage = {
		signing_cert_url: url,
		type: 'Notification',
		topic_urn: TOPIC,
		message_id: crypto.randomBytes(16).toString('hex'),
		message: JSON.stringify({ order: i, status: 'shipped', city: 'Shenzhen' }),
		subject: 'Order update',
		timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
		signature_version: 'v1',
	};
	message.signature = signSmnMessage(message, certificate.privateKey);
	return message;
}

/** Serves one PEM for one URL, as SMN's certificate host would, and counts the downloads. */
function certificateServer(url: string, pem: string): HttpRequestStub & { downloads: number } {
	const server = Object.assign(
		async (options: { url: string }) => {
			if (options.url !== url) throw new Error(`unexpected download of ${options.url}`);
			server.downloads++;
			return { statusCode: 200, headers: {}, body: pem };
		},
		{ downloads: 0 },
	);
	return server;
}

function request(message: SmnMessage) {
	const rawBody = Buffer.from(JSON.stringify(message));
	return {
		headers: { 'content-type': 'application/json', 'x-smn-message-type': String(message.type), 'x-smn-subscription-urn': SUBSCRIPTION },
		body: JSON.parse(rawBody.toString('utf8')),
		rawBody,
	};
}

const parameters = { topic: TOPIC };
const credentials = { region: REGION, authType: 'aksk' };
const accepted = (result: IWebhookResponseData, response: BenchContext['response']) =>
	response.statusCode === 200 && Array.isArray(result.workflowData) && result.workflowData[0].length === 1;

export const smnBench: Bench = {
	name: 'Huawei Cloud SMN',
	async callbackCase() {
		const { HuaweiSmnTrigger } = await fromDist<{ HuaweiSmnTrigger: typeof HuaweiSmnTriggerType }>(path.join(dist, 'HuaweiSmnTrigger.node.js'));
		const { smnCertificates } = await fromDist<{ smnCertificates: typeof SmnCertificates }>(path.join(dist, 'certificates.js'));
		const trigger = new HuaweiSmnTrigger();
		const certificate = createSelfSignedCertificate({ commonName: `smn.${REGION}.myhuaweicloud.com` });
		const url = certificateUrl();
		const messages = Array.from({ length: MESSAGES }, (_, i) => signedMessage(certificate, url, i));
		const requests = messages.map(request);

		// The certificate is downloaded once, by a message that is not part of the measured set; after
		// that the measured contexts have no httpRequest at all (any download would throw and reject).
		const serve = certificateServer(url, certificate.pem);
		const primer = webhookContext({ parameters, credentials, request: request(signedMessage(certificate, url, -1)), httpRequest: serve });
		if (!accepted(await trigger.webhook.call(primer), primer.response) || serve.downloads !== 1) {
			throw new Error('Huawei Cloud SMN: the primer message was not accepted with one certificate download');
		}

		// The same node:crypto work on the same bytes: RSA-SHA256 verification of each message's string
		// to sign against the certificate's public key (the X.509 parse and key extraction are cached,
		// as in the trigger; the Base64 decoding and string building are not crypto and are left out).
		const publicKey = new crypto.X509Certificate(certificate.pem).publicKey;
		const signed = messages.map((message) => ({ text: smnStringToSign(message), signature: Buffer.from(String(message.signature), 'base64') }));
		for (const { text, signature } of signed.slice(0, 8)) {
			if (!crypto.createVerify('RSA-SHA256').update(text, 'utf8').verify(publicKey, signature)) throw new Error('ceiling does not verify');
		}

		return {
			trigger,
			contextFor: (i) => ({ parameters, credentials, request: requests[i % requests.length] }),
			ceiling: (i) => {
				const { text, signature } = signed[i % signed.length];
				crypto.createVerify('RSA-SHA256').update(text, 'utf8').verify(publicKey, signature);
			},
			accepted,
			/** Milliseconds for a message whose certificate is not cached yet (download stubbed, parse, verify); median of 15. */
			async uncached() {
				const samples: number[] = [];
				// The trigger starts at most 10 certificate downloads a minute per process; each sample measures
				// one download, not that budget, so it starts afresh.
				for (let n = 0; n < 15; n++) {
					smnCertificates.reset();
					const freshUrl = certificateUrl();
					const serveFresh = certificateServer(freshUrl, certificate.pem);
					const context = webhookContext({ parameters, credentials, request: request(signedMessage(certificate, freshUrl, n)), httpRequest: serveFresh });
					const start = performance.now();
					const result = await trigger.webhook.call(context);
					samples.push(performance.now() - start);
					if (!accepted(result, context.response) || serveFresh.downloads !== 1) throw new Error('Huawei Cloud SMN: an uncached message was not accepted with one download');
				}
				return samples.sort((a, b) => a - b)[7];
			},
		};
	},
};
