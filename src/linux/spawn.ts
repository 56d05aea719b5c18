//! Spawning containers and processes from a launch plan (runtime/plan.ts) through native/.

import type { LaunchPlan, ProcessPlan } from '../runtime/plan-types';
import { UnimplementedError } from '../errors';

/** How a process ended. `status` is the exit code, or 128+signal when it was killed by `signal`. */
export interface ExitStatus {
  readonly status: number;
  readonly signal?: number;
}

export interface SpawnOptions {
  /** called once the host pid is known, before the child continues past an id-map sync point */
  readonly onPid?: (pid: number) => void | Promise<void>;
  /** called when the child has applied the whole plan and waits at the start barrier */
  readonly onCreated?: (pid: number) => void | Promise<void>;
}

/** A container init (or exec'd process) that has been created and waits at its start barrier. */
export interface SpawnedProcess {
  /** host pid */
  readonly pid: number;
  /** pidfd of the process (owned by this object; closed when the exit is collected or on detach) */
  readonly pidfd: number;
  /** resolves when the process exits and has been reaped (never rejects) */
  readonly exited: Promise<ExitStatus>;
  /** signal the process through its pidfd (no pid-reuse races); throws SyscallError */
  kill(signal: number): void;
  /** release a 'pipe' barrier; resolves once execve succeeded, rejects with ContainerSetupError
   *  when exec failed. For a 'fifo' barrier use releaseExecFifo(path) (any process may do it). */
  start(): Promise<void>;
  /** stop watching: close our fds so this process may exit while the child waits on its FIFO.
   *  The child is then reaped by whoever is its parent/subreaper. */
  detach(): void;
}

/** Spawn a container's init from `plan`. Resolves when the child waits at its start barrier
 *  (runc's "created"); rejects with ContainerSetupError when a step failed (the child is reaped).
 *  Stdio/extra fds named in the plan may be closed by the caller once this resolves. */
export async function spawnContainer(_plan: LaunchPlan, _options: SpawnOptions = {}): Promise<SpawnedProcess> {
  throw new UnimplementedError('spawnContainer: not implemented yet');
}

/** Spawn a process into an existing container (exec) from a ProcessPlan. */
export async function spawnProcess(_plan: ProcessPlan, _options: SpawnOptions = {}): Promise<SpawnedProcess> {
  throw new UnimplementedError('spawnProcess: not implemented yet');
}

/** Release a container waiting on its exec FIFO (tsrun `start`): opens the FIFO for reading, takes
 *  the byte the container wrote, removes the FIFO. Rejects after `timeoutMs` when nobody waits. */
export async function releaseExecFifo(_path: string, _options: { timeoutMs?: number } = {}): Promise<void> {
  throw new UnimplementedError('releaseExecFifo: not implemented yet');
}
