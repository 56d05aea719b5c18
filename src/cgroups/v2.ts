//! cgroup v2 manager: one directory in the unified hierarchy; controllers enabled top-down in the
//! parents' cgroup.subtree_control.

import { join, posix } from 'node:path';
import { CgroupError, UnimplementedError } from '../errors';
import type { DeviceCgroupRule, LinuxResources } from '../runtime/spec';
import { applyWrites, stderrLogger, timeoutError } from './apply';
import {
  cgroupError, exists, makeCgroupDir, pidsRecursive, readCgroupFile, readOptional, removeCgroupTree, sleep, writeCgroupFile,
} from './files';
import type { CgroupHost, CgroupMount } from './host';
import { killPids } from './kill';
import { watchOomV2 } from './oom';
import type { CgroupPath } from './path';
import { controllersOf, planV2, type CgroupPlan } from './plan';
import { collectV2, type CgroupStats } from './stats';
import type { CgroupLogger, CgroupManager, CgroupOptions, DeviceFilterBackend, OomWatcher } from './types';
import { BpfUnsupportedError, installDeviceFilter } from '../linux/bpf';
import { deviceFilterProgram, effectiveRules } from './device-filter';
import { dirInMount, resolveIn } from './v1';

/** The device filter for the plan's rules (checked before anything is written), none without rules. */
function devicesProgram(plan: CgroupPlan): Buffer | undefined {
  return plan.unappliedDeviceRules.length === 0 ? undefined : deviceFilterProgram(plan.unappliedDeviceRules);
}

/** Enabled for stats even when no limit needs them (best effort: failures are only logged). */
const STATS_CONTROLLERS = ['cpu', 'memory', 'pids', 'io'];

/** Device rules that allow everything need no enforcement, so they need no warning either. */
export function allowsEverything(rules: readonly DeviceCgroupRule[]): boolean {
  const { checks, defaultAllow } = effectiveRules(rules);
  return defaultAllow && checks.every((m) => m.allow);
}

/** "+cpu +memory" lists to write, per ancestor, given what is available and already enabled (pure). */
export function controllersToEnable(wanted: readonly string[], available: string, enabled: string): { enable: string[]; missing: string[] } {
  const avail = new Set(available.split(/\s+/).filter(Boolean));
  const on = new Set(enabled.split(/\s+/).filter(Boolean));
  const enable: string[] = [];
  const missing: string[] = [];
  for (const c of wanted) {
    if (on.has(c)) continue;
    if (avail.has(c)) enable.push(c);
    else missing.push(c);
  }
  return { enable, missing };
}

/** bpf(2) through src/linux: false when the kernel has no cgroup device programs. */
export const bpfDeviceFilter: DeviceFilterBackend = {
  install(dir, program) {
    try {
      installDeviceFilter(dir, program);
      return true;
    } catch (err) {
      if (err instanceof BpfUnsupportedError) return false;
      throw err;
    }
  },
};

/**
 * The path a relative cgroupsPath means on a cgroup2-only host: below the parent of the runtime's
 * own cgroup (runc's fs2 does the same: the own cgroup has processes in it, so no controllers
 * could be enabled for a child of it).
 */
export function resolveUnified(host: CgroupHost, p: CgroupPath): string {
  if (!p.relative) return p.path;
  return posix.join(posix.dirname(host.own.get('') ?? '/'), p.path);
}

export class CgroupV2Manager implements CgroupManager {
  readonly version = 2 as const;
  readonly dirs: ReadonlyMap<string, string>;
  readonly dir: string;
  private readonly logger: CgroupLogger;
  private readonly mount: CgroupMount;

  constructor(
    host: CgroupHost,
    private readonly cgPath: CgroupPath,
    private readonly options: CgroupOptions = {},
  ) {
    if (!host.unified) throw new CgroupError('(mount)', undefined, 'ENOENT', '/sys/fs/cgroup', 'no cgroup2 hierarchy is mounted');
    this.mount = host.unified;
    this.logger = options.logger ?? stderrLogger;
    this.dir = dirInMount(host.unified, host.mode === 'unified' ? resolveUnified(host, cgPath) : resolveIn(host, '', cgPath));
    this.dirs = new Map([['', this.dir]]);
  }

  get path(): string {
    return this.cgPath.path;
  }

  /** Make every level below the mount and enable `needed` (required) and stats controllers (best effort). */
  private async ensureTree(needed: readonly string[]): Promise<void> {
    const rel = this.dir.slice(this.mount.mountPoint.length).split('/').filter(Boolean);
    const wanted = [...new Set([...needed, ...STATS_CONTROLLERS])];
    let cur = this.mount.mountPoint;
    for (const part of rel) {
      const available = (await readOptional(cur, 'cgroup.controllers')) ?? '';
      const enabled = (await readOptional(cur, 'cgroup.subtree_control')) ?? '';
      const { enable, missing } = controllersToEnable(wanted, available, enabled);
      const missingNeeded = missing.filter((c) => needed.includes(c));
      if (missingNeeded.length > 0) {
        throw new CgroupError('cgroup.subtree_control', `+${missingNeeded[0]}`, 'ENOENT', cur,
          `controller "${missingNeeded[0]}" is not available here: the kernel lacks it or a parent cgroup has not delegated it`);
      }
      for (const c of enable) {
        try {
          await writeCgroupFile(cur, 'cgroup.subtree_control', `+${c}`);
        } catch (err) {
          if (needed.includes(c)) throw err;
          this.logger.debug?.({ err: String(err), dir: cur, controller: c }, 'cgroup: could not enable a stats controller');
        }
      }
      cur = join(cur, part);
      await makeCgroupDir(cur);
    }
  }

  async create(resources: LinuxResources = {}): Promise<void> {
    const plan = planV2(resources);
    const program = devicesProgram(plan);
    await this.ensureTree(controllersOf(plan));
    await this.apply(plan);
    this.installDevices(plan, program);
  }

  async update(resources: LinuxResources): Promise<void> {
    const plan = planV2(resources);
    const program = devicesProgram(plan);
    const enabled = (await readOptional(this.dir, 'cgroup.controllers')) ?? '';
    const have = new Set(enabled.split(/\s+/));
    if (controllersOf(plan).some((c) => !have.has(c))) await this.ensureTree(controllersOf(plan));
    await this.apply(plan);
    this.installDevices(plan, program);
  }

  /** Attach the device filter (replacing ours from before); without kernel support apply devicePolicy. */
  private installDevices(plan: CgroupPlan, program: Buffer | undefined): void {
    if (program === undefined) return;
    const rules = plan.unappliedDeviceRules;
    if ((this.options.deviceFilter ?? bpfDeviceFilter).install(this.dir, program)) return;
    if (allowsEverything(rules)) return;
    const msg = 'linux.resources.devices: device rules on cgroup v2 need an eBPF device filter, and this kernel cannot load one (it lacks CONFIG_CGROUP_BPF)';
    if ((this.options.devicePolicy ?? 'warn') === 'error') {
      throw new UnimplementedError(`${msg}; the container would get unrestricted device access (devicePolicy "error")`);
    }
    this.logger.warn({ cgroup: this.path, rules: rules.length },
      `!!! ${msg}: the ${rules.length} device rule(s) are NOT enforced and the container has unrestricted device access (cgroup v2)`);
  }

  private async apply(plan: CgroupPlan): Promise<void> {
    for (const w of plan.warnings) this.logger.warn({ cgroup: this.path }, w);
    await applyWrites(plan.writes, () => this.dir, this.logger);
  }

  addProcess(pid: number): Promise<void> {
    return writeCgroupFile(this.dir, 'cgroup.procs', String(pid));
  }

  pids(): Promise<number[]> {
    return pidsRecursive(this.dir);
  }

  private async setFrozen(frozen: boolean): Promise<void> {
    const value = frozen ? '1' : '0';
    await writeCgroupFile(this.dir, 'cgroup.freeze', value);
    const deadline = Date.now() + (this.options.freezeTimeoutMs ?? 10000);
    let delay = 1;
    for (;;) {
      const events = await readCgroupFile(this.dir, 'cgroup.events');
      const m = /^frozen (\d)$/m.exec(events);
      if (!m) throw cgroupError(this.dir, 'cgroup.events', undefined, Object.assign(new Error('no "frozen" key'), { code: 'EINVAL' }));
      if (m[1] === value) return;
      if (Date.now() > deadline) {
        if (frozen) await writeCgroupFile(this.dir, 'cgroup.freeze', '0').catch(() => undefined);
        throw timeoutError('cgroup.freeze', value, this.dir, 'the kernel did not report the cgroup frozen in time');
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 50);
    }
  }

  freeze(): Promise<void> {
    return this.setFrozen(true);
  }

  thaw(): Promise<void> {
    return this.setFrozen(false);
  }

  async killAll(signal: NodeJS.Signals | number = 'SIGKILL'): Promise<void> {
    const isKill = signal === 'SIGKILL' || signal === 9;
    if (isKill && (await exists(join(this.dir, 'cgroup.kill')))) {
      await writeCgroupFile(this.dir, 'cgroup.kill', '1');
      return;
    }
    if (await exists(join(this.dir, 'cgroup.freeze'))) {
      try {
        await this.freeze();
      } catch (err) {
        this.logger.warn({ err: String(err), cgroup: this.path }, 'cgroup: could not freeze before killing; signalling unfrozen');
        killPids(await this.pids(), signal);
        return;
      }
      try {
        killPids(await this.pids(), signal);
      } finally {
        await this.thaw();
      }
      return;
    }
    killPids(await this.pids(), signal);
  }

  destroy(): Promise<void> {
    return removeCgroupTree(this.dir, this.options.destroyTimeoutMs ?? 5000);
  }

  async stats(): Promise<CgroupStats> {
    return { version: 2, metrics: await collectV2(this.dir) };
  }

  watchOom(): Promise<OomWatcher> {
    return watchOomV2(this.dir, { pollMs: this.options.oomPollMs ?? 200, logger: this.logger });
  }

  exists(): Promise<boolean> {
    return exists(this.dir);
  }
}
