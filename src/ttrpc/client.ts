//! The ttrpc client: unary calls multiplexed over one connection, odd stream ids 1, 3, 5, …
//! (Go ttrpc's client.go without streams). It does not reconnect; a caller that needs that makes a
//! new Client after ConnectionClosedError.

import net from 'node:net';
import type { Logger } from 'pino';
import { silentLogger } from './silent-logger';
import { Request, Response } from '../gen/ttrpc/request';
import { Channel } from './channel';
import { type Frame, type FrameHeader, MESSAGE_TYPE_REQUEST, MESSAGE_TYPE_RESPONSE, oversizedError } from './frame';
import { type MetadataInit, metadataToKeyValues } from './metadata';
import type { RequestOf, ResponseOf, ServiceDefinition, UnaryMethodKeys } from './service';
import { Code, TtrpcError } from './status';

/** The connection is gone (or never came up); every pending and later call fails with this. */
export class ConnectionClosedError extends TtrpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(Code.UNAVAILABLE, message, options);
  }
}

export interface ClientOptions {
  /** Defaults to a silent logger. */
  readonly logger?: Logger;
  /** Payload limit in bytes; defaults to 4 MiB as Go ttrpc. */
  readonly maxMessageLength?: number;
}

export interface CallOptions {
  readonly metadata?: MetadataInit;
  /** Sent as timeout_nano; the call also fails locally with DEADLINE_EXCEEDED when it passes. */
  readonly timeoutMs?: number;
  /** Aborting fails the call with CANCELLED (the server is not told, as in Go ttrpc). */
  readonly signal?: AbortSignal;
}

/** Typed methods for one service definition, keyed like the definition. */
export type ServiceClient<D extends ServiceDefinition> = {
  readonly [K in UnaryMethodKeys<D>]: (request: RequestOf<D['methods'][K]>, options?: CallOptions) => Promise<ResponseOf<D['methods'][K]>>;
};

interface Pending {
  readonly what: string;
  readonly resolve: (payload: Uint8Array) => void;
  readonly reject: (err: Error) => void;
  cleanup(): void;
}

const MAX_STREAM_ID = 0xffffffff;

export class Client {
  private readonly channel: Channel;
  private readonly log: Logger;
  private readonly pending = new Map<number, Pending>();
  private nextStreamId = 1;
  private closedError: ConnectionClosedError | undefined;
  private resolveClosed!: () => void;
  /** Resolves when the connection is closed, for whatever reason. */
  readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));

  constructor(target: string | net.Socket, options: ClientOptions = {}) {
    this.log = options.logger ?? silentLogger();
    const socket = typeof target === 'string' ? net.createConnection({ path: target }) : target;
    const where = typeof target === 'string' ? target : 'socket';
    this.channel = new Channel(
      socket,
      {
        onFrame: (frame) => this.onFrame(frame),
        onOversized: (header) => this.onOversized(header),
        onClose: (error) => this.onClose(where, error),
      },
      this.log,
      options.maxMessageLength,
    );
  }

  /** Call `service`/`method` with an encoded request; resolves with the encoded response. */
  call(service: string, method: string, payload: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    const what = `${service}/${method}`;
    if (this.closedError) return Promise.reject(new ConnectionClosedError(`${what}: ${this.closedError.message}`, { cause: this.closedError }));
    if (options.signal?.aborted) return Promise.reject(new TtrpcError(Code.CANCELLED, `${what}: cancelled before it was sent`));
    if (this.nextStreamId > MAX_STREAM_ID) return Promise.reject(new ConnectionClosedError(`${what}: stream ids exhausted; use a new client`));
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const timeoutNano = options.timeoutMs !== undefined ? BigInt(Math.max(1, Math.ceil(options.timeoutMs * 1e6))) : 0n;
    const request = Request.encode({
      service,
      method,
      payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
      timeoutNano,
      metadata: metadataToKeyValues(options.metadata),
    }).finish();
    return new Promise<Uint8Array>((resolve, reject) => {
      try {
        this.channel.send(id, MESSAGE_TYPE_REQUEST, 0, request);
      } catch (err) {
        reject(err);
        return;
      }
      this.track(id, what, options, resolve, reject);
    });
  }

  /** Typed methods for a ts-proto generic service definition. */
  service<D extends ServiceDefinition>(definition: D): ServiceClient<D> {
    const methods: Record<string, (request: unknown, options?: CallOptions) => Promise<unknown>> = {};
    for (const [key, def] of Object.entries(definition.methods)) {
      if (def.requestStream || def.responseStream) continue;
      methods[key] = async (request, options) => {
        const bytes = await this.call(definition.fullName, def.name, def.requestType.encode(request).finish(), options);
        return def.responseType.decode(bytes);
      };
    }
    return methods as ServiceClient<D>;
  }

  /** Close the connection; pending calls fail with ConnectionClosedError. */
  close(): Promise<void> {
    this.failAll(new ConnectionClosedError('ttrpc client closed'));
    this.channel.end();
    return this.closed;
  }

  private track(id: number, what: string, options: CallOptions, resolve: (p: Uint8Array) => void, reject: (e: Error) => void): void {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => this.settle(id, new TtrpcError(Code.CANCELLED, `${what}: cancelled`, { cause: options.signal?.reason }));
    const entry: Pending = {
      what,
      resolve,
      reject,
      cleanup: () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      },
    };
    this.pending.set(id, entry);
    if (options.timeoutMs !== undefined) {
      const ms = Math.min(Math.max(0, options.timeoutMs), 2 ** 31 - 1);
      timer = setTimeout(() => this.settle(id, new TtrpcError(Code.DEADLINE_EXCEEDED, `${what}: deadline exceeded (timeout ${options.timeoutMs} ms)`)), ms);
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
  }

  private settle(id: number, result: Uint8Array | Error): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    entry.cleanup();
    if (result instanceof Error) entry.reject(result);
    else entry.resolve(result);
  }

  private onFrame(frame: Frame): void {
    if (frame.type !== MESSAGE_TYPE_RESPONSE) {
      this.log.debug({ streamId: frame.streamId, type: frame.type }, 'ttrpc: ignoring non-response message');
      return;
    }
    const entry = this.pending.get(frame.streamId);
    if (!entry) {
      this.log.debug({ streamId: frame.streamId }, 'ttrpc: response for no pending call');
      return;
    }
    let response: Response;
    try {
      response = Response.decode(frame.payload);
    } catch (err) {
      this.settle(frame.streamId, new TtrpcError(Code.INTERNAL, `${entry.what}: undecodable response: ${(err as Error).message}`, { cause: err }));
      return;
    }
    const status = response.status;
    if (status && status.code !== Code.OK) this.settle(frame.streamId, new TtrpcError(status.code as Code, status.message));
    else this.settle(frame.streamId, response.payload);
  }

  private onOversized(header: FrameHeader): void {
    const entry = this.pending.get(header.streamId);
    if (entry) this.settle(header.streamId, oversizedError(header.length, this.channel.maxLength));
  }

  private onClose(where: string, error: Error | undefined): void {
    const detail = error ? `: ${error.message}` : '';
    this.failAll(new ConnectionClosedError(`ttrpc connection to ${where} closed${detail}`, { cause: error }));
    this.resolveClosed();
  }

  private failAll(error: ConnectionClosedError): void {
    this.closedError ??= error;
    const ids = [...this.pending.keys()];
    for (const id of ids) {
      const what = this.pending.get(id)!.what;
      this.settle(id, new ConnectionClosedError(`${what}: ${this.closedError.message}`, { cause: this.closedError.cause }));
    }
  }
}
