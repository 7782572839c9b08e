/**
 * The one protobuf message of Feishu's long connection, pbbp2.Frame (proto2), encoded and decoded by hand
 * so that the pack needs no runtime dependency:
 *
 *   1 SeqID uint64 · 2 LogID uint64 · 3 service int32 · 4 method int32 (0 control, 1 data)
 *   5 repeated Header { 1 key string, 2 value string } · 6 payload_encoding string · 7 payload_type string
 *   8 payload bytes · 9 LogIDNew string
 *
 * SeqID and LogID are kept as BigInt, so that a reply echoes ids above 2^53 exactly (Feishu's Node SDK
 * reads them as numbers and rounds them). Fields 1–4 are required, as in every official SDK; a header needs
 * both key and value. Fields may come in any order, unknown fields of wire types 0, 1, 2 and 5 are skipped,
 * and the Go SDK's empty fields 6, 7 and 9 read the same as absent ones. Anything else is a FrameError.
 */

export interface FrameHeader {
	key: string;
	value: string;
}

export interface Frame {
	seqId: bigint;
	logId: bigint;
	service: number;
	method: number;
	headers: FrameHeader[];
	/** '' when absent. */
	payloadEncoding: string;
	payloadType: string;
	/** Empty when absent. */
	payload: Uint8Array;
	logIdNew: string;
}

export const FRAME_METHOD = { control: 0, data: 1 } as const;

/** A frame that is not a well-formed pbbp2.Frame: truncated, with an invalid wire type, or missing a required field. */
export class FrameError extends Error {}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

class Reader {
	offset = 0;

	constructor(
		private readonly bytes: Uint8Array,
		private readonly end = bytes.length,
		private readonly what = 'frame',
	) {}

	get done(): boolean {
		return this.offset >= this.end;
	}

	varint(): bigint {
		let value = 0n;
		for (let index = 0; index < 10; index++) {
			if (this.offset >= this.end) throw new FrameError(`The ${this.what} ends inside a varint`);
			const byte = this.bytes[this.offset++];
			value |= BigInt(byte & 0x7f) << BigInt(7 * index);
			if ((byte & 0x80) === 0) return BigInt.asUintN(64, value);
		}
		throw new FrameError(`The ${this.what} has a varint longer than 10 bytes`);
	}

	/** A varint that counts bytes (a length); bounded by what is left. */
	length(): number {
		const length = this.varint();
		if (length > BigInt(this.end - this.offset)) {
			throw new FrameError(`The ${this.what} announces ${length} bytes but only ${this.end - this.offset} follow`);
		}
		return Number(length);
	}

	bytesField(): Uint8Array {
		const length = this.length();
		const slice = this.bytes.subarray(this.offset, this.offset + length);
		this.offset += length;
		return slice;
	}

	skip(count: number): void {
		if (this.end - this.offset < count) throw new FrameError(`The ${this.what} ends inside a fixed-size field`);
		this.offset += count;
	}

	/** The next field's number and wire type. */
	tag(): { field: number; wireType: number } {
		const tag = this.varint();
		const field = Number(tag >> 3n);
		const wireType = Number(tag & 7n);
		if (field === 0) throw new FrameError(`The ${this.what} has a field numbered 0`);
		return { field, wireType };
	}

	skipField(wireType: number, field: number): void {
		if (wireType === WIRE_VARINT) this.varint();
		else if (wireType === WIRE_FIXED64) this.skip(8);
		else if (wireType === WIRE_LENGTH_DELIMITED) this.skip(this.length());
		else if (wireType === WIRE_FIXED32) this.skip(4);
		else throw new FrameError(`The ${this.what}'s field ${field} has wire type ${wireType}, which pbbp2 never uses`);
	}
}

function expectWireType(actual: number, expected: number, field: number, what: string): void {
	if (actual !== expected) throw new FrameError(`The ${what}'s field ${field} has wire type ${actual}, expected ${expected}`);
}

const int32 = (value: bigint) => Number(BigInt.asIntN(32, value));

function decodeHeader(bytes: Uint8Array): FrameHeader {
	const reader = new Reader(bytes, bytes.length, 'frame header');
	let key: string | undefined;
	let value: string | undefined;
	while (!reader.done) {
		const { field, wireType } = reader.tag();
		if (field === 1 || field === 2) {
			expectWireType(wireType, WIRE_LENGTH_DELIMITED, field, 'frame header');
			const text = utf8Decoder.decode(reader.bytesField());
			if (field === 1) key = text;
			else value = text;
		} else {
			reader.skipField(wireType, field);
		}
	}
	if (key === undefined || value === undefined) throw new FrameError('A frame header lacks its key or its value');
	return { key, value };
}

/** Decodes one pbbp2.Frame; throws a FrameError for anything that is not one. */
export function decodeFrame(input: Uint8Array | ArrayBuffer): Frame {
	const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
	const reader = new Reader(bytes);
	const frame: Partial<Frame> & { headers: FrameHeader[] } = { headers: [] };
	while (!reader.done) {
		const { field, wireType } = reader.tag();
		switch (field) {
			case 1:
			case 2:
			case 3:
			case 4: {
				expectWireType(wireType, WIRE_VARINT, field, 'frame');
				const value = reader.varint();
				if (field === 1) frame.seqId = value;
				else if (field === 2) frame.logId = value;
				else if (field === 3) frame.service = int32(value);
				else frame.method = int32(value);
				break;
			}
			case 5:
				expectWireType(wireType, WIRE_LENGTH_DELIMITED, field, 'frame');
				frame.headers.push(decodeHeader(reader.bytesField()));
				break;
			case 6:
			case 7:
			case 9: {
				expectWireType(wireType, WIRE_LENGTH_DELIMITED, field, 'frame');
				const text = utf8Decoder.decode(reader.bytesField());
				if (field === 6) frame.payloadEncoding = text;
				else if (field === 7) frame.payloadType = text;
				else frame.logIdNew = text;
				break;
			}
			case 8:
				expectWireType(wireType, WIRE_LENGTH_DELIMITED, field, 'frame');
				// A copy, in a plain Uint8Array: the input may be a Buffer that is reused.
				frame.payload = new Uint8Array(reader.bytesField());
				break;
			default:
				reader.skipField(wireType, field);
		}
	}
	const missing = (['seqId', 'logId', 'service', 'method'] as const).filter((name) => frame[name] === undefined);
	if (missing.length > 0) throw new FrameError(`The frame lacks its required field(s) ${missing.join(', ')}`);
	return {
		seqId: frame.seqId as bigint,
		logId: frame.logId as bigint,
		service: frame.service as number,
		method: frame.method as number,
		headers: frame.headers,
		payloadEncoding: frame.payloadEncoding ?? '',
		payloadType: frame.payloadType ?? '',
		payload: frame.payload ?? new Uint8Array(0),
		logIdNew: frame.logIdNew ?? '',
	};
}

class Writer {
	private readonly chunks: number[] = [];

	varint(value: bigint): this {
		let rest = BigInt.asUintN(64, value);
		while (rest > 0x7fn) {
			this.chunks.push(Number(rest & 0x7fn) | 0x80);
			rest >>= 7n;
		}
		this.chunks.push(Number(rest));
		return this;
	}

	tag(field: number, wireType: number): this {
		return this.varint(BigInt((field << 3) | wireType));
	}

	bytes(field: number, value: Uint8Array): this {
		this.tag(field, WIRE_LENGTH_DELIMITED).varint(BigInt(value.length));
		for (const byte of value) this.chunks.push(byte);
		return this;
	}

	text(field: number, value: string): this {
		return this.bytes(field, utf8Encoder.encode(value));
	}

	finish(): Uint8Array {
		return Uint8Array.from(this.chunks);
	}
}

/** What encodeFrame needs: the required fields, headers, and whatever optional field is set. */
export type FrameInput = Pick<Frame, 'seqId' | 'logId' | 'service' | 'method'> & Partial<Omit<Frame, 'seqId' | 'logId' | 'service' | 'method'>>;

/**
 * Encodes a pbbp2.Frame in field order, as Feishu's SDKs do: fields 1–4 always, every header, and the
 * optional fields only when they hold something (so a decoded frame re-encodes to the same bytes unless it
 * carried the Go SDK's empty 6/7/9).
 */
export function encodeFrame(frame: FrameInput): Uint8Array {
	const writer = new Writer()
		.tag(1, WIRE_VARINT)
		.varint(frame.seqId)
		.tag(2, WIRE_VARINT)
		.varint(frame.logId)
		.tag(3, WIRE_VARINT)
		// int32: negative values are sign-extended to 64 bits, as protobuf demands.
		.varint(BigInt(frame.service))
		.tag(4, WIRE_VARINT)
		.varint(BigInt(frame.method));
	for (const header of frame.headers ?? []) {
		const encoded = new Writer().text(1, header.key).text(2, header.value).finish();
		writer.bytes(5, encoded);
	}
	if (frame.payloadEncoding) writer.text(6, frame.payloadEncoding);
	if (frame.payloadType) writer.text(7, frame.payloadType);
	if (frame.payload && frame.payload.length > 0) writer.bytes(8, frame.payload);
	if (frame.logIdNew) writer.text(9, frame.logIdNew);
	return writer.finish();
}

/** The value of a frame header, or undefined; the last one wins if a key repeats. */
export function headerOf(frame: Pick<Frame, 'headers'>, key: string): string | undefined {
	let value: string | undefined;
	for (const header of frame.headers) if (header.key === key) value = header.value;
	return value;
}

export const utf8 = {
	encode: (text: string): Uint8Array => utf8Encoder.encode(text),
	decode: (bytes: Uint8Array): string => utf8Decoder.decode(bytes),
};
