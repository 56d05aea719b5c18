// Shared test fixtures: a service definition in ts-proto's generic-definitions shape using the
// generated ttrpc envelope types as payloads, and temp-dir unix socket helpers.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Server } from '../../../src/ttrpc';
import { KeyValue, Request, Response, StringList } from '../../../src/gen/ttrpc/request';
import { type Decoded, encodeFrame, FrameDecoder, MESSAGE_TYPE_REQUEST, MESSAGE_TYPE_RESPONSE } from '../../../src/ttrpc/frame';

export const EchoDefinition = {
  name: 'Echo',
  fullName: 'test.ttrpc.v1.Echo',
  methods: {
    echo: { name: 'Echo', requestType: KeyValue, requestStream: false, responseType: KeyValue, responseStream: false, options: {} },
    list: { name: 'List', requestType: Request, requestStream: false, responseType: StringList, responseStream: false, options: {} },
    watch: { name: 'Watch', requestType: KeyValue, requestStream: false, responseType: KeyValue, responseStream: true, options: {} },
  },
} as const;

/** A temp dir that is removed by the returned cleanup. */
export function tempDir(): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttrpc-test-'));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Tracks servers and clients made by a test so afterEach can close them all. */
export class Rig {
  private readonly tmp = tempDir();
  private readonly servers: Server[] = [];
  private readonly clients: Client[] = [];
  private readonly peers: RawPeer[] = [];
  private n = 0;

  socketPath(): string {
    return path.join(this.tmp.dir, `s${this.n++}.sock`);
  }

  async server(setup: (s: Server) => void, options: ConstructorParameters<typeof Server>[0] = {}): Promise<{ server: Server; path: string }> {
    const server = new Server(options);
    setup(server);
    const p = this.socketPath();
    await server.listen(p);
    this.servers.push(server);
    return { server, path: p };
  }

  client(p: string): Client {
    const c = new Client(p);
    this.clients.push(c);
    return c;
  }

  async peer(p: string): Promise<RawPeer> {
    const peer = await RawPeer.connect(p);
    this.peers.push(peer);
    return peer;
  }

  async dispose(): Promise<void> {
    for (const p of this.peers) p.destroy();
    await Promise.all(this.clients.map((c) => c.close()));
    await Promise.all(this.servers.map((s) => s.close({ graceMs: 0 })));
    this.tmp.remove();
  }
}

/** A hand-driven ttrpc peer over a real socket: writes arbitrary bytes, reads decoded frames. */
export class RawPeer {
  private readonly decoder = new FrameDecoder();
  private readonly queue: Decoded[] = [];
  private waiters: ((d: Decoded | undefined) => void)[] = [];
  private ended = false;
  readonly closed: Promise<void>;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const d of this.decoder.write(chunk)) this.push(d);
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.ended = true;
        for (const w of this.waiters) w(undefined);
        this.waiters = [];
        resolve();
      }),
    );
  }

  static connect(p: string): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ path: p }, () => resolve(new RawPeer(socket)));
      socket.once('error', reject);
    });
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  send(streamId: number, type: number, flags: number, payload: Uint8Array, max?: number): void {
    this.write(encodeFrame(streamId, type, flags, payload, max));
  }

  request(streamId: number, req: Partial<Request>): void {
    const full: Request = { service: '', method: '', payload: Buffer.alloc(0), timeoutNano: 0n, metadata: [], ...req };
    this.send(streamId, MESSAGE_TYPE_REQUEST, 0, Request.encode(full).finish());
  }

  /** The next decoded item, or undefined once the connection is closed. */
  next(): Promise<Decoded | undefined> {
    const d = this.queue.shift();
    if (d) return Promise.resolve(d);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The next frame, decoded as a ttrpc Response. */
  async response(): Promise<{ streamId: number; code: number; message: string; payload: Buffer }> {
    const d = await this.next();
    if (!d || d.kind !== 'frame') throw new Error(`expected a response frame, got ${d ? d.kind : 'end of connection'}`);
    expect(d.frame.type).toBe(MESSAGE_TYPE_RESPONSE);
    const r = Response.decode(d.frame.payload);
    return { streamId: d.frame.streamId, code: r.status?.code ?? 0, message: r.status?.message ?? '', payload: r.payload };
  }

  destroy(): void {
    this.socket.destroy();
  }

  private push(d: Decoded): void {
    const w = this.waiters.shift();
    if (w) w(d);
    else this.queue.push(d);
  }
}

/** A promise with its resolve function, for ordering handlers without timers. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Resolves when the signal aborts, with its reason. */
export function aborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));
}
