//! Normalization of what the two runtimes' containers report, so that values which legitimately
//! differ between two runs (container ids, bundle paths, mount ids, peer group numbers, pids of
//! the host) do not hide or fake a difference. Pure functions; unit-tested in
//! test/unit/compare/normalize.test.ts.

/** [from, to] text replacements, applied longest `from` first. */
export type Replacements = readonly (readonly [string, string])[];

/** Replaces every occurrence of each `from` (longest first, so a path wins over its id). */
export function replaceAll(text: string, reps: Replacements): string {
  const sorted = [...reps].filter(([from]) => from !== '').sort((a, b) => b[0].length - a[0].length);
  let out = text;
  for (const [from, to] of sorted) out = out.split(from).join(to);
  return out;
}

/** Undoes mountinfo's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export interface MountShape {
  readonly mountPoint: string;
  readonly fsType: string;
  readonly source: string;
  /** Path of the mount's root within its filesystem (a bind's source path). */
  readonly root: string;
  /** Per-mount options, sorted (ro/rw, nosuid, nodev, noexec, relatime…). */
  readonly options: string;
  /** Superblock options, sorted. */
  readonly superOptions: string;
  /** Propagation: shared/master/unbindable without peer group numbers ("private" when none). */
  readonly propagation: string;
}

function sortedOpts(s: string): string {
  return s.split(',').filter(Boolean).sort().join(',');
}

/**
 * /proc/self/mountinfo reduced to its shape, in mount order: ids, parent ids and device numbers
 * dropped, peer group numbers dropped, `reps` applied to paths and sources.
 */
export function mountinfoShape(text: string, reps: Replacements = []): MountShape[] {
  const out: MountShape[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const f = line.split(' ');
    const sep = f.indexOf('-');
    if (f.length < 10 || sep < 6) throw new Error(`not a mountinfo line: ${line}`);
    const optional = f
      .slice(6, sep)
      .map((o) => o.replace(/:\d+$/, ''))
      .sort();
    out.push({
      mountPoint: replaceAll(unescape(f[4]!), reps),
      fsType: f[sep + 1]!,
      source: replaceAll(unescape(f[sep + 2]!), reps),
      root: replaceAll(unescape(f[3]!), reps),
      options: sortedOpts(f[5]!),
      superOptions: sortedOpts(replaceAll(f[sep + 3] ?? '', reps)),
      propagation: optional.length > 0 ? optional.join(' ') : 'private',
    });
  }
  return out;
}

/** One line per mount, for readable diffs in assertion messages. */
export function formatMountShape(m: MountShape): string {
  return `${m.mountPoint} ${m.fsType} src=${m.source} root=${m.root} opts=${m.options} super=${m.superOptions} ${m.propagation}`;
}

/** /proc/PID/status fields of interest as a record ("CapEff" → "00000000a80425fb"). */
export function statusFields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_]+):\s*(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.trim();
  }
  return out;
}

export interface RlimitRow {
  readonly soft: string;
  readonly hard: string;
}

/** /proc/PID/limits as { "Max open files": { soft, hard } }. */
export function parseLimits(text: string): Record<string, RlimitRow> {
  const out: Record<string, RlimitRow> = {};
  for (const line of text.split('\n').slice(1)) {
    // "Max open files            1024                 1024                 files     "
    const m = /^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    if (m) out[m[1]!] = { soft: m[2]!, hard: m[3]! };
  }
  return out;
}

/** A /proc/PID/cgroup line per hierarchy: "memory" → "/path" (v2: "" → "/path"). */
export function parseProcCgroup(text: string, reps: Replacements = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m) out[m[1]!] = replaceAll(m[2]!, reps);
  }
  return out;
}

/** Capability bitmask (hex, as in /proc/PID/status) → sorted CAP_ names (unknown bits as CAP_<n>). */
export function capNames(hex: string): string[] {
  const names = [
    'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
    'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
    'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE',
    'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT',
    'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
    'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
    'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
  ];
  const v = BigInt(`0x${hex}`);
  const out: string[] = [];
  for (let i = 0; i < 64; i++) if ((v >> BigInt(i)) & 1n) out.push(names[i] ?? `CAP_${i}`);
  return out.sort();
}
