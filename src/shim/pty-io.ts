//! Stdio of a process with a terminal (Create/Exec with terminal=true): a pty whose slave is the
//! process's stdin/stdout/stderr (and controlling terminal, set up by the plan's setCtty op); the
//! shim copies the stdin FIFO into the master and the master into the stdout FIFO (stderr stays
//! empty, as with runc). ResizePty sets the window size on the master.

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tty from 'node:tty';
import { InvalidArgumentError } from '../errors';
import { bytesUnread, closeFd, openpty, setWinsize } from '../linux';
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
  /** TIOCSWINSZ on the master (ResizePty, process.consoleSize). */
  resize(width: number, height: number): void;
  /** The master fd (console socket handoff); owned by this object. */
  readonly master: number;
}

class PtyIO implements TerminalIO {
  readonly fds: { stdin: number; stdout: number; stderr: number; console: string };
  private slave: number;
  private stdinHold = -1;
  private readonly streams: Array<net.Socket> = [];
  private outputDone: Promise<void> = Promise.resolve();
  private sink: net.Socket | undefined;
  private closed = false;

  constructor(
    readonly master: number,
    private readonly masterDup: number,
    slave: number,
    slavePath: string,
  ) {
    this.slave = slave;
    this.fds = { stdin: slave, stdout: slave, stderr: slave, console: slavePath };
  }

  wire(req: StdioRequest): void {
    const stdout = stripFifo(req.stdout);
    const reader = new tty.ReadStream(this.master);
    this.streams.push(reader);
    this.outputDone = new Promise((resolve) => {
      reader.once('end', () => resolve());
      reader.once('close', () => resolve());
    });
    // EIO once every slave fd is closed: that is the end of the output
    reader.on('error', () => reader.destroy());
    if (stdout !== '') {
      const fd = openFifo(stdout, O_RDWR, 'stdout');
      const sink = new net.Socket({ fd, readable: false, writable: true });
      sink.on('error', () => sink.destroy());
      this.sink = sink;
      this.streams.push(sink);
      reader.pipe(sink, { end: false });
      void this.endSinkAfterOutput(sink, fd);
    } else {
      reader.resume();
    }
    const stdin = stripFifo(req.stdin);
    if (stdin !== '') {
      const writer = new tty.WriteStream(this.masterDup);
      writer.on('error', () => writer.destroy());
      this.streams.push(writer);
      const source = new net.Socket({ fd: openFifo(stdin, O_RDONLY, 'stdin'), readable: true, writable: false });
      source.on('error', () => source.destroy());
      this.streams.push(source);
      this.stdinHold = openFifo(stdin, O_WRONLY, 'stdin');
      source.pipe(writer, { end: false });
    } else {
      closeQuietly(this.masterDup);
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
    setWinsize(this.master, height, width);
  }

  releaseProcessEnds(): void {
    closeQuietly(this.slave);
    this.slave = -1;
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
    this.releaseProcessEnds();
    this.closeStdin();
    for (const s of this.streams) s.destroy();
  }
}

/** Open a pty for a process and wire it to the request's FIFOs. */
export async function openTerminalIO(req: StdioRequest, ctx: IOContext): Promise<TerminalIO> {
  if (req.stdout.includes('://') && !req.stdout.startsWith('fifo://')) {
    throw new InvalidArgumentError(`stdout ${req.stdout}: a terminal needs a FIFO (log URIs are not supported with terminal=true)`);
  }
  const pty = openpty(ctx.ptmx);
  const io = new PtyIO(pty.master, pty.masterDup, pty.slave, pty.path);
  try {
    io.wire(req);
  } catch (err) {
    await io.close();
    closeQuietly(pty.masterDup);
    throw err;
  }
  return io;
}
