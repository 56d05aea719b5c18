//! Linux constants the planner needs (x86_64/aarch64 values; they are the same on both). Pure data.

export const CLONE = {
  NEWTIME: 0x00000080,
  NEWNS: 0x00020000,
  NEWCGROUP: 0x02000000,
  NEWUTS: 0x04000000,
  NEWIPC: 0x08000000,
  NEWUSER: 0x10000000,
  NEWPID: 0x20000000,
  NEWNET: 0x40000000,
} as const;

/** The clone(2)/setns(2) flag of each OCI namespace type. A Map: a type from a spec is looked up
 * with get(), never as an object key (no prototype keys such as "constructor"). */
export const NS_CLONE_FLAG: ReadonlyMap<string, number> = new Map([
  ['pid', CLONE.NEWPID],
  ['network', CLONE.NEWNET],
  ['mount', CLONE.NEWNS],
  ['ipc', CLONE.NEWIPC],
  ['uts', CLONE.NEWUTS],
  ['user', CLONE.NEWUSER],
  ['cgroup', CLONE.NEWCGROUP],
  ['time', CLONE.NEWTIME],
]);

/** /proc/<pid>/ns/<name> for each OCI namespace type */
export const NS_PROC_NAME: ReadonlyMap<string, string> = new Map([
  ['pid', 'pid'],
  ['network', 'net'],
  ['mount', 'mnt'],
  ['ipc', 'ipc'],
  ['uts', 'uts'],
  ['user', 'user'],
  ['cgroup', 'cgroup'],
  ['time', 'time'],
]);

export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  SYNCHRONOUS: 0x10,
  REMOUNT: 0x20,
  MANDLOCK: 0x40,
  DIRSYNC: 0x80,
  NOSYMFOLLOW: 0x100,
  NOATIME: 0x400,
  NODIRATIME: 0x800,
  BIND: 0x1000,
  MOVE: 0x2000,
  REC: 0x4000,
  SILENT: 0x8000,
  UNBINDABLE: 0x20000,
  PRIVATE: 0x40000,
  SLAVE: 0x80000,
  SHARED: 0x100000,
  RELATIME: 0x200000,
  STRICTATIME: 0x1000000,
  LAZYTIME: 0x2000000,
} as const;

export const S_IF = { CHR: 0o020000, BLK: 0o060000, FIFO: 0o010000 } as const;
