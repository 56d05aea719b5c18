//! Reads the child's report pipe (native/plan-format.h struct tsr_msg_hdr) as a queue of messages.

import net from 'node:net';

export const MSG = { PID: 1, NEED_IDMAP: 2, READY: 3, ERROR: 4, STARTED: 5, SECCOMP_FD: 6, BEFORE_PIVOT: 7, CONSOLE_FD: 8 } as const;
const HEADER = 48;

export interface ReportMessage {
  readonly type: number;
  readonly value: number;
  readonly step: number;
  readonly syscall: string;
  readonly path: string;
}

/** `next()` resolves with the next message, or null at EOF (the child exec'd or died). */
export class ReportReader {
  private readonly socket: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private readonly queue: (ReportMessage | null)[] = [];
  private waiter: ((m: ReportMessage | null) => void) | null = null;
  private ended = false;

  constructor(fd: number) {
    this.socket = new net.Socket({ fd, readable: true, writable: false });
    this.socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      this.parse();
    });
    const end = () => {
      if (this.ended) return;
      this.ended = true;
      this.push(null);
    };
    this.socket.on('end', end);
    this.socket.on('close', end);
    this.socket.on('error', end);
  }

  private parse(): void {
    while (this.buf.length >= HEADER) {
      const size = this.buf.readUInt32LE(0);
      if (size < HEADER || this.buf.length < size) return;
      const sys = this.buf.subarray(16, 48);
      const nul = sys.indexOf(0);
      const pathBytes = this.buf.subarray(HEADER, size);
      const pnul = pathBytes.indexOf(0);
      this.push({
        type: this.buf.readUInt32LE(4),
        value: this.buf.readInt32LE(8),
        step: this.buf.readInt32LE(12),
        syscall: sys.toString('utf8', 0, nul < 0 ? sys.length : nul),
        path: pathBytes.toString('utf8', 0, pnul < 0 ? pathBytes.length : pnul),
      });
      this.buf = this.buf.subarray(size);
    }
  }

  private push(m: ReportMessage | null): void {
    if (this.waiter !== null) {
      const w = this.waiter;
      this.waiter = null;
      w(m);
    } else {
      this.queue.push(m);
    }
  }

  next(): Promise<ReportMessage | null> {
    if (this.queue.length > 0) {
      const m = this.queue.shift() as ReportMessage | null;
      if (m === null) this.queue.unshift(null); // EOF stays
      return Promise.resolve(m);
    }
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
