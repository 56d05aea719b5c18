//! The ttrpc server: a service registry plus the listeners and connections that serve it.

import net from 'node:net';
import type { Logger } from 'pino';
import { silentLogger } from './silent-logger';
import { listeningFd } from './listen-fd';
import { ServerConnection } from './server-connection';
import { type RawHandler, type ServiceDefinition, type ServiceImplementation, ServiceRegistry } from './service';

export interface ServerOptions {
  /** Defaults to a silent logger. */
  readonly logger?: Logger;
  /** Called for every accepted socket before any frame is read (e.g. to check peer credentials). */
  readonly onConnection?: (socket: net.Socket) => void;
  /** Payload limit in bytes; defaults to 4 MiB as Go ttrpc. */
  readonly maxMessageLength?: number;
}

/** Where to listen: a unix socket path, an inherited listening fd, or a caller-made net.Server. */
export type ListenTarget = string | { readonly fd: number } | net.Server;

export interface CloseOptions {
  /** How long in-flight calls may run before their connections are dropped. Default 5000 ms. */
  readonly graceMs?: number;
}

export class Server {
  private readonly registry = new ServiceRegistry();
  private readonly log: Logger;
  private readonly listeners: net.Server[] = [];
  private readonly connections = new Set<ServerConnection>();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: ServerOptions = {}) {
    this.log = options.logger ?? silentLogger();
  }

  /** Connections accepted and not yet closed. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Serve every unary method of a ts-proto generic service definition. */
  register<D extends ServiceDefinition>(definition: D, impl: ServiceImplementation<D>): this {
    this.registry.register(definition, impl);
    return this;
  }

  /** Serve one method over encoded payloads. */
  registerRaw(service: string, method: string, handler: RawHandler): this {
    this.registry.registerRaw(service, method, handler);
    return this;
  }

  /**
   * Start accepting connections. A path or `{fd}` is listened on here; a given net.Server is
   * used as is (listening or not). Resolves with the net.Server once it is listening.
   */
  async listen(target: ListenTarget): Promise<net.Server> {
    if (this.closing) throw new Error('ttrpc: listen() after close()');
    const listener = target instanceof net.Server ? target : net.createServer();
    listener.on('connection', (socket) => this.accept(socket));
    listener.on('error', (err) => this.log.error({ err }, 'ttrpc: listener error'));
    this.listeners.push(listener);
    if (!listener.listening) {
      const options = typeof target === 'string' ? { path: target } : target instanceof net.Server ? undefined : { fd: target.fd };
      if (options) await listenOn(listener, options);
    }
    return listener;
  }

  /** The fd of the first listener (see listeningFd). */
  fd(): number {
    const first = this.listeners[0];
    if (!first) throw new Error('ttrpc: fd() before listen()');
    return listeningFd(first);
  }

  /**
   * Stop accepting, let in-flight calls finish (connections close once idle), and drop whatever
   * is still open after `graceMs`. Resolves when every connection is closed.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.closing ??= this.shutdown(options.graceMs ?? 5000);
    return this.closing;
  }

  private async shutdown(graceMs: number): Promise<void> {
    // net.Server's close callback waits for its connections, so it is awaited last.
    const listenersClosed = Promise.all(this.listeners.map((l) => new Promise<void>((resolve) => (l.listening ? l.close(() => resolve()) : resolve()))));
    for (const conn of this.connections) conn.drain();
    const all = Promise.all([...this.connections].map((c) => c.closed));
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
    const outcome = await Promise.race([all, grace]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      for (const conn of this.connections) conn.destroy(`server closed after a ${graceMs} ms grace period`);
      await all;
    }
    await listenersClosed;
  }

  private accept(socket: net.Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    try {
      this.options.onConnection?.(socket);
    } catch (err) {
      this.log.error({ err }, 'ttrpc: onConnection failed, dropping connection');
      socket.destroy();
      return;
    }
    if (socket.destroyed) return;
    const conn = new ServerConnection(socket, this.registry, this.log, this.options.maxMessageLength);
    this.connections.add(conn);
    void conn.closed.then(() => this.connections.delete(conn));
  }
}

function listenOn(listener: net.Server, options: net.ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    listener.once('error', onError);
    listener.listen(options, () => {
      listener.off('error', onError);
      resolve();
    });
  });
}
