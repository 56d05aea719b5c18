//! `--console-socket` (runc's protocol): a pty for a process with process.terminal; the slave
//! becomes its stdio (and controlling terminal), the master is sent over the unix socket with
//! SCM_RIGHTS (payload "/dev/ptmx", as runc) for the caller (conmon, a test) to drive.

import * as fs from 'node:fs';
import * as tty from 'node:tty';

import { InvalidArgumentError } from '../errors';
import { closeFd, openpty, sendFd, setWinsize } from '../linux';
import type { StdioFds } from '../container';

export interface ConsolePlan {
  readonly stdio: StdioFds;
  /** After the process exists: hand the master to the socket (closing our fds), or start proxying
   *  the terminal to this command's stdin/stdout (no socket, foreground). */
  handOff(): void;
  /** Close our copy of the slave, and with a socket everything (idempotent; also the failure path). */
  close(): void;
  /** After the process exited: the rest of its output copied (bounded), our terminal restored. */
  finish(): Promise<void>;
}

function closeQuietly(fd: number): void {
  try {
    closeFd(fd);
  } catch {
    // closed already
  }
}

/**
 * stdio for a process: the command's own 0/1/2 without a terminal; a pty sent to `socket` with one.
 * `detached`: nothing stays to proxy a terminal, so a terminal needs a socket (runc's rule).
 * `ptmx`: for an exec, the container's (/proc/<init>/root/dev/ptmx), as runc allocates it there.
 */
export function consoleFor(terminal: boolean, socket: string | undefined, size: { height: number; width: number } | undefined, detached: boolean, ptmx?: string): ConsolePlan | undefined {
  if (!terminal) {
    if (socket !== undefined) throw new InvalidArgumentError('--console-socket: cannot use a console socket when process.terminal is false (set process.terminal or drop the flag)');
    return undefined;
  }
  if (socket === undefined) {
    if (detached) throw new InvalidArgumentError('cannot allocate tty if tsrun will detach without setting console socket (--console-socket)');
    return proxiedConsole(size, ptmx);
  }
  const pty = openpty(ptmx);
  closeQuietly(pty.masterDup);
  if (size !== undefined && size.height > 0 && size.width > 0) setWinsize(pty.master, size.height, size.width);
  let open = true;
  const close = (): void => {
    if (!open) return;
    open = false;
    closeQuietly(pty.slave);
    closeQuietly(pty.master);
  };
  return {
    stdio: { stdin: pty.slave, stdout: pty.slave, stderr: pty.slave, console: pty.path },
    handOff() {
      try {
        sendFd(socket, pty.master, Buffer.from('/dev/ptmx')); // runc's payload: the master's name
      } finally {
        close();
      }
    },
    close,
    finish: () => Promise.resolve(),
  };
}

const DRAIN_MS = 2000;

/** runc's foreground terminal: a pty copied to our stdout, our stdin (raw when a tty) typed into it,
 *  our window size (and SIGWINCH changes) applied to it. */
function proxiedConsole(size: { height: number; width: number } | undefined, ptmx: string | undefined): ConsolePlan {
  const pty = openpty(ptmx);
  const ours = process.stdout.isTTY ? { height: process.stdout.rows, width: process.stdout.columns } : size;
  if (ours !== undefined && ours.height > 0 && ours.width > 0) setWinsize(pty.master, ours.height, ours.width);
  let slaveOpen = true;
  let proxying = false;
  let reader: tty.ReadStream | undefined;
  let done: Promise<void> = Promise.resolve();
  const onResize = (): void => {
    try {
      setWinsize(pty.master, process.stdout.rows, process.stdout.columns);
    } catch {
      // the terminal is gone
    }
  };
  const onInput = (b: Buffer): void => {
    try {
      fs.writeSync(pty.masterDup, b);
    } catch {
      // the process stopped reading (EAGAIN) or is gone (EIO)
    }
  };
  const closeSlave = (): void => {
    if (!slaveOpen) return;
    slaveOpen = false;
    closeQuietly(pty.slave);
  };
  return {
    stdio: { stdin: pty.slave, stdout: pty.slave, stderr: pty.slave, console: pty.path },
    handOff() {
      closeSlave();
      proxying = true;
      const r = new tty.ReadStream(pty.master);
      reader = r;
      done = new Promise((resolve) => r.once('close', () => resolve()));
      r.on('data', (b: Buffer) => {
        try {
          fs.writeSync(1, b);
        } catch {
          // our stdout is gone
        }
      });
      r.on('error', () => r.destroy()); // EIO: every slave fd is closed
      if (process.stdin.isTTY) process.stdin.setRawMode(true);
      process.stdin.on('data', onInput);
      process.stdin.on('error', () => {});
      if (process.stdout.isTTY) process.stdout.on('resize', onResize);
    },
    close() {
      closeSlave();
      if (!proxying) {
        closeQuietly(pty.master);
        closeQuietly(pty.masterDup);
      }
    },
    async finish() {
      if (!proxying) return;
      proxying = false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_MS)))]);
      clearTimeout(timer);
      process.stdout.off('resize', onResize);
      process.stdin.off('data', onInput);
      if (process.stdin.isTTY) process.stdin.setRawMode(false);
      process.stdin.destroy();
      reader?.destroy();
      closeQuietly(pty.masterDup);
    },
  };
}
