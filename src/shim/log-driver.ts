//! `binary://` logging drivers (containerd's logging protocol): the driver gets the read ends of
//! the process's stdout and stderr pipes as fds 3 and 4 and the write end of a "ready" pipe as fd
//! 5; it is ready when fd 5 is closed. Its environment is only CONTAINER_ID and
//! CONTAINER_NAMESPACE. On stop: SIGTERM, up to 12 s, then SIGKILL.
//!
//! This module uses child_process (allowed for this file only, see eslint.config.js): a driver is a
//! plain program, not a container, so the executor's namespace machinery does not apply. Its exit
//! is collected by whichever comes first, libuv or the shim's reaper (the reaper watches the pid so
//! orphan reaping never mistakes it for an orphan).

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { InvalidArgumentError } from '../errors';
import { O_CLOEXEC, pipe2, reaper } from '../linux';

export interface LogDriverOptions {
  readonly path: string;
  readonly args: readonly string[];
  readonly id: string;
  readonly namespace: string;
  /** Read end of the process's stdout pipe (the caller closes its copy afterwards). */
  readonly stdoutFd: number;
  readonly stderrFd: number;
  readonly stopTimeoutMs?: number;
}

export interface LogDriver {
  readonly pid: number;
  stop(): Promise<void>;
}

const STOP_TIMEOUT_MS = 12_000;

function delay(ms: number): Promise<'timeout'> {
  return new Promise((resolve) => setTimeout(() => resolve('timeout'), ms).unref());
}

/** Start the driver and resolve once it signalled readiness (closed fd 5) or exited. */
export async function startLogDriver(options: LogDriverOptions): Promise<LogDriver> {
  const [readyRead, readyWrite] = pipe2(O_CLOEXEC);
  let child;
  try {
    child = spawn(options.path, [...options.args], {
      stdio: ['ignore', 'ignore', 'ignore', options.stdoutFd, options.stderrFd, readyWrite],
      env: { CONTAINER_ID: options.id, CONTAINER_NAMESPACE: options.namespace },
      detached: false,
    });
  } finally {
    fs.closeSync(readyWrite);
  }
  const spawned = new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid as number));
    child.once('error', (err) => reject(new InvalidArgumentError(`stdout binary://${options.path}: ${err.message}`, { cause: err })));
  });
  let pid: number;
  try {
    pid = await spawned;
  } catch (err) {
    fs.closeSync(readyRead);
    throw err;
  }
  const exited = Promise.race([
    new Promise<void>((resolve) => child.once('exit', () => resolve())),
    reaper().watch(pid, null).then(() => undefined),
  ]).then(() => reaper().unwatch(pid));
  const ready = new net.Socket({ fd: readyRead, readable: true, writable: false });
  await new Promise<void>((resolve) => {
    ready.on('data', () => {});
    ready.once('end', () => resolve());
    ready.once('close', () => resolve());
    ready.once('error', () => resolve());
  });
  ready.destroy();
  let stopping: Promise<void> | undefined;
  return {
    pid,
    stop() {
      stopping ??= (async () => {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          return;
        }
        if ((await Promise.race([exited, delay(options.stopTimeoutMs ?? STOP_TIMEOUT_MS)])) === 'timeout') {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            return;
          }
          await Promise.race([exited, delay(1000)]);
        }
      })();
      return stopping;
    },
  };
}
