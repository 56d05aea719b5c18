//! Which cgroup hierarchies this host has and where they are mounted (from /proc/self/mountinfo).
//! Parsing is pure; detectCgroupHost() only reads the two /proc files.

import { readFileSync } from 'node:fs';

/** v1: only cgroup v1 hierarchies; hybrid: v1 controllers plus a cgroup2 mount; unified: pure cgroup2. */
export type CgroupMode = 'v1' | 'hybrid' | 'unified';

/** One mounted hierarchy. `root` is the mount's root inside the hierarchy (not "/" in a cgroup namespace). */
export interface CgroupMount {
  readonly mountPoint: string;
  readonly root: string;
  /** v1: the controllers bound to this hierarchy ("cpu", "cpuacct", "name=systemd"); v2: []. */
  readonly controllers: readonly string[];
}

export interface CgroupHost {
  readonly mode: CgroupMode;
  /** v1 hierarchies (one per mount; co-mounted controllers such as cpu,cpuacct share one). */
  readonly v1: readonly CgroupMount[];
  /** The cgroup2 mount, if any (the hierarchy itself in unified mode, /sys/fs/cgroup/unified in hybrid). */
  readonly unified: CgroupMount | undefined;
  /** This process's cgroup per hierarchy, from /proc/self/cgroup: key "" for v2, else the controller list. */
  readonly own: ReadonlyMap<string, string>;
}

/** Undo mountinfo's octal escapes (\040 for a space, \011, \012, \134). */
function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Every cgroup and cgroup2 mount listed in a mountinfo text; later mounts over the same point win. */
export function parseCgroupMounts(mountinfo: string): { v1: CgroupMount[]; unified: CgroupMount | undefined } {
  const byPoint = new Map<string, CgroupMount & { v2: boolean }>();
  for (const line of mountinfo.split('\n')) {
    if (!line.trim()) continue;
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const post = line.slice(sep + 3).split(' ');
    const fstype = post[0];
    const root = pre[3];
    const mountPoint = pre[4];
    if (root === undefined || mountPoint === undefined) continue;
    const point = unescapeMountField(mountPoint);
    if (fstype === 'cgroup2') {
      byPoint.set(point, { mountPoint: point, root: unescapeMountField(root), controllers: [], v2: true });
    } else if (fstype === 'cgroup') {
      const superOptions = (post[2] ?? '').split(',');
      const known = new Set(['rw', 'ro', 'clone_children', 'noprefix', 'xattr', 'cpuset_v2_mode', 'favordynmods']);
      const controllers = superOptions.filter((o) => o && !known.has(o) && !o.startsWith('release_agent='));
      byPoint.set(point, { mountPoint: point, root: unescapeMountField(root), controllers, v2: false });
    } else {
      byPoint.delete(point); // something else mounted over a former cgroup mount point
    }
  }
  // A hierarchy may be mounted more than once (criu's temporary "cgyard", a tool's private
  // mount): keep one mount per hierarchy, the one under /sys/fs/cgroup, else the shortest path.
  const better = (a: CgroupMount, b: CgroupMount | undefined): boolean => {
    if (b === undefined) return true;
    const sys = (m: CgroupMount): boolean => m.mountPoint === '/sys/fs/cgroup' || m.mountPoint.startsWith('/sys/fs/cgroup/');
    if (sys(a) !== sys(b)) return sys(a);
    return a.mountPoint.length < b.mountPoint.length;
  };
  const v1ByHierarchy = new Map<string, CgroupMount>();
  let unified: CgroupMount | undefined;
  for (const m of byPoint.values()) {
    const { v2, ...mount } = m;
    if (v2) {
      if (better(mount, unified)) unified = mount;
    } else if (mount.controllers.length > 0) {
      const key = [...mount.controllers].sort().join(',');
      if (better(mount, v1ByHierarchy.get(key))) v1ByHierarchy.set(key, mount);
    }
  }
  return { v1: [...v1ByHierarchy.values()], unified };
}

/** Parse /proc/<pid>/cgroup: "hierarchy-id:controllers:path" lines → controllers ("" for v2) → path. */
export function parseProcCgroup(text: string): Map<string, string> {
  const own = new Map<string, string>();
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    own.set(line.slice(first + 1, second), line.slice(second + 1));
  }
  return own;
}

/** Classify mounts: unified when there is no v1 controller hierarchy, hybrid when both, else v1. */
export function cgroupHostFrom(mountinfo: string, procSelfCgroup: string): CgroupHost {
  const { v1, unified } = parseCgroupMounts(mountinfo);
  // A v1 host with only named hierarchies (name=systemd) but a cgroup2 mount manages through cgroup2.
  const controllerHierarchies = v1.filter((m) => m.controllers.some((c) => !c.startsWith('name=')));
  let mode: CgroupMode;
  if (controllerHierarchies.length === 0 && unified) mode = 'unified';
  else if (unified) mode = 'hybrid';
  else mode = 'v1';
  return { mode, v1: mode === 'unified' ? [] : v1, unified, own: parseProcCgroup(procSelfCgroup) };
}

/** Read /proc/self/mountinfo and /proc/self/cgroup and describe this host's cgroup layout. */
export function detectCgroupHost(): CgroupHost {
  return cgroupHostFrom(readFileSync('/proc/self/mountinfo', 'utf8'), readFileSync('/proc/self/cgroup', 'utf8'));
}

/** The v1 hierarchy that has `controller` bound, if mounted. */
export function v1MountFor(host: CgroupHost, controller: string): CgroupMount | undefined {
  return host.v1.find((m) => m.controllers.includes(controller));
}
