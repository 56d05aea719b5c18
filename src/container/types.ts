//! Public types of the container library shared by the `tsrun` CLI and the shim: options, the OCI
//! state document, the persisted record under `<root>/<id>/state.json`, and the Container handle.

import type { CgroupManager } from '../cgroups';
import type { CheckpointOptions } from '../checkpoint/types';
import type { LinuxResources, Spec } from '../runtime/spec';

/** OCI lifecycle status (runtime-spec "state"), derived from the real process on every read. */
export type ContainerStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

/** The state document printed by `tsrun state` and fed to hooks on stdin (OCI state + runc's extras). */
export interface OciState {
  readonly ociVersion: string;
  readonly id: string;
  readonly status: ContainerStatus;
  /** Host pid of the container's init; 0 once stopped (runc prints 0 too). */
  readonly pid: number;
  readonly bundle: string;
  readonly annotations?: Readonly<Record<string, string>>;
  /** runc extra: absolute rootfs path. */
  readonly rootfs: string;
  /** runc extra: creation time, RFC 3339 with nanoseconds. */
  readonly created: string;
  /** runc extra: owner user name ("" for root in runc 1.1; we print what runc prints). */
  readonly owner: string;
}

/** File descriptors in the calling process that become the container's fds 0, 1 and 2. */
export interface StdioFds {
  readonly stdin: number;
  readonly stdout: number;
  readonly stderr: number;
  /** process.terminal: takes the pty master the process allocates in its container's devpts (as
   *  runc does; the slave is its 0/1/2 then, and /dev/console for an init). Required with a terminal. */
  readonly console?: (master: number) => void | Promise<void>;
}

/**
 * How the created process waits for `start`:
 * - `fifo`: runc-style exec FIFO at `<root>/<id>/exec.fifo`; any process may start it later
 *   (the CLI: `create` exits, `start` runs in another process).
 * - `pipe`: an in-process barrier owned by the caller (the shim); only this Container object can start it.
 */
export type StartMode = 'fifo' | 'pipe';

export interface CreateOptions {
  readonly id: string;
  /** Bundle directory (absolute or relative to cwd); config.json is read from it unless `spec` is given. */
  readonly bundle: string;
  /** State root, e.g. /run/tsrun. Created 0700 if missing. */
  readonly root: string;
  readonly stdio: StdioFds;
  /** Extra fds passed to the container as 3, 4, … (LISTEN_FDS style, runc --preserve-fds). */
  readonly extraFds?: readonly number[];
  /** Write the container's host pid here (runc --pid-file). */
  readonly pidFile?: string;
  readonly noPivot?: boolean;
  /** Interpret linux.cgroupsPath as systemd "slice:prefix:name" (mapped to cgroupfs paths). */
  readonly systemdCgroup?: boolean;
  readonly startMode: StartMode;
  /** Already validated spec (the shim may have read config.json itself); default: load from bundle. */
  readonly spec?: Spec;
  /** Where hook warnings and debug lines go (default: nothing). */
  readonly logger?: ContainerLogger;
}

/** The minimal logger surface the library uses (pino's Logger satisfies it). */
export interface ContainerLogger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** How the init process ended. `status` is the wait-status-derived code: exit code, or 128+signal. */
export interface ExitInfo {
  readonly status: number;
  /** Signal number when killed by a signal. */
  readonly signal?: number;
  readonly exitedAt: Date;
}

export interface KillOptions {
  /** Signal every process in the container's cgroup (runc kill --all). */
  readonly all?: boolean;
}

export interface DeleteOptions {
  /** Kill a created/running/paused container first (SIGKILL, every process of the cgroup). */
  readonly force?: boolean;
}

/**
 * A container handle. Obtained from createContainer (the owner: `exited` is set) or loadContainer
 * (any process: `exited` is undefined; status comes from /proc and the persisted record).
 */
export interface Container {
  readonly id: string;
  readonly bundle: string;
  readonly root: string;
  readonly spec: Spec;
  /** Host pid of init (valid while not stopped). */
  readonly pid: number;
  /** Settles when init exits; only on the handle returned by createContainer. Never rejects. */
  readonly exited: Promise<ExitInfo> | undefined;

  /** Release the start barrier; runs poststart hooks. Only from `created`. */
  start(): Promise<void>;
  /** Current OCI state (status derived from the live process, pid reuse defeated by start time). */
  state(): OciState;
  status(): ContainerStatus;
  /** Send a signal (name like "TERM"/"SIGTERM" or number) to init, or with `all` to every process. */
  kill(signal: number | string, options?: KillOptions): Promise<void>;
  /** Host pids in the container's cgroup. */
  pids(): Promise<number[]>;
  /** Freeze / thaw the cgroup. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Apply new resources to the cgroup (runc update). */
  update(resources: LinuxResources): Promise<void>;
  /**
   * Remove the container: kills it first when `force`, destroys the cgroup, runs poststop hooks and
   * removes the state directory. Idempotent: deleting an already deleted container is a no-op.
   */
  delete(options?: DeleteOptions): Promise<void>;
  /**
   * Checkpoint the running (or paused) container with CRIU into options.imagePath. Unless
   * leaveRunning, CRIU ends the processes afterwards (the container then reads as stopped).
   */
  checkpoint(options: CheckpointOptions): Promise<void>;
  /** The container's cgroup manager (stats, OOM watching); undefined when it has none. */
  cgroup(): CgroupManager | undefined;
  /** Drop owner resources (pidfd, barrier fd) without touching the container (CLI `create` exit). */
  detach(): void;
}
