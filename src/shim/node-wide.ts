//! Node-wide mode (docs/node-wide.md): one daemon per containerd address and namespace serves every
//! container whose runtime options say `NodeWide = true`. Its socket is the ordinary shim socket for
//! the fixed group key below; `<socket>.lock` (flock) serialises the three things that touch it:
//! `start` probing, binding or replacing it, the daemon's idle exit removing it, and the `delete`
//! action removing a dead daemon's socket. `start` records each time it hands the address out in the
//! lock file's mtime; the idle daemon leaves only when no container is left and no address was handed
//! out within HANDOUT_GRACE_MS (containerd dials right after `start` exits).

import * as fs from 'node:fs';

/** The group key every node-wide container maps to (the socket is sha256(address, namespace, key)). */
export const NODE_WIDE_GROUP = 'io.containerd.tsrun.v1/node-wide';

/** Default seconds an idle node-wide daemon stays after its last container is gone. */
export const DEFAULT_IDLE_SECONDS = 60;

/** A handed-out address is protected this long against the daemon's idle exit. */
export const HANDOUT_GRACE_MS = 10_000;

/** The environment variable that tells the daemon it is node-wide (value: idle seconds). */
export const NODE_WIDE_ENV = 'TSRUN_NODE_WIDE_IDLE_SECONDS';

export function lockPathOf(socketFile: string): string {
  return `${socketFile}.lock`;
}

// Node opens every fd close-on-exec, so the daemon spawned under the lock does not inherit it.
function openLock(lockFile: string): number {
  return fs.openSync(lockFile, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
}

/** Run `fn` holding the exclusive lock (waits for it). */
export async function withLock<T>(lockFile: string, fn: () => Promise<T>): Promise<T> {
  const { flock, LOCK_EX } = await import('../linux/libc');
  const fd = openLock(lockFile);
  try {
    flock(fd, LOCK_EX);
    return await fn();
  } finally {
    fs.closeSync(fd); // releases the lock
  }
}

/** Run `fn` holding the lock if it is free right now; undefined when someone else holds it. */
export async function tryWithLock<T>(lockFile: string, fn: () => T): Promise<{ value: T } | undefined> {
  const { flock, LOCK_EX, LOCK_NB } = await import('../linux/libc');
  const fd = openLock(lockFile);
  try {
    if (!flock(fd, LOCK_EX | LOCK_NB)) return undefined;
    return { value: fn() };
  } finally {
    fs.closeSync(fd);
  }
}

/** `start` (holding the lock) records that it handed the address out now. */
export function recordHandout(lockFile: string, now = new Date()): void {
  fs.utimesSync(lockFile, now, now);
}

/** Milliseconds since `start` last handed the address out (Infinity when never). */
export function sinceHandout(lockFile: string, nowMs = Date.now()): number {
  const st = fs.statSync(lockFile, { throwIfNoEntry: false });
  return st === undefined ? Infinity : nowMs - st.mtimeMs;
}

/** What the idle daemon does when its timer fires (pure; the daemon acts on it under the lock). */
export type IdleDecision = { readonly kind: 'stay' } | { readonly kind: 'retry'; readonly afterMs: number } | { readonly kind: 'exit' };

export function idleDecision(containers: number, sinceHandoutMs: number): IdleDecision {
  if (containers > 0) return { kind: 'stay' };
  if (sinceHandoutMs < HANDOUT_GRACE_MS) return { kind: 'retry', afterMs: HANDOUT_GRACE_MS - sinceHandoutMs + 100 };
  return { kind: 'exit' };
}

/** The idle seconds from the daemon's environment, or undefined for a per-pod daemon. */
export function nodeWideIdleSeconds(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env[NODE_WIDE_ENV];
  if (raw === undefined || !/^[0-9]+$/.test(raw)) return undefined;
  return Number(raw);
}
