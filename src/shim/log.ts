//! The daemon's pino logger writing to the bundle's `log` FIFO, which containerd reads and copies
//! to its own log. The FIFO is opened O_RDWR|O_NONBLOCK so the open never blocks and writes never
//! raise EPIPE while containerd restarts; a line that does not fit is dropped, never fatal.

import * as fs from 'node:fs';
import pino, { type Logger } from 'pino';

export function openLogFd(file: string): number | undefined {
  try {
    return fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_NONBLOCK | fs.constants.O_APPEND);
  } catch {
    return undefined;
  }
}

export function shimLogger(fd: number | undefined, level: string, bindings: Record<string, unknown>): Logger {
  const destination = {
    write(line: string): void {
      if (fd === undefined) return;
      try {
        fs.writeSync(fd, line);
      } catch {
        // containerd is not reading (restart) or the pipe is full: drop the line.
      }
    },
  };
  return pino({ level, base: { pid: process.pid, runtime: 'io.containerd.tsrun.v1', ...bindings } }, destination);
}
