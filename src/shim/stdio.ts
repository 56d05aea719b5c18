//! Container stdio for the shim (shim-contract.md §6.3–6.4). The process gets fresh pipes (or
//! /dev/null, or a file); the shim copies between them and containerd's FIFOs through net.Socket
//! (libuv epoll, never the threadpool). FIFOs are opened non-blocking so an open never waits for
//! the peer: stdout/stderr O_RDWR (the shim also holds a read end, so nothing is lost and no EPIPE
//! when the client detaches), stdin O_RDONLY plus a held O_WRONLY end that CloseIO drops.

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { InvalidArgumentError } from '../errors';
import { O_CLOEXEC, bytesUnread, pipe2 } from '../linux';
import { startLogDriver, type LogDriver } from './log-driver';
import { openTerminalIO } from './pty-io';
import type { IOContext, OpenIO, ProcessIO, StdioRequest } from './ports';

const { O_RDONLY, O_WRONLY, O_RDWR, O_NONBLOCK, O_APPEND, O_CREAT } = fs.constants;

/** How often a finished output FIFO is checked for bytes its reader has not taken yet. */
const UNREAD_POLL_MS = 50;

export type StdioMode =
  | { readonly kind: 'null' }
  | { readonly kind: 'fifo'; readonly stdin: string; readonly stdout: string; readonly stderr: string }
  | { readonly kind: 'file'; readonly stdin: string; readonly path: string }
  | { readonly kind: 'binary'; readonly stdin: string; readonly path: string; readonly args: readonly string[] };

function stripFifo(p: string): string {
  return p.startsWith('fifo://') ? p.slice('fifo://'.length) : p;
}

/** Decide how to plumb a process's stdio from the request strings (stdout's scheme decides). */
export function stdioMode(req: StdioRequest): StdioMode {
  if (req.stdin === '' && req.stdout === '' && req.stderr === '') return { kind: 'null' };
  const stdin = stripFifo(req.stdin);
  if (req.stdout.includes('://') && !req.stdout.startsWith('fifo://')) {
    let url: URL;
    try {
      url = new URL(req.stdout);
    } catch {
      throw new InvalidArgumentError(`stdout ${JSON.stringify(req.stdout)}: not a valid URI`);
    }
    const file = decodeURIComponent(url.pathname);
    if (!file.startsWith('/')) throw new InvalidArgumentError(`stdout ${req.stdout}: the path must be absolute`);
    if (url.protocol === 'file:') return { kind: 'file', stdin, path: file };
    if (url.protocol === 'binary:') {
      const args: string[] = [];
      const seen = new Set<string>();
      for (const [k, v] of url.searchParams) {
        if (seen.has(k)) continue;
        seen.add(k);
        args.push(k, v);
      }
      return { kind: 'binary', stdin, path: file, args };
    }
    throw new InvalidArgumentError(`stdout ${req.stdout}: unsupported scheme ${url.protocol.slice(0, -1)}; use a FIFO path, file:// or binary://`);
  }
  return { kind: 'fifo', stdin, stdout: stripFifo(req.stdout), stderr: stripFifo(req.stderr) };
}

function openOrExplain(file: string, flags: number, what: string, mode?: number): number {
  try {
    return fs.openSync(file, flags | O_NONBLOCK, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new InvalidArgumentError(`${what}: open ${file}: ${code}${code === 'ENOENT' ? ' (the client must create it before Create/Exec)' : ''}`, { cause: err });
  }
}

/** Everything opened for one process; `close` undoes it in any state. */
class PipedIO implements ProcessIO {
  readonly fds = { stdin: -1, stdout: -1, stderr: -1 };
  /** fds the process inherits; the shim closes its copies once the process holds them. */
  readonly processEnds: number[] = [];
  readonly sockets: net.Socket[] = [];
  /** Resolve when each output copy has seen EOF from the process side. */
  readonly outputsDone: Array<Promise<void>> = [];
  readonly outputSinks: net.Socket[] = [];
  stdinHold = -1;
  driver: LogDriver | undefined;
  private closed = false;

  releaseProcessEnds(): void {
    for (const fd of this.processEnds.splice(0)) closeQuietly(fd);
  }

  closeStdin(): void {
    if (this.stdinHold >= 0) {
      closeQuietly(this.stdinHold);
      this.stdinHold = -1;
    }
  }

  async drain(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    const flushed = Promise.all(this.outputsDone).then(() => Promise.all(this.outputSinks.map(waitFlushed)));
    await Promise.race([flushed, timeout]);
    clearTimeout(timer);
  }

  /**
   * Close an output FIFO once every process-side pipe feeding it is at EOF, everything is written
   * and no byte waits in the FIFO: its reader then sees EOF, as with runc's shim. containerd
   * (1.7's CRI) waits for that EOF before it sends Delete, so holding the FIFO until Delete would
   * hang both sides. While bytes wait (a client not attached yet), the FIFO stays open so nothing
   * is lost; Delete's close ends it at the latest.
   */
  async endSinkAfter(sink: net.Socket, fd: number, sources: ReadonlyArray<Promise<void>>): Promise<void> {
    await Promise.all(sources);
    await waitFlushed(sink);
    while (!this.closed && !sink.destroyed) {
      let unread: number;
      try {
        unread = bytesUnread(fd);
      } catch {
        return; // not ours to judge: close() ends it
      }
      if (unread === 0) {
        sink.destroy();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, UNREAD_POLL_MS).unref());
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.releaseProcessEnds();
    this.closeStdin();
    for (const s of this.sockets) s.destroy();
    await this.driver?.stop();
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
}

function waitFlushed(sink: net.Socket): Promise<void> {
  if (sink.destroyed || sink.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => {
    sink.once('drain', () => resolve());
    sink.once('close', () => resolve());
  });
}

function devNull(io: PipedIO, which: 'stdin' | 'stdout' | 'stderr'): void {
  const fd = fs.openSync('/dev/null', which === 'stdin' ? O_RDONLY : O_WRONLY);
  io.fds[which] = fd;
  io.processEnds.push(fd);
}

function chownPipe(fd: number, ctx: IOContext): void {
  if (ctx.ioUid !== undefined || ctx.ioGid !== undefined) fs.fchownSync(fd, ctx.ioUid ?? 0, ctx.ioGid ?? 0);
}

/**
 * A pipe whose write end goes to the process and whose read end the shim reads as a socket;
 * `done` resolves at EOF (every copy of the write end closed) or when the socket closes.
 */
function outputPipe(io: PipedIO, which: 'stdout' | 'stderr', ctx: IOContext): { source: net.Socket; done: Promise<void> } {
  const [r, w] = pipe2(O_CLOEXEC);
  io.fds[which] = w;
  io.processEnds.push(w);
  chownPipe(w, ctx);
  const source = new net.Socket({ fd: r, readable: true, writable: false });
  io.sockets.push(source);
  const done = new Promise<void>((resolve) => {
    source.once('end', () => resolve());
    source.once('close', () => resolve());
  });
  io.outputsDone.push(done);
  source.on('error', () => source.destroy());
  return { source, done };
}

function wireStdin(io: PipedIO, fifo: string, ctx: IOContext): void {
  if (fifo === '') {
    devNull(io, 'stdin');
    return;
  }
  const [r, w] = pipe2(O_CLOEXEC);
  io.fds.stdin = r;
  io.processEnds.push(r);
  chownPipe(r, ctx);
  const sink = new net.Socket({ fd: w, readable: false, writable: true });
  io.sockets.push(sink);
  sink.on('error', () => sink.destroy());
  const readFd = openOrExplain(fifo, O_RDONLY, 'stdin');
  const source = new net.Socket({ fd: readFd, readable: true, writable: false });
  io.sockets.push(source);
  source.on('error', () => source.destroy());
  // The held writer keeps the reader from seeing EOF while the client (re)connects.
  io.stdinHold = openOrExplain(fifo, O_WRONLY, 'stdin');
  source.pipe(sink);
}

async function openFifoIO(io: PipedIO, mode: Extract<StdioMode, { kind: 'fifo' }>, ctx: IOContext): Promise<void> {
  wireStdin(io, mode.stdin, ctx);
  // stdout and stderr may name the same FIFO: one sink, fed by both pipes.
  const sinks = new Map<string, { sink: net.Socket; fd: number; sources: Array<Promise<void>> }>();
  for (const which of ['stdout', 'stderr'] as const) {
    const fifo = mode[which];
    if (fifo === '') {
      devNull(io, which);
      continue;
    }
    let entry = sinks.get(fifo);
    if (entry === undefined) {
      const fd = openOrExplain(fifo, O_RDWR, which);
      const sink = new net.Socket({ fd, readable: false, writable: true });
      sink.on('error', () => sink.destroy());
      entry = { sink, fd, sources: [] };
      sinks.set(fifo, entry);
      io.sockets.push(sink);
      io.outputSinks.push(sink);
    }
    const { source, done } = outputPipe(io, which, ctx);
    source.pipe(entry.sink, { end: false });
    entry.sources.push(done);
  }
  for (const { sink, fd, sources } of sinks.values()) void io.endSinkAfter(sink, fd, sources);
}

function openFileIO(io: PipedIO, mode: Extract<StdioMode, { kind: 'file' }>, ctx: IOContext): void {
  wireStdin(io, mode.stdin, ctx);
  fs.mkdirSync(path.dirname(mode.path), { recursive: true, mode: 0o755 });
  let fd: number;
  try {
    fd = fs.openSync(mode.path, O_WRONLY | O_APPEND | O_CREAT, 0o644);
  } catch (err) {
    throw new InvalidArgumentError(`stdout file://${mode.path}: ${(err as NodeJS.ErrnoException).code ?? 'open failed'}`, { cause: err });
  }
  io.fds.stdout = fd;
  io.fds.stderr = fd;
  io.processEnds.push(fd);
}

async function openBinaryIO(io: PipedIO, mode: Extract<StdioMode, { kind: 'binary' }>, ctx: IOContext): Promise<void> {
  wireStdin(io, mode.stdin, ctx);
  const out = pipe2(O_CLOEXEC);
  const err = pipe2(O_CLOEXEC);
  io.fds.stdout = out[1];
  io.fds.stderr = err[1];
  io.processEnds.push(out[1], err[1]);
  try {
    io.driver = await startLogDriver({ path: mode.path, args: mode.args, id: ctx.id, namespace: ctx.namespace, stdoutFd: out[0], stderrFd: err[0] });
  } finally {
    closeQuietly(out[0]);
    closeQuietly(err[0]);
  }
}

/** Open the stdio of one process. On failure everything opened so far is closed. */
export const openProcessIO: OpenIO = async (req, ctx) => {
  if (req.terminal) return openTerminalIO(req, ctx);
  const mode = stdioMode(req);
  const io = new PipedIO();
  try {
    switch (mode.kind) {
      case 'null':
        devNull(io, 'stdin');
        devNull(io, 'stdout');
        devNull(io, 'stderr');
        break;
      case 'fifo':
        await openFifoIO(io, mode, ctx);
        break;
      case 'file':
        openFileIO(io, mode, ctx);
        break;
      case 'binary':
        await openBinaryIO(io, mode, ctx);
        break;
    }
  } catch (err) {
    await io.close();
    throw err;
  }
  return io;
};
