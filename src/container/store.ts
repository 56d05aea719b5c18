//! On-disk layout under the state root: `<root>/<id>/state.json` (written atomically: temp file,
//! fsync, rename) and a per-container lock so concurrent CLI invocations serialize.

import * as fs from 'node:fs';
import * as path from 'node:path';

import { FailedPreconditionError, InvalidArgumentError, ResourceExhaustedError } from '../errors';
import { type ContainerRecord, parseRecord, stringifyRecord } from './record';
import { sleep } from './timing';

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

/** runc's id rule: letters, digits, and _ . + - (not starting with a separator), at most 1024 bytes. */
export function checkId(id: string): void {
  if (!ID_RE.test(id) || id.length > 1024 || id === '.' || id === '..') {
    throw new InvalidArgumentError(`invalid container id "${id}": use letters, digits, "_", ".", "+" and "-"`);
  }
}

export function containerDir(root: string, id: string): string {
  return path.join(root, id);
}

export function statePath(root: string, id: string): string {
  return path.join(root, id, 'state.json');
}

export function fifoPath(root: string, id: string): string {
  return path.join(root, id, 'exec.fifo');
}

/** Ensure the state root exists (mode 0700, like runc's /run/runc). */
export function ensureRoot(root: string): void {
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
}

const FULL = new Set(['ENOSPC', 'EDQUOT']);

/** True for a full disk or an exhausted quota. */
export function isFullDisk(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && FULL.has(code);
}

/**
 * Runs `fn`, which writes `what` at `file` under the state root `root`; a full disk or quota
 * becomes a ResourceExhaustedError (ttrpc RESOURCE_EXHAUSTED) naming what, where and the fix.
 */
export function writingState<T>(root: string, what: string, file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!isFullDisk(err)) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EDQUOT' ? 'disk quota exceeded (EDQUOT)' : 'no space left on device (ENOSPC)';
    throw new ResourceExhaustedError(
      `writing ${what} ${file}: ${why}; free space on the filesystem of the state root ${root} ` +
        '(tsrun --root; for the shim the runtime option Root, default /run/containerd/tsrun/<namespace>) and retry',
      { cause: err },
    );
  }
}

/** Write the record atomically: readers see the old or the new file, never a partial one. A full
 *  disk leaves the old record (and no temp file) and throws ResourceExhaustedError. */
export function writeRecord(root: string, record: ContainerRecord): void {
  const final = statePath(root, record.id);
  const tmp = `${final}.${process.pid}.tmp`;
  writingState(root, `the state of container "${record.id}" to`, final, () => {
    try {
      const fd = fs.openSync(tmp, 'w', 0o600);
      try {
        fs.writeSync(fd, stringifyRecord(record));
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, final);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
  });
}

/** The record, or undefined when the container does not exist (no dir or no state.json yet). */
export function readRecord(root: string, id: string): ContainerRecord | undefined {
  const file = statePath(root, id);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return parseRecord(text, file);
}

/** Ids of every directory under root holding a state.json, sorted. */
export function listIds(root: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((n) => ID_RE.test(n) && fs.existsSync(path.join(root, n, 'state.json'))).sort();
}

/** Remove the container's directory (state.json, exec.fifo, …). Missing is fine. */
export function removeContainerDir(root: string, id: string): void {
  fs.rmSync(containerDir(root, id), { recursive: true, force: true });
}

function lockPath(root: string, id: string): string {
  return path.join(root, `.${id}.lock`);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}


/**
 * Run `fn` holding the container's lock: an O_EXCL lock file beside the container dir that names
 * its holder's pid (a holder that died leaves a stale file, which is taken over). Waits up to
 * `timeoutMs` for another holder.
 */
export async function withLock<T>(root: string, id: string, fn: () => Promise<T> | T, timeoutMs = 30_000): Promise<T> {
  ensureRoot(root);
  const file = lockPath(root, id);
  const deadline = Date.now() + timeoutMs;
  let wait = 2;
  for (;;) {
    try {
      const fd = writingState(root, `the lock of container "${id}"`, file, () => fs.openSync(file, 'wx', 0o600));
      try {
        fs.writeSync(fd, String(process.pid));
      } catch (err) {
        // A full disk still lets the file be created (the lock is ours) but not the holder's pid
        // (only for stale detection): go on, so delete and kill work on a full disk.
        if (!['ENOSPC', 'EDQUOT'].includes((err as NodeJS.ErrnoException).code ?? '')) {
          fs.closeSync(fd);
          fs.rmSync(file, { force: true });
          throw err;
        }
      }
      fs.closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = NaN;
      try {
        holder = Number(fs.readFileSync(file, 'utf8'));
      } catch {
        continue; // released between our open and read
      }
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && !pidAlive(holder)) {
        fs.rmSync(file, { force: true }); // stale: its holder died
        continue;
      }
      if (Date.now() > deadline) {
        throw new FailedPreconditionError(`container "${id}" is locked by process ${holder}: retry when it finishes (lock file ${file})`);
      }
      await sleep(wait);
      wait = Math.min(wait * 2, 50);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}
