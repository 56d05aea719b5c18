//! The host's view of a container: its cgroup directories and limit files (v1 hierarchies and the
//! unified one), its processes, its state, and a bounded wait for a condition.
import * as fs from 'fs';
import * as path from 'path';
import { parseMountinfo } from '../../helpers/leaks';

export interface Hierarchy {
  /** Mount point, e.g. /sys/fs/cgroup/memory. */
  readonly mountPoint: string;
  /** Controllers (v1: from the super options, e.g. ["cpu"], ["name=systemd"]); [] for cgroup2. */
  readonly controllers: readonly string[];
  readonly v2: boolean;
}

/** cgroup and cgroup2 mounts of the host (this process's mount namespace). */
export function hierarchies(): Hierarchy[] {
  const text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  const out: Hierarchy[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    if (sep < 0) continue;
    const fsType = f[sep + 1];
    if (fsType !== 'cgroup' && fsType !== 'cgroup2') continue;
    const mountPoint = parseMountinfo(line)[0]!.mountPoint;
    const known = ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'net_cls', 'net_prio', 'blkio', 'perf_event', 'hugetlb', 'pids', 'rdma', 'misc'];
    const controllers = fsType === 'cgroup2' ? [] : (f[sep + 3] ?? '').split(',').filter((o) => known.includes(o) || o.startsWith('name='));
    out.push({ mountPoint, controllers, v2: fsType === 'cgroup2' });
  }
  return out;
}

/** Existing cgroup directories for the absolute cgroup path `rel` in every hierarchy. */
export function cgroupDirs(rel: string): string[] {
  return hierarchies()
    .map((h) => path.join(h.mountPoint, rel))
    .filter((d) => fs.existsSync(d));
}

/** /proc/PID/cgroup → "memory" (or "cpu,cpuacct", "name=systemd", "" for v2) → path. */
export function procCgroups(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** Reads `file` of the v1 `controller` cgroup that `pid` is in (trimmed), or "(missing: …)". */
export function cgroupFileOf(pid: number, controller: string, file: string): string {
  const cg = procCgroups(pid);
  const key = Object.keys(cg).find((k) => k.split(',').includes(controller));
  const h = hierarchies().find((x) => x.controllers.includes(controller));
  if (key === undefined || h === undefined) return `(missing: no ${controller} hierarchy)`;
  const p = path.join(h.mountPoint, cg[key]!, file);
  try {
    return fs.readFileSync(p, 'utf8').trim();
  } catch (e) {
    return `(missing: ${(e as NodeJS.ErrnoException).code} ${p})`;
  }
}

/** True while /proc/PID exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Polls `fn` every 50 ms until it is true; throws naming `what` after `timeoutMs` (no timing assertion: a bound). */
export async function waitFor(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
