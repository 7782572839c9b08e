/**
 * The pbbp2.Frame codec against the hand-computed vectors of the SDK findings (§3) and against protobufjs
 * with the .proto written out here, independently of the node's code, in both directions.
 */
import protobuf from 'protobufjs';
import { decodeFrame, encodeFrame, FrameError, headerOf, type Frame } from '../../../nodes/Feishu/frame';
import { pingFrame, replyFrame } from '../../../nodes/Feishu/long-connection';

const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

// Feishu's descriptor (oapi-sdk-python pb/pbbp2_pb2.py, oapi-sdk-go ws/pbbp2.pb.go), written out by hand.
const PROTO = `
syntax = "proto2";
package pbbp2;
message Header { required string key = 1; required string value = 2; }
message Frame {
  required uint64 SeqID = 1;
  required uint64 LogID = 2;
  required int32 service = 3;
  required int32 method = 4;
  repeated Header headers = 5;
  optional string payload_encoding = 6;
  optional string payload_type = 7;
  optional bytes payload = 8;
  optional string LogIDNew = 9;
}`;
const PbFrame = protobuf.parse(PROTO, { keepCase: true }).root.lookupType('pbbp2.Frame');

interface PbFrameObject {
	SeqID: string;
	LogID: string;
	service: number;
	method: number;
	headers: Array<{ key: string; value: string }>;
	payload_encoding?: string;
	payload_type?: string;
	payload?: Uint8Array;
	LogIDNew?: string;
}

const pbEncode = (object: PbFrameObject) => PbFrame.encode(PbFrame.fromObject(object)).finish();
const pbDecode = (bytes: Uint8Array) =>
	PbFrame.toObject(PbFrame.decode(bytes), { longs: String, bytes: Array, defaults: false }) as Omit<PbFrameObject, 'payload'> & { payload?: number[] };

const V1 = hex('08 00 10 00 18 f6 81 80 10 20 00 2a 0c 0a 04 74 79 70 65 12 04 70 69 6e 67');
const V1b = hex('08 00 10 00 18 f6 81 80 10 20 00 2a 0c 0a 04 74 79 70 65 12 04 70 69 6e 67 32 00 3a 00 4a 00');
const V2 = hex(`08 01 10 ac 02 18 f6 81 80 10 20 01
	2a 0d 0a 04 74 79 70 65 12 05 65 76 65 6e 74
	2a 10 0a 0a 6d 65 73 73 61 67 65 5f 69 64 12 02 6d 31
	2a 08 0a 03 73 75 6d 12 01 31
	2a 08 0a 03 73 65 71 12 01 30
	2a 0e 0a 08 74 72 61 63 65 5f 69 64 12 02 74 31
	42 07 7b 22 61 22 3a 31 7d`);
const V3 = hex(`08 01 10 ac 02 18 f6 81 80 10 20 01
	2a 0d 0a 04 74 79 70 65 12 05 65 76 65 6e 74
	2a 10 0a 0a 6d 65 73 73 61 67 65 5f 69 64 12 02 6d 31
	2a 08 0a 03 73 75 6d 12 01 31
	2a 08 0a 03 73 65 71 12 01 30
	2a 0e 0a 08 74 72 61 63 65 5f 69 64 12 02 74 31
	2a 0b 0a 06 62 69 7a 5f 72 74 12 01 35
	42 0c 7b 22 63 6f 64 65 22 3a 32 30 30 7d`);
const V4 = hex('08 02 10 b9 99 c8 e4 cb ff 9e bc 69 18 f6 81 80 10 20 01 2a 0d 0a 04 74 79 70 65 12 05 65 76 65 6e 74 42 02 7b 7d');
const SERVICE = 33554678;

const utf8 = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

describe('Feishu frame codec: the hand-made vectors', () => {
	it('V1 and V1b (the Go SDK\'s empty 6/7/9) decode to the same ping, and the ping frame is V1 byte for byte', () => {
		const ping = decodeFrame(V1);
		expect(ping).toEqual({
			seqId: 0n,
			logId: 0n,
			service: SERVICE,
			method: 0,
			headers: [{ key: 'type', value: 'ping' }],
			payloadEncoding: '',
			payloadType: '',
			payload: new Uint8Array(0),
			logIdNew: '',
		});
		expect(decodeFrame(V1b)).toEqual(ping);
		expect(toHex(pingFrame(SERVICE))).toBe(toHex(V1));
		expect(toHex(encodeFrame(decodeFrame(V1b)))).toBe(toHex(V1));
	});

	it('V2 decodes to the event frame and re-encodes to the same 90 bytes', () => {
		expect(V2).toHaveLength(90);
		const frame = decodeFrame(V2);
		expect(frame).toMatchObject({ seqId: 1n, logId: 300n, service: SERVICE, method: 1 });
		expect(frame.headers).toEqual([
			{ key: 'type', value: 'event' },
			{ key: 'message_id', value: 'm1' },
			{ key: 'sum', value: '1' },
			{ key: 'seq', value: '0' },
			{ key: 'trace_id', value: 't1' },
		]);
		expect(utf8(frame.payload)).toBe('{"a":1}');
		expect(toHex(encodeFrame(frame))).toBe(toHex(V2));
	});

	it('the reply to V2 (biz_rt 5, payload {"code":200}) is V3 byte for byte', () => {
		expect(V3).toHaveLength(108);
		expect(toHex(replyFrame(decodeFrame(V2), 200, 5))).toBe(toHex(V3));
	});

	it('V4 keeps a LogID above 2^53 exactly through decode and encode', () => {
		const frame = decodeFrame(V4);
		expect(frame.logId).toBe(7599960696613375161n);
		expect(toHex(encodeFrame(frame))).toBe(toHex(V4));
		expect(toHex(encodeFrame(frame))).toContain('b999c8e4cbff9ebc69');
	});

	it('reads a 10-byte varint (2^64 − 1), negative int32 values, fields in any order, repeated fields, and skips unknown ones', () => {
		const max = hex('08 ff ff ff ff ff ff ff ff ff 01 10 00 18 00 20 01');
		expect(decodeFrame(max).seqId).toBe(2n ** 64n - 1n);
		expect(toHex(encodeFrame(decodeFrame(max)))).toBe(toHex(max));

		const negative = encodeFrame({ seqId: 0n, logId: 0n, service: -1, method: -2147483648, headers: [] });
		expect(decodeFrame(negative)).toMatchObject({ service: -1, method: -2147483648 });
		expect(toHex(negative)).toContain('18ffffffffffffffffff01');

		// payload first, then method, a header, unknown fields of wire types 0, 1, 2 and 5, LogID, service, SeqID.
		const shuffled = hex(`42 02 7b 7d 20 01 2a 0d 0a 04 74 79 70 65 12 05 65 76 65 6e 74
			50 01 59 01 02 03 04 05 06 07 08 62 03 61 62 63 6d 01 02 03 04
			10 b9 99 c8 e4 cb ff 9e bc 69 18 f6 81 80 10 08 02`);
		expect(decodeFrame(shuffled)).toEqual(decodeFrame(V4));

		// A field that repeats: the last value wins, repeated headers append; an unknown field inside a header is skipped.
		const repeated = hex('08 05 08 02 10 00 18 00 20 00 2a 0a 0a 01 61 12 01 31 50 07 3a 00 2a 06 0a 01 61 12 01 32');
		const frame = decodeFrame(repeated);
		expect(frame.seqId).toBe(2n);
		expect(frame.headers).toEqual([
			{ key: 'a', value: '1' },
			{ key: 'a', value: '2' },
		]);
		expect(headerOf(frame, 'a')).toBe('2');
	});

	it('accepts an ArrayBuffer, as the WebSocket delivers binary frames', () => {
		const buffer = V2.buffer.slice(V2.byteOffset, V2.byteOffset + V2.byteLength);
		expect(decodeFrame(buffer)).toEqual(decodeFrame(V2));
	});
});

describe('Feishu frame codec: truncated and invalid input', () => {
	const invalid: Array<[string, Uint8Array, RegExp]> = [
		['empty input (no required field)', new Uint8Array(0), /lacks its required field\(s\) seqId, logId, service, method/],
		['only SeqID and LogID', hex('08 01 10 02'), /lacks its required field\(s\) service, method/],
		['a varint cut off', hex('08 ff ff'), /ends inside a varint/],
		['a varint of 11 bytes', hex('08 ff ff ff ff ff ff ff ff ff ff 01'), /longer than 10 bytes/],
		['a tag cut off', hex('08 00 10 00 18 00 20 00 80'), /ends inside a varint/],
		['a length beyond the end', hex('08 00 10 00 18 00 20 00 42 05 7b 7d'), /announces 5 bytes but only 2 follow/],
		['a huge length', hex('08 00 10 00 18 00 20 00 42 ff ff ff ff 0f'), /announces 4294967295 bytes/],
		['a header cut off', hex('08 00 10 00 18 00 20 00 2a 0c 0a 04 74 79'), /announces 12 bytes but only 4 follow/],
		['a header without value', hex('08 00 10 00 18 00 20 00 2a 06 0a 04 74 79 70 65'), /lacks its key or its value/],
		['a header announcing more than it holds', hex('08 00 10 00 18 00 20 00 2a 04 0a 05 74 79'), /frame header announces 5 bytes/],
		['a fixed64 field cut off', hex('08 00 10 00 18 00 20 00 51 01 02'), /ends inside a fixed-size field/],
		['a fixed32 field cut off', hex('08 00 10 00 18 00 20 00 55 01'), /ends inside a fixed-size field/],
		['the group wire type 3', hex('08 00 10 00 18 00 20 00 53'), /wire type 3/],
		['the wire type 7', hex('08 00 10 00 18 00 20 00 57'), /wire type 7/],
		['field number 0', hex('00 01'), /field numbered 0/],
		['SeqID with the bytes wire type', hex('0a 01 00 10 00 18 00 20 00'), /field 1 has wire type 2, expected 0/],
		['payload with the varint wire type', hex('08 00 10 00 18 00 20 00 40 01'), /field 8 has wire type 0, expected 2/],
	];

	it.each(invalid)('%s → a FrameError that says so', (_label, bytes, message) => {
		expect(() => decodeFrame(bytes)).toThrow(FrameError);
		expect(() => decodeFrame(bytes)).toThrow(message);
	});

	it('every prefix of a valid frame either decodes or fails with a FrameError, never anything else', () => {
		for (const vector of [V1b, V2, V3, V4]) {
			for (let length = 0; length < vector.length; length++) {
				try {
					decodeFrame(vector.subarray(0, length));
				} catch (error) {
					expect(error).toBeInstanceOf(FrameError);
				}
			}
		}
	});

	it('random bytes never throw anything but a FrameError', () => {
		let seed = 12345;
		const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
		let rejected = 0;
		for (let i = 0; i < 2000; i++) {
			const bytes = Uint8Array.from({ length: 1 + (i % 64) }, next);
			try {
				decodeFrame(bytes);
			} catch (error) {
				expect(error).toBeInstanceOf(FrameError);
				rejected++;
			}
		}
		expect(rejected).toBeGreaterThan(1900);
	});
});

describe('Feishu frame codec against protobufjs (an independent encoder)', () => {
	let seed = 42;
	const random = (limit: number) => (seed = (seed * 48271) % 2147483647) % limit;
	const text = () => Array.from({ length: random(12) }, () => 'ab_-中文✓0'.charAt(random(10))).join('');
	const bigUint64 = () => (BigInt(random(2 ** 31)) << 33n) ^ (BigInt(random(2 ** 31)) << 2n) ^ BigInt(random(4));

	function randomFrame(): PbFrameObject {
		const object: PbFrameObject = {
			SeqID: String(bigUint64()),
			LogID: String(random(3) === 0 ? 2n ** 64n - 1n : bigUint64()),
			service: random(2) === 0 ? random(2 ** 31) : -random(2 ** 31),
			method: random(2),
			headers: Array.from({ length: random(6) }, () => ({ key: text(), value: text() })),
		};
		if (random(2)) object.payload = Uint8Array.from({ length: 1 + random(300) }, () => random(256));
		if (random(3) === 0) object.payload_encoding = `enc${text()}`;
		if (random(3) === 0) object.payload_type = `type${text()}`;
		if (random(3) === 0) object.LogIDNew = `new${text()}`;
		return object;
	}

	const asNodeFrame = (object: PbFrameObject): Frame => ({
		seqId: BigInt(object.SeqID),
		logId: BigInt(object.LogID),
		service: object.service,
		method: object.method,
		headers: object.headers,
		payloadEncoding: object.payload_encoding ?? '',
		payloadType: object.payload_type ?? '',
		payload: object.payload ?? new Uint8Array(0),
		logIdNew: object.LogIDNew ?? '',
	});

	it('protobufjs encodes the vectors to the same bytes (the vectors are right)', () => {
		const v2 = pbEncode({
			SeqID: '1',
			LogID: '300',
			service: SERVICE,
			method: 1,
			headers: [
				{ key: 'type', value: 'event' },
				{ key: 'message_id', value: 'm1' },
				{ key: 'sum', value: '1' },
				{ key: 'seq', value: '0' },
				{ key: 'trace_id', value: 't1' },
			],
			payload: Buffer.from('{"a":1}'),
		});
		expect(toHex(v2)).toBe(toHex(V2));
		expect(toHex(pbEncode({ SeqID: '2', LogID: '7599960696613375161', service: SERVICE, method: 1, headers: [{ key: 'type', value: 'event' }], payload: Buffer.from('{}') }))).toBe(
			toHex(V4),
		);
		// The Go SDK's form: empty 6, 7 and 9 written out.
		expect(toHex(pbEncode({ SeqID: '0', LogID: '0', service: SERVICE, method: 0, headers: [{ key: 'type', value: 'ping' }], payload_encoding: '', payload_type: '', LogIDNew: '' }))).toBe(
			toHex(V1b),
		);
	});

	it('decodes 500 random frames that protobufjs encoded', () => {
		for (let i = 0; i < 500; i++) {
			const object = randomFrame();
			expect(decodeFrame(pbEncode(object))).toEqual(asNodeFrame(object));
		}
	});

	it('encodes 500 random frames that protobufjs decodes to the same fields, and to the same bytes', () => {
		for (let i = 0; i < 500; i++) {
			const object = randomFrame();
			const encoded = encodeFrame(asNodeFrame(object));
			const decoded = pbDecode(encoded);
			expect({ ...decoded, headers: decoded.headers ?? [], payload: decoded.payload ? Uint8Array.from(decoded.payload) : undefined }).toEqual({
				...object,
				payload: object.payload ? Uint8Array.from(object.payload) : undefined,
			});
			expect(toHex(encoded)).toBe(toHex(pbEncode(object)));
		}
	});

	it('a reply that protobufjs reads carries the ids, the headers plus biz_rt, and {"code":500}', () => {
		const event = pbEncode({
			SeqID: '18446744073709551615',
			LogID: '7599960696613375161',
			service: SERVICE,
			method: 1,
			headers: [
				{ key: 'type', value: 'event' },
				{ key: 'message_id', value: 'msg-9' },
				{ key: 'trace_id', value: 'trace-9' },
			],
			payload: Buffer.from('{"schema":"2.0"}'),
		});
		const reply = pbDecode(replyFrame(decodeFrame(event), 500, 12.4));
		expect(reply).toMatchObject({ SeqID: '18446744073709551615', LogID: '7599960696613375161', service: SERVICE, method: 1 });
		expect(reply.headers).toEqual([
			{ key: 'type', value: 'event' },
			{ key: 'message_id', value: 'msg-9' },
			{ key: 'trace_id', value: 'trace-9' },
			{ key: 'biz_rt', value: '12' },
		]);
		expect(Buffer.from(reply.payload ?? []).toString()).toBe('{"code":500}');
	});
});
