//! Linux capability names ↔ numbers (include/uapi/linux/capability.h), as used by config.json's
//! process.capabilities and by capset(2). Whether the running kernel knows a capability
//! (/proc/sys/kernel/cap_last_cap) is decided by the executor with capabilitiesBeyond().

/** Capability names indexed by their number; CAP_CHECKPOINT_RESTORE (40) is the last one known here. */
const NAMES = [
  'CAP_CHOWN', // 0
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL', // 5
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE', // 10
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER', // 15
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', // 20
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', // 25
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL', // 30
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM', // 35
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE', // 40
] as const;

export type CapabilityName = (typeof NAMES)[number];

/** Every capability name tsrun knows, in number order (as `runc features` lists them). */
export const KNOWN_CAPABILITIES: readonly CapabilityName[] = NAMES;

/** The highest capability number known to tsrun (CAP_CHECKPOINT_RESTORE). */
export const CAP_LAST_KNOWN = NAMES.length - 1;

const NUMBERS: ReadonlyMap<string, number> = new Map(NAMES.map((name, i) => [name, i]));

/** The number of a capability name ("CAP_SYS_ADMIN" → 21), or undefined if the name is unknown. */
export function capabilityNumber(name: string): number | undefined {
  return NUMBERS.get(name);
}

/** The name of a capability number (21 → "CAP_SYS_ADMIN"), or undefined beyond CAP_LAST_KNOWN. */
export function capabilityName(value: number): CapabilityName | undefined {
  return NAMES[value];
}

export function isCapabilityName(name: string): name is CapabilityName {
  return NUMBERS.has(name);
}

/**
 * The 64-bit set of a list of capability names (bit n = capability n), as capset(2) takes it in two
 * 32-bit halves: `low = Number(mask & 0xffffffffn)`, `high = Number(mask >> 32n)`.
 * @throws RangeError for a name that is not known (validateSpec rejects those before).
 */
export function capabilityMask(names: Iterable<string>): bigint {
  let mask = 0n;
  for (const name of names) {
    const n = NUMBERS.get(name);
    if (n === undefined) throw new RangeError(`unknown capability ${JSON.stringify(name)}`);
    mask |= 1n << BigInt(n);
  }
  return mask;
}

/**
 * The names in `names` that the running kernel does not know, given its
 * /proc/sys/kernel/cap_last_cap. runc drops such capabilities with a warning; the executor decides.
 */
export function capabilitiesBeyond(names: Iterable<string>, capLastCap: number): string[] {
  const beyond: string[] = [];
  for (const name of names) {
    const n = NUMBERS.get(name);
    if (n === undefined || n > capLastCap) beyond.push(name);
  }
  return beyond;
}

/**
 * A suggestion for a name that is not a capability: the upper-case or CAP_-prefixed form when that
 * is known ("sys_admin" → "CAP_SYS_ADMIN"), else undefined.
 */
export function suggestCapability(name: string): CapabilityName | undefined {
  const upper = name.toUpperCase();
  const candidate = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  return isCapabilityName(candidate) ? candidate : undefined;
}
