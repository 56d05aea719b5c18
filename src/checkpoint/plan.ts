//! Pure planning of CRIU invocations: a container's facts (spec, init pid, rootfs, cgroup, mounts
//! as its init sees them, stdio as dumped) and the caller's options → `criu dump` / `criu restore`
//! arguments and the fds the criu process needs. No I/O here; src/checkpoint/criu.ts runs them.
//!
//! Facts taken from runc's libcontainer/criu_linux.go (read, not copied): bind mounts, masked
//! paths (/dev/null binds) and v1 cgroup binds are external mounts keyed by their mount point
//! (--ext-mount-map DEST:DEST on dump, DEST:SOURCE on restore); a net/pid namespace given by path
//! is external (--external net[INODE]:extRootNetNS, inherited on restore as an fd); other
//! namespaces given by path are joined (--join-ns); the restored tree is the caller's sibling
//! (--restore-sibling, so the caller reaps it) in the container's cgroup (--cgroup-root); the init's
//! stdio pipes dumped as "pipe:[INODE]" (descriptors.json) are inherited from the new stdio.

import * as path from 'node:path';

import { InvalidArgumentError } from '../errors';
import type { Spec } from '../runtime/spec';
import { type CheckpointOptions, type CgroupsMode, CGROUPS_MODES, DUMP_LOG, type RestoreOptions, RESTORE_LOG } from './types';

/** One line of /proc/<pid>/mountinfo, as the container's init sees it. */
export interface MountEntry {
  /** Mount id (field 1). */
  readonly id: number;
  /** "major:minor" of the filesystem. */
  readonly dev: string;
  /** Root of the mount within its filesystem (field 4). */
  readonly root: string;
  /** Mount point as the init sees it ("/" is the container's root). */
  readonly mountPoint: string;
  readonly fsType: string;
}

/** Filesystems CRIU mounts anew on restore when they are mounted whole (root "/"). */
const RECREATABLE = new Set([
  'proc', 'sysfs', 'tmpfs', 'devpts', 'mqueue', 'cgroup', 'cgroup2', 'binfmt_misc', 'securityfs', 'debugfs',
  'tracefs', 'fusectl', 'configfs', 'bpf', 'pstore', 'hugetlbfs', 'autofs', 'efivarfs',
]);

function unescapeField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parse a mountinfo text (fields: id parent major:minor root mountpoint options ... - fstype ...). */
export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 6 || fields.length < dash + 2) continue;
    out.push({ id: Number(fields[0]), dev: fields[2]!, root: unescapeField(fields[3]!), mountPoint: unescapeField(fields[4]!), fsType: fields[dash + 1]! });
  }
  return out;
}

function isUnder(child: string, parent: string): boolean {
  return parent === '/' || child === parent || child.startsWith(`${parent}/`);
}

/**
 * The mount points CRIU cannot recreate from inside the container: binds of something outside it
 * (a host file or directory, /dev/null over a masked path, a host cgroup directory). A bind of a
 * part of another mount of the same filesystem in the container (readonly /proc/sys) is internal.
 */
export function externalMounts(entries: readonly MountEntry[]): string[] {
  // Mounts CRIU recreates itself: the root, and whole virtual filesystems (proc, sysfs, tmpfs, …).
  const internal = entries.filter((e) => e.mountPoint === '/' || (e.root === '/' && RECREATABLE.has(e.fsType)));
  const out: string[] = [];
  for (const e of entries) {
    if (internal.includes(e)) continue;
    // A bind of a part of an internal mount (readonly /proc/sys, a file of the rootfs) is internal too.
    if (internal.some((o) => o.dev === e.dev && isUnder(e.root, o.root))) continue;
    if (!out.includes(e.mountPoint)) out.push(e.mountPoint);
  }
  return out;
}

export interface CriuInvocation {
  /** Arguments after the criu binary. */
  readonly args: readonly string[];
  /** Where criu writes its log. */
  readonly logPath: string;
  /** Fds of the calling process to hand to criu as 3, 4, … (in this order). */
  readonly passFds: readonly number[];
}

function cgroupsMode(mode: CgroupsMode | undefined, field: string): CgroupsMode {
  const m = mode ?? 'soft';
  if (!CGROUPS_MODES.includes(m)) throw new InvalidArgumentError(`${field}: "${String(mode)}" must be one of ${CGROUPS_MODES.join(', ')}`);
  return m;
}

function commonFlags(o: CheckpointOptions | RestoreOptions): string[] {
  return [
    ...(o.tcpEstablished ? ['--tcp-established'] : []),
    ...(o.fileLocks ? ['--file-locks'] : []),
    ...(o.externalUnixSockets ? ['--ext-unix-sk'] : []),
    ...(o.shellJob ? ['--shell-job'] : []),
  ];
}

function checkDirs(o: CheckpointOptions | RestoreOptions): { images: string; work: string } {
  if (o.imagePath === '') throw new InvalidArgumentError('image path: must not be empty (runc --image-path; containerd passes the checkpoint directory)');
  if (!path.isAbsolute(o.imagePath)) throw new InvalidArgumentError(`image path ${o.imagePath}: must be absolute`);
  if (o.workPath !== undefined && o.workPath !== '' && !path.isAbsolute(o.workPath)) {
    throw new InvalidArgumentError(`work path ${o.workPath}: must be absolute`);
  }
  return { images: o.imagePath, work: o.workPath !== undefined && o.workPath !== '' ? o.workPath : o.imagePath };
}

/** A namespace of the spec given by path (joined, not created), or undefined. */
export function nsPath(spec: Spec, type: string): string | undefined {
  const ns = (spec.linux?.namespaces ?? []).find((n) => n.type === type);
  return ns?.path !== undefined && ns.path !== '' ? ns.path : undefined;
}

export interface DumpInput {
  readonly options: CheckpointOptions;
  readonly spec: Spec;
  /** Host pid of the container's init. */
  readonly pid: number;
  /** Host path of the container's rootfs. */
  readonly rootfs: string;
  /** The init's mountinfo, parsed. */
  readonly mounts: readonly MountEntry[];
  /** The freezer cgroup directory (v1 freezer, or the v2 cgroup), if any. */
  readonly freezerDir?: string;
  /** Inodes of namespaces given by path in the spec (net, pid). */
  readonly externalNsInodes: Readonly<Partial<Record<'network' | 'pid', bigint | number>>>;
  /** The init's fds 0..2: link text, and for files their mount id (fdinfo) and inode. */
  readonly stdio: readonly StdioFact[];
}

export interface StdioFact {
  /** readlink of /proc/<pid>/fd/N ("pipe:[123]", "/dev/null"). */
  readonly link: string;
  readonly mntId?: number;
  readonly ino?: bigint;
}

export interface DumpPlan extends CriuInvocation {
  /** The mount points dumped as external (tsrun-checkpoint.json keeps them for the restore). */
  readonly externalMounts: readonly string[];
  /** Per stdio fd, the key it is dumped under and must be inherited by on restore (null: restored as dumped). */
  readonly stdioKeys: readonly (string | null)[];
}

/**
 * The key under which each of the init's fds 0..2 is inherited on restore: a pipe by its
 * "pipe:[INODE]" (runc's descriptors.json), a file on a mount outside the container (the host's
 * /dev/null the caller gave as stdin, a log file) as an external "file[MNTID:INODE]" (hex, CRIU's
 * form) — CRIU cannot reopen those by path inside the container.
 */
export function stdioKeys(stdio: readonly StdioFact[], mounts: readonly MountEntry[]): (string | null)[] {
  const inside = new Set(mounts.map((m) => m.id));
  return stdio.slice(0, 3).map((s) => {
    if (s.link.startsWith('pipe:')) return s.link;
    if (!s.link.startsWith('/') || s.mntId === undefined || s.ino === undefined) return null;
    if (inside.has(s.mntId)) return null;
    return `file[${s.mntId.toString(16)}:${s.ino.toString(16)}]`;
  });
}

/** `criu dump` for a container (refuses a terminal: its pty master lives outside the container). */
export function planDump(input: DumpInput): DumpPlan {
  const o = input.options;
  const { images, work } = checkDirs(o);
  if (input.spec.process?.terminal) {
    throw new InvalidArgumentError('process.terminal: a container with a terminal cannot be checkpointed by tsrun (its pty master is held outside the container); run it without -t');
  }
  const args = [
    'dump', '--tree', String(input.pid), '--images-dir', images, '--work-dir', work, '--log-file', DUMP_LOG, '-v4',
    '--root', input.rootfs, `--manage-cgroups=${cgroupsMode(o.cgroupsMode, 'cgroups mode')}`,
    ...(o.leaveRunning ? ['--leave-running'] : []),
    ...commonFlags(o),
  ];
  if (input.freezerDir !== undefined) args.push('--freeze-cgroup', input.freezerDir);
  const external = externalMounts(input.mounts);
  for (const dest of external) args.push('--ext-mount-map', `${dest}:${dest}`);
  const nsKeys = { network: 'extRootNetNS', pid: 'extRootPidNS' } as const;
  for (const type of ['network', 'pid'] as const) {
    const ino = input.externalNsInodes[type];
    if (ino !== undefined) args.push('--external', `${type === 'network' ? 'net' : 'pid'}[${String(ino)}]:${nsKeys[type]}`);
  }
  const keys = stdioKeys(input.stdio, input.mounts);
  for (const k of new Set(keys)) if (k !== null && k.startsWith('file[')) args.push('--external', k);
  return { args, logPath: path.join(work, DUMP_LOG), passFds: [], stdioKeys: keys, externalMounts: external };
}

/** Where a restored external mount is bound from (the spec's source, /dev/null, a cgroup dir). */
export function externalMountSources(
  keys: readonly string[], spec: Spec, bundle: string, cgroupBinds: ReadonlyMap<string, string>,
): Map<string, string> {
  const out = new Map<string, string>();
  const norm = (p: string): string => path.posix.normalize(p).replace(/(.)\/$/, '$1');
  const cgroupMount = (spec.mounts ?? []).find((m) => m.type === 'cgroup' || m.type === 'cgroup2');
  for (const key of keys) {
    const k = norm(key);
    const bind = [...(spec.mounts ?? [])].reverse().find((m) => norm(m.destination) === k && m.source !== undefined);
    if (bind?.source !== undefined && isBind(bind.type, bind.options)) {
      out.set(key, path.resolve(bundle, bind.source));
      continue;
    }
    if ((spec.linux?.maskedPaths ?? []).some((p) => norm(p) === k)) {
      out.set(key, '/dev/null');
      continue;
    }
    if (cgroupMount && isUnder(k, norm(cgroupMount.destination)) && k !== norm(cgroupMount.destination)) {
      const src = cgroupBinds.get(path.posix.basename(k));
      if (src !== undefined) {
        out.set(key, src);
        continue;
      }
    }
    if ((spec.linux?.devices ?? []).some((d) => norm(d.path) === k)) {
      out.set(key, k);
      continue;
    }
    throw new InvalidArgumentError(
      `checkpoint image: external mount ${key} has no source in config.json (mounts[].destination, linux.maskedPaths or the cgroup mount); restore with the bundle the container was checkpointed from`,
    );
  }
  return out;
}

function isBind(type: string | undefined, options: readonly string[] | undefined): boolean {
  return type === 'bind' || (options ?? []).some((x) => x === 'bind' || x === 'rbind');
}

export interface RestoreInput {
  readonly options: RestoreOptions;
  readonly spec: Spec;
  readonly bundle: string;
  /** A directory where the rootfs is bind-mounted for criu (--root; must be a mount point). */
  readonly criuRoot: string;
  /** File criu writes the restored init's host pid to. */
  readonly pidFile: string;
  /** The external mount points recorded at checkpoint (tsrun-checkpoint.json, or runc's bind mounts). */
  readonly externalMounts: readonly string[];
  /** Host directory per v1 cgroup hierarchy name ("cpu,cpuacct" → /sys/fs/cgroup/cpu,cpuacct/tsrun/id). */
  readonly cgroupBinds: ReadonlyMap<string, string>;
  /** The container cgroup's path per hierarchy (v1 controller list or "" for v2) relative to its root. */
  readonly cgroupRoots: ReadonlyMap<string, string>;
  /** Per fd 0..2, the key it was dumped under (DumpPlan.stdioKeys, or runc's descriptors.json pipes). */
  readonly stdioKeys: readonly (string | null)[];
  /** The calling process's fds that become the restored init's 0, 1, 2. */
  readonly stdio: readonly [number, number, number];
  /** Open fds of namespaces given by path that CRIU must not create (net, pid). */
  readonly externalNsFds: Readonly<Partial<Record<'network' | 'pid', number>>>;
}

const JOINABLE: Readonly<Record<string, string>> = { ipc: 'ipc', uts: 'uts', mount: 'mnt', user: 'user', time: 'time' };

/** `criu restore` of a container into the caller's cgroup and stdio, detached, as the caller's child. */
export function planRestore(input: RestoreInput): CriuInvocation {
  const o = input.options;
  const { images, work } = checkDirs(o);
  if (nsPath(input.spec, 'cgroup') !== undefined) {
    throw new InvalidArgumentError('linux.namespaces: CRIU cannot join an existing cgroup namespace on restore; remove its path');
  }
  const args = [
    'restore', '--images-dir', images, '--work-dir', work, '--log-file', RESTORE_LOG, '-v4',
    '--root', input.criuRoot, '--restore-detached', '--restore-sibling', '--pidfile', input.pidFile,
    `--manage-cgroups=${cgroupsMode(o.cgroupsMode, 'cgroups mode')}`, '--evasive-devices',
    ...commonFlags(o),
  ];
  const roots = [...input.cgroupRoots.entries()];
  const distinct = new Set(roots.map(([, p]) => p));
  if (distinct.size === 1) args.push('--cgroup-root', roots[0]![1]);
  else for (const [ctrl, p] of roots) args.push('--cgroup-root', ctrl === '' ? p : `${ctrl.split(',')[0]!}:${p}`);
  const sources = externalMountSources(input.externalMounts, input.spec, input.bundle, input.cgroupBinds);
  for (const [key, src] of sources) args.push('--ext-mount-map', `${key}:${src}`);
  const passFds: number[] = [];
  const pass = (fd: number): number => {
    passFds.push(fd);
    return 2 + passFds.length;
  };
  const inherited = new Set<string>();
  input.stdioKeys.slice(0, 3).forEach((d, i) => {
    if (d === null || inherited.has(d)) return;
    inherited.add(d);
    args.push('--inherit-fd', `fd[${pass(input.stdio[i as 0 | 1 | 2])}]:${d}`);
  });
  const keys = { network: 'extRootNetNS', pid: 'extRootPidNS' } as const;
  for (const type of ['network', 'pid'] as const) {
    const fd = input.externalNsFds[type];
    if (fd !== undefined) args.push('--inherit-fd', `fd[${pass(fd)}]:${keys[type]}`);
  }
  for (const [type, name] of Object.entries(JOINABLE)) {
    const p = nsPath(input.spec, type);
    if (p !== undefined) args.push('--join-ns', `${name}:${p}`);
  }
  return { args, logPath: path.join(work, RESTORE_LOG), passFds };
}
