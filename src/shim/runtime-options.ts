//! Runtime options as containerd delivers them (Create.options and `start` stdin): runc's
//! containerd.runc.v1.Options, CRI's runtimeoptions.v1.Options whose TOML (config_path file or
//! config_body) holds tsrun's knobs, or the old containerd.linux.runc.CreateOptions (ctr's IO
//! owner). All reduce to ShimOptions.

import * as fs from 'node:fs';
import { Options as RuncOptions } from '../gen/types/runc/options/oci';
import { Options as CriOptions } from '../gen/types/runtimeoptions/v1/api';
import { CreateOptions as LinuxCreateOptions } from '../gen/runtime/linux/runctypes/runc';
import type { Any } from '../gen/google/protobuf/any';
import { InvalidArgumentError } from '../errors';

export interface ShimOptions {
  /** Container state root; default /run/containerd/tsrun/<namespace>. */
  readonly root?: string;
  readonly systemdCgroup: boolean;
  readonly noPivotRoot: boolean;
  readonly ioUid?: number;
  readonly ioGid?: number;
  readonly shimCgroup?: string;
  /** pino level name (debug, info, ...). */
  readonly logLevel?: string;
  /** Node-wide mode (docs/node-wide.md): one daemon per containerd namespace serves every container. */
  readonly nodeWide?: boolean;
  /** Node-wide mode: how long the daemon stays after its last container is gone (seconds). */
  readonly nodeWideIdleSeconds?: number;
  /** The criu binary for checkpoint/restore (runc Options.criu_path, TOML CriuPath). */
  readonly criuPath?: string;
  /** CRIU work directory for restore (runc Options.criu_work_path). */
  readonly criuWorkPath?: string;
}

export const RUNC_OPTIONS_TYPE = 'containerd.runc.v1.Options';
export const CRI_OPTIONS_TYPE = 'runtimeoptions.v1.Options';
/** The old Linux runtime's task options: ctr 1.6/1.7 sends them to set the IO owner (--uidmap). */
export const LINUX_CREATE_OPTIONS_TYPE = 'containerd.linux.runc.CreateOptions';

/** pino level names accepted for LogLevel. */
export const LOG_LEVELS: readonly string[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

const EMPTY: ShimOptions = { systemdCgroup: false, noPivotRoot: false };

/** Strip an optional "type.googleapis.com/"-style prefix (2.x clients may send one). */
function bareName(typeUrl: string): string {
  const slash = typeUrl.lastIndexOf('/');
  return slash < 0 ? typeUrl : typeUrl.slice(slash + 1);
}

/**
 * A tiny TOML subset for the options table: `Key = value` lines with strings, booleans and
 * integers, comments and section headers skipped. Enough for runc-style option tables.
 */
export function parseOptionsToml(text: string, where: string): Record<string, string | boolean | number> {
  const out: Record<string, string | boolean | number> = {};
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/^\s+|\s+$/g, '');
    if (line === '' || line.startsWith('#') || line.startsWith('[')) return;
    const m = /^([A-Za-z0-9_.-]+|"[^"]*")\s*=\s*(.*?)\s*(#.*)?$/.exec(line);
    if (!m) throw new InvalidArgumentError(`${where}:${index + 1}: expected "Key = value", got ${JSON.stringify(raw)}`);
    const key = (m[1] as string).replace(/^"|"$/g, '');
    const value = m[2] as string;
    if (value === 'true' || value === 'false') out[key] = value === 'true';
    else if (/^[+-]?[0-9]+$/.test(value)) out[key] = Number(value);
    else if (/^"(.*)"$/.test(value) || /^'(.*)'$/.test(value)) out[key] = value.slice(1, -1);
    else throw new InvalidArgumentError(`${where}:${index + 1}: value of ${key} must be a string, boolean or integer`);
  });
  return out;
}

function fromToml(table: Record<string, string | boolean | number>, where: string): ShimOptions {
  const str = (k: string): string | undefined => {
    const v = table[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new InvalidArgumentError(`${where}: ${k} must be a string`);
    return v;
  };
  const bool = (k: string): boolean => {
    const v = table[k];
    if (v === undefined) return false;
    if (typeof v !== 'boolean') throw new InvalidArgumentError(`${where}: ${k} must be true or false`);
    return v;
  };
  const int = (k: string): number | undefined => {
    const v = table[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new InvalidArgumentError(`${where}: ${k} must be an integer >= 0`);
    return v;
  };
  const root = str('Root');
  const shimCgroup = str('ShimCgroup');
  const logLevel = str('LogLevel');
  const criuPath = str('CriuPath');
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel)) {
    throw new InvalidArgumentError(`${where}: LogLevel must be one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(logLevel)}`);
  }
  const idle = int('NodeWideIdleSeconds');
  return {
    systemdCgroup: bool('SystemdCgroup'),
    noPivotRoot: bool('NoPivotRoot'),
    ...(root ? { root } : {}),
    ...(shimCgroup ? { shimCgroup } : {}),
    ...(logLevel ? { logLevel } : {}),
    ...(bool('NodeWide') ? { nodeWide: true } : {}),
    ...(idle !== undefined ? { nodeWideIdleSeconds: idle } : {}),
    ...(criuPath ? { criuPath } : {}),
  };
}

/** Decode the options Any (undefined → defaults). Throws InvalidArgumentError naming the problem. */
export function decodeShimOptions(any: Any | undefined): ShimOptions {
  if (any === undefined || (any.typeUrl === '' && any.value.length === 0)) return EMPTY;
  const name = bareName(any.typeUrl);
  try {
    if (name === RUNC_OPTIONS_TYPE) {
      const o = RuncOptions.decode(any.value);
      return {
        systemdCgroup: o.systemdCgroup,
        noPivotRoot: o.noPivotRoot,
        ...(o.root ? { root: o.root } : {}),
        ...(o.ioUid ? { ioUid: o.ioUid } : {}),
        ...(o.ioGid ? { ioGid: o.ioGid } : {}),
        ...(o.shimCgroup ? { shimCgroup: o.shimCgroup } : {}),
        ...(o.criuPath ? { criuPath: o.criuPath } : {}),
        ...(o.criuWorkPath ? { criuWorkPath: o.criuWorkPath } : {}),
      };
    }
    if (name === LINUX_CREATE_OPTIONS_TYPE) {
      const o = LinuxCreateOptions.decode(any.value);
      return {
        systemdCgroup: false,
        noPivotRoot: o.noPivotRoot,
        ...(o.ioUid ? { ioUid: o.ioUid } : {}),
        ...(o.ioGid ? { ioGid: o.ioGid } : {}),
        ...(o.shimCgroup ? { shimCgroup: o.shimCgroup } : {}),
      };
    }
    if (name === CRI_OPTIONS_TYPE) {
      const o = CriOptions.decode(any.value);
      if (o.configPath !== '') return fromToml(parseOptionsToml(fs.readFileSync(o.configPath, 'utf8'), o.configPath), o.configPath);
      if (o.configBody.length > 0) return fromToml(parseOptionsToml(o.configBody.toString('utf8'), 'config_body'), 'config_body');
      return EMPTY;
    }
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    throw new InvalidArgumentError(`runtime options ${any.typeUrl}: ${(err as Error).message}`, { cause: err });
  }
  throw new InvalidArgumentError(
    `runtime options: unsupported type ${JSON.stringify(any.typeUrl)}; use ${RUNC_OPTIONS_TYPE}, ${CRI_OPTIONS_TYPE} or ${LINUX_CREATE_OPTIONS_TYPE}`,
  );
}
