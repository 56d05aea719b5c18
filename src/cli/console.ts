//! `--console-socket` (runc's protocol): a process with process.terminal allocates its pty in its
//! container's devpts (the slave becomes its stdio and controlling terminal); the master it hands
//! back is sent over the unix socket with SCM_RIGHTS (payload "/dev/ptmx", as runc) for the caller
//! (conmon, a test) to drive, or proxied to this command's own stdio.

import * as fs from 'node:fs';
import * as tty from 'node:tty';

import { InvalidArgumentError } from '../errors';
import { closeFd, dupFd, sendFd, setWinsize } from '../linux';
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
 * stdio for a process: the command's own 0/1/2 without a terminal; with one, the process allocates
 * its pty in its container's devpts (as runc does) and hands us the master, which goes to `socket`
 * or is proxied to our own stdio. `detached`: nothing stays to proxy a terminal, so a terminal needs
 * a socket (runc's rule). The window size comes from process.consoleSize (set by the process).
 */
export function consoleFor(terminal: boolean, socket: string | undefined, detached: boolean): ConsolePlan | undefined {
  if (!terminal) {
    if (socket !== undefined) throw new InvalidArgumentError('--console-socket: cannot use a console socket when process.terminal is false (set process.terminal or drop the flag)');
    return undefined;
  }
  if (socket === undefined) {
    if (detached) throw new InvalidArgumentError('cannot allocate tty if tsrun will detach without setting console socket (--console-socket)');
    return proxiedConsole();
  }
  return {
    stdio: {
      stdin: -1, stdout: -1, stderr: -1,
      console: (master) => {
        try {
          sendFd(socket, master, Buffer.from('/dev/ptmx')); // runc's payload: the master's name
        } finally {
          closeQuietly(master);
        }
      },
    },
    handOff() {},
    close() {},
    finish: () => Promise.resolve(),
  };
}

const DRAIN_MS = 2000;

/** runc's foreground terminal: the pty copied to our stdout, our stdin (raw when a tty) typed into it,
 *  our window size (and SIGWINCH changes) applied to it. */
function proxiedConsole(): ConsolePlan {
  let pty: { master: number; masterDup: number } | undefined;
  let proxying = false;
  let reader: tty.ReadStream | undefined;
  let done: Promise<void> = Promise.resolve();
  const onResize = (): void => {
    if (pty === undefined) return;
    try {
      setWinsize(pty.master, process.stdout.rows, process.stdout.columns);
    } catch {
      // the terminal is gone
    }
  };
  const onInput = (b: Buffer): void => {
    if (pty === undefined) return;
    try {
      fs.writeSync(pty.masterDup, b);
    } catch {
      // the process stopped reading (EAGAIN) or is gone (EIO)
    }
  };
  return {
    stdio: {
      stdin: -1, stdout: -1, stderr: -1,
      console: (master) => {
        pty = { master, masterDup: dupFd(master) };
        if (process.stdout.isTTY && process.stdout.rows > 0 && process.stdout.columns > 0) setWinsize(master, process.stdout.rows, process.stdout.columns);
      },
    },
    handOff() {
      if (pty === undefined) return;
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
      if (!proxying && pty !== undefined) {
        closeQuietly(pty.master);
        closeQuietly(pty.masterDup);
        pty = undefined;
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
      if (pty !== undefined) closeQuietly(pty.masterDup);
    },
  };
}
