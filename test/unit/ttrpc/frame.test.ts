import fc from 'fast-check';
import {
  type Decoded,
  decodeHeader,
  encodeFrame,
  FrameDecoder,
  MESSAGE_HEADER_LENGTH,
  MESSAGE_LENGTH_MAX,
  MESSAGE_TYPE_REQUEST,
  MESSAGE_TYPE_RESPONSE,
} from '../../../src/ttrpc/frame';
import { Code, TtrpcError } from '../../../src/ttrpc/status';

interface Spec {
  streamId: number;
  type: number;
  flags: number;
  payload: Uint8Array;
}

function feed(decoder: FrameDecoder, bytes: Buffer, cuts: number[]): Decoded[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Decoded[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(...decoder.write(bytes.subarray(prev, p)));
    prev = p;
  }
  return out;
}

const frameArb = fc.record({
  streamId: fc.integer({ min: 0, max: 0xffffffff }),
  type: fc.integer({ min: 0, max: 255 }),
  flags: fc.integer({ min: 0, max: 255 }),
  payload: fc.uint8Array({ maxLength: 300 }),
});

describe('frame header', () => {
  test('matches the bytes containerd sends for an empty Shutdown reply on stream 17', () => {
    expect(encodeFrame(17, MESSAGE_TYPE_RESPONSE, 0, new Uint8Array())).toEqual(Buffer.from('00000000000000110200', 'hex'));
  });

  test('length and stream id are big-endian, type and flags one byte each', () => {
    const frame = encodeFrame(0x01020304, MESSAGE_TYPE_REQUEST, 0x05, Buffer.alloc(0x2c));
    expect(frame.subarray(0, MESSAGE_HEADER_LENGTH)).toEqual(Buffer.from('0000002c010203040105', 'hex'));
    expect(decodeHeader(frame)).toEqual({ length: 0x2c, streamId: 0x01020304, type: 1, flags: 5 });
  });

  test('refuses to encode a payload over the limit', () => {
    const err = (() => {
      try {
        encodeFrame(1, MESSAGE_TYPE_REQUEST, 0, Buffer.alloc(MESSAGE_LENGTH_MAX + 1));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(TtrpcError);
    expect((err as TtrpcError).code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(encodeFrame(1, MESSAGE_TYPE_REQUEST, 0, Buffer.alloc(MESSAGE_LENGTH_MAX)).length).toBe(MESSAGE_LENGTH_MAX + 10);
  });
});

describe('FrameDecoder', () => {
  test('decodes any sequence of frames cut at arbitrary points', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 40 }), (specs: Spec[], cuts) => {
        const bytes = Buffer.concat(specs.map((s) => encodeFrame(s.streamId, s.type, s.flags, s.payload)));
        const decoder = new FrameDecoder();
        const got = feed(decoder, bytes, cuts);
        expect(got).toEqual(specs.map((s) => ({ kind: 'frame', frame: { streamId: s.streamId, type: s.type, flags: s.flags, payload: Buffer.from(s.payload) } })));
        expect(decoder.idle).toBe(true);
      }),
    );
  });

  test('splits at every byte offset of a two-frame stream', () => {
    const bytes = Buffer.concat([encodeFrame(1, 1, 0, Buffer.from('hello')), encodeFrame(3, 1, 0, Buffer.alloc(0))]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const got = feed(new FrameDecoder(), bytes, [cut]);
      expect(got.map((d) => (d.kind === 'frame' ? [d.frame.streamId, d.frame.payload.toString()] : d.kind))).toEqual([
        [1, 'hello'],
        [3, ''],
      ]);
    }
  });

  test('skips an oversized payload, reports its header, and keeps decoding what follows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.array(fc.nat(), { maxLength: 20 }), (over, cuts) => {
        const max = 64;
        const big = Buffer.alloc(max + over, 0xab);
        const header = Buffer.alloc(10);
        header.writeUInt32BE(big.length, 0);
        header.writeUInt32BE(5, 4);
        header[8] = MESSAGE_TYPE_REQUEST;
        const bytes = Buffer.concat([encodeFrame(3, 1, 0, Buffer.from('a'), max), header, big, encodeFrame(7, 1, 0, Buffer.from('b'), max)]);
        const got = feed(new FrameDecoder(max), bytes, cuts);
        expect(got).toEqual([
          { kind: 'frame', frame: { streamId: 3, type: 1, flags: 0, payload: Buffer.from('a') } },
          { kind: 'oversized', header: { length: max + over, streamId: 5, type: 1, flags: 0 } },
          { kind: 'frame', frame: { streamId: 7, type: 1, flags: 0, payload: Buffer.from('b') } },
        ]);
      }),
    );
  });

  test('accepts exactly the maximum and discards one byte more (4 MiB default)', () => {
    const decoder = new FrameDecoder();
    const ok = encodeFrame(1, 1, 0, Buffer.alloc(MESSAGE_LENGTH_MAX));
    const [first] = decoder.write(ok);
    expect(first?.kind).toBe('frame');
    const header = Buffer.from(ok.subarray(0, 10));
    header.writeUInt32BE(MESSAGE_LENGTH_MAX + 1, 0);
    expect(decoder.write(header)).toEqual([]);
    expect(decoder.write(Buffer.alloc(MESSAGE_LENGTH_MAX))).toEqual([]);
    expect(decoder.idle).toBe(false);
    expect(decoder.write(Buffer.alloc(1))).toEqual([{ kind: 'oversized', header: { length: MESSAGE_LENGTH_MAX + 1, streamId: 1, type: 1, flags: 0 } }]);
    expect(decoder.idle).toBe(true);
  });

  test('is not idle in the middle of a header or payload', () => {
    const decoder = new FrameDecoder();
    const bytes = encodeFrame(1, 1, 0, Buffer.from('xyz'));
    decoder.write(bytes.subarray(0, 4));
    expect(decoder.idle).toBe(false);
    decoder.write(bytes.subarray(4, 11));
    expect(decoder.idle).toBe(false);
    expect(decoder.write(bytes.subarray(11))).toHaveLength(1);
    expect(decoder.idle).toBe(true);
  });

  test('decoded payloads do not alias the input chunk', () => {
    const bytes = encodeFrame(1, 1, 0, Buffer.from('abc'));
    const [d] = new FrameDecoder().write(bytes);
    bytes.fill(0);
    expect(d?.kind === 'frame' && d.frame.payload.toString()).toBe('abc');
  });
});
