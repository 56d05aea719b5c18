//! The cgroup manager interface shared by the v1 and v2 implementations.

import type { EventEmitter } from 'node:events';
import type { LinuxResources } from '../runtime/spec';
import type { CgroupStats } from './stats';

/** pino-compatible subset: `logger.warn({ ...fields }, 'message')`. */
export interface CgroupLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  debug?(obj: Record<string, unknown>, msg: string): void;
}

/**
 * What to do with linux.resources.devices on cgroup v2 when the kernel cannot run the eBPF device
 * filter (no CONFIG_CGROUP_BPF): 'warn' (default) logs loudly and applies nothing; 'error' refuses.
 * Where the kernel can, the filter is always attached.
 */
export type DevicePolicy = 'warn' | 'error';

/** Attaches eBPF device filters to v2 cgroups; the default is bpf(2) through src/linux/bpf.ts. */
export interface DeviceFilterBackend {
  /**
   * Make `program` (struct bpf_insn[] of a BPF_PROG_TYPE_CGROUP_DEVICE program) the device filter
   * of the cgroup directory `dir`, replacing the device programs attached there before. Returns
   * false when the kernel cannot run device programs; throws on other failures.
   */
  install(dir: string, program: Buffer): boolean;
}

/** eventfd(2): returns the new fd or throws (an Error with the errno in its message/code). */
export type EventfdFn = (initval: number, flags: number) => number;

export interface CgroupOptions {
  readonly logger?: CgroupLogger;
  readonly devicePolicy?: DevicePolicy;
  /** How v2 device filters are attached (tests inject a fake; default: bpf(2)). */
  readonly deviceFilter?: DeviceFilterBackend;
  /** eventfd(2) from src/linux, for v1 OOM notifications; without it v1 OOM watching polls memory.oom_control. */
  readonly eventfd?: EventfdFn;
  /** How long freeze() waits for FROZEN and destroy() retries EBUSY (ms; default 10000 / 5000). */
  readonly freezeTimeoutMs?: number;
  readonly destroyTimeoutMs?: number;
  /** Poll interval of the OOM watcher where it has to poll (ms; default 200). */
  readonly oomPollMs?: number;
}

/** Emits 'oom' ({ count: number of new OOM kills/events }) and 'error'. */
export interface OomWatcher extends EventEmitter {
  /** Read the counters now and emit 'oom' for anything not reported yet; resolves to the new count. */
  check(): Promise<number>;
  close(): void;
}

export interface CgroupManager {
  readonly version: 1 | 2;
  /** The cgroup path inside the hierarchy ("/tsrun/abc"). */
  readonly path: string;
  /** The cgroup's directories: v1 controller list ("cpu,cpuacct") → dir; v2: "" → dir. */
  readonly dirs: ReadonlyMap<string, string>;
  /** Make the cgroup (every v1 hierarchy / v2 with controllers enabled in the parents) and apply resources. */
  create(resources?: LinuxResources): Promise<void>;
  /** Apply new resource values to an existing cgroup. */
  update(resources: LinuxResources): Promise<void>;
  addProcess(pid: number): Promise<void>;
  /** Every pid in the cgroup and its descendants. */
  pids(): Promise<number[]>;
  /** Freeze and wait until the kernel reports the cgroup frozen. */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  /** Send `signal` to every process; SIGKILL uses cgroup.kill on v2 when the kernel has it. */
  killAll(signal?: NodeJS.Signals | number): Promise<void>;
  /** rmdir the cgroup (descendants first), retrying EBUSY while processes exit. Missing is fine. */
  destroy(): Promise<void>;
  stats(): Promise<CgroupStats>;
  watchOom(): Promise<OomWatcher>;
  /** Whether the cgroup's directory exists (v1: the first hierarchy's). */
  exists(): Promise<boolean>;
}
