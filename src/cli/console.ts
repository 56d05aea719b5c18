//! `--console-socket` (runc's protocol): a pty for a process with process.terminal; the slave
//! becomes its stdio (and controlling terminal), the master is sent over the unix socket with
//! SCM_RIGHTS (payload "/dev/ptmx", as runc) for the caller (conmon, a test) to drive.

import { InvalidArgumentError, UnimplementedError } from '../errors';
import { closeFd, openpty, sendFd, setWinsize } from '../linux';
import type { StdioFds } from '../container';

export interface ConsolePlan {
  readonly stdio: StdioFds;
  /** After the process exists: hand the master to the socket; closes our pty fds either way. */
  handOff(): void;
  /** Close our pty fds without handing off (failure path). */
  close(): void;
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
    throw new UnimplementedError('process.terminal without --console-socket: tsrun does not proxy a terminal itself yet; pass --console-socket');
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
  };
}
