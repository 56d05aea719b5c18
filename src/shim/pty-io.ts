//! Stdio of a process with a terminal (Create/Exec with terminal=true): the process allocates a pty
//! in its container's devpts (the plan's console op, as runc) whose slave is its stdin/stdout/stderr
//! and controlling terminal, and hands the master to the shim, which copies the stdin FIFO into it
//! and it into the stdout FIFO (stderr stays empty, as with runc). ResizePty sets the window size.

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tty from 'node:tty';
import { InvalidArgumentError } from '../errors';
import { bytesUnread, closeFd, dupFd, setWinsize } from '../linux';
import type { IOContext, ProcessIO, StdioRequest } from './ports';

const { O_RDONLY, O_WRONLY, O_RDWR, O_NONBLOCK } = fs.constants;

/** How often a finished stdout FIFO is checked for bytes its reader has not taken yet. */
const UNREAD_POLL_MS = 50;

function stripFifo(p: string): string {
  return p.startsWith('fifo://') ? p.slice('fifo://'.length) : p;
}

function closeQuietly(fd: number): void {
  if (fd < 0) return;
  try {
    closeFd(fd);
  } catch {
    // already closed
  }
}

function openFifo(file: string, flags: number, what: string): number {
  try {
    return fs.openSync(file, flags | O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new InvalidArgumentError(`${what}: open ${file}: ${code}${code === 'ENOENT' ? ' (the client must create it before Create/Exec)' : ''}`, { cause: err });
  }
}

export interface TerminalIO extends ProcessIO {
  /** TIOCSWINSZ on the master (ResizePty, process.consoleSize); remembered until the master arrives. */
  resize(width: number, height: number): void;
}

/**
 * The process allocates its pty in its container's devpts (as runc does) and hands the master over
 * during the spawn (fds.console); from then on the master is copied to the stdout FIFO and the stdin
 * FIFO into it. The FIFOs are opened up front, so a missing one fails Create/Exec before the spawn.
 */
class PtyIO implements TerminalIO {
  readonly fds: { stdin: number; stdout: number; stderr: number; console: (master: number) => void };
  private master = -1;
  private masterDup = -1;
  /** our own fd of the master for TIOCSWINSZ: the read stream closes `master` at EOF, and a
   *  ResizePty racing the exit must not hit a closed (or reused) fd number */
  private control = -1;
  private stdoutFd = -1;
  private stdinFd = -1;
  private stdinHold = -1;
  private pendingSize: { width: number; height: number } | undefined;
  private readonly streams: Array<net.Socket> = [];
  private outputDone: Promise<void> = Promise.resolve();
  private sink: net.Socket | undefined;
  private closed = false;

  constructor() {
    this.fds = { stdin: -1, stdout: -1, stderr: -1, console: (master) => this.attach(master) };
  }

  open(req: StdioRequest): void {
    const stdout = stripFifo(req.stdout);
    if (stdout !== '') this.stdoutFd = openFifo(stdout, O_RDWR, 'stdout');
    const stdin = stripFifo(req.stdin);
    if (stdin !== '') {
      this.stdinFd = openFifo(stdin, O_RDONLY, 'stdin');
      this.stdinHold = openFifo(stdin, O_WRONLY, 'stdin');
    }
  }

  private attach(master: number): void {
    if (this.closed || this.master >= 0) {
      closeQuietly(master);
      throw new InvalidArgumentError('terminal: the process handed over a second pty master (or its stdio is closed already)');
    }
    this.master = master;
    this.control = dupFd(master);
    if (this.pendingSize !== undefined) setWinsize(this.control, this.pendingSize.height, this.pendingSize.width);
    const reader = new tty.ReadStream(master);
    this.streams.push(reader);
    this.outputDone = new Promise((resolve) => {
      reader.once('end', () => resolve());
      reader.once('close', () => resolve());
    });
    // EIO once every slave fd is closed: that is the end of the output
    reader.on('error', () => reader.destroy());
    if (this.stdoutFd >= 0) {
      const fd = this.stdoutFd;
      const sink = new net.Socket({ fd, readable: false, writable: true });
      this.stdoutFd = -1;
      sink.on('error', () => sink.destroy());
      this.sink = sink;
      this.streams.push(sink);
      reader.pipe(sink, { end: false });
      void this.endSinkAfterOutput(sink, fd);
    } else {
      reader.resume();
    }
    if (this.stdinFd >= 0) {
      this.masterDup = dupFd(master);
      const writer = new tty.WriteStream(this.masterDup);
      writer.on('error', () => writer.destroy());
      this.streams.push(writer);
      const source = new net.Socket({ fd: this.stdinFd, readable: true, writable: false });
      this.stdinFd = -1;
      source.on('error', () => source.destroy());
      this.streams.push(source);
      source.pipe(writer, { end: false });
    }
  }

  /**
   * Close the stdout FIFO once the master is at EOF (every slave fd closed), everything is written
   * and its reader took every byte: the reader then sees EOF, as with runc's shim. Docker waits for
   * that EOF before it sends Delete, so holding the FIFO until Delete hangs both sides.
   */
  private async endSinkAfterOutput(sink: net.Socket, fd: number): Promise<void> {
    await this.outputDone;
    if (sink.writableLength > 0 && !sink.destroyed) {
      await new Promise<void>((resolve) => {
        sink.once('drain', () => resolve());
        sink.once('close', () => resolve());
      });
    }
    while (!this.closed && !sink.destroyed) {
      let unread: number;
      try {
        unread = bytesUnread(fd);
      } catch {
        return; // close() ends it
      }
      if (unread === 0) {
        sink.destroy();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, UNREAD_POLL_MS).unref());
    }
  }

  resize(width: number, height: number): void {
    if (this.closed) return;
    if (this.control < 0) {
      this.pendingSize = { width, height };
      return;
    }
    setWinsize(this.control, height, width);
  }

  releaseProcessEnds(): void {
    // the shim never holds the slave: the process opened it in its container
  }

  closeStdin(): void {
    // a terminal has no EOF to pass on (runc's shim also keeps it): drop our hold only
    closeQuietly(this.stdinHold);
    this.stdinHold = -1;
  }

  async drain(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    const sink = this.sink;
    const flushed = this.outputDone.then(() => (sink === undefined || sink.destroyed || sink.writableLength === 0
      ? undefined
      : new Promise<void>((resolve) => {
        sink.once('drain', () => resolve());
        sink.once('close', () => resolve());
      })));
    await Promise.race([flushed, timeout]);
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closeStdin();
    for (const s of this.streams) s.destroy();
    // fds no stream took over (the master never arrived, or no stdin to copy)
    for (const fd of [this.stdoutFd, this.stdinFd]) closeQuietly(fd);
    if (this.master >= 0 && this.streams.length === 0) closeQuietly(this.master);
    closeQuietly(this.control);
    this.control = -1;
    this.stdoutFd = -1;
    this.stdinFd = -1;
  }
}

/** Stdio for a process with a terminal: its FIFOs opened now, its pty wired when the process hands
 *  the master over (fds.console). */
export async function openTerminalIO(req: StdioRequest, _ctx: IOContext): Promise<TerminalIO> {
  if (req.stdout.includes('://') && !req.stdout.startsWith('fifo://')) {
    throw new InvalidArgumentError(`stdout ${req.stdout}: a terminal needs a FIFO (log URIs are not supported with terminal=true)`);
  }
  const io = new PtyIO();
  try {
    io.open(req);
  } catch (err) {
    await io.close();
    throw err;
  }
  return Promise.resolve(io);
}
