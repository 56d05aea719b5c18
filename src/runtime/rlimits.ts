//! POSIX resource limit names ↔ numbers for setrlimit(2)/prlimit(2) on Linux (asm-generic/resource.h,
//! which x86_64 and arm64 use), as config.json's process.rlimits[].type names them.

const NAMES = [
  'RLIMIT_CPU', // 0
  'RLIMIT_FSIZE',
  'RLIMIT_DATA',
  'RLIMIT_STACK',
  'RLIMIT_CORE',
  'RLIMIT_RSS', // 5
  'RLIMIT_NPROC',
  'RLIMIT_NOFILE',
  'RLIMIT_MEMLOCK',
  'RLIMIT_AS',
  'RLIMIT_LOCKS', // 10
  'RLIMIT_SIGPENDING',
  'RLIMIT_MSGQUEUE',
  'RLIMIT_NICE',
  'RLIMIT_RTPRIO',
  'RLIMIT_RTTIME', // 15
] as const;

export type RlimitName = (typeof NAMES)[number];

/** Every resource limit name tsrun knows, in number order. */
export const KNOWN_RLIMITS: readonly RlimitName[] = NAMES;

/** RLIM_INFINITY: "no limit", the all-ones 64-bit value. */
export const RLIM_INFINITY = 0xffff_ffff_ffff_ffffn;

const NUMBERS: ReadonlyMap<string, number> = new Map(NAMES.map((name, i) => [name, i]));

/** The resource number of a limit name ("RLIMIT_NOFILE" → 7), or undefined if unknown. */
export function rlimitNumber(name: string): number | undefined {
  return NUMBERS.get(name);
}

/** The name of a resource number (7 → "RLIMIT_NOFILE"), or undefined. */
export function rlimitName(resource: number): RlimitName | undefined {
  return NAMES[resource];
}

export function isRlimitName(name: string): name is RlimitName {
  return NUMBERS.has(name);
}
