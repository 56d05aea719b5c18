//! `tsrun update` flags (runc's names and value syntax) → an OCI LinuxResources patch (pure).
//! `-r FILE` / `-r -` takes LinuxResources JSON instead and ignores every other flag, as runc does.

import { InvalidArgumentError } from '../errors';
import type { LinuxResources } from '../runtime/spec';
import type { FlagDef, FlagValues } from './args';

export const UPDATE_FLAGS: readonly FlagDef[] = [
  { name: 'resources', short: 'r', type: 'string' },
  { name: 'blkio-weight', type: 'string' },
  { name: 'cpu-period', type: 'string' },
  { name: 'cpu-quota', type: 'string' },
  { name: 'cpu-share', type: 'string' },
  // docker's spelling; runc has only --cpu-share.
  { name: 'cpu-shares', type: 'string' },
  { name: 'cpu-rt-period', type: 'string' },
  { name: 'cpu-rt-runtime', type: 'string' },
  { name: 'cpuset-cpus', type: 'string' },
  { name: 'cpuset-mems', type: 'string' },
  { name: 'memory', type: 'string' },
  { name: 'memory-reservation', type: 'string' },
  { name: 'memory-swap', type: 'string' },
  { name: 'pids-limit', type: 'string' },
  { name: 'l3-cache-schema', type: 'string' },
  { name: 'mem-bw-schema', type: 'string' },
  { name: 'help', short: 'h', type: 'boolean' },
];

const U64_MAX = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;

function parseUint(flag: string, v: string): bigint {
  if (!/^\d+$/.test(v) || BigInt(v) > U64_MAX) throw new InvalidArgumentError(`--${flag}: invalid value "${v}": must be a non-negative integer`);
  return BigInt(v);
}

function parseInt64(flag: string, v: string): bigint {
  if (!/^-?\d+$/.test(v) || BigInt(v) > I64_MAX || BigInt(v) < -I64_MAX - 1n) {
    throw new InvalidArgumentError(`--${flag}: invalid value "${v}": must be an integer`);
  }
  return BigInt(v);
}

const UNITS: Record<string, bigint> = { '': 1n, k: 1n << 10n, m: 1n << 20n, g: 1n << 30n, t: 1n << 40n, p: 1n << 50n };

/**
 * A memory size as runc reads it (docker's RAMInBytes): "-1" (unlimited), a byte count, or a
 * number with a binary unit: 512k, 64m, 1.5g, 2GiB, 10MB (all powers of 1024).
 */
export function parseMemorySize(flag: string, v: string): bigint {
  if (v === '-1') return -1n;
  const m = /^(\d+)(?:\.(\d+))?\s*([kmgtp]?)(?:i?b)?$/i.exec(v.trim());
  if (!m) throw new InvalidArgumentError(`--${flag}: invalid size "${v}": use bytes or a number with a unit (k, m, g, t, p), or -1 for unlimited`);
  const unit = UNITS[m[3]!.toLowerCase()]!;
  const frac = m[2] ?? '';
  const scale = 10n ** BigInt(frac.length);
  const bytes = (BigInt(m[1]!) * scale + BigInt(frac || '0')) * unit / scale;
  if (bytes > I64_MAX) throw new InvalidArgumentError(`--${flag}: size "${v}" is too large`);
  return bytes;
}

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function compact<T extends object>(o: T): T | undefined {
  const kept = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return Object.keys(kept).length > 0 ? kept : undefined;
}

/** The resources named by the flags; zero values mean "unchanged" (runc). Throws on malformed values. */
export function resourcesFromFlags(flags: FlagValues): LinuxResources {
  const opt = <T>(name: string, parse: (flag: string, v: string) => T): T | undefined => {
    const v = str(flags[name]);
    return v === undefined ? undefined : parse(name, v);
  };
  if (str(flags['l3-cache-schema']) !== undefined || str(flags['mem-bw-schema']) !== undefined) {
    throw new InvalidArgumentError('--l3-cache-schema / --mem-bw-schema: Intel RDT is not supported by tsrun');
  }
  const weight = opt('blkio-weight', parseUint);
  if (weight !== undefined && weight !== 0n && (weight < 10n || weight > 1000n)) {
    throw new InvalidArgumentError(`--blkio-weight: ${weight} is out of range: use 10 to 1000`);
  }
  const shares = opt('cpu-share', parseUint) ?? opt('cpu-shares', parseUint);
  const pids = opt('pids-limit', parseInt64);
  return compact<LinuxResources>({
    memory: compact({
      limit: opt('memory', parseMemorySize),
      reservation: opt('memory-reservation', parseMemorySize),
      swap: opt('memory-swap', parseMemorySize),
    }),
    cpu: compact({
      shares,
      quota: opt('cpu-quota', parseInt64),
      period: opt('cpu-period', parseUint),
      realtimePeriod: opt('cpu-rt-period', parseUint),
      realtimeRuntime: opt('cpu-rt-runtime', parseInt64),
      cpus: str(flags['cpuset-cpus']),
      mems: str(flags['cpuset-mems']),
    }),
    blockIO: weight !== undefined ? { weight: Number(weight) } : undefined,
    pids: pids !== undefined && pids !== 0n ? { limit: pids } : undefined,
  }) ?? {};
}
