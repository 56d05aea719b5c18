//! Reaping children without stealing libuv's: known pids are waited for by pidfd (never
//! waitpid(-1)); adopted orphans (as a child subreaper) are found with a WNOWAIT peek and reaped only
//! when orphan reaping is switched on and no spawn is in flight (node-spike.md §4).

import net from 'node:net';
import * as libc from './libc';
import type { ExitStatus } from './spawn-types';

interface Watch {
  readonly pidfd: number | null;
  readonly resolve: (s: ExitStatus) => void;
  /** false: notice the exit (WNOWAIT) but leave the zombie for whoever inherits it */
  readonly reap: boolean;
}

/** How soon orphan reaping looks again while a child_process child waits for libuv. */
const ORPHAN_RETRY_MS = 10;

export type OrphanListener = (pid: number, status: ExitStatus) => void;

/** Turn a waitid result into {status, signal?}: exit code, or 128+signal when killed. */
export function exitStatusOf(info: libc.WaitInfo): ExitStatus {
  if (info.code === libc.CLD_KILLED || info.code === libc.CLD_DUMPED) return { status: 128 + info.status, signal: info.status };
  return { status: info.status };
}

export class Reaper {
  private readonly watched = new Map<number, Watch>();
  private orphanListener: OrphanListener | null = null;
  private pending = 0;
  private readonly wakeups: net.Socket;
  private timer: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private readonly onSignal = () => this.drain();

  constructor() {
    // exits of watched pidfds arrive through native/'s epoll thread (works where signal
    // listeners do not, e.g. under jest); SIGCHLD still triggers sweeps for adopted orphans
    const [r, w] = libc.pipe2(libc.O_CLOEXEC | libc.O_NONBLOCK);
    libc.exitWatcherInit(w);
    this.wakeups = new net.Socket({ fd: r, readable: true, writable: false });
    this.wakeups.on('data', () => this.drain());
    this.wakeups.unref();
    process.on('SIGCHLD', this.onSignal);
  }

  /** Reap adopted orphans too (only for a process that does not use child_process: libuv's
   *  children would be stolen). `listener` hears about each one. */
  reapOrphans(listener: OrphanListener): void {
    this.orphanListener = listener;
    this.drain();
  }

  /** A spawn is in flight: its pid is not known yet, so orphan reaping pauses. */
  beginSpawn(): void {
    this.pending++;
  }

  endSpawn(): void {
    this.pending = Math.max(0, this.pending - 1);
    if (this.pending === 0) setImmediate(() => this.drain());
  }

  /** Resolve when `pid` (our child or adopted) exits; `pidfd` makes the wait pid-reuse proof.
   *  `reap: false` leaves the exited process a zombie: its exit status stays for the subreaper that
   *  inherits it once we exit (conmon waits for a `tsrun exec --detach` process that way). */
  watch(pid: number, pidfd: number | null, opts: { reap?: boolean } = {}): Promise<ExitStatus> {
    return new Promise<ExitStatus>((resolve) => {
      this.watched.set(pid, { pidfd, resolve, reap: opts.reap !== false });
      if (pidfd !== null) libc.exitWatch(pidfd);
      this.keepAlive();
      setImmediate(() => this.drain());
    });
  }

  /** Stop watching `pid` (its exit will not be collected by us). */
  unwatch(pid: number): void {
    this.watched.delete(pid);
    this.keepAlive();
  }

  /** Collect every exit that is ready; safe to call any time. */
  drain(): void {
    for (const [pid, w] of this.watched) {
      let info: libc.WaitInfo | undefined;
      const flags = libc.WEXITED | libc.WNOHANG | (w.reap ? 0 : libc.WNOWAIT);
      try {
        info = w.pidfd !== null ? libc.waitid(libc.P_PIDFD, w.pidfd, flags) : libc.waitid(libc.P_PID, pid, flags);
      } catch {
        info = undefined;
      }
      if (info !== undefined && info.pid !== 0) {
        this.watched.delete(pid);
        w.resolve(exitStatusOf(info));
      }
    }
    if (this.orphanListener !== null && this.pending === 0) this.drainOrphans(this.orphanListener);
    this.keepAlive();
  }

  private drainOrphans(listener: OrphanListener): void {
    for (let i = 0; i < 1024; i++) {
      const peek = libc.waitid(libc.P_ALL, 0, libc.WEXITED | libc.WNOHANG | libc.WNOWAIT);
      if (peek === undefined || peek.pid === 0) return;
      // A child_process child is libuv's to reap: leave it and stop (the peek returns it again
      // until libuv has). An orphan that exited too may sit behind it: both exits can come with
      // one SIGCHLD (signals coalesce), so no later signal would trigger a drain. Look again
      // shortly, until the peek gets past libuv's child.
      if (!this.watched.has(peek.pid) && childProcessPids().has(peek.pid)) {
        this.retry ??= setTimeout(() => {
          this.retry = null;
          this.drain();
        }, ORPHAN_RETRY_MS);
        return;
      }
      const info = libc.waitid(libc.P_PID, peek.pid, libc.WEXITED | libc.WNOHANG);
      if (info === undefined || info.pid === 0) return;
      const status = exitStatusOf(info);
      const w = this.watched.get(info.pid);
      if (w !== undefined) {
        this.watched.delete(info.pid);
        w.resolve(status);
      } else {
        listener(info.pid, status);
      }
    }
  }

  /** keep Node alive while an exit is awaited (signal listeners and the wake-up pipe alone are
   *  unref'd); a watch without a pidfd (adopted or detached pid) is swept once a second */
  private keepAlive(): void {
    if (this.watched.size > 0) this.wakeups.ref();
    else this.wakeups.unref();
    const needSweep = [...this.watched.values()].some((w) => w.pidfd === null);
    if (needSweep && this.timer === null) {
      this.timer = setInterval(() => this.drain(), 1000);
    } else if (!needSweep && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}

/** pids of the child_process children libuv still waits for (their handles are active) */
function childProcessPids(): Set<number> {
  const pids = new Set<number>();
  const handles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? [];
  for (const h of handles) {
    const pid = (h as { pid?: unknown } | null)?.pid;
    if (typeof pid === 'number') pids.add(pid);
  }
  return pids;
}

let instance: Reaper | undefined;

/** The process-wide reaper (installs a SIGCHLD listener on first use). */
export function reaper(): Reaper {
  instance ??= new Reaper();
  return instance;
}

/** prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants are re-parented to this process. */
export function setChildSubreaper(on = true): void {
  libc.setChildSubreaper(on);
}
