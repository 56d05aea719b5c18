//! One accepted ttrpc connection on the server side: validates stream ids, runs unary calls
//! concurrently and writes each response when its handler settles (Go ttrpc's serverConn.run).
//!
//! Protocol violations (an even stream id, a reused or decreasing request id, a message type a
//! client may not send) get an INVALID_ARGUMENT reply where a stream id is known, are logged, and
//! close this connection only. An undecodable Request envelope, a data frame for an unknown
//! stream and an oversized frame are answered on their stream and the connection stays usable.

import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { Request, Response } from '../gen/ttrpc/request';
import { Channel } from './channel';
import { type Frame, type FrameHeader, MESSAGE_TYPE_DATA, MESSAGE_TYPE_REQUEST, MESSAGE_TYPE_RESPONSE, oversizedError } from './frame';
import { metadataFromKeyValues } from './metadata';
import type { CallContext, RawHandler, ServiceRegistry } from './service';
import { Code, statusOf, TtrpcError } from './status';

/** setTimeout's largest delay; longer deadlines are not armed (they are over 24 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface ActiveCall {
  readonly controller: AbortController;
  timer?: NodeJS.Timeout;
}

interface WireStatus {
  readonly code: Code;
  readonly message: string;
}

export class ServerConnection {
  private readonly channel: Channel;
  private readonly calls = new Map<number, ActiveCall>();
  private lastStreamId = 0;
  private draining = false;
  /** Set once the connection is being closed: frames still arriving are ignored. */
  private ending = false;
  private resolveClosed!: () => void;
  /** Resolves once the socket is closed and every call has been aborted or answered. */
  readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));

  constructor(
    socket: Socket,
    private readonly registry: ServiceRegistry,
    private readonly log: Logger,
    maxLength?: number,
  ) {
    this.channel = new Channel(
      socket,
      {
        onFrame: (frame) => this.onFrame(frame),
        onOversized: (header) => this.onOversized(header),
        onClose: (error) => this.onClose(error),
      },
      log,
      maxLength,
    );
  }

  /** Calls still waiting for their handler. */
  get activeCalls(): number {
    return this.calls.size;
  }

  /** Close the connection as soon as no call is in flight (requests already queued still run). */
  drain(): void {
    this.draining = true;
    if (this.calls.size === 0) this.end();
  }

  /** Close now: abort every call's signal and drop the socket. */
  destroy(reason = 'server closed'): void {
    this.abortAll(new TtrpcError(Code.CANCELLED, reason));
    this.channel.destroy();
  }

  private onFrame(frame: Frame): void {
    if (this.ending || !this.acceptStream(frame.streamId, frame.type)) return;
    if (frame.type === MESSAGE_TYPE_REQUEST) this.onRequest(frame);
    else this.onData(frame.streamId);
  }

  /**
   * The checks every frame passes, whole or oversized (its payload skipped): an odd stream id, a
   * request or data type, and for a request a stream id above the last one (which it then takes).
   * A violation closes the connection; false means the frame is done with.
   */
  private acceptStream(streamId: number, type: number): boolean {
    if (streamId % 2 !== 1) {
      this.violation(streamId, 'StreamID must be odd for client initiated streams');
      return false;
    }
    switch (type) {
      case MESSAGE_TYPE_REQUEST:
        if (streamId <= this.lastStreamId) {
          this.violation(streamId, `StreamID ${streamId} cannot be re-used and must increment (last was ${this.lastStreamId})`);
          return false;
        }
        this.lastStreamId = streamId;
        return true;
      case MESSAGE_TYPE_DATA:
        return true;
      case MESSAGE_TYPE_RESPONSE:
        this.violation(streamId, 'a client may not send response messages');
        return false;
      default:
        this.violation(undefined, `unknown message type 0x${type.toString(16)} on stream ${streamId}`);
        return false;
    }
  }

  private onRequest(frame: Frame): void {
    const id = frame.streamId;
    let request: Request;
    try {
      request = Request.decode(frame.payload);
    } catch (err) {
      this.sendStatus(id, { code: Code.INVALID_ARGUMENT, message: `unmarshal request error: ${(err as Error).message}` });
      return;
    }
    const found = this.registry.lookup(request.service, request.method);
    if (found.kind === 'unimplemented') {
      this.sendStatus(id, { code: Code.UNIMPLEMENTED, message: found.message });
      return;
    }
    this.startCall(id, request, found.handler);
  }

  private onData(streamId: number): void {
    const call = this.calls.get(streamId);
    if (!call) {
      this.sendStatus(streamId, { code: Code.INVALID_ARGUMENT, message: 'StreamID is no longer active' });
      return;
    }
    const error = new TtrpcError(Code.INVALID_ARGUMENT, `data message on unary stream ${streamId}`);
    this.finishCall(streamId, call, statusOf(error));
    call.controller.abort(error);
  }

  /** A frame over the size limit (payload skipped): checked like a whole one; a request is
   * answered RESOURCE_EXHAUSTED (its stream id is used up), data as on a whole frame. */
  private onOversized(header: FrameHeader): void {
    if (this.ending || !this.acceptStream(header.streamId, header.type)) return;
    this.log.warn({ streamId: header.streamId, length: header.length }, 'ttrpc: oversized message discarded');
    if (header.type === MESSAGE_TYPE_REQUEST) this.sendStatus(header.streamId, statusOf(oversizedError(header.length, this.channel.maxLength)));
    else this.onData(header.streamId);
  }

  private startCall(id: number, request: Request, handler: RawHandler): void {
    const { service, method, timeoutNano } = request;
    const call: ActiveCall = { controller: new AbortController() };
    this.calls.set(id, call);
    if (timeoutNano !== 0n) {
      const ms = timeoutNano <= 0n ? 0 : Number((timeoutNano + 999_999n) / 1_000_000n);
      const expire = (): void => {
        const error = new TtrpcError(Code.DEADLINE_EXCEEDED, `${service}/${method}: deadline exceeded (timeout ${ms} ms)`);
        this.finishCall(id, call, statusOf(error));
        call.controller.abort(error);
      };
      if (ms === 0) {
        expire();
        return;
      }
      if (ms <= MAX_TIMER_MS) call.timer = setTimeout(expire, ms);
    }
    const ctx: CallContext = { signal: call.controller.signal, metadata: metadataFromKeyValues(request.metadata), service, method, timeoutNano };
    let result: Promise<Uint8Array>;
    try {
      result = handler(request.payload, ctx);
    } catch (err) {
      result = Promise.reject(err);
    }
    result
      .then(
        (payload) => {
          if (payload instanceof Uint8Array) this.finishCall(id, call, undefined, payload);
          else this.finishCall(id, call, { code: Code.INTERNAL, message: `${service}/${method}: handler returned ${typeof payload}, not bytes` });
        },
        (err: unknown) => {
          if (this.calls.get(id) === call) this.log.debug({ err, service, method }, 'ttrpc: handler failed');
          this.finishCall(id, call, statusOf(err));
        },
      )
      .catch((err: unknown) => this.log.error({ err, service, method }, 'ttrpc: failed to send a response'));
  }

  /** Answer a call once; later results (after a deadline or disconnect) are dropped. */
  private finishCall(id: number, call: ActiveCall, status: WireStatus | undefined, payload?: Uint8Array): void {
    if (this.calls.get(id) !== call) return;
    this.calls.delete(id);
    clearTimeout(call.timer);
    this.sendResponse(id, status, payload);
    if (this.draining && this.calls.size === 0) this.end();
  }

  private sendStatus(id: number, status: WireStatus): void {
    this.sendResponse(id, status, undefined);
  }

  private sendResponse(id: number, status: WireStatus | undefined, payload: Uint8Array | undefined): void {
    const encode = (st: WireStatus | undefined, p: Uint8Array | undefined): Uint8Array =>
      Response.encode({
        status: st && st.code !== Code.OK ? { code: st.code, message: st.message, details: [] } : undefined,
        payload: p ? Buffer.from(p.buffer, p.byteOffset, p.byteLength) : Buffer.alloc(0),
      }).finish();
    let bytes = encode(status, payload);
    if (bytes.length > this.channel.maxLength) {
      this.log.error({ streamId: id, length: bytes.length }, 'ttrpc: response too large, sending RESOURCE_EXHAUSTED');
      bytes = encode(statusOf(oversizedError(bytes.length, this.channel.maxLength)), undefined);
    }
    this.channel.send(id, MESSAGE_TYPE_RESPONSE, 0, bytes);
  }

  private violation(streamId: number | undefined, message: string): void {
    this.log.warn({ streamId }, `ttrpc: protocol violation, closing connection: ${message}`);
    if (streamId !== undefined) this.sendStatus(streamId, { code: Code.INVALID_ARGUMENT, message });
    this.abortAll(new TtrpcError(Code.CANCELLED, `connection closed after a protocol violation: ${message}`));
    this.end();
  }

  private end(): void {
    this.ending = true;
    this.channel.end();
  }

  private abortAll(reason: TtrpcError): void {
    const calls = [...this.calls.values()];
    this.calls.clear();
    for (const call of calls) {
      clearTimeout(call.timer);
      call.controller.abort(reason);
    }
  }

  private onClose(error: Error | undefined): void {
    if (error && !isDisconnect(error)) this.log.warn({ err: error }, 'ttrpc: connection failed');
    this.abortAll(new TtrpcError(Code.CANCELLED, 'client disconnected'));
    this.resolveClosed();
  }
}

function isDisconnect(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}
