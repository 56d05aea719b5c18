//! The task service's view of the world it drives: the container library, container stdio, the
//! rootfs mounts and the OOM watcher. The daemon wires the real implementations; unit tests wire
//! fakes, so the lifecycle logic is tested without root.

import type { Container, CreateOptions, RestoreContainerOptions, StdioFds } from '../container';
import type { Mount } from '../gen/types/mount';
import type { Process } from '../runtime/spec';

/** The stdio strings of Create/Exec, verbatim. */
export interface StdioRequest {
  readonly stdin: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly terminal: boolean;
}

/** One process's stdio plumbing between containerd's FIFOs (or log driver) and the process. */
export interface ProcessIO {
  /** fds to hand to the process as 0, 1, 2. */
  readonly fds: StdioFds;
  /** The process holds its ends now: close the shim's copies of the process-side fds. */
  releaseProcessEnds(): void;
  /** CloseIO(stdin): drop the shim's hold on the stdin FIFO so EOF reaches the process. */
  closeStdin(): void;
  /** Wait until the process output has been copied out (EOF), at most `timeoutMs`. */
  drain(timeoutMs: number): Promise<void>;
  /** Close everything, stop log drivers. Idempotent. */
  close(): Promise<void>;
  /** Terminal IO only: set the window size (ResizePty). */
  resize?(width: number, height: number): void;
}

export interface IOContext {
  readonly id: string;
  readonly namespace: string;
  readonly ioUid?: number;
  readonly ioGid?: number;
}

export type OpenIO = (request: StdioRequest, context: IOContext) => Promise<ProcessIO>;

/** Mount containerd's rootfs mounts on `<bundle>/rootfs` (undoing on failure) and take them down. */
export interface RootfsMounter {
  mount(bundle: string, mounts: readonly Mount[]): Promise<void>;
  unmount(bundle: string): Promise<void>;
}

export type CreateContainerFn = (options: CreateOptions) => Promise<Container>;

export type RestoreContainerFn = (options: RestoreContainerOptions) => Promise<Container>;

/** A running OOM watch: `check` reports kills not seen yet (called before an exit is published). */
export interface OomWatch {
  check(): Promise<void>;
  close(): void;
}

/** Watches a container's cgroup for OOM kills; `onOom` runs once per kill. */
export type WatchOomFn = (container: Container, onOom: () => void) => OomWatch | undefined;

/** An exec'd process waiting at its start barrier (linux SpawnedProcess, narrowed). */
export interface ExecHandle {
  readonly pid: number;
  /** Resolves with the exit code (128+signal when killed); never rejects. */
  readonly exited: Promise<{ readonly status: number }>;
  start(): Promise<void>;
  kill(signal: number): void;
}

/** Spawn `process` into the running container (container/exec.ts spawnExec in the daemon). */
export type SpawnExecFn = (
  container: Container,
  execId: string,
  request: { readonly process: Process; readonly stdio: StdioFds },
) => Promise<ExecHandle>;
