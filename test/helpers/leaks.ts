//! Leak checks: what a test left behind — containers and tasks in the private containerds, mounts,
//! cgroups, processes, FIFOs. Everything is found by this worker's scope (the prefix of every
//! uniqueId(), see env.ts) or by location (this worker's scratch dir), so tests running in other
//! workers or other jest runs on the machine are never reported or touched.
import * as fs from 'fs';
import * as path from 'path';
import { parseCgroupMounts } from '../../src/cgroups/host';
import { run } from './exec';
import { testEnv, workerId, workerScope } from './env';

export interface MountEntry {
  readonly mountId: number;
  readonly parentId: number;
  readonly mountPoint: string;
  readonly fsType: string;
  readonly source: string;
}

export interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  /** Field 22 of /proc/PID/stat: identifies this process even if the pid is reused. */
  readonly startTime: string;
  readonly cmdline: string;
}

export interface Leaks {
  /** "<containerd version>/<namespace>/<id>" */
  readonly containers: string[];
  readonly mounts: string[];
  readonly cgroups: string[];
  readonly processes: ProcessEntry[];
  readonly fifos: string[];
}

/** Undoes mountinfo's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
export function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Parses /proc/PID/mountinfo. */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const f = line.split(' ');
    const sep = f.indexOf('-');
    if (f.length < 10 || sep < 6) continue;
    out.push({
      mountId: Number(f[0]),
      parentId: Number(f[1]),
      mountPoint: unescapeMountField(f[4]!),
      fsType: f[sep + 1]!,
      source: unescapeMountField(f[sep + 2]!),
    });
  }
  return out;
}

/** Mount points at or below `dir` in this process's mount namespace, deepest first. */
export function mountsUnder(dir: string): string[] {
  const base = dir.replace(/\/+$/, '');
  return parseMountinfo(readOr('/proc/self/mountinfo', ''))
    .map((m) => m.mountPoint)
    .filter((p) => p === base || p.startsWith(base + '/'))
    .sort((a, b) => b.length - a.length);
}

/** Parses /proc/PID/stat (the command name may hold spaces and parentheses). */
export function parseStat(text: string): { pid: number; ppid: number; startTime: string } | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); ppid is field 4, starttime field 22.
  const pid = Number(text.slice(0, text.indexOf(' ')));
  if (!Number.isInteger(pid) || rest.length < 20) return undefined;
  return { pid, ppid: Number(rest[1]), startTime: rest[19]! };
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** All processes visible now (those that vanish while we read are skipped). */
export function listProcesses(): ProcessEntry[] {
  const out: ProcessEntry[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = parseStat(readOr(`/proc/${name}/stat`, ''));
    if (!st) continue;
    const cmdline = readOr(`/proc/${name}/cmdline`, '').split('\0').filter(Boolean).join(' ');
    out.push({ ...st, cmdline });
  }
  return out;
}

/** Processes descending from `root` (not `root` itself). */
export function descendants(procs: readonly ProcessEntry[], root: number): ProcessEntry[] {
  const children = new Map<number, ProcessEntry[]>();
  for (const p of procs) {
    const list = children.get(p.ppid) ?? [];
    list.push(p);
    children.set(p.ppid, list);
  }
  const out: ProcessEntry[] = [];
  const stack = [root];
  while (stack.length > 0) {
    for (const c of children.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c.pid);
    }
  }
  return out;
}

/** Directories named scope* in every cgroup hierarchy, down to `depth` levels. Each hierarchy is
 * walked once, through the mount tsrun uses (another mount of it, e.g. criu's cgyard, shows the
 * same directories again). */
function findCgroups(scope: string, depth = 4): string[] {
  const mounts = parseCgroupMounts(readOr('/proc/self/mountinfo', ''));
  const roots = [...mounts.v1.map((m) => m.mountPoint), ...(mounts.unified ? [mounts.unified.mountPoint] : [])];
  const found: string[] = [];
  const walk = (dir: string, level: number): void => {
    if (level > depth) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = path.join(dir, e.name);
      if (e.name.startsWith(scope)) found.push(p);
      else walk(p, level + 1);
    }
  };
  for (const r of roots) walk(r, 1);
  return found;
}

/** FIFOs under `dir` (recursively, not across mounts' contents we cannot read) matching `want`. */
function findFifos(dir: string, want: (p: string) => boolean): string[] {
  const found: string[] = [];
  const walk = (d: string, level: number): void => {
    if (level > 6) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isFIFO() && want(p)) found.push(p);
      else if (e.isDirectory()) walk(p, level + 1);
    }
  };
  walk(dir, 1);
  return found;
}

/** Looks for everything this worker's tests created and did not remove. */
export async function findLeaks(): Promise<Leaks> {
  const env = testEnv();
  const scope = workerScope(env.runId);
  const scratch = path.join(env.tmpDir, `scratch-${workerId()}`) + '/';

  const containers: string[] = [];
  for (const h of env.containerds) {
    const base = ['--address', h.address, '--namespace', h.namespace];
    const r = await run(h.ctr, [...base, 'containers', 'ls', '-q'], { timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`leak check: ctr containers ls on containerd ${h.version} failed: ${r.stderr.trim()}`);
    for (const id of r.stdout.split('\n')) {
      if (id.startsWith(scope)) containers.push(`${h.version}/${h.namespace}/${id}`);
    }
  }

  const mounts = parseMountinfo(readOr('/proc/self/mountinfo', ''))
    .map((m) => m.mountPoint)
    .filter((p) => p.includes(scope) || (p + '/').startsWith(scratch));

  const procs = listProcesses();
  const mine = new Map<number, ProcessEntry>();
  for (const p of descendants(procs, process.pid)) mine.set(p.pid, p);
  for (const p of procs) if (p.pid !== process.pid && p.cmdline.includes(scope)) mine.set(p.pid, p);

  const fifos = [
    ...findFifos(scratch, () => true),
    ...findFifos(env.fifoDir, (p) => p.includes(scope)),
    ...findFifos('/run/containerd/fifo', (p) => p.includes(scope)),
  ];

  return { containers, mounts, cgroups: findCgroups(scope), processes: [...mine.values()], fifos };
}

export function leakCount(l: Leaks): number {
  return l.containers.length + l.mounts.length + l.cgroups.length + l.processes.length + l.fifos.length;
}

export function formatLeaks(l: Leaks): string {
  const lines: string[] = [];
  const add = (what: string, items: readonly string[]): void => {
    for (const i of items) lines.push(`  ${what}: ${i}`);
  };
  add('container', l.containers);
  add('process', l.processes.map((p) => `${p.pid} ${p.cmdline}`));
  add('mount', l.mounts);
  add('cgroup', l.cgroups);
  add('fifo', l.fifos);
  return lines.join('\n');
}

/**
 * Removes what findLeaks() found: force-deletes tasks and containers, SIGKILLs processes (by pid,
 * only if the pid still is the same process), unmounts (lazily, deepest first), removes cgroups
 * (deepest first) and FIFOs. Returns what could not be removed.
 */
export async function cleanupLeaks(l: Leaks): Promise<string[]> {
  const env = testEnv();
  const failures: string[] = [];
  for (const c of l.containers) {
    const [version, ns, id] = c.split('/') as [string, string, string];
    const h = env.containerds.find((x) => x.version === version);
    if (!h) continue;
    const base = ['--address', h.address, '--namespace', ns];
    await run(h.ctr, [...base, 'tasks', 'rm', '-f', id], { timeoutMs: 30_000 });
    const r = await run(h.ctr, [...base, 'containers', 'rm', id], { timeoutMs: 30_000 });
    if (r.code !== 0 && !/not found/.test(r.stderr)) failures.push(`container ${c}: ${r.stderr.trim()}`);
  }
  for (const p of l.processes) {
    const now = parseStat(readOr(`/proc/${p.pid}/stat`, ''));
    if (!now || now.startTime !== p.startTime) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch (e) {
      failures.push(`process ${p.pid}: ${(e as Error).message}`);
    }
  }
  for (const m of [...l.mounts].sort((a, b) => b.length - a.length)) {
    const r = await run('umount', ['-l', m], { timeoutMs: 30_000 });
    if (r.code !== 0 && !/not mounted|no mount point/.test(r.stderr)) failures.push(`mount ${m}: ${r.stderr.trim()}`);
  }
  for (const cg of l.cgroups) {
    const dirs: string[] = [];
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
      dirs.push(d);
    };
    try {
      walk(cg);
      for (const d of dirs) fs.rmdirSync(d);
    } catch (e) {
      failures.push(`cgroup ${cg}: ${(e as Error).message}`);
    }
  }
  for (const f of l.fifos) {
    try {
      fs.unlinkSync(f);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') failures.push(`fifo ${f}: ${(e as Error).message}`);
    }
  }
  return failures;
}

/**
 * Fails (throwing a list of what was found) when this worker's tests left containers, mounts,
 * cgroups, processes or FIFOs behind; cleans them up first so later tests start clean.
 */
export async function assertNoLeaks(): Promise<void> {
  const leaks = await findLeaks();
  if (leakCount(leaks) === 0) return;
  const failures = await cleanupLeaks(leaks);
  const after = failures.length > 0 ? `\ncleanup failed for:\n  ${failures.join('\n  ')}` : '\n(cleaned up now)';
  throw new Error(`tests left ${leakCount(leaks)} thing(s) behind:\n${formatLeaks(leaks)}${after}`);
}
