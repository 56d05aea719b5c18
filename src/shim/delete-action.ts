//! The `delete` action: containerd runs it after every teardown and when a shim died. It cleans up
//! only container `-id` (the daemon may still serve others), works without the daemon, tolerates
//! missing files, and prints a DeleteResponse (status 137, like runc's shim) on stdout.
//! It runs after every `ctr run --rm`, usually with nothing left to do, so the container library
//! and the FFI layer are loaded only when there is state to remove or a rootfs still mounted.

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { readAddressFile, socketPath } from './address';
import { encodeDeleteResponse } from './delete-response';
import type { ShimFlags } from './flags';
import { isMountPoint } from './mountinfo';
import { readShimState, removeShimState } from './shim-state';

const SIGKILL_STATUS = 128 + 9;

type Warn = (message: string) => void;

/** Kill and remove the container through the library's persisted state; returns its pid or 0. */
async function removeContainer(bundle: string, id: string, warn: Warn): Promise<number> {
  const state = readShimState(bundle);
  if (state === undefined || state.id !== id) return 0;
  let pid = 0;
  try {
    const { loadContainer } = await import('../container');
    const container = await loadContainer(state.root, id);
    pid = container.pid;
    await container.delete({ force: true });
  } catch (err) {
    warn(`delete ${id}: ${(err as Error).message}`);
  }
  removeShimState(bundle);
  return pid;
}

function answers(file: string): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = net.createConnection({ path: file });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    setTimeout(() => done(false), 200).unref();
  });
}

async function removeIfDead(file: string, warn: Warn): Promise<void> {
  if (!fs.existsSync(file) || (await answers(file))) return;
  try {
    fs.rmSync(file, { force: true });
  } catch (err) {
    warn(`remove stale socket ${file}: ${(err as Error).message}`);
  }
}

/**
 * Remove the shim socket when no daemon answers on it any more (a killed daemon leaves it). A
 * node-wide socket (it has a lock file) is checked under the lock, so a socket a concurrent `start`
 * just bound for a new daemon is never mistaken for the dead one.
 */
async function removeStaleSocket(bundle: string, warn: Warn): Promise<void> {
  const address = readAddressFile(bundle);
  if (address === undefined) return;
  const file = socketPath(address);
  if (!fs.existsSync(file)) return;
  const { lockPathOf, withLock } = await import('./node-wide');
  const lock = lockPathOf(file);
  if (fs.existsSync(lock)) await withLock(lock, () => removeIfDead(file, warn));
  else await removeIfDead(file, warn);
}

export async function runDelete(flags: ShimFlags, warn: Warn): Promise<Uint8Array> {
  const bundle = path.resolve(flags.bundle !== '' ? flags.bundle : process.cwd());
  const pid = await removeContainer(bundle, flags.id, warn);
  try {
    if (isMountPoint(path.join(bundle, 'rootfs'))) (await import('./rootfs')).unmountRootfs(bundle);
  } catch (err) {
    warn(`unmount ${bundle}/rootfs: ${(err as Error).message}`);
  }
  await removeStaleSocket(bundle, warn);
  return encodeDeleteResponse(pid, SIGKILL_STATUS, new Date());
}
