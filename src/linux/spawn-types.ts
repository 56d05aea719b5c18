//! Types of the spawn API (spawn.ts).

/** How a process ended. `status` is the exit code, or 128+signal when it was killed by `signal`. */
export interface ExitStatus {
  readonly status: number;
  readonly signal?: number;
}

export interface SpawnOptions {
  /** called once the host pid is known, before the child continues past an id-map sync point */
  readonly onPid?: (pid: number) => void | Promise<void>;
  /** called when the child stops before pivot_root (a plan built with pauseBeforePivot): its mounts
   *  are set up, it has not pivoted yet; the child continues once this resolves. A rejection kills
   *  the child and rejects the spawn with that error (createContainer hooks run here). */
  readonly onBeforePivot?: (pid: number) => void | Promise<void>;
  /** process.terminal (a plan with a console op): receives the pty master the child allocated in
   *  its container's devpts (a close-on-exec fd the callee owns from then on). Without it such a
   *  plan fails. A throw fails the spawn. */
  readonly onConsole?: (master: number) => void | Promise<void>;
  /** called when the child has applied the whole plan and waits at the start barrier */
  readonly onCreated?: (pid: number) => void | Promise<void>;
  /** the container's state, sent with the seccomp notify listener fd to linux.seccomp.listenerPath
   *  (an OCI ContainerProcessState, as runc sends it); without it: ociVersion 1.3.0, bundle "" */
  readonly containerState?: ContainerStateInfo;
  /** false: `exited` resolves when the process exits, but it is not reaped (it stays a zombie
   *  for the subreaper that inherits it, as runc leaves a detached exec to conmon); default true */
  readonly reap?: boolean;
}

export interface ContainerStateInfo {
  readonly ociVersion?: string;
  readonly bundle: string;
  readonly annotations?: Readonly<Record<string, string>>;
  /** the container init's pid (for an exec; default: the spawned process's pid) */
  readonly pid?: number;
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
