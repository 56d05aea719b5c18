//! v1 OOM notification through eventfd(2) + cgroup.event_control. The eventfd syscall itself comes
//! from src/linux (koffi) and is injected: `eventfd(initval: number, flags: number): number` returning
//! the fd or throwing. The fd is non-blocking and drained with readSync, which never blocks a thread.

import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { EventfdFn } from './types';
import { writeCgroupFile } from './files';

export const EFD_NONBLOCK = 0o4000;
export const EFD_CLOEXEC = 0o2000000;

export interface OomEventfd {
  readonly efd: number;
  /** Events since the last drain (0 when none). */
  drain(): number;
  close(): void;
}

/** Register an eventfd for memory.oom_control of the v1 memory cgroup in `memDir`. */
export async function registerOomEventfd(memDir: string, eventfd: EventfdFn): Promise<OomEventfd> {
  const efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  let ofd: number | undefined;
  try {
    ofd = openSync(join(memDir, 'memory.oom_control'), 'r');
    await writeCgroupFile(memDir, 'cgroup.event_control', `${efd} ${ofd}`);
  } catch (err) {
    if (ofd !== undefined) closeSync(ofd);
    closeSync(efd);
    throw err;
  }
  const controlFd = ofd;
  let closed = false;
  const buf = Buffer.alloc(8);
  return {
    efd,
    drain() {
      if (closed) return 0;
      let total = 0;
      for (;;) {
        try {
          const n = readSync(efd, buf, 0, 8, null);
          if (n !== 8) return total;
          total += Number(buf.readBigUInt64LE(0));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return total;
          throw err;
        }
      }
    },
    close() {
      if (closed) return;
      closed = true;
      closeSync(controlFd);
      closeSync(efd);
    },
  };
}
