// Real processes for cgroup tests: started paused on stdin, moved into a cgroup, then released.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface Held {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Let the process continue past its "read" (it execs `then`). */
  release(): void;
  /** Resolves with the exit signal or code. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: ChildProcess[] = [];

/** sh that waits for one line on stdin, then execs `then` (argv). */
export function hold(then: string[]): Held {
  const child = spawn('/bin/sh', ['-c', 'read _ && exec "$@"', 'sh', ...then], { stdio: ['pipe', 'ignore', 'pipe'] });
  started.push(child);
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  if (child.pid === undefined) throw new Error('spawn failed');
  return { child, pid: child.pid, release: () => child.stdin?.end('go\n'), exited };
}

/** A long sleeper (released immediately; it sleeps until killed). */
export function sleeper(): Held {
  const h = hold(['sleep', '1000']);
  return h;
}

/** Kill every process these helpers started that is still running (afterAll). */
export function killStarted(): void {
  for (const c of started) {
    if (c.exitCode === null && c.signalCode === null && c.pid) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  started.length = 0;
}
