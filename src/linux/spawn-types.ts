//! Types of the spawn API (spawn.ts).

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
