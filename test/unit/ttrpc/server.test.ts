import { NotFoundError } from '../../../src/errors';
import { KeyValue, Request, StringList } from '../../../src/gen/ttrpc/request';
import { Code, Server, TtrpcError, type CallContext, type RawHandler } from '../../../src/ttrpc';
import { aborted, deferred, EchoDefinition, Rig } from './fixtures';

jest.setTimeout(15_000);

let rig: Rig;
beforeEach(() => (rig = new Rig()));
afterEach(() => rig.dispose());

const echoImpl = {
  echo: async (req: KeyValue) => ({ key: req.key.toUpperCase(), value: req.value }),
  list: async (req: Request) => ({ list: [req.service, req.method] }),
};

async function codeOf(p: Promise<unknown>): Promise<{ code: Code; message: string }> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(TtrpcError);
    return { code: (err as TtrpcError).code, message: (err as TtrpcError).message };
  }
  throw new Error('expected the call to fail');
}

describe('Server dispatch', () => {
  test('typed and raw handlers round-trip through the client', async () => {
    const { path } = await rig.server((s) =>
      s.register(EchoDefinition, echoImpl).registerRaw('raw.v1.Bytes', 'Reverse', async (b) => Uint8Array.from(b).reverse()),
    );
    const client = rig.client(path);
    const echo = client.service(EchoDefinition);
    await expect(echo.echo({ key: 'k', value: 'v' })).resolves.toEqual({ key: 'K', value: 'v' });
    await expect(echo.list(Request.fromPartial({ service: 'a', method: 'b' }))).resolves.toEqual({ list: ['a', 'b'] });
    await expect(client.call('raw.v1.Bytes', 'Reverse', Uint8Array.of(1, 2, 3))).resolves.toEqual(Buffer.from([3, 2, 1]));
    await expect(client.call('raw.v1.Bytes', 'Reverse', new Uint8Array())).resolves.toEqual(Buffer.alloc(0));
  });

  test('unknown service, unknown method, streaming and unimplemented methods answer UNIMPLEMENTED naming them', async () => {
    const { path } = await rig.server((s) => s.register(EchoDefinition, { echo: echoImpl.echo } as typeof echoImpl));
    const client = rig.client(path);
    await expect(codeOf(client.call('no.such.Service', 'Echo', new Uint8Array()))).resolves.toEqual({
      code: Code.UNIMPLEMENTED,
      message: expect.stringContaining('no.such.Service'),
    });
    await expect(codeOf(client.call(EchoDefinition.fullName, 'Nope', new Uint8Array()))).resolves.toEqual({
      code: Code.UNIMPLEMENTED,
      message: expect.stringContaining('Nope'),
    });
    await expect(codeOf(client.call(EchoDefinition.fullName, 'Watch', new Uint8Array()))).resolves.toEqual({
      code: Code.UNIMPLEMENTED,
      message: expect.stringContaining('Watch'),
    });
    await expect(codeOf(client.call(EchoDefinition.fullName, 'List', new Uint8Array()))).resolves.toEqual({
      code: Code.UNIMPLEMENTED,
      message: expect.stringContaining('List'),
    });
    await expect(client.service(EchoDefinition).echo({ key: 'still', value: 'ok' })).resolves.toEqual({ key: 'STILL', value: 'ok' });
  });

  test('handler errors map to status codes: TtrpcError keeps its code, anything else is UNKNOWN', async () => {
    const { path } = await rig.server((s) =>
      s
        .registerRaw('e', 'NotFound', async () => {
          throw new NotFoundError('container `c1` not found');
        })
        .registerRaw('e', 'Typed', async () => {
          throw new TtrpcError(Code.FAILED_PRECONDITION, 'cannot start a stopped process');
        })
        .registerRaw('e', 'Plain', async () => {
          throw new Error('mount `overlay`: EPERM');
        })
        .registerRaw('e', 'String', () => Promise.reject('just a string'))
        .registerRaw('e', 'Sync', () => {
          throw new RangeError('thrown synchronously');
        }),
    );
    const client = rig.client(path);
    const call = (m: string) => codeOf(client.call('e', m, new Uint8Array()));
    await expect(call('NotFound')).resolves.toEqual({ code: Code.NOT_FOUND, message: 'container `c1` not found' });
    await expect(call('Typed')).resolves.toEqual({ code: Code.FAILED_PRECONDITION, message: 'cannot start a stopped process' });
    await expect(call('Plain')).resolves.toEqual({ code: Code.UNKNOWN, message: 'mount `overlay`: EPERM' });
    await expect(call('String')).resolves.toEqual({ code: Code.UNKNOWN, message: 'just a string' });
    await expect(call('Sync')).resolves.toEqual({ code: Code.UNKNOWN, message: 'thrown synchronously' });
  });

  test('a raw handler resolving with something other than bytes answers INTERNAL', async () => {
    const { path } = await rig.server((s) => s.registerRaw('e', 'Bad', (async () => ({ not: 'bytes' })) as unknown as RawHandler));
    await expect(codeOf(rig.client(path).call('e', 'Bad', new Uint8Array()))).resolves.toEqual({
      code: Code.INTERNAL,
      message: 'e/Bad: handler returned object, not bytes',
    });
  });

  test('a typed handler resolving with undefined answers UNKNOWN instead of crashing', async () => {
    const { path } = await rig.server((s) => s.register(EchoDefinition, { ...echoImpl, echo: async () => undefined as unknown as KeyValue }));
    await expect(codeOf(rig.client(path).service(EchoDefinition).echo({ key: '', value: '' }))).resolves.toMatchObject({ code: Code.UNKNOWN });
  });

  test('an undecodable request payload answers INVALID_ARGUMENT', async () => {
    const { path } = await rig.server((s) => s.register(EchoDefinition, echoImpl));
    const client = rig.client(path);
    await expect(codeOf(client.call(EchoDefinition.fullName, 'Echo', Uint8Array.of(0x0a, 0x05, 0x61)))).resolves.toEqual({
      code: Code.INVALID_ARGUMENT,
      message: expect.stringContaining('Echo'),
    });
  });

  test('a response over the size limit becomes RESOURCE_EXHAUSTED and the connection stays usable', async () => {
    const { path } = await rig.server((s) => s.registerRaw('big', 'Get', async (b) => new Uint8Array(b.length === 0 ? (4 << 20) + 1 : 1)));
    const client = rig.client(path);
    await expect(codeOf(client.call('big', 'Get', new Uint8Array()))).resolves.toMatchObject({ code: Code.RESOURCE_EXHAUSTED });
    await expect(client.call('big', 'Get', Uint8Array.of(1))).resolves.toHaveLength(1);
  });

  test('the handler sees metadata, service, method and timeout', async () => {
    let seen: CallContext | undefined;
    const { path } = await rig.server((s) =>
      s.registerRaw('m', 'Get', async (_b, ctx) => {
        seen = ctx;
        return new Uint8Array();
      }),
    );
    await rig.client(path).call('m', 'Get', new Uint8Array(), { metadata: { 'Containerd-Namespace-Ttrpc': 'default', x: ['1', '2'] }, timeoutMs: 60_000 });
    expect(seen?.service).toBe('m');
    expect(seen?.method).toBe('Get');
    expect(seen?.timeoutNano).toBe(60_000_000_000n);
    expect(seen?.metadata).toEqual(
      new Map([
        ['containerd-namespace-ttrpc', ['default']],
        ['x', ['1', '2']],
      ]),
    );
    expect(seen?.signal.aborted).toBe(false);
  });
});

describe('Server concurrency and cancellation', () => {
  test('calls on one connection run concurrently and answer in completion order', async () => {
    const fastDone = deferred();
    const { path } = await rig.server((s) =>
      s
        .registerRaw('c', 'Slow', async () => {
          await fastDone.promise;
          return Buffer.from('slow');
        })
        .registerRaw('c', 'Fast', async () => {
          fastDone.resolve();
          return Buffer.from('fast');
        }),
    );
    const peer = await rig.peer(path);
    peer.request(1, { service: 'c', method: 'Slow' });
    peer.request(3, { service: 'c', method: 'Fast' });
    const first = await peer.response();
    const second = await peer.response();
    expect([first.streamId, first.payload.toString()]).toEqual([3, 'fast']);
    expect([second.streamId, second.payload.toString()]).toEqual([1, 'slow']);
  });

  test('a long call does not block later calls through the client (Wait before Start)', async () => {
    const started = deferred();
    const { path } = await rig.server((s) =>
      s
        .registerRaw('t', 'Wait', async () => {
          await started.promise;
          return Buffer.from('exited');
        })
        .registerRaw('t', 'Start', async () => {
          started.resolve();
          return Buffer.from('started');
        }),
    );
    const client = rig.client(path);
    const wait = client.call('t', 'Wait', new Uint8Array());
    await expect(client.call('t', 'Start', new Uint8Array())).resolves.toEqual(Buffer.from('started'));
    await expect(wait).resolves.toEqual(Buffer.from('exited'));
  });

  test('timeout_nano is honoured: DEADLINE_EXCEEDED is sent and the handler signal aborts', async () => {
    let signal: AbortSignal | undefined;
    const entered = deferred();
    const { path } = await rig.server((s) =>
      s.registerRaw('d', 'Hang', (_b, ctx) => {
        signal = ctx.signal;
        entered.resolve();
        return new Promise(() => undefined);
      }),
    );
    const peer = await rig.peer(path);
    peer.request(1, { service: 'd', method: 'Hang', timeoutNano: 20_000_000n });
    const r = await peer.response();
    expect(r).toMatchObject({ streamId: 1, code: Code.DEADLINE_EXCEEDED });
    await entered.promise;
    expect(signal?.aborted).toBe(true);
    expect((signal?.reason as TtrpcError).code).toBe(Code.DEADLINE_EXCEEDED);
  });

  test('a negative timeout_nano is already expired and the handler is not called', async () => {
    const handler = jest.fn(async () => new Uint8Array());
    const { path } = await rig.server((s) => s.registerRaw('d', 'Get', handler));
    const peer = await rig.peer(path);
    peer.request(1, { service: 'd', method: 'Get', timeoutNano: -5n });
    await expect(peer.response()).resolves.toMatchObject({ streamId: 1, code: Code.DEADLINE_EXCEEDED });
    expect(handler).not.toHaveBeenCalled();
  });

  test('client disconnect aborts the signal of every in-flight call', async () => {
    const signals: AbortSignal[] = [];
    const bothIn = deferred();
    const { path } = await rig.server((s) =>
      s.registerRaw('w', 'Wait', (_b, ctx) => {
        signals.push(ctx.signal);
        if (signals.length === 2) bothIn.resolve();
        return new Promise(() => undefined);
      }),
    );
    const peer = await rig.peer(path);
    peer.request(1, { service: 'w', method: 'Wait' });
    peer.request(3, { service: 'w', method: 'Wait' });
    await bothIn.promise;
    peer.destroy();
    const reasons = await Promise.all(signals.map(aborted));
    expect(reasons.map((r) => (r as TtrpcError).code)).toEqual([Code.CANCELLED, Code.CANCELLED]);
  });
});

describe('Server lifecycle', () => {
  test('close() stops accepting, lets in-flight calls finish, then resolves', async () => {
    const release = deferred();
    const entered = deferred();
    const { server, path } = await rig.server((s) =>
      s.registerRaw('l', 'Slow', async () => {
        entered.resolve();
        await release.promise;
        return Buffer.from('done');
      }),
    );
    const client = rig.client(path);
    const call = client.call('l', 'Slow', new Uint8Array());
    await entered.promise;
    const closing = server.close({ graceMs: 60_000 });
    const late = rig.client(path);
    await expect(codeOf(late.call('l', 'Slow', new Uint8Array()))).resolves.toMatchObject({ code: Code.UNAVAILABLE });
    release.resolve();
    await expect(call).resolves.toEqual(Buffer.from('done'));
    await closing;
    await client.closed;
  });

  test('close() closes idle connections without waiting for their peers to hang up or for the grace period', async () => {
    const { server, path } = await rig.server((s) => s.registerRaw('l', 'Get', async () => Buffer.from('ok')));
    const client = rig.client(path);
    await expect(client.call('l', 'Get', new Uint8Array())).resolves.toEqual(Buffer.from('ok'));
    const silent = await rig.peer(path); // connected, never sends, never ends its side
    const partial = await rig.peer(path);
    partial.write(Buffer.from('00000010', 'hex')); // half a header, then nothing
    // A 10-minute grace: if close() waited for these peers, the test would time out.
    await server.close({ graceMs: 600_000 });
    await Promise.all([silent.closed, partial.closed, client.closed]);
  });

  test('close() drops calls still running after the grace period and aborts their signals', async () => {
    let signal: AbortSignal | undefined;
    const entered = deferred();
    const { server, path } = await rig.server((s) =>
      s.registerRaw('l', 'Hang', (_b, ctx) => {
        signal = ctx.signal;
        entered.resolve();
        return new Promise(() => undefined);
      }),
    );
    const client = rig.client(path);
    const call = codeOf(client.call('l', 'Hang', new Uint8Array()));
    await entered.promise;
    await server.close({ graceMs: 10 });
    await expect(call).resolves.toMatchObject({ code: Code.UNAVAILABLE });
    expect(signal?.aborted).toBe(true);
  });

  test('a handler may close the server and its own response is still delivered (Shutdown)', async () => {
    let closed: Promise<void> | undefined;
    const { server, path } = await rig.server((s) =>
      s.registerRaw('task', 'Shutdown', async () => {
        closed = server.close();
        return new Uint8Array();
      }),
    );
    const client = rig.client(path);
    await expect(client.call('task', 'Shutdown', new Uint8Array())).resolves.toHaveLength(0);
    await closed;
    await client.closed;
  });

  test('onConnection sees each socket; when it throws only that connection is dropped', async () => {
    let n = 0;
    const { path } = await rig.server((s) => s.registerRaw('o', 'Get', async () => Buffer.from('ok')), {
      onConnection: () => {
        n++;
        if (n === 1) throw new Error('peer rejected');
      },
    });
    const rejected = rig.client(path);
    await expect(codeOf(rejected.call('o', 'Get', new Uint8Array()))).resolves.toMatchObject({ code: Code.UNAVAILABLE });
    await expect(rig.client(path).call('o', 'Get', new Uint8Array())).resolves.toEqual(Buffer.from('ok'));
    expect(n).toBe(2);
  });

  test('registering a method twice is a programming error', () => {
    const s = new Server();
    s.registerRaw('a', 'B', async () => new Uint8Array());
    expect(() => s.registerRaw('a', 'B', async () => new Uint8Array())).toThrow(/already registered/);
  });

  test('StringList is a usable response type (generated code interop)', () => {
    expect(StringList.decode(StringList.encode({ list: ['x'] }).finish())).toEqual({ list: ['x'] });
  });
});
