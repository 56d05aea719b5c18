//! Decoding `start`'s stdin across containerd versions. 1.6–2.2 send a bare google.protobuf.Any with
//! the runtime options (or nothing); 2.3+ send BootstrapParams with the options as an extension. An
//! options Any also parses as BootstrapParams (field 1 string, field 2 bytes), so BootstrapParams is
//! accepted only when its instance_id and namespace equal the -id and -namespace flags.

import { BootstrapParams } from '../gen/runtime/bootstrap/v1/bootstrap';
import { Any } from '../gen/google/protobuf/any';
import { InvalidArgumentError } from '../errors';

export type StartInput =
  | { readonly kind: 'legacy'; readonly options: Any | undefined }
  | { readonly kind: 'bootstrap'; readonly params: BootstrapParams; readonly options: Any | undefined };

function tryDecodeBootstrap(bytes: Uint8Array): BootstrapParams | undefined {
  try {
    return BootstrapParams.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Classify and decode `start`'s stdin. Throws InvalidArgumentError for bytes that are neither. */
export function decodeStartInput(bytes: Uint8Array, id: string, namespace: string): StartInput {
  if (bytes.length === 0) return { kind: 'legacy', options: undefined };
  const params = tryDecodeBootstrap(bytes);
  if (params !== undefined && params.instanceId === id && params.namespace === namespace && id !== '') {
    const options = params.extensions.find((e) => e.value !== undefined)?.value;
    return { kind: 'bootstrap', params, options };
  }
  let any: Any;
  try {
    any = Any.decode(bytes);
  } catch (err) {
    throw new InvalidArgumentError(
      `start: stdin (${bytes.length} bytes) is neither BootstrapParams for id "${id}" nor a protobuf Any with runtime options`,
      { cause: err },
    );
  }
  return { kind: 'legacy', options: any.typeUrl === '' && any.value.length === 0 ? undefined : any };
}

export { ttrpcAddressOf } from './events-address';
