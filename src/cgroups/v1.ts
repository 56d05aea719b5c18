//! cgroup v1 manager: one directory per mounted hierarchy (and the cgroup2 mount in hybrid mode).

import { join } from 'node:path';
import { CgroupError } from '../errors';
import type { LinuxResources } from '../runtime/spec';
import { applyWrites, stderrLogger, timeoutError } from './apply';
import {
  exists, makeCgroupDir, pidsRecursive, readCgroupFile, readOptional, removeCgroupTree, sleep, writeCgroupFile,
} from './files';
import type { CgroupHost, CgroupMount } from './host';
import { watchOomV1 } from './oom';
import type { CgroupPath } from './path';
import { planV1, type CgroupPlan, type CgroupWrite } from './plan';
import { collectV1, type CgroupStats } from './stats';
import type { CgroupLogger, CgroupManager, CgroupOptions, OomWatcher } from './types';
import { killPids } from './kill';

/** Directory of cgroup `path` in a hierarchy mounted with root `mount.root` (pure). */
export function dirInMount(mount: CgroupMount, path: string): string {
  let rel = path;
  if (mount.root !== '/' && (path === mount.root || path.startsWith(`${mount.root}/`))) rel = path.slice(mount.root.length);
  return join(mount.mountPoint, rel);
}

/** The path a relative cgroupsPath means in one hierarchy: under the runtime's own cgroup there. */
export function resolveIn(host: CgroupHost, key: string, p: CgroupPath): string {
  if (!p.relative) return p.path;
  const want = key.split(',').sort().join(',');
  let own = '/';
  for (const [k, v] of host.own) if (k.split(',').sort().join(',') === want) own = v;
  return join(own, p.path);
}

/** Order memory.limit_in_bytes and memory.memsw.limit_in_bytes so memsw >= limit holds after each write. */
export function orderMemoryWrites(writes: readonly CgroupWrite[], currentMemsw: bigint | undefined): CgroupWrite[] {
  const limitIdx = writes.findIndex((w) => w.file === 'memory.limit_in_bytes');
  const swapIdx = writes.findIndex((w) => w.file === 'memory.memsw.limit_in_bytes');
  if (limitIdx < 0 || swapIdx < 0) return [...writes];
  const swap = writes[swapIdx] as CgroupWrite;
  const newSwap = swap.value === '-1' ? -1n : BigInt(swap.value);
  const raising = newSwap === -1n || currentMemsw === undefined || newSwap > currentMemsw;
  const rest = writes.filter((_w, i) => i !== swapIdx);
  const at = rest.findIndex((w) => w.file === 'memory.limit_in_bytes');
  rest.splice(raising ? at : at + 1, 0, swap);
  return rest;
}

export class CgroupV1Manager implements CgroupManager {
  readonly version = 1 as const;
  readonly dirs: ReadonlyMap<string, string>;
  private readonly logger: CgroupLogger;
  private readonly cpusetMount: CgroupMount | undefined;

  constructor(
    host: CgroupHost,
    private readonly cgPath: CgroupPath,
    private readonly options: CgroupOptions = {},
  ) {
    this.logger = options.logger ?? stderrLogger;
    // One mount per hierarchy. A hierarchy may be mounted more than once (another tool's bind
    // mount of /sys/fs/cgroup/cpuset elsewhere, even for a moment): the shortest mount point (the
    // host's own) serves, and cpuset's parent walk uses that same mount.
    const mounts = new Map<string, CgroupMount>();
    for (const m of host.v1) {
      const key = m.controllers.join(',');
      const seen = mounts.get(key);
      if (seen === undefined || m.mountPoint.length < seen.mountPoint.length) mounts.set(key, m);
    }
    const dirs = new Map<string, string>();
    for (const [key, m] of mounts) dirs.set(key, dirInMount(m, resolveIn(host, key, cgPath)));
    if (host.mode === 'hybrid' && host.unified) dirs.set('', dirInMount(host.unified, resolveIn(host, '', cgPath)));
    this.dirs = dirs;
    this.cpusetMount = [...mounts.values()].find((m) => m.controllers.includes('cpuset'));
  }

  get path(): string {
    return this.cgPath.path;
  }

  /** Directory in the hierarchy that has `controller`, if mounted. */
  dirFor(controller: string): string | undefined {
    for (const [key, dir] of this.dirs) if (key !== '' && key.split(',').includes(controller)) return dir;
    return undefined;
  }

  /** The hierarchy used for process listings and existence: pids, freezer, memory, else the first. */
  private mainDir(): string {
    const dir = this.dirFor('pids') ?? this.dirFor('freezer') ?? this.dirFor('memory') ?? [...this.dirs.values()][0];
    if (dir === undefined) throw new CgroupError('(hierarchy)', undefined, 'ENOENT', '/sys/fs/cgroup', 'no cgroup v1 hierarchy is mounted');
    return dir;
  }

  private isBestEffort(key: string): boolean {
    return key === '' || key.split(',').every((c) => c.startsWith('name='));
  }

  /** A new cpuset cgroup starts with empty cpus/mems: copy them from the parent, top-down. */
  private async fillCpuset(dir: string): Promise<void> {
    const m = this.cpusetMount;
    if (!m) return;
    const rel = dir.slice(m.mountPoint.length).split('/').filter(Boolean);
    let cur = m.mountPoint;
    for (const part of rel) {
      const parent = cur;
      cur = join(cur, part);
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        const v = (await readCgroupFile(cur, f)).trim();
        if (v === '') await writeCgroupFile(cur, f, (await readCgroupFile(parent, f)).trim());
      }
    }
  }

  async create(resources: LinuxResources = {}): Promise<void> {
    const plan = planV1(resources);
    for (const [key, dir] of this.dirs) {
      try {
        await makeCgroupDir(dir);
      } catch (err) {
        if (!this.isBestEffort(key)) throw err;
        this.logger.warn({ err: String(err), dir }, `cgroup: could not create ${dir} (hierarchy "${key || 'cgroup2'}"); continuing without it`);
        (this.dirs as Map<string, string>).delete(key);
      }
    }
    const cpusetDir = this.dirFor('cpuset');
    if (cpusetDir) await this.fillCpuset(cpusetDir);
    await this.apply(plan);
  }

  async update(resources: LinuxResources): Promise<void> {
    await this.apply(planV1(resources));
  }

  private async apply(plan: CgroupPlan): Promise<void> {
    for (const w of plan.warnings) this.logger.warn({ cgroup: this.path }, w);
    const memDir = this.dirFor('memory');
    let writes = [...plan.writes];
    if (memDir && writes.some((w) => w.file === 'memory.memsw.limit_in_bytes')) {
      const cur = await readOptional(memDir, 'memory.memsw.limit_in_bytes');
      if (cur === undefined) {
        const swap = writes.find((w) => w.file === 'memory.memsw.limit_in_bytes');
        if (swap && swap.value !== '-1') {
          this.logger.warn({ cgroup: this.path, value: swap.value }, 'cgroup: swap accounting is off on this kernel (no memory.memsw.*): linux.resources.memory.swap is not applied');
        }
        writes = writes.filter((w) => w.file !== 'memory.memsw.limit_in_bytes');
      } else {
        writes = orderMemoryWrites(writes, BigInt(cur.trim()));
      }
    }
    await applyWrites(writes, (c) => this.dirFor(c), this.logger);
  }

  async addProcess(pid: number): Promise<void> {
    for (const [key, dir] of this.dirs) {
      try {
        await writeCgroupFile(dir, 'cgroup.procs', String(pid));
      } catch (err) {
        if (!this.isBestEffort(key)) throw err;
        this.logger.warn({ err: String(err), dir, pid }, 'cgroup: could not move the process into a named/cgroup2 hierarchy');
      }
    }
  }

  pids(): Promise<number[]> {
    return pidsRecursive(this.mainDir());
  }

  private freezerDir(): string {
    const dir = this.dirFor('freezer');
    if (!dir) throw new CgroupError('freezer.state', undefined, 'ENOENT', this.path, 'the freezer controller is not mounted on this host');
    return dir;
  }

  private async setFreezer(state: 'FROZEN' | 'THAWED'): Promise<void> {
    const dir = this.freezerDir();
    const deadline = Date.now() + (this.options.freezeTimeoutMs ?? 10000);
    let delay = 1;
    for (let i = 0; ; i++) {
      // Re-write FROZEN now and then: a task that forked while freezing can leave it at FREEZING.
      if (i % 10 === 0) await writeCgroupFile(dir, 'freezer.state', state);
      const now = (await readCgroupFile(dir, 'freezer.state')).trim();
      if (now === state) return;
      if (Date.now() > deadline) {
        if (state === 'FROZEN') await writeCgroupFile(dir, 'freezer.state', 'THAWED').catch(() => undefined);
        throw timeoutError('freezer.state', state, dir, `still ${now}: a process did not freeze in time (uninterruptible sleep?)`);
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 50);
    }
  }

  freeze(): Promise<void> {
    return this.setFreezer('FROZEN');
  }

  thaw(): Promise<void> {
    return this.setFreezer('THAWED');
  }

  async killAll(signal: NodeJS.Signals | number = 'SIGKILL'): Promise<void> {
    if (!this.dirFor('freezer')) {
      // Without a freezer, repeat until a round finds no new processes (forks race with us).
      const seen = new Set<number>();
      for (let round = 0; round < 10; round++) {
        const pids = (await this.pids()).filter((p) => !seen.has(p));
        if (pids.length === 0) return;
        for (const p of pids) seen.add(p);
        killPids(pids, signal);
      }
      return;
    }
    // Freeze so nothing forks behind our back, signal everything, thaw so the signals are delivered.
    try {
      await this.freeze();
    } catch (err) {
      // A task stuck in uninterruptible sleep can keep the cgroup FREEZING: signal without freezing.
      this.logger.warn({ err: String(err), cgroup: this.path }, 'cgroup: could not freeze before killing; signalling unfrozen');
      killPids(await this.pids(), signal);
      return;
    }
    try {
      killPids(await this.pids(), signal);
    } finally {
      await this.thaw();
    }
  }

  async destroy(): Promise<void> {
    let first: unknown;
    for (const dir of this.dirs.values()) {
      try {
        await removeCgroupTree(dir, this.options.destroyTimeoutMs ?? 5000);
      } catch (err) {
        first ??= err;
      }
    }
    if (first) throw first;
  }

  async stats(): Promise<CgroupStats> {
    return { version: 1, metrics: await collectV1((c) => this.dirFor(c)) };
  }

  async watchOom(): Promise<OomWatcher> {
    const dir = this.dirFor('memory');
    if (!dir) throw new CgroupError('memory.oom_control', undefined, 'ENOENT', this.path, 'the memory controller is not mounted on this host');
    return watchOomV1(dir, { eventfd: this.options.eventfd, pollMs: this.options.oomPollMs ?? 200, logger: this.logger });
  }

  exists(): Promise<boolean> {
    return exists(this.mainDir());
  }
}
