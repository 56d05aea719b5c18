//! OCI spec → LaunchPlan: the ordered list of ops native/ executes between clone and execve.
//! Pure: no I/O. The order follows runc's (nsexec + rootfs_linux + standard_init_linux).

import path from 'node:path';
import { InvalidArgumentError, InvalidSpecError, type SpecIssue } from '../errors';
import type { Mount, Seccomp, Spec } from './spec';
import { seccompFilter } from './seccomp';
import { seccompAllowsExecveat } from './exec-trampoline';
import { CLONE, MS, NS_CLONE_FLAG, S_IF } from './linux-constants';
import { parseMountOptions, propagationFlag, type ParsedMountOptions } from './mount-options';
import { capabilityNumber } from './capabilities';
import { rlimitNumber, RLIM_INFINITY } from './rlimits';
import type { IdMap, IdmapSource, LaunchPlan, PlanNamespace, PlanOp, ProcessPlan, StartBarrier } from './plan-types';

/** How cgroup v1 hierarchies appear inside the container when it mounts "cgroup". */
export interface CgroupMountInfo {
  readonly kind: 'v1';
  /** one bind mount per hierarchy: name as it appears under the cgroup mount (e.g. "memory",
   *  "cpu,cpuacct") and the host directory of the container's cgroup in it */
  readonly hierarchies: readonly { readonly name: string; readonly hostPath: string }[];
}

/** Whether the host has AppArmor / SELinux enabled: decides whether process.apparmorProfile,
 *  process.selinuxLabel and linux.mountLabel can be applied (without: refused, as runc fails). */
export interface HostLsmState {
  readonly apparmor: boolean;
  readonly selinux: boolean;
}

export interface PlanContext {
  readonly id: string;
  /** absolute host path of the rootfs (spec.root.path resolved against the bundle) */
  readonly rootfs: string;
  /** absolute bundle directory (relative bind sources resolve against it) */
  readonly bundle: string;
  /** /proc/sys/kernel/cap_last_cap of the host */
  readonly hostCapLast: number;
  /** host fds that become 0, 1, 2 in the container (-1: /dev/null); with process.terminal the
   *  console op replaces them with the pty it allocates in the container */
  readonly stdio: { readonly stdin: number; readonly stdout: number; readonly stderr: number };
  /** host fds that become 3, 4, … */
  readonly extraFds?: readonly number[];
  readonly start: StartBarrier;
  /** MS_MOVE + chroot instead of pivot_root (a rootfs on ramfs) */
  readonly noPivot?: boolean;
  /** stop before pivot_root (after the mounts) until the parent answers: createContainer hooks
   *  run there, in the container's namespaces (TSR_MSG_BEFORE_PIVOT) */
  readonly pauseBeforePivot?: boolean;
  /** the host has /proc/kcore: only then does /dev/core → /proc/kcore get created (as runc does) */
  readonly hostHasKcore?: boolean;
  /** the host's enabled LSMs (src/linux hostLsm()); absent: neither AppArmor nor SELinux */
  readonly lsm?: HostLsmState;
  readonly cgroup?: {
    /** cgroup directories (host paths) the init joins before anything else (writes cgroup.procs) */
    readonly join: readonly string[];
    /** how to mount a "cgroup" mount: cgroup2 (default) or v1 hierarchies bound from the host */
    readonly mount?: { readonly kind: 'v2' } | CgroupMountInfo;
  };
}

/** devices every container gets when /dev is not bind-mounted (runc's AllowedDevices set) */
export const DEFAULT_DEVICES: readonly { readonly path: string; readonly major: number; readonly minor: number }[] = [
  { path: '/dev/null', major: 1, minor: 3 },
  { path: '/dev/zero', major: 1, minor: 5 },
  { path: '/dev/full', major: 1, minor: 7 },
  { path: '/dev/random', major: 1, minor: 8 },
  { path: '/dev/urandom', major: 1, minor: 9 },
  { path: '/dev/tty', major: 5, minor: 0 },
];

const PAUSE_BEFORE_PIVOT: PlanOp = { op: 'pauseBeforePivot', step: 'run createContainer hooks (before pivot_root)' };

const DEV_SYMLINKS: readonly [target: string, link: string][] = [
  ['/proc/self/fd', '/dev/fd'],
  ['/proc/self/fd/0', '/dev/stdin'],
  ['/proc/self/fd/1', '/dev/stdout'],
  ['/proc/self/fd/2', '/dev/stderr'],
];

function containerPath(p: string): string {
  return path.posix.normalize(path.posix.join('/', p));
}

function capMask(names: readonly string[] | undefined, field: string, lastCap: number, issues: SpecIssue[]): bigint {
  let mask = 0n;
  for (const name of names ?? []) {
    const n = capabilityNumber(name);
    if (n === undefined) {
      issues.push({ path: field, message: `unknown capability "${name}"` });
    } else if (n <= lastCap) {
      // capabilities this kernel does not know are ignored, like runc does
      mask |= 1n << BigInt(n);
    }
  }
  return mask;
}

function rlimValue(n: bigint): bigint {
  return n < 0n || n > RLIM_INFINITY ? RLIM_INFINITY : n;
}

function unknownNamespace(t: string): string {
  return `unknown namespace type ${JSON.stringify(t)}; use one of ${[...NS_CLONE_FLAG.keys()].join(', ')}`;
}

function nsLabel(t: string): string {
  return t === 'network' ? 'net' : t === 'mount' ? 'mnt' : t;
}

interface Builder {
  readonly ops: PlanOp[];
  readonly issues: SpecIssue[];
}

/** The mapping of an id-mapped bind mount (runc's rules): the mount's own uidMappings/gidMappings,
 *  else ("idmap"/"ridmap" alone) the container's user namespace: its mappings when it gets a new
 *  one, its path when it joins one. undefined: not id-mapped. */
function idmapSource(b: Builder, m: Mount, opts: ParsedMountOptions, field: string, spec: Spec): IdmapSource | undefined {
  const own = m.uidMappings !== undefined || m.gidMappings !== undefined;
  if (!own && opts.idmap === undefined) return undefined;
  const base = { recursiveTree: opts.recursive, recursiveIdmap: opts.idmap === 'ridmap' };
  if (own) return { ...base, uidMappings: idMaps(m.uidMappings), gidMappings: idMaps(m.gidMappings) };
  const user = spec.linux?.namespaces?.find((n) => n.type === 'user');
  if (user?.path !== undefined) return { ...base, uidMappings: [], gidMappings: [], usernsPath: user.path };
  const uid = idMaps(spec.linux?.uidMappings);
  const gid = idMaps(spec.linux?.gidMappings);
  if (user === undefined || uid.length === 0 || gid.length === 0) {
    b.issues.push({ path: `${field}.options`, message: `"${opts.idmap}" without uidMappings/gidMappings on the mount takes the container's user namespace mappings, but the container has none; add a user namespace with mappings or give the mount its own uidMappings and gidMappings` });
    return undefined;
  }
  return { ...base, uidMappings: uid, gidMappings: gid };
}

function planMount(b: Builder, m: Mount, index: number, ctx: PlanContext, spec: Spec): void {
  const dest = containerPath(m.destination);
  const type = m.type ?? '';
  const opts = parseMountOptions(m.options, type);
  const field = `mounts[${index}]`;
  if (opts.unsupported.length > 0) {
    b.issues.push({ path: `${field}.options`, message: `not supported by tsrun yet: ${opts.unsupported.join(', ')}` });
  }
  const what = opts.bind ? `bind ${m.source ?? ''}` : type || (m.source ?? 'none');
  const step = `mount ${what} on ${dest}`;
  const propagate = (): void => {
    for (const p of opts.propagation) {
      b.ops.push({ op: 'mount', step: `set propagation of ${dest}`, source: null, target: dest, fstype: null, flags: p, data: null, base: 'root', mkTarget: 'none' });
    }
  };
  if (opts.bind) {
    if (m.source === undefined) {
      b.issues.push({ path: `${field}.source`, message: 'a bind mount needs a source' });
      return;
    }
    const source = path.posix.resolve(ctx.bundle, m.source);
    const idmap = idmapSource(b, m, opts, field, spec);
    if (idmap !== undefined) {
      b.ops.push({ op: 'moveMount', step: `${step} (id-mapped)`, source, target: dest, base: 'root', mkTarget: 'auto', idmap });
    } else {
      b.ops.push({ op: 'mount', step, source, target: dest, fstype: null, flags: MS.BIND | (opts.recursive ? MS.REC : 0), data: null, base: 'root', mkTarget: 'auto' });
    }
    const extra = opts.flags & ~(MS.BIND | MS.REC | MS.REMOUNT);
    if (extra !== 0) {
      b.ops.push({ op: 'mount', step: `remount ${dest} (${(m.options ?? []).join(',')})`, source: null, target: dest, fstype: null, flags: extra | MS.BIND | MS.REMOUNT, data: null, base: 'root', mkTarget: 'none' });
    }
    propagate();
    return;
  }
  if (type === 'cgroup' || type === 'cgroup2') {
    planCgroupMount(b, dest, opts.flags, ctx);
    propagate();
    return;
  }
  if (type === '') {
    b.issues.push({ path: `${field}.type`, message: 'a mount without "bind"/"rbind" needs a type' });
    return;
  }
  let data = opts.data;
  const label = spec.linux?.mountLabel;
  if (label !== undefined && label !== '' && !UNLABELLED_FS.has(type)) {
    if (ctx.lsm?.selinux === true) data = data === '' ? `context="${label}"` : `${data},context="${label}"`;
    else if (!b.issues.some((i) => i.path === 'linux.mountLabel')) {
      b.issues.push({ path: 'linux.mountLabel', message: `cannot be applied to ${field} (${type}): SELinux is disabled or not supported on this host, and the kernel refuses the context= mount option; remove mountLabel or enable SELinux` });
    }
  }
  // tmpfs as runc mounts it: the root keeps the mode of the directory it covers; tmpcopyup (tmpfs
  // only, ignored elsewhere like runc) copies that directory in
  const tmpfs = type === 'tmpfs';
  const copyUp = opts.copyUp && tmpfs;
  b.ops.push({
    op: 'mount', step: copyUp ? `${step} (tmpcopyup)` : step, source: m.source ?? type, target: dest, fstype: type, flags: opts.flags & ~MS.REMOUNT,
    data: data === '' ? null : data, base: 'root', mkTarget: 'dir', ...(copyUp ? { copyUp: true } : {}), ...(tmpfs ? { keepMode: true } : {}),
  });
  propagate();
}

function planCgroupMount(b: Builder, dest: string, flags: number, ctx: PlanContext): void {
  const mount = ctx.cgroup?.mount ?? { kind: 'v2' as const };
  if (mount.kind === 'v2') {
    b.ops.push({ op: 'mount', step: `mount cgroup2 on ${dest}`, source: 'cgroup2', target: dest, fstype: 'cgroup2', flags, data: null, base: 'root', mkTarget: 'dir' });
    return;
  }
  // v1: a tmpfs holding one bind mount per hierarchy (like runc), read-only last when asked
  const baseFlags = MS.NOSUID | MS.NODEV | MS.NOEXEC;
  b.ops.push({ op: 'mount', step: `mount tmpfs on ${dest}`, source: 'tmpfs', target: dest, fstype: 'tmpfs', flags: baseFlags, data: 'mode=755', base: 'root', mkTarget: 'dir' });
  for (const h of mount.hierarchies) {
    const target = path.posix.join(dest, h.name);
    b.ops.push({ op: 'mount', step: `mount cgroup ${h.name} on ${target}`, source: h.hostPath, target, fstype: null, flags: MS.BIND | MS.REC, data: null, base: 'root', mkTarget: 'dir' });
    b.ops.push({ op: 'mount', step: `remount ${target}`, source: null, target, fstype: null, flags: MS.BIND | MS.REMOUNT | baseFlags | (flags & MS.RDONLY), data: null, base: 'root', mkTarget: 'none' });
  }
  if ((flags & MS.RDONLY) !== 0) {
    b.ops.push({ op: 'mount', step: `remount ${dest} read-only`, source: null, target: dest, fstype: null, flags: MS.REMOUNT | MS.RDONLY | baseFlags, data: 'mode=755', base: 'root', mkTarget: 'none' });
  }
}

function planDevices(b: Builder, spec: Spec, ctx: PlanContext): void {
  const devices = new Map<string, PlanOp>();
  for (const d of DEFAULT_DEVICES) {
    devices.set(d.path, { op: 'mknod', step: `create device ${d.path}`, path: d.path, mode: S_IF.CHR | 0o666, major: d.major, minor: d.minor, uid: 0, gid: 0 });
  }
  (spec.linux?.devices ?? []).forEach((d, i) => {
    const p = containerPath(d.path);
    const kind = d.type === 'b' ? S_IF.BLK : d.type === 'p' ? S_IF.FIFO : d.type === 'c' || d.type === 'u' ? S_IF.CHR : undefined;
    if (kind === undefined) {
      b.issues.push({ path: `linux.devices[${i}].type`, message: `must be "c", "b", "u" or "p", not "${d.type}"` });
      return;
    }
    devices.set(p, {
      op: 'mknod', step: `create device ${p}`, path: p, mode: kind | ((d.fileMode ?? 0o666) & 0o7777),
      major: d.major ?? 0, minor: d.minor ?? 0, uid: d.uid ?? 0, gid: d.gid ?? 0,
    });
  });
  b.ops.push(...devices.values());
  b.ops.push({ op: 'symlink', step: 'create /dev/ptmx', target: 'pts/ptmx', path: '/dev/ptmx' });
  for (const [target, link] of DEV_SYMLINKS) {
    b.ops.push({ op: 'symlink', step: `create ${link}`, target, path: link });
  }
  // a dangling /dev/core on kernels without /proc/kcore is what runc avoids too
  if (ctx.hostHasKcore === true) b.ops.push({ op: 'symlink', step: 'create /dev/core', target: '/proc/kcore', path: '/dev/core' });
}

function planUserAndCaps(b: Builder, spec: Spec, ctx: PlanContext): void {
  const proc = spec.process;
  if (proc === undefined) return;
  const caps = proc.capabilities;
  const last = ctx.hostCapLast;
  const mask = (names: readonly string[] | undefined, k: string) => capMask(names, `process.capabilities.${k}`, last, b.issues);
  if (caps !== undefined) {
    b.ops.push({ op: 'capsBounding', step: 'drop bounding capabilities', keep: mask(caps.bounding, 'bounding'), lastCap: last });
    b.ops.push({ op: 'keepCaps', step: 'keep capabilities across setuid', on: true });
  }
  // runc's fixStdioPermissions, before the switch: the user can reopen its stdio (/proc/self/fd/1)
  b.ops.push({ op: 'fixStdio', step: `give stdio to uid ${proc.user.uid}`, uid: proc.user.uid });
  const gids = proc.user.additionalGids ?? [];
  b.ops.push({ op: 'setgroups', step: `set additional groups [${gids.join(',')}]`, gids });
  b.ops.push({ op: 'setresgid', step: `set gid ${proc.user.gid}`, gid: proc.user.gid });
  b.ops.push({ op: 'setresuid', step: `set uid ${proc.user.uid}`, uid: proc.user.uid });
  if (caps !== undefined) {
    b.ops.push({ op: 'keepCaps', step: 'clear keep-capabilities', on: false });
    const permitted = mask(caps.permitted, 'permitted');
    const inheritable = mask(caps.inheritable, 'inheritable');
    b.ops.push({ op: 'capset', step: 'set capabilities', effective: mask(caps.effective, 'effective'), permitted, inheritable });
    // The kernel raises an ambient capability only if it is both permitted and inheritable; runc
    // warns about the others and carries on (`runc spec` lists ambient caps that are not
    // inheritable), so those are left out here rather than failing the container.
    const ambient = mask(caps.ambient, 'ambient') & permitted & inheritable;
    b.ops.push({ op: 'capsAmbient', step: 'raise ambient capabilities', caps: ambient, lastCap: last });
  }
}

function seccompOp(s: Seccomp, issues: SpecIssue[]): PlanOp | undefined {
  try {
    const filter = seccompFilter(s);
    const listener = filter.notify && s.listenerPath !== undefined ? { path: s.listenerPath, metadata: s.listenerMetadata ?? '' } : undefined;
    return { op: 'seccomp', step: `load seccomp filter (default ${s.defaultAction}, ${filter.rules.length} rules)`, filter, ...(listener ? { listener } : {}) };
  } catch (e) {
    if (!(e instanceof InvalidSpecError)) throw e;
    issues.push(...e.issues);
    return undefined;
  }
}

/** process.apparmorProfile / selinuxLabel: the label the process gets at execve, written to its
 *  own /proc/thread-self/attr (what aa_change_onexec and setexeccon do, as runc does). On a host
 *  without the LSM runc fails too (apparmor: "write /proc/self/attr/exec: invalid argument" at
 *  init; SELinux: "selinux label is specified in config, but selinux is disabled or not
 *  supported"): refused here, naming the field. */
function planLsm(b: Builder, proc: NonNullable<Spec['process']>, lsm: HostLsmState | undefined): void {
  // "unconfined" asks for no confinement: without AppArmor there is none to lift (Docker sets it
  // for --privileged and apparmor=unconfined; runc 1.1.5 still tries the write and fails)
  const unconfinedWithout = proc.apparmorProfile === 'unconfined' && lsm?.apparmor !== true;
  if (proc.apparmorProfile !== undefined && proc.apparmorProfile !== '' && !unconfinedWithout) {
    if (lsm?.apparmor === true) {
      b.ops.push({ op: 'writeFile', step: `apply AppArmor profile "${proc.apparmorProfile}" at exec`, path: '/proc/thread-self/attr/apparmor/exec', data: `exec ${proc.apparmorProfile}`, base: 'abs' });
    } else {
      b.issues.push({ path: 'process.apparmorProfile', message: 'cannot be applied: AppArmor is not enabled on this host (/sys/module/apparmor/parameters/enabled); remove apparmorProfile or enable AppArmor' });
    }
  }
  if (proc.selinuxLabel !== undefined && proc.selinuxLabel !== '') {
    if (lsm?.selinux === true) {
      b.ops.push({ op: 'writeFile', step: `set SELinux label "${proc.selinuxLabel}" at exec`, path: '/proc/thread-self/attr/exec', data: proc.selinuxLabel, base: 'abs' });
    } else {
      b.issues.push({ path: 'process.selinuxLabel', message: 'cannot be applied: SELinux is disabled or not supported on this host; remove selinuxLabel or enable SELinux' });
    }
  }
}

/** Filesystems runc mounts with linux.mountLabel as their context= option: all but these and binds. */
const UNLABELLED_FS = new Set(['proc', 'sysfs', 'mqueue', 'cgroup', 'cgroup2']);

/** The process part shared by container init and exec: rlimits, oom, user, caps, nnp, cwd, umask,
 *  seccomp. Seccomp goes where runc puts it: with no_new_privs as late as possible (after umask,
 *  before the start barrier, so a load error is reported at create and the notify fd reaches the
 *  agent before the process runs); without no_new_privs loading needs CAP_SYS_ADMIN, so before the
 *  capabilities are dropped and the user is switched. Every syscall after the load (capset,
 *  setresuid… without nnp; the barrier's read or openat+write, then execve) passes the filter. */
function planProcessTail(b: Builder, spec: Spec, ctx: PlanContext, seccomp: Seccomp | undefined): void {
  const proc = spec.process;
  if (proc === undefined) return;
  const filter = seccomp === undefined ? undefined : seccompOp(seccomp, b.issues);
  const nnp = proc.noNewPrivileges === true;
  planLsm(b, proc, ctx.lsm);
  (proc.rlimits ?? []).forEach((r, i) => {
    const resource = rlimitNumber(r.type);
    if (resource === undefined) {
      b.issues.push({ path: `process.rlimits[${i}].type`, message: `unknown rlimit "${r.type}"` });
      return;
    }
    b.ops.push({ op: 'setrlimit', step: `set ${r.type}`, resource, soft: rlimValue(r.soft), hard: rlimValue(r.hard) });
  });
  if (filter !== undefined && !nnp) b.ops.push(filter);
  planUserAndCaps(b, spec, ctx);
  if (nnp) b.ops.push({ op: 'noNewPrivs', step: 'set no_new_privs' });
  b.ops.push({ op: 'chdir', step: `chdir to ${proc.cwd}`, path: proc.cwd });
  // native/ runs with umask 0 while it sets up; the process gets the spec's umask or 0022 (runc's)
  const umask = (proc.user.umask ?? 0o022) & 0o777;
  b.ops.push({ op: 'umask', step: `set umask ${umask.toString(8).padStart(4, '0')}`, mask: umask });
  if (filter !== undefined && nnp) b.ops.push(filter);
}

/** process.terminal: a pty allocated by the child from the container's /dev/ptmx (runc's setupConsole). */
function consoleOp(spec: Spec, mountConsole: boolean): PlanOp {
  const size = spec.process?.consoleSize;
  return {
    op: 'console', step: mountConsole ? 'allocate the terminal in the container\'s devpts and bind it on /dev/console' : 'allocate the terminal in the container\'s devpts',
    mountConsole, rows: size?.height ?? 0, cols: size?.width ?? 0,
  };
}

function execOp(spec: Spec, issues: SpecIssue[], seccomp: Seccomp | undefined): PlanOp | undefined {
  const args = spec.process?.args ?? [];
  if (args.length === 0 || args[0] === '') {
    issues.push({ path: 'process.args', message: 'must name the program to run (a non-empty list)' });
    return undefined;
  }
  // a program name without '/' is searched in env's PATH by native/ (DEFAULT_PATH when unset)
  const op = { op: 'exec', step: `exec ${JSON.stringify(args[0])}`, path: args[0] as string, argv: args, env: spec.process?.env ?? [] } as const;
  return seccompAllowsExecveat(seccomp) ? op : { ...op, direct: true };
}

/** linux.timeOffsets as /proc/<pid>/timens_offsets lines ("<clock> <secs> <nanosecs>") */
function timensOffsets(spec: Spec): { data: string; label: string } | undefined {
  const entries = Object.entries(spec.linux?.timeOffsets ?? {}).filter(([, o]) => o !== undefined);
  if (entries.length === 0) return undefined;
  const lines = entries.map(([clock, o]) => `${clock} ${BigInt(o?.secs ?? 0)} ${o?.nanosecs ?? 0}`);
  return { data: `${lines.join('\n')}\n`, label: lines.join(', ') };
}

function idMaps(maps: readonly { containerID: number; hostID: number; size: number }[] | undefined): IdMap[] {
  return (maps ?? []).map((m) => ({ containerID: m.containerID, hostID: m.hostID, size: m.size }));
}

/** Build the complete launch plan for a container's init. Throws InvalidSpecError listing every
 *  problem found (by JSON path) and InvalidArgumentError for a bad context. */
export function buildPlan(spec: Spec, ctx: PlanContext): LaunchPlan {
  if (!path.posix.isAbsolute(ctx.rootfs)) throw new InvalidArgumentError(`rootfs "${ctx.rootfs}" must be an absolute path`);
  if (spec.process === undefined) throw new InvalidSpecError([{ path: 'process', message: 'is required to start a container' }]);
  const b: Builder = { ops: [], issues: [] };
  const namespaces: PlanNamespace[] = (spec.linux?.namespaces ?? []).map((n) => (n.path === undefined ? { type: n.type } : { type: n.type, path: n.path }));
  const seen = new Set<string>();
  namespaces.forEach((n, i) => {
    if (!NS_CLONE_FLAG.has(n.type)) b.issues.push({ path: `linux.namespaces[${i}].type`, message: unknownNamespace(n.type) });
    if (seen.has(n.type)) b.issues.push({ path: `linux.namespaces[${i}]`, message: `namespace "${n.type}" is listed twice` });
    seen.add(n.type);
  });
  const created = (t: string) => namespaces.some((n) => n.type === t && n.path === undefined);
  const joined = namespaces.filter((n) => n.path !== undefined);
  let cloneFlags = 0;
  for (const n of namespaces) {
    // cgroup and time namespaces are unshared later: cgroup after joining the cgroup, time
    // because clone() cannot take CLONE_NEWTIME
    if (n.path === undefined && n.type !== 'cgroup' && n.type !== 'time' && !(n.type === 'ipc' && created('user'))) cloneFlags |= NS_CLONE_FLAG.get(n.type) ?? 0;
  }
  const newMountNs = created('mount');
  if (!newMountNs && !namespaces.some((n) => n.type === 'mount')) {
    b.issues.push({ path: 'linux.namespaces', message: 'a "mount" namespace is required' });
  }
  const uidMappings = idMaps(spec.linux?.uidMappings);
  const gidMappings = idMaps(spec.linux?.gidMappings);
  if (created('user') && (uidMappings.length === 0 || gidMappings.length === 0)) {
    b.issues.push({ path: 'linux.uidMappings', message: 'a new user namespace needs uidMappings and gidMappings' });
  }
  if (spec.hostname !== undefined && spec.hostname !== '' && !created('uts')) {
    b.issues.push({ path: 'hostname', message: 'setting the hostname needs a new "uts" namespace' });
  }

  // 1. cgroups first: still the host's root (kuid 0) before becoming root of a new or joined user
  //    namespace, where the host's cgroup.procs files are not writable (EACCES)
  for (const dir of ctx.cgroup?.join ?? []) {
    b.ops.push({ op: 'writeFile', step: `join cgroup ${dir}`, path: path.posix.join(dir, 'cgroup.procs'), data: '0', base: 'abs' });
  }
  // the exec fifo's directory too: the state dir is 0700 and root of a user namespace maps to
  // another host uid, which could not reach it later (EACCES); only its O_PATH fd is kept
  if (ctx.start.kind === 'fifo') b.ops.push({ op: 'prepareFifo', step: `open exec fifo ${ctx.start.path}`, path: ctx.start.path });
  // namespaces: id maps, joins (user first; pid is joined by the spawning thread), cgroup
  if (created('user')) {
    // the child's host ids are unmapped in the new namespace until it becomes its root: files it
    // creates (devices, mount targets) would fail with EOVERFLOW
    b.ops.push({ op: 'syncIdmap', step: 'wait for uid/gid maps' });
    b.ops.push({ op: 'setresgid', step: 'become gid 0 in the user namespace', gid: 0 });
    b.ops.push({ op: 'setresuid', step: 'become uid 0 in the user namespace', uid: 0 });
    // the ipc namespace's mqueue filesystem takes its owner from the creator: created now (as
    // runc does), /dev/mqueue belongs to the container's root, not to the unmapped nobody
    if (created('ipc')) b.ops.push({ op: 'unshare', step: 'create ipc namespace', flags: CLONE.NEWIPC });
  }
  const order = (t: string) => (t === 'user' ? 0 : 1);
  for (const n of [...joined].sort((x, y) => order(x.type) - order(y.type))) {
    if (n.type === 'pid') continue;
    b.ops.push({ op: 'setns', step: `join ${nsLabel(n.type)} namespace ${n.path}`, path: n.path as string, nstype: NS_CLONE_FLAG.get(n.type) ?? 0 });
    if (n.type === 'user') {
      // as runc's init: the host's root is unmapped there, so what it creates (a devpts
      // instance, files) would fail with EOVERFLOW. With namespaces to create, native/ clones the
      // container's process after this join (they belong to the joined user namespace then).
      b.ops.push({ op: 'setresgid', step: 'become gid 0 in the joined user namespace', gid: 0 });
      b.ops.push({ op: 'setresuid', step: 'become uid 0 in the joined user namespace', uid: 0 });
    }
  }
  if (created('cgroup')) b.ops.push({ op: 'unshare', step: 'create cgroup namespace', flags: CLONE.NEWCGROUP });
  if (created('time')) {
    b.ops.push({ op: 'unshare', step: 'create time namespace', flags: CLONE.NEWTIME });
    // before any process enters it (this one does at execve): the kernel freezes them then
    const offsets = timensOffsets(spec);
    if (offsets !== undefined) b.ops.push({ op: 'writeFile', step: `set time namespace offsets (${offsets.label})`, path: '/proc/self/timens_offsets', data: offsets.data, base: 'abs' });
  }
  if (spec.process.oomScoreAdj !== undefined) {
    b.ops.push({ op: 'writeFile', step: `set oom_score_adj to ${spec.process.oomScoreAdj}`, path: '/proc/self/oom_score_adj', data: String(spec.process.oomScoreAdj), base: 'abs' });
  }
  b.ops.push({ op: 'stdio', step: 'set up stdio', fds: [ctx.stdio.stdin, ctx.stdio.stdout, ctx.stdio.stderr, ...(ctx.extraFds ?? [])] });
  // runc's init always starts a new session (nsexec); CRIU refuses a tree whose session leader is
  // outside the container's pid namespace, so checkpoint needs it too. With a terminal the console
  // op (after pivot_root) starts the session and makes the pty its controlling terminal.
  if (spec.process.terminal !== true) b.ops.push({ op: 'setCtty', step: 'start a new session (setsid), as runc does', fd: -1 });

  // 2. the root filesystem
  if (newMountNs) {
    const prop = spec.linux?.rootfsPropagation;
    let rootFlags = MS.SLAVE | MS.REC;
    if (prop !== undefined && (prop as string) !== '') {
      const f = propagationFlag(prop);
      if (f === undefined) b.issues.push({ path: 'linux.rootfsPropagation', message: `unknown propagation "${prop}"` });
      else rootFlags = f;
    }
    b.ops.push({ op: 'mount', step: 'set propagation of /', source: null, target: '/', fstype: null, flags: rootFlags, data: null, base: 'abs', mkTarget: 'none' });
    b.ops.push({ op: 'makeParentPrivate', step: `make the parent mount of ${ctx.rootfs} private`, path: ctx.rootfs });
    b.ops.push({ op: 'mount', step: `bind rootfs ${ctx.rootfs}`, source: ctx.rootfs, target: ctx.rootfs, fstype: null, flags: MS.BIND | MS.REC, data: null, base: 'abs', mkTarget: 'none' });
    const mounts = spec.mounts ?? [];
    mounts.forEach((m, i) => planMount(b, m, i, ctx, spec));
    const devBound = mounts.some((m) => containerPath(m.destination) === '/dev' && parseMountOptions(m.options, m.type).bind);
    if (!devBound) planDevices(b, spec, ctx);
    b.ops.push({ op: 'mkdirAll', step: `create cwd ${spec.process.cwd}`, path: spec.process.cwd, mode: 0o755 });
    if (ctx.pauseBeforePivot === true) b.ops.push(PAUSE_BEFORE_PIVOT);
    if (ctx.noPivot === true) b.ops.push({ op: 'moveRoot', step: `move ${ctx.rootfs} to / and chroot`, rootfs: ctx.rootfs });
    else b.ops.push({ op: 'pivotRoot', step: `pivot_root to ${ctx.rootfs}`, rootfs: ctx.rootfs });
  } else if (ctx.pauseBeforePivot === true) {
    b.ops.push(PAUSE_BEFORE_PIVOT);
  }
  // runc's setupConsole: after the mounts and pivot_root (the container's /dev/pts is there), before
  // the read-only remounts
  if (spec.process.terminal === true) b.ops.push(consoleOp(spec, newMountNs));

  // 3. identity of the container
  if (spec.hostname !== undefined && spec.hostname !== '') b.ops.push({ op: 'sethostname', step: `set hostname "${spec.hostname}"`, name: spec.hostname });
  if (spec.domainname !== undefined && spec.domainname !== '') b.ops.push({ op: 'setdomainname', step: `set domainname "${spec.domainname}"`, name: spec.domainname });
  for (const [key, value] of Object.entries(spec.linux?.sysctl ?? {})) {
    if (key.includes('..') || key.startsWith('/') || key.startsWith('.')) {
      b.issues.push({ path: `linux.sysctl.${key}`, message: 'not a sysctl name' });
      continue;
    }
    b.ops.push({ op: 'writeFile', step: `set sysctl ${key}=${value}`, path: `/proc/sys/${key.replace(/\./g, '/')}`, data: value, base: 'abs' });
  }
  if (newMountNs) {
    for (const p of spec.linux?.readonlyPaths ?? []) b.ops.push({ op: 'readonlyPath', step: `make ${p} read-only`, path: containerPath(p) });
    for (const p of spec.linux?.maskedPaths ?? []) b.ops.push({ op: 'maskPath', step: `mask ${p}`, path: containerPath(p) });
    if (spec.root?.readonly === true) b.ops.push({ op: 'remountReadonly', step: 'remount / read-only', path: '/' });
  }

  // 4. the process
  planProcessTail(b, spec, ctx, spec.linux?.seccomp);
  const exec = execOp(spec, b.issues, spec.linux?.seccomp);
  if (b.issues.length > 0) throw new InvalidSpecError(b.issues);
  b.ops.push({ op: 'waitStart', step: ctx.start.kind === 'fifo' ? `wait on exec fifo ${ctx.start.path}` : 'wait for start' });
  b.ops.push(exec as PlanOp);
  return {
    id: ctx.id, cloneFlags, joinPidNs: joined.find((n) => n.type === 'pid')?.path ?? null, rootfs: newMountNs ? ctx.rootfs : null, namespaces,
    uidMappings, gidMappings, start: ctx.start, ops: b.ops,
  };
}

export interface ProcessPlanContext {
  readonly id: string;
  /** the container init's host pid: namespaces are joined through /proc/<pid>/ns/* */
  readonly initPid: number;
  /** namespace types the container has (from its spec), all joined */
  readonly namespaceTypes: readonly string[];
  readonly hostCapLast: number;
  readonly stdio: { readonly stdin: number; readonly stdout: number; readonly stderr: number };
  readonly extraFds?: readonly number[];
  readonly start: StartBarrier;
  readonly cgroup?: { readonly join: readonly string[] };
  /** the container's linux.seccomp: an exec'd process gets the same filter (as with runc) */
  readonly seccomp?: Seccomp;
  readonly lsm?: HostLsmState;
}

/** Plan for a process exec'd into a running container (`spec` carries only the process). */
export function buildProcessPlan(spec: Spec, ctx: ProcessPlanContext): ProcessPlan {
  if (spec.process === undefined) throw new InvalidSpecError([{ path: 'process', message: 'is required' }]);
  const b: Builder = { ops: [], issues: [] };
  const nsPath = (t: string) => `/proc/${ctx.initPid}/ns/${nsLabel(t)}`;
  for (const t of ctx.namespaceTypes) {
    if (!NS_CLONE_FLAG.has(t)) throw new InvalidArgumentError(`the container's namespaces: ${unknownNamespace(t)}`);
  }
  const namespaces: PlanNamespace[] = ctx.namespaceTypes.map((t) => ({ type: t as PlanNamespace['type'], path: nsPath(t) }));
  for (const dir of ctx.cgroup?.join ?? []) {
    b.ops.push({ op: 'writeFile', step: `join cgroup ${dir}`, path: path.posix.join(dir, 'cgroup.procs'), data: '0', base: 'abs' });
  }
  // user first, mount last (after mount, host paths are gone)
  const rank = (t: string) => (t === 'user' ? 0 : t === 'mount' ? 2 : 1);
  for (const n of [...namespaces].sort((x, y) => rank(x.type) - rank(y.type))) {
    if (n.type === 'pid') continue;
    b.ops.push({ op: 'setns', step: `join ${nsLabel(n.type)} namespace of ${ctx.initPid}`, path: n.path as string, nstype: NS_CLONE_FLAG.get(n.type) ?? 0 });
  }
  if (spec.process.oomScoreAdj !== undefined) {
    b.ops.push({ op: 'writeFile', step: `set oom_score_adj to ${spec.process.oomScoreAdj}`, path: '/proc/self/oom_score_adj', data: String(spec.process.oomScoreAdj), base: 'abs' });
  }
  if (ctx.start.kind === 'fifo') b.ops.push({ op: 'prepareFifo', step: `open exec fifo ${ctx.start.path}`, path: ctx.start.path });
  b.ops.push({ op: 'stdio', step: 'set up stdio', fds: [ctx.stdio.stdin, ctx.stdio.stdout, ctx.stdio.stderr, ...(ctx.extraFds ?? [])] });
  // runc allocates an exec's pty in the container's devpts too (the mount namespace is joined)
  if (spec.process.terminal === true) b.ops.push(consoleOp(spec, false));
  planProcessTail(b, spec, { ...ctx, rootfs: '/', bundle: '/' }, ctx.seccomp);
  const exec = execOp(spec, b.issues, ctx.seccomp);
  if (b.issues.length > 0) throw new InvalidSpecError(b.issues);
  b.ops.push({ op: 'waitStart', step: 'wait for start' });
  b.ops.push(exec as PlanOp);
  return {
    id: ctx.id, cloneFlags: 0, joinPidNs: namespaces.find((n) => n.type === 'pid')?.path ?? null, rootfs: null, namespaces,
    uidMappings: [], gidMappings: [], start: ctx.start, ops: b.ops,
  };
}
