//! The `delete` action: containerd runs it after every teardown and when a shim died. It cleans up
//! only container `-id` (the daemon may still serve others), works without the daemon, tolerates
//! missing files, and prints a DeleteResponse (status 137, like runc's shim) on stdout.

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { loadContainer } from '../container';
import { DeleteResponse } from '../gen/runtime/task/v2/shim';
import { readAddressFile, socketPath } from './address';
import { timestampOf } from './events';
import type { ShimFlags } from './flags';
import { unmountRootfs } from './rootfs';
import { readShimState, removeShimState } from './shim-state';

const SIGKILL_STATUS = 128 + 9;

type Warn = (message: string) => void;

/** Kill and remove the container through the library's persisted state; returns its pid or 0. */
async function removeContainer(bundle: string, id: string, warn: Warn): Promise<number> {
  const state = readShimState(bundle);
  if (state === undefined || state.id !== id) return 0;
  let pid = 0;
  try {
    const container = await loadContainer(state.root, id);
    pid = container.pid;
    await container.delete({ force: true });
  } catch (err) {
    warn(`delete ${id}: ${(err as Error).message}`);
  }
  removeShimState(bundle);
  return pid;
}

/** Remove the shim socket when no daemon answers on it any more (a killed daemon leaves it). */
async function removeStaleSocket(bundle: string, warn: Warn): Promise<void> {
  const address = readAddressFile(bundle);
  if (address === undefined) return;
  const file = socketPath(address);
  if (!fs.existsSync(file)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const s = net.createConnection({ path: file });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    setTimeout(() => done(false), 200).unref();
  });
  if (!alive) {
    try {
      fs.rmSync(file, { force: true });
    } catch (err) {
      warn(`remove stale socket ${file}: ${(err as Error).message}`);
    }
  }
}

export async function runDelete(flags: ShimFlags, warn: Warn): Promise<Uint8Array> {
  const bundle = path.resolve(flags.bundle !== '' ? flags.bundle : process.cwd());
  const pid = await removeContainer(bundle, flags.id, warn);
  try {
    unmountRootfs(bundle);
  } catch (err) {
    warn(`unmount ${bundle}/rootfs: ${(err as Error).message}`);
  }
  await removeStaleSocket(bundle, warn);
  return DeleteResponse.encode({ pid, exitStatus: SIGKILL_STATUS, exitedAt: timestampOf(new Date()) }).finish();
}
