//! Tools for the reliability tests (issue 9): sizes (reduced by default, full with TSRUN_SOAK=1),
//! a shim's resources as the kernel sees them (open fds, RSS, zombie children, sockets), a pod
//! member to keep a shim alive, and a snapshot of what a container leaves on the host.
import * as fs from 'fs';
import * as path from 'path';
import { ctrOk } from '../../helpers/containerd';
import { ContainerdHandle, testEnv } from '../../helpers/env';
import { findLeaks, mountsUnder } from '../../helpers/leaks';
import { MEMORY_REPORT_ENV, type MemoryReport } from '../../../src/shim/memory-report';
import { alive, nsCall, Resources, runFlags, RuntimeName, shimAddress, shimTaskClient, waitFor, waitForTask } from '../shim/support';

/** The annotation both shims group containers by (one shim per group, like a Kubernetes pod). */
export const GROUP = 'io.containerd.runc.v2.group';

/** TSRUN_SOAK=1 selects the full sizes of `make soak`; the default keeps CI fast on 2 cores. */
export const SOAK = process.env.TSRUN_SOAK === '1';

export function size(reduced: number, soak: number): number {
  return SOAK ? soak : reduced;
}

/** Prints a figure for the report (stderr, one line, greppable as "reliability:"). */
export function figure(what: string, value: unknown): void {
  process.stderr.write(`reliability: ${what}: ${typeof value === 'string' ? value : JSON.stringify(value)}\n`);
}

/** Open fds of `pid` (entries of /proc/PID/fd), with their targets. */
export function fds(pid: number): string[] {
  const dir = `/proc/${pid}/fd`;
  return fs.readdirSync(dir).map((fd) => {
    try {
      return `${fd} -> ${fs.readlinkSync(path.join(dir, fd))}`;
    } catch {
      return `${fd} -> ?`;
    }
  });
}

/** Resident set size of `pid` in KiB (VmRSS of /proc/PID/status). */
export function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]);
}

/** Children of `pid` that are zombies (exited, not reaped). */
export function zombieChildren(pid: number): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[1]) === pid && f[0] === 'Z') out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Children of `pid` (any state). */
export function children(pid: number): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The containerd bundle dir of a container. */
export function bundleDir(h: ContainerdHandle, id: string): string {
  return path.join(h.dir, 'state', 'io.containerd.runtime.v2.task', h.namespace, id);
}

/** Entries of the task bundles dir of the handle's namespace (one per container with a task). */
export function bundles(h: ContainerdHandle): string[] {
  try {
    return fs.readdirSync(path.join(h.dir, 'state', 'io.containerd.runtime.v2.task', h.namespace)).sort();
  } catch {
    return [];
  }
}

/** tsrun's container state dirs (default root /run/containerd/tsrun/<namespace>). */
export function tsrunStateDirs(h: ContainerdHandle, root = path.join('/run/containerd/tsrun', h.namespace)): string[] {
  try {
    return fs.readdirSync(root).sort();
  } catch {
    return [];
  }
}

/** Unix sockets of the shims of this daemon (containerd 1.6/1.7 put them under /run/containerd/s/). */
export function shimSocketsOf(addresses: readonly string[]): string[] {
  return addresses.map((a) => a.replace(/^unix:\/\//, '')).filter((s) => fs.existsSync(s));
}

export interface Member {
  readonly id: string;
  readonly pid: number;
  readonly shimPid: number;
  readonly address: string;
}

/** Starts `args` detached (in pod `group` when given); pid and shim pid (ttrpc Connect). */
export async function startDetached(
  h: ContainerdHandle,
  runtime: RuntimeName,
  res: Resources,
  label: string,
  args: readonly string[],
  opts: { group?: string; flags?: readonly string[]; fifoDir?: string } = {},
): Promise<Member> {
  const id = res.container(label, h);
  const group = opts.group !== undefined ? ['--annotation', `${GROUP}=${opts.group}`] : [];
  await ctrOk(h, ['run', '-d', ...runFlags(runtime, opts.fifoDir), ...group, ...(opts.flags ?? []), testEnv().image.ref, id, ...args], { timeoutMs: 60_000 });
  const pid = await waitForTask(h, id, 'RUNNING', 60_000);
  const connect = await shimTaskClient(h, id, res).connect({ id }, nsCall(h));
  if (connect.taskPid !== pid || !alive(connect.shimPid)) throw new Error(`shim of ${id}: Connect says task ${connect.taskPid}, shim ${connect.shimPid}; ctr says ${pid}`);
  return { id, pid, shimPid: connect.shimPid, address: shimAddress(h, id) };
}

/** What this worker left on the host that names one of `ids`: mounts, cgroups, processes, FIFOs. */
export async function leftovers(ids: readonly string[], ignore: (s: string) => boolean = () => false): Promise<string[]> {
  const l = await findLeaks();
  const all = [...l.mounts, ...l.cgroups, ...l.fifos, ...l.processes.map((p) => `process ${p.pid} ${p.cmdline}`)];
  return all.filter((x) => ids.some((id) => x.includes(id)) && !ignore(x));
}

/** Mounts under a container's bundle. */
export function bundleMounts(h: ContainerdHandle, id: string): string[] {
  return mountsUnder(bundleDir(h, id));
}

/** The shim's memory report dir when the run enables it (TSRUN_DEBUG_MEMORY in the environment
 * the test containerds, and so their shims, inherit; src/shim/memory-report.ts). */
export function memoryReportDir(): string | undefined {
  const dir = process.env[MEMORY_REPORT_ENV];
  return dir !== undefined && dir !== '' ? dir : undefined;
}

/** Asks shim `pid` for a memory report (SIGUSR2) and reads it; undefined unless enabled. */
export async function shimMemoryReport(pid: number): Promise<MemoryReport | undefined> {
  const dir = memoryReportDir();
  if (dir === undefined) return undefined;
  const mine = (): string[] => fs.readdirSync(dir).filter((f) => f.startsWith(`shim-${pid}-`) && f.endsWith('.json'));
  const before = new Set(mine());
  process.kill(pid, 'SIGUSR2');
  const file = await waitFor(`memory report of shim ${pid} in ${dir}`, () => mine().find((f) => !before.has(f)), 60_000);
  return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as MemoryReport;
}

/** The figures of a memory report in MiB (one decimal). */
export function memoryFigures(r: MemoryReport): Record<string, number> {
  const mib = (b: number): number => Math.round((b / 1048576) * 10) / 10;
  return {
    rss: mib(r.rssBeforeGc), rssGc: mib(r.usage.rss), rssTrim: mib(r.rssAfterTrim), heapTotal: mib(r.usage.heapTotal), heapUsed: mib(r.usage.heapUsed),
    external: mib(r.usage.external), arrayBuffers: mib(r.usage.arrayBuffers), mallocInUse: mib(r.malloc.inUse), mallocFree: mib(r.malloc.free),
    mallocArena: mib(r.malloc.arena), mallocMmapped: mib(r.malloc.mmappedBytes), mallocFreeTrim: mib(r.mallocAfterTrim.free),
    arenaHeaps: r.arenaHeaps, anon: mib((r.smaps.Anonymous ?? 0) * 1024), file: mib(((r.smaps.Rss ?? 0) - (r.smaps.Anonymous ?? 0)) * 1024),
  };
}
