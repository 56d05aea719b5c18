//! google.protobuf.Any packing with containerd's type URLs (see type-urls.ts).

import type { Any } from '../gen/google/protobuf/any';
import { InvalidArgumentError } from '../errors';
import { asBuffer, decodeMessage, encodeMessage, type MessageCodec } from './codec';
import { typeUrlMatches } from './type-urls';

/** An Any holding `value` under `typeUrl`. */
export function packAny(typeUrl: string, value: Uint8Array): Any {
  return { typeUrl, value: asBuffer(value) };
}

/** An Any holding the protobuf encoding of `message` (typeUrl should be a bare name from TypeUrl). */
export function packMessage<T>(typeUrl: string, codec: MessageCodec<T>, message: T): Any {
  return packAny(typeUrl, encodeMessage(codec, message));
}

/** An Any holding `value` as JSON (OCI Process / LinuxResources / Spec payloads). */
export function packJson(typeUrl: string, value: unknown): Any {
  return packAny(typeUrl, Buffer.from(JSON.stringify(value), 'utf8'));
}

/** True for an absent Any and for one with neither a type URL nor a value (proto3 "unset"). */
export function isEmptyAny(any: Any | undefined | null): boolean {
  return any == null || (any.typeUrl === '' && any.value.length === 0);
}

/**
 * Decode the message inside `any`, which must carry `typeUrl` (bare or "host/name" form).
 * `field` names the Any for error messages, e.g. "StatsResponse.stats".
 */
export function unpackMessage<T>(any: Any | undefined | null, typeUrl: string, codec: MessageCodec<T>, field: string): T {
  if (any == null) {
    throw new InvalidArgumentError(`${field}: missing; expected an Any of type ${typeUrl}`);
  }
  if (!typeUrlMatches(any.typeUrl, typeUrl)) {
    throw new InvalidArgumentError(`${field}: type URL is "${any.typeUrl}", expected "${typeUrl}"`);
  }
  return decodeMessage(codec, any.value, `${field} (${typeUrl})`);
}

/**
 * Parse the JSON inside `any` (ExecProcessRequest.spec, UpdateTaskRequest.resources). Like the runc
 * shim, the type URL is not checked: containerd sends TypeUrl.ociProcess / ociLinuxResources, but the
 * value is all that matters. Returns `unknown`: validate it before use.
 */
export function unpackJson(any: Any | undefined | null, field: string): unknown {
  if (any == null || any.value.length === 0) {
    throw new InvalidArgumentError(`${field}: missing; expected an Any holding JSON`);
  }
  try {
    return JSON.parse(any.value.toString('utf8')) as unknown;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new InvalidArgumentError(`${field}: value of ${any.typeUrl || 'the Any'} is not valid JSON (${reason})`, { cause: err });
  }
}
