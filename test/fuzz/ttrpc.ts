// Fuzz targets for the ttrpc transport: the frame decoder on its own (split anywhere, arbitrary
// bytes) and a live Server on a unix socket fed mutated frame streams, with a second connection
// that must keep working after every case.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import { KeyValue, Response } from '../../src/gen/ttrpc/request';
import { TaskDefinition as TaskV2 } from '../../src/gen/runtime/task/v2/shim';
import { TaskDefinition as TaskV3 } from '../../src/gen/runtime/task/v3/shim';
import { Client, Code, Server, type ServiceImplementation } from '../../src/ttrpc';
import { type Decoded, FrameDecoder, MESSAGE_HEADER_LENGTH, MESSAGE_TYPE_RESPONSE } from '../../src/ttrpc/frame';
import { concat, connectionBytes, cuts, encodeRawFrame, mutated, split } from './arbitraries';
import { TaskModel } from './task-model';
import { asyncTarget, type FuzzTarget, syncTarget } from './target';

/** A small payload limit so the oversized path is reachable with small inputs. */
export const FUZZ_MAX_MESSAGE = 4096;

/** What the decoder must produce for `bytes`: a plain walk over the headers. */
export function referenceDecode(bytes: Uint8Array, max: number): { items: Decoded[]; consumed: number } {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const items: Decoded[] = [];
  let pos = 0;
  while (pos + MESSAGE_HEADER_LENGTH <= b.length) {
    const header = { length: b.readUInt32BE(pos), streamId: b.readUInt32BE(pos + 4), type: b[pos + 8]!, flags: b[pos + 9]! };
    const end = pos + MESSAGE_HEADER_LENGTH + header.length;
    if (end > b.length) break;
    if (header.length > max) items.push({ kind: 'oversized', header });
    else items.push({ kind: 'frame', frame: { streamId: header.streamId, type: header.type, flags: header.flags, payload: Buffer.from(b.subarray(pos + MESSAGE_HEADER_LENGTH, end)) } });
    pos = end;
  }
  return { items, consumed: pos };
}

function decodeInChunks(bytes: Uint8Array, cutPoints: readonly number[], max: number): { items: Decoded[]; idle: boolean } {
  const decoder = new FrameDecoder(max);
  const items = split(bytes, cutPoints).flatMap((chunk) => decoder.write(chunk));
  return { items, idle: decoder.idle };
}

const anyFrame = fc.record({
  streamId: fc.nat({ max: 0xffffffff }),
  type: fc.nat(255),
  flags: fc.nat(255),
  payload: fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: FUZZ_MAX_MESSAGE - 2, maxLength: FUZZ_MAX_MESSAGE + 3 })),
});

/** Well-formed frames (some oversized) split anywhere decode to exactly those frames. */
export const decoderFrames: FuzzTarget = syncTarget('ttrpc.decoder.frames', () =>
  fc.property(fc.array(anyFrame, { maxLength: 8 }), cuts, (frames, cutPoints) => {
    const { items, idle } = decodeInChunks(concat(frames.map(encodeRawFrame)), cutPoints, FUZZ_MAX_MESSAGE);
    const expected: Decoded[] = frames.map((f) =>
      f.payload.length > FUZZ_MAX_MESSAGE
        ? { kind: 'oversized', header: { length: f.payload.length, streamId: f.streamId, type: f.type, flags: f.flags } }
        : { kind: 'frame', frame: { streamId: f.streamId, type: f.type, flags: f.flags, payload: Buffer.from(f.payload) } },
    );
    assert.deepEqual(items, expected);
    assert.equal(idle, true, 'decoder not idle after whole frames');
  }),
);

/** Any bytes, split anywhere: the decoder never throws and yields what a plain header walk finds. */
export const decoderBytes: FuzzTarget = syncTarget('ttrpc.decoder.bytes', () =>
  fc.property(fc.oneof(connectionBytes, mutated(fc.uint8Array({ maxLength: 128 }), 4)), cuts, (bytes, cutPoints) => {
    const { items, idle } = decodeInChunks(bytes, cutPoints, FUZZ_MAX_MESSAGE);
    const reference = referenceDecode(bytes, FUZZ_MAX_MESSAGE);
    assert.deepEqual(items, reference.items);
    assert.equal(idle, reference.consumed === bytes.length, `idle=${idle} but ${reference.consumed} of ${bytes.length} bytes form whole frames`);
  }),
);

// ---------------------------------------------------------------------------------------------
// A live server

export const EchoDefinition = {
  name: 'Echo',
  fullName: 'test.fuzz.v1.Echo',
  methods: {
    echo: { name: 'Echo', requestType: KeyValue, requestStream: false, responseType: KeyValue, responseStream: false, options: {} },
  },
} as const;

/** Status codes a response may carry; UNKNOWN and INTERNAL mean an untyped failure somewhere. */
export const EXPECTED_CODES: ReadonlySet<number> = new Set([
  Code.OK, Code.INVALID_ARGUMENT, Code.NOT_FOUND, Code.ALREADY_EXISTS, Code.FAILED_PRECONDITION, Code.UNIMPLEMENTED, Code.RESOURCE_EXHAUSTED, Code.DEADLINE_EXCEEDED,
]);

export interface LiveServer {
  readonly dir: string;
  readonly socket: string;
  readonly server: Server;
  readonly control: Client;
  readonly model: TaskModel;
  /** error-level log lines (pino JSON) since the last check */
  readonly errors: string[];
  cases: number;
}

/** A Server with an echo service and both Task versions over the validating model. */
export async function startLiveServer(): Promise<LiveServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-fuzz-'));
  const errors: string[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void errors.push(line) });
  const server = new Server({ logger, maxMessageLength: FUZZ_MAX_MESSAGE });
  const model = new TaskModel();
  server.register(EchoDefinition, { echo: async (req) => req });
  server.register(TaskV2, model.impl);
  server.register(TaskV3, model.impl as unknown as ServiceImplementation<typeof TaskV3>);
  const socket = path.join(dir, 'ttrpc.sock');
  await server.listen(socket);
  const control = new Client(socket);
  return { dir, socket, server, control, model, errors, cases: 0 };
}

/** Connections the server still tracks (a private field: tests only). */
function openConnections(server: Server): number {
  return (server as unknown as { connections: Set<unknown> }).connections.size;
}

export async function stopLiveServer(live: LiveServer): Promise<void> {
  try {
    await live.control.close();
    // every fuzzed connection was closed by its case: none may be left behind in the server
    for (let i = 0; i < 100 && openConnections(live.server) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    const leaked = openConnections(live.server);
    await live.server.close({ graceMs: 2000 });
    if (leaked > 0) throw new Error(`the server still tracked ${leaked} connection(s) after every client closed`);
  } finally {
    fs.rmSync(live.dir, { recursive: true, force: true });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`hang: ${what} (after ${ms} ms)`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Send `chunks` on a fresh connection, half-close, and collect what the server sends until it closes. */
async function exchange(socketPath: string, chunks: readonly Uint8Array[]): Promise<Buffer> {
  const sock = net.createConnection({ path: socketPath });
  const received: Buffer[] = [];
  sock.on('data', (b: Buffer) => received.push(b));
  sock.on('error', () => undefined); // EPIPE/ECONNRESET once the server has closed its side
  const closed = new Promise<void>((resolve) => sock.on('close', () => resolve()));
  try {
    await withTimeout(new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject)), 5000, 'connect');
    for (const chunk of chunks) {
      if (sock.destroyed || sock.writableEnded) break;
      await new Promise<void>((resolve) => sock.write(chunk, () => resolve()));
    }
    sock.end();
    await withTimeout(closed, 5000, 'the server kept the connection open after the client ended it');
  } finally {
    sock.destroy();
  }
  return Buffer.concat(received);
}

/** Check the server's answers to `sent`: whole response frames on streams it was sent, valid statuses. */
export function checkResponses(sent: Uint8Array, received: Buffer): void {
  const seen = new Set(referenceDecode(sent, FUZZ_MAX_MESSAGE).items.map((i) => (i.kind === 'frame' ? i.frame.streamId : i.header.streamId)));
  const decoder = new FrameDecoder(1 << 30);
  const items = decoder.write(received);
  assert.equal(decoder.idle, true, 'the server sent a partial frame');
  const answered = new Map<number, number>();
  const okStreams = new Set<number>();
  for (const item of items) {
    assert.equal(item.kind, 'frame');
    if (item.kind !== 'frame') continue;
    const { streamId, type, flags, payload } = item.frame;
    assert.equal(type, MESSAGE_TYPE_RESPONSE, `the server sent message type ${type}`);
    assert.equal(flags, 0);
    assert.ok(seen.has(streamId), `response on stream ${streamId}, which the client never used`);
    const response = Response.decode(payload);
    const code = response.status?.code ?? Code.OK;
    // A call is answered once. A stream id may see more than one answer only through protocol
    // errors, as in Go ttrpc: a protocol violation (reused id, a response or unknown message type
    // from the client) gets INVALID_ARGUMENT on the frame's stream id whatever that stream's state,
    // and an oversized message of any type gets RESOURCE_EXHAUSTED there without using the id up.
    const previous = answered.get(streamId);
    const protocolError = (c: number): boolean => c === Code.INVALID_ARGUMENT || c === Code.RESOURCE_EXHAUSTED;
    // A data frame for no active call gets INVALID_ARGUMENT without using the id up either.
    assert.ok(previous === undefined || protocolError(code) || protocolError(previous), `two responses on stream ${streamId}`);
    assert.ok(!(code === Code.OK && okStreams.has(streamId)), `two successful responses on stream ${streamId}`);
    if (code === Code.OK) okStreams.add(streamId);
    answered.set(streamId, code);
    assert.ok(EXPECTED_CODES.has(code), `stream ${streamId}: status ${Code[code] ?? code}: ${response.status?.message}`);
  }
}

/** The control connection still answers after the case. */
export async function checkControl(live: LiveServer): Promise<void> {
  const value = `case ${++live.cases}`;
  const echoed = KeyValue.decode(await withTimeout(live.control.call(EchoDefinition.fullName, 'Echo', KeyValue.encode({ key: 'k', value }).finish()), 5000, 'control call'));
  assert.deepEqual(echoed, { key: 'k', value });
}

/** Error-level logs a case may cause: a handler (echo) answering more than the limit is refused. */
const EXPECTED_ERRORS = ['ttrpc: response too large, sending RESOURCE_EXHAUSTED'];

export function checkNoErrorLogs(live: LiveServer): void {
  const errors = live.errors.splice(0).filter((line) => !EXPECTED_ERRORS.includes((JSON.parse(line) as { msg?: string }).msg ?? ''));
  assert.deepEqual(errors, [], 'the server logged errors');
}

/** Random and mutated frame streams on a fresh connection each: defined answers, clean close, server stays up. */
export const liveServer: FuzzTarget = asyncTarget(
  'ttrpc.server',
  startLiveServer,
  fc.tuple(connectionBytes, cuts),
  async (live, [bytes, cutPoints]) => {
    live.model.reset();
    const received = await exchange(live.socket, split(bytes, cutPoints));
    checkResponses(bytes, received);
    await checkControl(live);
    checkNoErrorLogs(live);
  },
  stopLiveServer,
);
