//! The container library's view of the pieces it composes (spec loading, launch planning, the
//! native executor, cgroups). Lifecycle code talks only to these interfaces, so its state handling
//! is unit-tested with fakes; `real-deps.ts` wires the real modules.

import type { CgroupManager } from '../cgroups';
import type { DumpRequest, RestoredInit, RestoreRequest } from '../checkpoint/container-criu';
import type { Spec } from '../runtime/spec';
import type { HookInvocation, HookResult } from './hooks';
import type { ExitInfo, StdioFds } from './types';

export interface InContainerRequest {
  readonly id: string;
  readonly spec: Spec;
  readonly initPid: number;
  readonly cgroup: CgroupHandle | undefined;
  readonly invocation: HookInvocation;
  readonly stdin: string;
}

/** The container's init process as seen by the process that spawned it. */
export interface SpawnedInit {
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat, read right after spawn. */
  readonly startTime: string;
  /** Settles when init exits (reaped by the spawning process). */
  readonly exited: Promise<ExitInfo>;
  /** Release a `pipe` barrier (resolves once the barrier is released). */
  start(): Promise<void>;
  /** Signal through the pidfd (no pid-reuse risk). */
  kill(signal: number): void;
  /** Close owner-side fds (pidfd, barrier, report pipe) without touching the process. */
  detach(): void;
}

export interface SpawnRequest {
  readonly id: string;
  readonly spec: Spec;
  readonly rootfs: string;
  readonly bundle: string;
  readonly stdio: StdioFds;
  readonly extraFds: readonly number[];
  readonly start: { readonly kind: 'pipe' } | { readonly kind: 'fifo'; readonly path: string };
  readonly noPivot: boolean;
  readonly cgroup: CgroupHandle;
  /** Called with init's host pid once its mounts are set up, before pivot_root; init continues
   *  when it resolves, and a rejection fails the spawn (init killed) with that error. The create
   *  hooks (prestart, createRuntime, createContainer) run here, as with runc. */
  readonly onBeforePivot?: (pid: number) => Promise<void>;
}

/** A container's cgroup: the cgroups library's manager (v1 or v2). */
export type CgroupHandle = CgroupManager;

export interface ContainerDeps {
  /** Read and validate `<bundle>/config.json` (NotFoundError / InvalidSpecError). */
  loadSpec(bundle: string): Promise<Spec>;
  /** The cgroup path for a spec and the handle to manage it. */
  openCgroup(spec: Spec, id: string, systemdCgroup: boolean): CgroupHandle;
  /**
   * Reattach to a recorded cgroup path (later CLI invocations, the shim's delete action). A
   * relative path is below `base` (the creator's own cgroups, see cgroupBase), not below the
   * caller's, which may run in another cgroup (containerd's, a shell's).
   */
  reopenCgroup(path: string, systemdCgroup: boolean, base?: Readonly<Record<string, string>>): CgroupHandle;
  /** This process's own cgroup per hierarchy (a relative cgroupsPath lives below it), for the record. */
  cgroupBase(): Record<string, string>;
  /** Plan and spawn init, waiting at its barrier once this resolves. */
  spawn(req: SpawnRequest): Promise<SpawnedInit>;
  /** Create the exec FIFO (mode 0622 like runc). */
  mkfifo(path: string): void;
  /** Release a `fifo` barrier from any process. */
  releaseFifo(path: string): Promise<void>;
  /**
   * Run a hook inside a live container (its namespaces and cgroup, its process user and
   * capabilities), with `stdin` as its standard input. Optional: without it hooks run on the host.
   */
  runInContainer?(req: InContainerRequest): Promise<HookResult>;
  /** Checkpoint a container's process tree with CRIU (optional: without it checkpoint is Unimplemented). */
  dump?(req: DumpRequest): Promise<void>;
  /** Restore a checkpoint into an existing cgroup, as a child of this process. */
  restore?(req: RestoreRequest): Promise<RestoredInit>;
  /** Signal `pid` if it is still the process that started at `startTime` (non-owner path). */
  killPid(pid: number, signal: number, startTime: string): void;
}
