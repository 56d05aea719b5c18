//! Encoding and decoding through the generated ts-proto message objects, with decode failures turned
//! into InvalidArgumentError naming what was being decoded.

import type { BinaryWriter } from '@bufbuild/protobuf/wire';
import { InvalidArgumentError } from '../errors';

/** The part of a ts-proto generated message object (e.g. `TaskExit` from src/gen) used here. */
export interface MessageCodec<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: Uint8Array, length?: number): T;
}

/** Protobuf bytes of `message`, as a Buffer (what ts-proto's bytes fields hold with env=node). */
export function encodeMessage<T>(codec: MessageCodec<T>, message: T): Buffer {
  return asBuffer(codec.encode(message).finish());
}

/**
 * Decode `bytes` with `codec`. `what` names the thing for the error message, e.g.
 * "CreateTaskRequest.options (containerd.runc.v1.Options)".
 */
export function decodeMessage<T>(codec: MessageCodec<T>, bytes: Uint8Array, what: string): T {
  try {
    return codec.decode(bytes);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new InvalidArgumentError(`${what}: not a valid protobuf message (${reason}); send the message type the field expects`, {
      cause: err,
    });
  }
}

/** A Buffer view of `bytes` without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
