//! linux.resources.devices → a BPF_PROG_TYPE_CGROUP_DEVICE program for cgroup v2 (pure).
//!
//! Semantics (the same as runc's device filter and as the rules written in order to v1's
//! devices.allow/devices.deny on a cgroup that starts allowing everything): the LAST rule that
//! matches an access decides it; when none matches, the access is allowed. A leading
//! `{ allow: false, access: "rwm" }` (deny all) matches everything, so it makes the default deny.
//! Type "a" matches block and char devices and ignores major/minor (as v1's "a" line does);
//! an absent or negative major/minor matches every number; an access matches a rule when every
//! requested kind (r, w, m) is in the rule's access.
//!
//! The program reads struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }, where
//! access_type = (access << 16) | type, and returns 1 (allow) or 0 (deny → EPERM).

import { InvalidArgumentError } from '../errors';
import type { DeviceCgroupRule } from '../runtime/spec';
import { Assembler, encode, type Insn } from './ebpf';

/** include/uapi/linux/bpf.h */
export const BPF_DEVCG_DEV_BLOCK = 1;
export const BPF_DEVCG_DEV_CHAR = 2;
export const BPF_DEVCG_ACC_MKNOD = 1;
export const BPF_DEVCG_ACC_READ = 2;
export const BPF_DEVCG_ACC_WRITE = 4;
const ACC_ALL = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;

/** Largest major/minor accepted: the kernel's dev_t has 12-bit majors and 20-bit minors. */
const MAX_MAJOR = 0xfff;
const MAX_MINOR = 0xfffff;

/** One rule, checked and normalised: undefined numbers are wildcards, access is a bit mask. */
export interface DeviceMatch {
  readonly allow: boolean;
  /** 0 = any type */
  readonly type: 0 | typeof BPF_DEVCG_DEV_BLOCK | typeof BPF_DEVCG_DEV_CHAR;
  readonly major?: number;
  readonly minor?: number;
  readonly access: number;
}

function number(field: string, i: number, n: number | undefined, max: number): number | undefined {
  if (n === undefined || n === -1) return undefined;
  if (!Number.isInteger(n) || n < -1 || n > max) {
    throw new InvalidArgumentError(`linux.resources.devices[${i}].${field}: ${n} must be -1 (any) or a number from 0 to ${max}`);
  }
  return n;
}

/** Check and normalise one rule; errors name linux.resources.devices[i] and the field. */
export function deviceMatch(r: DeviceCgroupRule, i: number): DeviceMatch {
  const t = r.type ?? 'a';
  if (t !== 'a' && t !== 'b' && t !== 'c') {
    throw new InvalidArgumentError(`linux.resources.devices[${i}].type: "${String(t)}" must be "a", "b" or "c"`);
  }
  const accessText = r.access ?? 'rwm';
  if (!/^[rwm]{1,3}$/.test(accessText)) {
    throw new InvalidArgumentError(`linux.resources.devices[${i}].access: "${accessText}" must be letters from "rwm"`);
  }
  let access = 0;
  if (accessText.includes('r')) access |= BPF_DEVCG_ACC_READ;
  if (accessText.includes('w')) access |= BPF_DEVCG_ACC_WRITE;
  if (accessText.includes('m')) access |= BPF_DEVCG_ACC_MKNOD;
  if (t === 'a') return { allow: r.allow, type: 0, access };
  const major = number('major', i, r.major, MAX_MAJOR);
  const minor = number('minor', i, r.minor, MAX_MINOR);
  return {
    allow: r.allow,
    type: t === 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR,
    ...(major === undefined ? {} : { major }),
    ...(minor === undefined ? {} : { minor }),
    access,
  };
}

const matchesEverything = (m: DeviceMatch) => m.type === 0 && m.access === ACC_ALL;

/**
 * The rules that can decide an access, last first, and the verdict when none matches: everything
 * before the last match-everything rule is shadowed by it, and that rule becomes the default.
 */
export function effectiveRules(rules: readonly DeviceCgroupRule[]): { checks: DeviceMatch[]; defaultAllow: boolean } {
  const all = rules.map(deviceMatch);
  const checks: DeviceMatch[] = [];
  for (let i = all.length - 1; i >= 0; i--) {
    const m = all[i] as DeviceMatch;
    if (matchesEverything(m)) return { checks, defaultAllow: m.allow };
    checks.push(m);
  }
  return { checks, defaultAllow: true };
}

/** The device filter's instructions (resolved, for tests) for these rules. */
export function deviceFilterInsns(rules: readonly DeviceCgroupRule[]): Insn[] {
  const { checks, defaultAllow } = effectiveRules(rules);
  const a = new Assembler();
  if (checks.length > 0) {
    // r2 = type, r3 = access, r4 = major, r5 = minor (r1 = ctx)
    a.ldxw(2, 1, 0).and32(2, 0xffff);
    a.ldxw(3, 1, 0).rsh32(3, 16);
    a.ldxw(4, 1, 4);
    a.ldxw(5, 1, 8);
  }
  checks.forEach((m, i) => {
    const next = `rule${i + 1}`;
    if (m.type !== 0) a.jne(2, m.type, next);
    if (m.access !== ACC_ALL) {
      // requested ⊆ allowed: (requested & allowed) == requested
      a.mov32(1, 3).and32(1, m.access).jneReg(1, 3, next);
    }
    if (m.major !== undefined) a.jne(4, m.major, next);
    if (m.minor !== undefined) a.jne(5, m.minor, next);
    a.mov64(0, m.allow ? 1 : 0).exit();
    a.label(next);
  });
  a.mov64(0, defaultAllow ? 1 : 0).exit();
  return a.resolve();
}

/** struct bpf_insn[] of the device filter for these rules. */
export function deviceFilterProgram(rules: readonly DeviceCgroupRule[]): Buffer {
  return encode(deviceFilterInsns(rules));
}

/**
 * The device rules runc appends after linux.resources.devices (its AllowedDevices): mknod of any
 * node, the standard character devices, /dev/pts/*, /dev/ptmx and /dev/net/tun. Appended last,
 * they win over the config's rules ("last match wins"), so a container always has these.
 */
export const RUNC_DEFAULT_DEVICE_RULES: readonly DeviceCgroupRule[] = [
  { allow: true, type: 'c', access: 'm' },
  { allow: true, type: 'b', access: 'm' },
  ...([[1, 3], [1, 8], [1, 7], [5, 0], [1, 5], [1, 9], [136, -1], [5, 2], [10, 200]] as const).map(
    ([major, minor]): DeviceCgroupRule => ({ allow: true, type: 'c', major, minor, access: 'rwm' }),
  ),
];

/**
 * The device rules runc enforces for a config: it starts from nothing allowed (deny all), applies
 * linux.resources.devices in order, then RUNC_DEFAULT_DEVICE_RULES. Without these defaults a
 * config whose list is only deny-all (`runc spec`'s) cannot even open /dev/null for its stdio.
 * For the runtime to apply when it creates a container's cgroup (the managers apply rules as given).
 */
export function withRuncDefaultDeviceRules(rules: readonly DeviceCgroupRule[] | undefined): DeviceCgroupRule[] {
  return [{ allow: false, access: 'rwm' }, ...(rules ?? []), ...RUNC_DEFAULT_DEVICE_RULES];
}
