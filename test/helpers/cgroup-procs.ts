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

const started: Held[] = [];

/** sh that waits for one line on stdin, then execs `then` (argv). */
export function hold(then: string[]): Held {
  const child = spawn('/bin/sh', ['-c', 'read _ && exec "$@"', 'sh', ...then], { stdio: ['pipe', 'ignore', 'pipe'] });
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  if (child.pid === undefined) throw new Error('spawn failed');
  const held = { child, pid: child.pid, release: () => void child.stdin?.end('go\n'), exited };
  started.push(held);
  return held;
}

/** A process that waits until it is killed (never released: sh blocked reading its stdin). */
export function sleeper(): Held {
  return hold(['sleep', '1000']);
}

/** Kill every process these helpers started that is still running, and wait until each is reaped (afterAll). */
export async function killStarted(): Promise<void> {
  for (const h of started) {
    if (h.child.exitCode === null && h.child.signalCode === null) {
      try {
        process.kill(h.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  await Promise.all(started.map((h) => h.exited));
  started.length = 0;
}
