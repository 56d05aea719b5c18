//! ttrpc framing: the 10-byte message header and an incremental decoder over arbitrary chunks.
//!
//! Wire layout (containerd/ttrpc PROTOCOL.md, channel.go):
//!
//!   bytes 0-3  data length, uint32 big-endian (payload only, header excluded)
//!   bytes 4-7  stream id, uint32 big-endian
//!   byte  8    message type (REQUEST 0x1, RESPONSE 0x2, DATA 0x3)
//!   byte  9    flags (REMOTE_CLOSED 0x1, REMOTE_OPEN 0x2, NO_DATA 0x4)
//!   bytes 10-  payload, `length` bytes
//!
//! A payload over the maximum (4 MiB, Go's default) is skipped by the decoder, which reports its
//! header so the caller can answer RESOURCE_EXHAUSTED on that stream; the byte stream stays in sync.
//! This module does no I/O.

import { Code, TtrpcError } from './status';

export const MESSAGE_HEADER_LENGTH = 10;
/** 4 MiB: Go ttrpc's messageLengthMax. Both directions refuse or discard larger payloads. */
export const MESSAGE_LENGTH_MAX = 4 << 20;

export const MESSAGE_TYPE_REQUEST = 0x1;
export const MESSAGE_TYPE_RESPONSE = 0x2;
export const MESSAGE_TYPE_DATA = 0x3;

export const FLAG_REMOTE_CLOSED = 0x1;
export const FLAG_REMOTE_OPEN = 0x2;
export const FLAG_NO_DATA = 0x4;

export interface FrameHeader {
  /** Payload length, header excluded. */
  readonly length: number;
  readonly streamId: number;
  readonly type: number;
  readonly flags: number;
}

export interface Frame {
  readonly streamId: number;
  readonly type: number;
  readonly flags: number;
  readonly payload: Buffer;
}

/** What the decoder yields: a whole frame, or the header of a frame whose payload was skipped. */
export type Decoded = { readonly kind: 'frame'; readonly frame: Frame } | { readonly kind: 'oversized'; readonly header: FrameHeader };

/** The status Go ttrpc reports for a payload over the limit, in either direction. */
export function oversizedError(length: number, max = MESSAGE_LENGTH_MAX): TtrpcError {
  return new TtrpcError(Code.RESOURCE_EXHAUSTED, `message length ${length} exceed maximum message size of ${max}`);
}

/** Read a header from the first 10 bytes of `b`. */
export function decodeHeader(b: Uint8Array): FrameHeader {
  const view = new DataView(b.buffer, b.byteOffset, MESSAGE_HEADER_LENGTH);
  return { length: view.getUint32(0), streamId: view.getUint32(4), type: view.getUint8(8), flags: view.getUint8(9) };
}

/**
 * Encode one frame (header + payload) into a single buffer.
 * @throws TtrpcError RESOURCE_EXHAUSTED when the payload is over `max`; nothing may be sent then.
 */
export function encodeFrame(streamId: number, type: number, flags: number, payload: Uint8Array, max = MESSAGE_LENGTH_MAX): Buffer {
  if (payload.length > max) throw oversizedError(payload.length, max);
  const out = Buffer.allocUnsafe(MESSAGE_HEADER_LENGTH + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.writeUInt32BE(streamId >>> 0, 4);
  out.writeUInt8(type & 0xff, 8);
  out.writeUInt8(flags & 0xff, 9);
  out.set(payload, MESSAGE_HEADER_LENGTH);
  return out;
}

enum ReadState {
  READING_HEADER,
  READING_PAYLOAD,
  DISCARDING,
}

/**
 * Turns a byte stream cut at arbitrary points into frames. Feed every chunk to `write`; it returns
 * the frames (and skipped oversized headers) completed by that chunk, in order.
 */
export class FrameDecoder {
  private state = ReadState.READING_HEADER;
  private readonly header = Buffer.alloc(MESSAGE_HEADER_LENGTH);
  private headerFilled = 0;
  private current: FrameHeader | undefined;
  private payload: Buffer | undefined;
  private payloadFilled = 0;
  private discardLeft = 0;

  constructor(private readonly maxLength = MESSAGE_LENGTH_MAX) {}

  /** True between frames, i.e. when the stream could end cleanly here. */
  get idle(): boolean {
    return this.state === ReadState.READING_HEADER && this.headerFilled === 0;
  }

  write(chunk: Uint8Array): Decoded[] {
    const out: Decoded[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      switch (this.state) {
        case ReadState.READING_HEADER:
          pos = this.readHeader(chunk, pos, out);
          break;
        case ReadState.READING_PAYLOAD:
          pos = this.readPayload(chunk, pos, out);
          break;
        case ReadState.DISCARDING:
          pos = this.discard(chunk, pos, out);
          break;
      }
    }
    return out;
  }

  private readHeader(chunk: Uint8Array, pos: number, out: Decoded[]): number {
    const n = Math.min(MESSAGE_HEADER_LENGTH - this.headerFilled, chunk.length - pos);
    this.header.set(chunk.subarray(pos, pos + n), this.headerFilled);
    this.headerFilled += n;
    if (this.headerFilled < MESSAGE_HEADER_LENGTH) return pos + n;
    this.headerFilled = 0;
    const header = decodeHeader(this.header);
    this.current = header;
    if (header.length > this.maxLength) {
      this.discardLeft = header.length;
      this.state = ReadState.DISCARDING;
    } else if (header.length === 0) {
      out.push(this.complete(Buffer.alloc(0)));
    } else {
      this.state = ReadState.READING_PAYLOAD;
      this.payload = undefined;
      this.payloadFilled = 0;
    }
    return pos + n;
  }

  private readPayload(chunk: Uint8Array, pos: number, out: Decoded[]): number {
    const length = this.current!.length;
    const available = chunk.length - pos;
    if (this.payloadFilled === 0 && available >= length) {
      // Whole payload in this chunk: copy once so the frame does not pin the socket's chunk.
      out.push(this.complete(Buffer.from(chunk.subarray(pos, pos + length))));
      return pos + length;
    }
    this.payload ??= Buffer.allocUnsafe(length);
    const n = Math.min(length - this.payloadFilled, available);
    this.payload.set(chunk.subarray(pos, pos + n), this.payloadFilled);
    this.payloadFilled += n;
    if (this.payloadFilled === length) {
      out.push(this.complete(this.payload));
      this.payload = undefined;
    }
    return pos + n;
  }

  private discard(chunk: Uint8Array, pos: number, out: Decoded[]): number {
    const n = Math.min(this.discardLeft, chunk.length - pos);
    this.discardLeft -= n;
    if (this.discardLeft === 0) {
      out.push({ kind: 'oversized', header: this.current! });
      this.state = ReadState.READING_HEADER;
      this.current = undefined;
    }
    return pos + n;
  }

  private complete(payload: Buffer): Decoded {
    const { streamId, type, flags } = this.current!;
    this.state = ReadState.READING_HEADER;
    this.current = undefined;
    return { kind: 'frame', frame: { streamId, type, flags, payload } };
  }
}
