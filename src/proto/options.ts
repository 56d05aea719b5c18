//! Runtime options as they reach the shim (CreateTaskRequest.options, stdin of "start", 2.3+
//! BootstrapParams extensions): containerd.runc.v1.Options (ctr --runc-*, CRI runc runtimes) or
//! runtimeoptions.v1.Options (CRI for any other runtime_type, ctr --runtime-config-path), or nothing.
//! decodeShimOptions turns any of them into one flat object with defaults filled in.

import type { Any } from '../gen/google/protobuf/any';
import { Options as RuncOptions } from '../gen/types/runc/options/oci';
import { Options as RuntimeOptions } from '../gen/types/runtimeoptions/v1/api';
import { InvalidArgumentError } from '../errors';
import { isEmptyAny, unpackMessage } from './any';
import { TypeUrl, typeUrlMatches } from './type-urls';

export type ShimOptionsKind = 'none' | 'runc' | 'runtimeoptions';

/** Normalized runtime options. Fields that the received message does not carry hold their defaults. */
export interface ShimOptions {
  /** Which message arrived ("none": no options at all). */
  readonly kind: ShimOptionsKind;
  /** The Any's type URL as received ("" for none). */
  readonly typeUrl: string;

  // From containerd.runc.v1.Options.
  readonly noPivotRoot: boolean;
  readonly noNewKeyring: boolean;
  /** cgroup to move the shim daemon into ("" = leave it). */
  readonly shimCgroup: string;
  /** Owner of the container-side stdio pipes. */
  readonly ioUid: number;
  readonly ioGid: number;
  /** Runtime state root ("" = the runtime's default). */
  readonly root: string;
  /** cgroupsPath uses the systemd "slice:prefix:name" form. */
  readonly systemdCgroup: boolean;
  readonly criuImagePath: string;
  readonly criuWorkPath: string;

  // From runtimeoptions.v1.Options; the TOML they point at is for the caller to parse.
  /** runtimeoptions' own type_url field (not the Any's). */
  readonly configTypeUrl: string;
  /** Path of a TOML options file ("" = none). */
  readonly configPath: string;
  /** The CRI options table as TOML (containerd 1.7+, only when configPath is empty). */
  readonly configBody: Buffer;
}

function defaults(): Omit<ShimOptions, 'kind' | 'typeUrl'> {
  return {
    noPivotRoot: false,
    noNewKeyring: false,
    shimCgroup: '',
    ioUid: 0,
    ioGid: 0,
    root: '',
    systemdCgroup: false,
    criuImagePath: '',
    criuWorkPath: '',
    configTypeUrl: '',
    configPath: '',
    configBody: Buffer.alloc(0),
  };
}

/**
 * Decode runtime options. Accepts an absent/empty Any, containerd.runc.v1.Options and
 * runtimeoptions.v1.Options (bare or "host/name" type URLs). Anything else is an
 * InvalidArgumentError naming `field` and the accepted types.
 */
export function decodeShimOptions(any: Any | undefined | null, field = 'options'): ShimOptions {
  if (any == null || isEmptyAny(any)) return { kind: 'none', typeUrl: '', ...defaults() };
  if (typeUrlMatches(any.typeUrl, TypeUrl.runcOptions)) {
    const o = unpackMessage(any, TypeUrl.runcOptions, RuncOptions, field);
    return {
      kind: 'runc',
      typeUrl: any.typeUrl,
      ...defaults(),
      noPivotRoot: o.noPivotRoot,
      noNewKeyring: o.noNewKeyring,
      shimCgroup: o.shimCgroup,
      ioUid: o.ioUid,
      ioGid: o.ioGid,
      root: o.root,
      systemdCgroup: o.systemdCgroup,
      criuImagePath: o.criuImagePath,
      criuWorkPath: o.criuWorkPath,
    };
  }
  if (typeUrlMatches(any.typeUrl, TypeUrl.runtimeOptions)) {
    const o = unpackMessage(any, TypeUrl.runtimeOptions, RuntimeOptions, field);
    return {
      kind: 'runtimeoptions',
      typeUrl: any.typeUrl,
      ...defaults(),
      configTypeUrl: o.typeUrl,
      configPath: o.configPath,
      configBody: o.configBody,
    };
  }
  throw new InvalidArgumentError(
    `${field}: unsupported options type "${any.typeUrl}"; send ${TypeUrl.runcOptions} or ${TypeUrl.runtimeOptions} (or no options)`,
  );
}
