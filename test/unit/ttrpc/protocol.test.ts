// Malformed and hostile input on the server side: what is answered, what closes the connection,
// and that other connections and the process carry on.
import fc from 'fast-check';
import { Request } from '../../../src/gen/ttrpc/request';
import { Code, encodeFrame, MESSAGE_TYPE_DATA, MESSAGE_TYPE_REQUEST, MESSAGE_TYPE_RESPONSE, MESSAGE_LENGTH_MAX } from '../../../src/ttrpc';
import { deferred, Rig } from './fixtures';

jest.setTimeout(15_000);

let rig: Rig;
beforeEach(() => (rig = new Rig()));
afterEach(() => rig.dispose());

async function echoServer(): Promise<string> {
  const { path } = await rig.server((s) => s.registerRaw('p', 'Echo', async (b) => b));
  return path;
}

describe('protocol violations close only the offending connection', () => {
  test('an even stream id gets INVALID_ARGUMENT on that id, then the connection closes', async () => {
    const path = await echoServer();
    const other = rig.client(path);
    const peer = await rig.peer(path);
    peer.request(2, { service: 'p', method: 'Echo' });
    await expect(peer.response()).resolves.toMatchObject({ streamId: 2, code: Code.INVALID_ARGUMENT, message: expect.stringContaining('odd') });
    await expect(peer.next()).resolves.toBeUndefined();
    await expect(other.call('p', 'Echo', Buffer.from('alive'))).resolves.toEqual(Buffer.from('alive'));
  });

  test('stream id 0 is rejected the same way', async () => {
    const peer = await rig.peer(await echoServer());
    peer.request(0, { service: 'p', method: 'Echo' });
    await expect(peer.response()).resolves.toMatchObject({ streamId: 0, code: Code.INVALID_ARGUMENT });
    await peer.closed;
  });

  test('a reused or decreasing request id is rejected and closes the connection', async () => {
    const peer = await rig.peer(await echoServer());
    peer.request(5, { service: 'p', method: 'Echo', payload: Buffer.from('a') });
    await expect(peer.response()).resolves.toMatchObject({ streamId: 5, code: Code.OK });
    peer.request(3, { service: 'p', method: 'Echo' });
    await expect(peer.response()).resolves.toMatchObject({ streamId: 3, code: Code.INVALID_ARGUMENT, message: expect.stringContaining('increment') });
    await peer.closed;
  });

  test('an unknown message type closes the connection without a reply', async () => {
    const path = await echoServer();
    const peer = await rig.peer(path);
    peer.send(1, 0x7f, 0, Buffer.from('junk'));
    await expect(peer.next()).resolves.toBeUndefined();
    await expect(rig.client(path).call('p', 'Echo', Buffer.from('x'))).resolves.toEqual(Buffer.from('x'));
  });

  test('a client sending a response message is a violation', async () => {
    const peer = await rig.peer(await echoServer());
    peer.send(1, MESSAGE_TYPE_RESPONSE, 0, new Uint8Array());
    await expect(peer.response()).resolves.toMatchObject({ streamId: 1, code: Code.INVALID_ARGUMENT });
    await peer.closed;
  });

  test('garbage bytes never crash the server; in-flight calls on other connections complete', async () => {
    const release = deferred();
    const entered = deferred();
    const { path } = await rig.server((s) =>
      s.registerRaw('p', 'Slow', async () => {
        entered.resolve();
        await release.promise;
        return Buffer.from('slow');
      }),
    );
    const client = rig.client(path);
    const slow = client.call('p', 'Slow', new Uint8Array());
    await entered.promise;
    for (const garbage of [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), Buffer.from('00000003ffffffff09', 'hex'), Buffer.alloc(64, 0xff)]) {
      const peer = await rig.peer(path);
      peer.write(garbage);
      peer.socket.end();
      await peer.closed;
    }
    release.resolve();
    await expect(slow).resolves.toEqual(Buffer.from('slow'));
  });

  test('property: any byte sequence from one peer leaves the server serving others', async () => {
    const path = await echoServer();
    const client = rig.client(path);
    const frameish = fc
      .record({
        id: fc.integer({ min: 0, max: 12 }),
        type: fc.integer({ min: 0, max: 5 }),
        flags: fc.integer({ min: 0, max: 7 }),
        payload: fc.oneof(
          fc.uint8Array({ maxLength: 40 }),
          fc.constant(Request.encode({ service: 'p', method: 'Echo', payload: Buffer.from('x'), timeoutNano: 0n, metadata: [] }).finish()),
        ),
      })
      .map((f) => encodeFrame(f.id, f.type, f.flags, f.payload));
    const chunk = fc.oneof(frameish, fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b)));
    await fc.assert(
      fc.asyncProperty(fc.array(chunk, { maxLength: 6 }), async (chunks) => {
        const peer = await rig.peer(path);
        for (const c of chunks) peer.write(c);
        peer.socket.end();
        await peer.closed;
        await expect(client.call('p', 'Echo', Buffer.from('ok'))).resolves.toEqual(Buffer.from('ok'));
      }),
      { numRuns: 60 },
    );
  });

  test('a peer that disconnects in the middle of a frame is cleaned up', async () => {
    const path = await echoServer();
    const peer = await rig.peer(path);
    peer.write(Buffer.from('0000001000000001', 'hex'));
    peer.destroy();
    await peer.closed;
    await expect(rig.client(path).call('p', 'Echo', Buffer.from('x'))).resolves.toEqual(Buffer.from('x'));
  });
});

describe('recoverable errors keep the connection', () => {
  test('an oversized request is discarded and answered RESOURCE_EXHAUSTED; the next request works', async () => {
    const peer = await rig.peer(await echoServer());
    const header = Buffer.alloc(10);
    header.writeUInt32BE(MESSAGE_LENGTH_MAX + 1, 0);
    header.writeUInt32BE(1, 4);
    header[8] = MESSAGE_TYPE_REQUEST;
    peer.write(header);
    peer.write(Buffer.alloc(MESSAGE_LENGTH_MAX + 1, 0x11));
    await expect(peer.response()).resolves.toMatchObject({ streamId: 1, code: Code.RESOURCE_EXHAUSTED, message: expect.stringContaining(String(MESSAGE_LENGTH_MAX)) });
    peer.request(3, { service: 'p', method: 'Echo', payload: Buffer.from('after') });
    await expect(peer.response()).resolves.toMatchObject({ streamId: 3, code: Code.OK, payload: Buffer.from('after') });
  });

  test('an oversized request uses up its stream id like a whole one', async () => {
    const { path } = await rig.server((s) => s.registerRaw('p', 'Echo', async (b) => b), { maxMessageLength: 256 });
    const peer = await rig.peer(path);
    peer.send(5, MESSAGE_TYPE_REQUEST, 0, Buffer.alloc(257), 1 << 20);
    await expect(peer.response()).resolves.toMatchObject({ streamId: 5, code: Code.RESOURCE_EXHAUSTED });
    peer.request(5, { service: 'p', method: 'Echo' });
    await expect(peer.response()).resolves.toMatchObject({ streamId: 5, code: Code.INVALID_ARGUMENT, message: expect.stringContaining('cannot be re-used') });
    await expect(peer.next()).resolves.toBeUndefined();
  });

  test('oversized frames pass the stream checks of whole ones: reused id, response type, unknown type', async () => {
    const { path } = await rig.server((s) => s.registerRaw('p', 'Echo', async (b) => b), { maxMessageLength: 256 });
    const big = Buffer.alloc(257);
    const reused = await rig.peer(path);
    reused.request(7, { service: 'p', method: 'Echo' });
    await expect(reused.response()).resolves.toMatchObject({ streamId: 7, code: Code.OK });
    reused.send(3, MESSAGE_TYPE_REQUEST, 0, big, 1 << 20);
    await expect(reused.response()).resolves.toMatchObject({ streamId: 3, code: Code.INVALID_ARGUMENT, message: expect.stringContaining('cannot be re-used') });
    await expect(reused.next()).resolves.toBeUndefined();

    const response = await rig.peer(path);
    response.send(1, MESSAGE_TYPE_RESPONSE, 0, big, 1 << 20);
    await expect(response.response()).resolves.toMatchObject({ streamId: 1, code: Code.INVALID_ARGUMENT, message: expect.stringContaining('response') });
    await expect(response.next()).resolves.toBeUndefined();

    const unknown = await rig.peer(path);
    unknown.send(1, 0x7f, 0, big, 1 << 20);
    await expect(unknown.next()).resolves.toBeUndefined();

    const data = await rig.peer(path);
    data.send(9, MESSAGE_TYPE_DATA, 0, big, 1 << 20);
    await expect(data.response()).resolves.toMatchObject({ streamId: 9, code: Code.INVALID_ARGUMENT, message: 'StreamID is no longer active' });
    data.request(11, { service: 'p', method: 'Echo' });
    await expect(data.response()).resolves.toMatchObject({ streamId: 11, code: Code.OK });
  });

  test('an undecodable Request envelope is answered INVALID_ARGUMENT and the connection stays', async () => {
    const peer = await rig.peer(await echoServer());
    peer.send(1, MESSAGE_TYPE_REQUEST, 0, Buffer.from([0x0a, 0x7f]));
    await expect(peer.response()).resolves.toMatchObject({ streamId: 1, code: Code.INVALID_ARGUMENT });
    peer.request(3, { service: 'p', method: 'Echo', payload: Buffer.from('ok') });
    await expect(peer.response()).resolves.toMatchObject({ streamId: 3, code: Code.OK });
  });

  test('a data frame for an unknown stream is answered INVALID_ARGUMENT', async () => {
    const peer = await rig.peer(await echoServer());
    peer.send(9, MESSAGE_TYPE_DATA, 0x1, new Uint8Array());
    await expect(peer.response()).resolves.toMatchObject({ streamId: 9, code: Code.INVALID_ARGUMENT, message: 'StreamID is no longer active' });
    peer.request(11, { service: 'p', method: 'Echo' });
    await expect(peer.response()).resolves.toMatchObject({ streamId: 11, code: Code.OK });
  });

  test('a data frame on a running unary call fails that call and aborts its handler', async () => {
    let signal: AbortSignal | undefined;
    const entered = deferred();
    const { path } = await rig.server((s) =>
      s.registerRaw('p', 'Hang', (_b, ctx) => {
        signal = ctx.signal;
        entered.resolve();
        return new Promise(() => undefined);
      }),
    );
    const peer = await rig.peer(path);
    peer.request(1, { service: 'p', method: 'Hang' });
    await entered.promise;
    peer.send(1, MESSAGE_TYPE_DATA, 0, Buffer.from('x'));
    await expect(peer.response()).resolves.toMatchObject({ streamId: 1, code: Code.INVALID_ARGUMENT });
    expect(signal?.aborted).toBe(true);
  });

  test('a request for a streaming method is answered UNIMPLEMENTED', async () => {
    const { path } = await rig.server((s) =>
      s.register(
        {
          name: 'S',
          fullName: 'p.S',
          methods: { watch: { name: 'Watch', requestType: { encode: () => ({ finish: () => new Uint8Array() }), decode: () => ({}) }, responseType: { encode: () => ({ finish: () => new Uint8Array() }), decode: () => ({}) }, requestStream: true, responseStream: true } },
        } as const,
        {},
      ),
    );
    const peer = await rig.peer(path);
    peer.request(1, { service: 'p.S', method: 'Watch' });
    await expect(peer.response()).resolves.toMatchObject({ streamId: 1, code: Code.UNIMPLEMENTED, message: expect.stringContaining('streaming') });
  });
});
