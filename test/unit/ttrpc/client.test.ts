// The client against hand-driven servers (to see exactly what it sends) and against our Server.
import net from 'node:net';
import { Request, Response } from '../../../src/gen/ttrpc/request';
import { Client, Code, ConnectionClosedError, encodeFrame, FrameDecoder, type Frame, MESSAGE_LENGTH_MAX, MESSAGE_TYPE_REQUEST, MESSAGE_TYPE_RESPONSE, TtrpcError } from '../../../src/ttrpc';
import { deferred, EchoDefinition, Rig } from './fixtures';

jest.setTimeout(15_000);

let rig: Rig;
beforeEach(() => (rig = new Rig()));
afterEach(() => rig.dispose());

/** A raw server that records every frame and lets the test answer by hand. */
class RawServer {
  readonly frames: Frame[] = [];
  readonly sockets: net.Socket[] = [];
  private waiters: (() => void)[] = [];
  private readonly server = net.createServer((socket) => {
    this.sockets.push(socket);
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const d of decoder.write(chunk)) if (d.kind === 'frame') this.frames.push(d.frame);
      for (const w of this.waiters.splice(0)) w();
    });
  });

  listen(p: string): Promise<void> {
    return new Promise((resolve) => this.server.listen(p, resolve));
  }

  async frameCount(n: number): Promise<Frame[]> {
    while (this.frames.length < n) await new Promise<void>((r) => this.waiters.push(r));
    return this.frames;
  }

  reply(streamId: number, response: Partial<Response>, type = MESSAGE_TYPE_RESPONSE): void {
    const payload = Response.encode({ status: undefined, payload: Buffer.alloc(0), ...response }).finish();
    this.sockets[0]!.write(encodeFrame(streamId, type, 0, payload));
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function rawServer(): Promise<{ raw: RawServer; path: string }> {
  const raw = new RawServer();
  const path = rig.socketPath();
  await raw.listen(path);
  servers.push(raw);
  return { raw, path };
}
const servers: RawServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function failure(p: Promise<unknown>): Promise<TtrpcError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(TtrpcError);
    return err as TtrpcError;
  }
  throw new Error('expected the call to fail');
}

describe('Client wire behaviour', () => {
  test('requests use odd stream ids 1, 3, 5… and carry service, method, payload, metadata and timeout', async () => {
    const { raw, path } = await rawServer();
    const client = rig.client(path);
    const calls = [
      client.call('s.v1.S', 'A', Buffer.from('one'), { metadata: { 'Containerd-Namespace-Ttrpc': 'default' }, timeoutMs: 5000 }),
      client.call('s.v1.S', 'B', Buffer.from('two')),
      client.call('s.v1.S', 'C', Buffer.from('three')),
    ];
    const frames = await raw.frameCount(3);
    expect(frames.map((f) => [f.streamId, f.type, f.flags])).toEqual([
      [1, MESSAGE_TYPE_REQUEST, 0],
      [3, MESSAGE_TYPE_REQUEST, 0],
      [5, MESSAGE_TYPE_REQUEST, 0],
    ]);
    const first = Request.decode(frames[0]!.payload);
    expect(first).toEqual({
      service: 's.v1.S',
      method: 'A',
      payload: Buffer.from('one'),
      timeoutNano: 5_000_000_000n,
      metadata: [{ key: 'containerd-namespace-ttrpc', value: 'default' }],
    });
    expect(Request.decode(frames[1]!.payload).timeoutNano).toBe(0n);
    raw.reply(5, { payload: Buffer.from('C') });
    raw.reply(1, { payload: Buffer.from('A') });
    raw.reply(3, { status: { code: Code.NOT_FOUND, message: 'container not created', details: [] } });
    await expect(calls[2]).resolves.toEqual(Buffer.from('C'));
    await expect(calls[0]).resolves.toEqual(Buffer.from('A'));
    const err = await failure(calls[1]!);
    expect([err.code, err.message]).toEqual([Code.NOT_FOUND, 'container not created']);
  });

  test('a status with code OK counts as success', async () => {
    const { raw, path } = await rawServer();
    const call = rig.client(path).call('s', 'M', new Uint8Array());
    await raw.frameCount(1);
    raw.reply(1, { status: { code: 0, message: '', details: [] }, payload: Buffer.from('p') });
    await expect(call).resolves.toEqual(Buffer.from('p'));
  });

  test('responses for unknown streams and non-response messages are ignored', async () => {
    const { raw, path } = await rawServer();
    const call = rig.client(path).call('s', 'M', new Uint8Array());
    await raw.frameCount(1);
    raw.reply(99, { payload: Buffer.from('stray') });
    raw.reply(1, { payload: Buffer.from('data?') }, 0x3);
    raw.reply(1, { payload: Buffer.from('real') });
    await expect(call).resolves.toEqual(Buffer.from('real'));
  });

  test('an oversized request is refused locally with RESOURCE_EXHAUSTED and the client stays usable', async () => {
    const { path } = await rig.server((s) => s.registerRaw('p', 'Echo', async (b) => b));
    const client = rig.client(path);
    expect((await failure(client.call('p', 'Echo', new Uint8Array(MESSAGE_LENGTH_MAX + 1)))).code).toBe(Code.RESOURCE_EXHAUSTED);
    await expect(client.call('p', 'Echo', Buffer.from('fine'))).resolves.toEqual(Buffer.from('fine'));
  });
});

describe('Client failures', () => {
  test('disconnect fails every pending call with ConnectionClosedError (UNAVAILABLE), and later calls too', async () => {
    const { raw, path } = await rawServer();
    const client = rig.client(path);
    const pending = [client.call('s', 'Wait', new Uint8Array()), client.call('s', 'Wait', new Uint8Array())].map(failure);
    await raw.frameCount(2);
    raw.sockets[0]!.destroy();
    for (const err of await Promise.all(pending)) {
      expect(err).toBeInstanceOf(ConnectionClosedError);
      expect(err.code).toBe(Code.UNAVAILABLE);
      expect(err.message).toMatch(/s\/Wait: .*closed/);
    }
    await client.closed;
    expect((await failure(client.call('s', 'Later', new Uint8Array()))).code).toBe(Code.UNAVAILABLE);
  });

  test('a socket path with no server fails with UNAVAILABLE naming the path', async () => {
    const path = rig.socketPath();
    const err = await failure(rig.client(path).call('s', 'M', new Uint8Array()));
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect(err.message).toContain(path);
    expect(err.message).toContain('ENOENT');
  });

  test('timeoutMs fails the call locally with DEADLINE_EXCEEDED; a late answer is ignored', async () => {
    const { raw, path } = await rawServer();
    const client = rig.client(path);
    const err = await failure(client.call('s', 'Hang', new Uint8Array(), { timeoutMs: 10 }));
    expect(err.code).toBe(Code.DEADLINE_EXCEEDED);
    raw.reply(1, { payload: Buffer.from('late') });
    const next = client.call('s', 'Next', new Uint8Array());
    await raw.frameCount(2);
    raw.reply(3, { payload: Buffer.from('next') });
    await expect(next).resolves.toEqual(Buffer.from('next'));
  });

  test('aborting the signal fails the call with CANCELLED', async () => {
    const { raw, path } = await rawServer();
    const client = rig.client(path);
    const controller = new AbortController();
    const call = failure(client.call('s', 'Hang', new Uint8Array(), { signal: controller.signal }));
    await raw.frameCount(1);
    controller.abort();
    expect((await call).code).toBe(Code.CANCELLED);
    expect((await failure(client.call('s', 'X', new Uint8Array(), { signal: controller.signal }))).code).toBe(Code.CANCELLED);
  });

  test('close() fails pending calls and resolves once the socket is closed', async () => {
    const entered = deferred();
    const { path } = await rig.server((s) =>
      s.registerRaw('s', 'Hang', () => {
        entered.resolve();
        return new Promise(() => undefined);
      }),
    );
    const client = new Client(path);
    const call = failure(client.call('s', 'Hang', new Uint8Array()));
    await entered.promise;
    await client.close();
    const err = await call;
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect(err.message).toContain('client closed');
  });

  test('a connected net.Socket can be handed in', async () => {
    const { path } = await rig.server((s) => s.registerRaw('p', 'Echo', async (b) => b));
    const socket = await new Promise<net.Socket>((resolve) => {
      const s = net.createConnection({ path }, () => resolve(s));
    });
    const client = new Client(socket);
    await expect(client.call('p', 'Echo', Buffer.from('sock'))).resolves.toEqual(Buffer.from('sock'));
    await client.close();
  });
});

describe('typed service client', () => {
  test('encodes requests and decodes responses with the definition, and exposes only unary methods', async () => {
    const { path } = await rig.server((s) =>
      s.register(EchoDefinition, {
        echo: async (req, ctx) => ({ key: req.key, value: `${req.value}@${ctx.method}` }),
        list: async (req) => ({ list: req.metadata.map((kv) => `${kv.key}=${kv.value}`) }),
      }),
    );
    const echo = rig.client(path).service(EchoDefinition);
    await expect(echo.echo({ key: 'k', value: 'v' })).resolves.toEqual({ key: 'k', value: 'v@Echo' });
    await expect(echo.list(Request.fromPartial({ metadata: [{ key: 'a', value: 'b' }] }))).resolves.toEqual({ list: ['a=b'] });
    expect(Object.keys(echo).sort()).toEqual(['echo', 'list']);
  });
});
