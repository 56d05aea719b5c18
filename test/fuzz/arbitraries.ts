// Shared fast-check arbitraries for the fuzz targets: byte mutations, split points, ttrpc frames,
// structure-aware protobuf wire bytes, containerd task request messages, JSON trees and config.json
// mutations. Nothing here knows about a property; the targets in this folder combine them.
import fc from 'fast-check';
import type { Any } from '../../src/gen/google/protobuf/any';
import { Request } from '../../src/gen/ttrpc/request';
import { Options as RuncOptions } from '../../src/gen/types/runc/options/oci';
import { Options as RuntimeOptions } from '../../src/gen/types/runtimeoptions/v1/api';
import { TaskDefinition as TaskV2 } from '../../src/gen/runtime/task/v2/shim';
import { TypeUrl } from '../../src/proto/type-urls';
import { stringifySpecJson } from '../../src/runtime/json';
import { MESSAGE_TYPE_DATA, MESSAGE_TYPE_REQUEST, MESSAGE_TYPE_RESPONSE } from '../../src/ttrpc/frame';

// ---------------------------------------------------------------------------------------------
// Strings and numbers that break naive code

/** Names that an object-literal lookup table answers from Object.prototype. */
export const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__'] as const;

export const prototypeName = fc.constantFrom(...PROTOTYPE_NAMES);

/** Short strings, path-like strings, names from Object.prototype, control characters, long runs. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: prototypeName },
  { weight: 2, arbitrary: fc.constantFrom('', '.', '..', '/', '//', '/../..', '../../etc/passwd', 'a\u0000b', '\n', ' ', '%s', '${x}', '\uFFFD', '\uD800', 'ro', 'rbind', 'mode=755') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.stringMatching(/^\/[a-z0-9/._-]{0,30}$/) },
  { weight: 1, arbitrary: fc.nat(5000).map((n) => 'x'.repeat(n)) },
);

/** Integers at the edges of the int32/uint32/int64/uint64 and double ranges. */
export const edgeNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -1, 1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53, 1e308, 0.5, -0),
  fc.integer(),
  fc.integer({ min: -1, max: 70 }),
);

export const edgeBigInt: fc.Arbitrary<bigint> = fc.oneof(
  fc.constantFrom(0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n, 2n ** 64n - 1n, 2n ** 64n, 2n ** 53n + 1n, -(2n ** 70n)),
  fc.bigInt({ min: -(2n ** 66n), max: 2n ** 66n }),
);

// ---------------------------------------------------------------------------------------------
// Bytes: mutations and split points

export type Mutation =
  | { readonly op: 'flip'; readonly at: number; readonly bit: number }
  | { readonly op: 'set'; readonly at: number; readonly value: number }
  | { readonly op: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly op: 'delete'; readonly at: number; readonly length: number }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'duplicate'; readonly at: number; readonly length: number }
  | { readonly op: 'u32'; readonly at: number; readonly value: number };

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x0a, 0x12, 0x1a, 0x22];
const INTERESTING_U32 = [0, 1, 2, 9, 10, 0x7fffffff, 0x80000000, 0xffffffff, 4096, 4097, 4 << 20, (4 << 20) + 1];

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.nat(255)) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 32 }) }),
  fc.record({ op: fc.constant('u32' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(...INTERESTING_U32), fc.nat({ max: 0xffffffff })) }),
);

/** Apply mutations in order; positions are taken modulo the current length. */
export function mutate(base: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b = Buffer.from(base);
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    switch (m.op) {
      case 'flip':
        if (b.length > 0) b[at]! ^= 1 << m.bit;
        break;
      case 'set':
        if (b.length > 0) b[at] = m.value;
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.length)]);
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'duplicate':
        b = Buffer.concat([b.subarray(0, at + m.length), b.subarray(at, at + m.length), b.subarray(at + m.length)]);
        break;
      case 'u32':
        if (b.length >= 4) b.writeUInt32BE(m.value >>> 0, Math.min(at, b.length - 4));
        break;
    }
  }
  return new Uint8Array(b);
}

/** `base` with 0-8 random mutations (the unmutated base stays likely). */
export function mutated(base: fc.Arbitrary<Uint8Array>, maxMutations = 8): fc.Arbitrary<Uint8Array> {
  return fc.tuple(base, fc.array(mutation, { maxLength: maxMutations })).map(([b, ms]) => mutate(b, ms));
}

/** Cut `bytes` at the given points (taken modulo length+1, sorted); empty chunks are kept out. */
export function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const p of [...points, bytes.length]) {
    if (p > last) out.push(bytes.subarray(last, p));
    last = Math.max(last, p);
  }
  return out;
}

/** Split points: none, a few, or one per byte (byte-at-a-time delivery). */
export const cuts: fc.Arbitrary<number[]> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<number[]>([]) },
  { weight: 4, arbitrary: fc.array(fc.nat(), { maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constant(Array.from({ length: 512 }, (_, i) => i)) },
);

// ---------------------------------------------------------------------------------------------
// Protobuf wire bytes that look like messages (field numbers 1-20, every wire type)

function varint(v: bigint): number[] {
  let x = BigInt.asUintN(64, v);
  const out: number[] = [];
  do {
    let byte = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) byte |= 0x80;
    out.push(byte);
  } while (x !== 0n);
  return out;
}

type WireField = { readonly field: number; readonly wire: number; readonly value: Uint8Array | bigint | number };

function encodeFields(fields: readonly WireField[]): Uint8Array {
  const out: number[] = [];
  for (const f of fields) {
    out.push(...varint((BigInt(f.field) << 3n) | BigInt(f.wire & 7)));
    switch (f.wire) {
      case 0:
        out.push(...varint(f.value as bigint));
        break;
      case 1:
        for (let i = 0; i < 8; i++) out.push(Number((BigInt.asUintN(64, f.value as bigint) >> BigInt(8 * i)) & 0xffn));
        break;
      case 2: {
        const bytes = f.value as Uint8Array;
        out.push(...varint(BigInt(bytes.length)), ...bytes);
        break;
      }
      case 5:
        for (let i = 0; i < 4; i++) out.push(((f.value as number) >>> (8 * i)) & 0xff);
        break;
      default:
        // 3 (start group), 4 (end group), 6, 7 (invalid): no payload
        break;
    }
  }
  return new Uint8Array(out);
}

const fieldNumber = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 20 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 2 ** 29 - 1, 1000) });

const { protoMessage } = fc.letrec<{ protoMessage: Uint8Array; field: WireField }>((tie) => ({
  protoMessage: fc.array(tie('field'), { maxLength: 8 }).map(encodeFields),
  field: fc.oneof(
    { depthSize: 'small' },
    fc.record({ field: fieldNumber, wire: fc.constant(0), value: edgeBigInt }),
    fc.record({ field: fieldNumber, wire: fc.constant(2), value: fc.string({ maxLength: 16 }).map((s) => new Uint8Array(Buffer.from(s))) }),
    fc.record({ field: fieldNumber, wire: fc.constant(2), value: tie('protoMessage') }),
    fc.record({ field: fieldNumber, wire: fc.constant(2), value: fc.uint8Array({ maxLength: 16 }) }),
    fc.record({ field: fieldNumber, wire: fc.constant(1), value: edgeBigInt }),
    fc.record({ field: fieldNumber, wire: fc.constant(5), value: fc.nat({ max: 0xffffffff }) }),
    fc.record({ field: fieldNumber, wire: fc.constantFrom(3, 4, 6, 7), value: fc.constant(0) }),
  ),
}));

/** Bytes shaped like protobuf messages: random fields of every wire type, nested messages. */
export const protoWire: fc.Arbitrary<Uint8Array> = protoMessage;

/** Random bytes, protobuf-shaped bytes, or either mutated. */
export const payloadBytes: fc.Arbitrary<Uint8Array> = fc.oneof(fc.uint8Array({ maxLength: 64 }), protoWire, mutated(protoWire, 3));

// ---------------------------------------------------------------------------------------------
// Mount options

const KNOWN_MOUNT_OPTIONS = [
  'ro', 'rw', 'nosuid', 'suid', 'nodev', 'dev', 'noexec', 'exec', 'sync', 'async', 'dirsync', 'remount', 'mand', 'nomand',
  'noatime', 'atime', 'nodiratime', 'diratime', 'relatime', 'norelatime', 'strictatime', 'nostrictatime', 'lazytime',
  'nolazytime', 'nosymfollow', 'symfollow', 'silent', 'loud', 'bind', 'rbind', 'private', 'rprivate', 'shared', 'rshared',
  'slave', 'rslave', 'unbindable', 'runbindable', 'rro', 'rrw', 'idmap', 'ridmap', 'tmpcopyup', 'defaults', '',
];

/** One mount option: a known word, data (k=v), a prototype name or anything. */
export function mountOption(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...KNOWN_MOUNT_OPTIONS) },
    { weight: 2, arbitrary: fc.constantFrom('mode=755', 'size=64k', 'lowerdir=/a:/b', 'uid=0', 'gid=5', 'newinstance', 'ptmxmode=0666') },
    { weight: 2, arbitrary: prototypeName },
    { weight: 1, arbitrary: nastyString },
    { weight: 1, arbitrary: fc.constantFrom(...KNOWN_MOUNT_OPTIONS).map((o) => o.toUpperCase()) },
  );
}

export const mountOptions: fc.Arbitrary<string[]> = fc.array(mountOption(), { maxLength: 10 });
export const mountType: fc.Arbitrary<string | undefined> = fc.oneof(fc.constant(undefined), fc.constantFrom('bind', 'tmpfs', 'proc', 'overlay', 'cgroup', 'cgroup2', ''), prototypeName, nastyString);

/** JSON leaves including exact 64-bit integers as bigint (what parseSpecJson yields). */
export const jsonLeaf: fc.Arbitrary<unknown> = fc.oneof(fc.constant(null), fc.boolean(), edgeNumber, edgeBigInt, nastyString);

// ---------------------------------------------------------------------------------------------
// google.protobuf.Any and the containerd task requests

const runcOptions = fc
  .record({ noPivotRoot: fc.boolean(), binaryName: nastyString, root: nastyString, systemdCgroup: fc.boolean(), ioUid: edgeNumber, ioGid: edgeNumber, criuImagePath: nastyString }, { requiredKeys: [] })
  .map((p) => RuncOptions.encode(RuncOptions.fromPartial({ ...p, ioUid: (p.ioUid ?? 0) >>> 0, ioGid: (p.ioGid ?? 0) >>> 0 })).finish());
const runtimeOptions = fc
  .record({ typeUrl: nastyString, configPath: nastyString, configBody: fc.uint8Array({ maxLength: 32 }) }, { requiredKeys: [] })
  .map((p) => RuntimeOptions.encode(RuntimeOptions.fromPartial({ ...p, configBody: p.configBody && Buffer.from(p.configBody) })).finish());

const typeUrl = fc.oneof(fc.constantFrom(...Object.values(TypeUrl), ''), nastyString, fc.constantFrom(...Object.values(TypeUrl)).map((u) => u.replace('type.googleapis.com/', '')));

export const anyMessage: fc.Arbitrary<Any | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.record({
    typeUrl,
    value: fc.oneof(runcOptions, runtimeOptions, payloadBytes, jsonBytes()),
  }).map((a) => ({ typeUrl: a.typeUrl, value: Buffer.from(a.value) })),
);

function jsonBytes(): fc.Arbitrary<Uint8Array> {
  return fc.oneof(fc.jsonValue({ maxDepth: 3 }), processLike()).map((v) => new Uint8Array(Buffer.from(stringifySpecJson(v) ?? 'null')));
}

/** Small process objects (what an exec's spec Any carries), often almost right. */
export function processLike(): fc.Arbitrary<unknown> {
  return fc.record(
    {
      args: fc.array(nastyString, { maxLength: 3 }),
      cwd: fc.oneof(fc.constant('/'), nastyString),
      env: fc.array(fc.oneof(fc.constant('PATH=/bin'), nastyString), { maxLength: 3 }),
      user: fc.record({ uid: edgeNumber, gid: edgeNumber }, { requiredKeys: [] }),
      terminal: fc.oneof(fc.boolean(), jsonLeaf),
      capabilities: fc.dictionary(fc.constantFrom('bounding', 'effective', 'permitted'), fc.array(fc.oneof(fc.constant('CAP_KILL'), prototypeName, nastyString), { maxLength: 3 })),
      rlimits: fc.array(fc.record({ type: fc.oneof(fc.constant('RLIMIT_NOFILE'), prototypeName, nastyString), hard: edgeNumber, soft: edgeNumber }), { maxLength: 2 }),
      oomScoreAdj: edgeNumber,
    },
    { requiredKeys: ['args', 'cwd'] },
  );
}

const mountMessage = fc.record({
  type: fc.oneof(fc.constantFrom('overlay', 'bind', 'tmpfs', ''), nastyString),
  source: nastyString,
  target: nastyString,
  options: fc.array(mountOption(), { maxLength: 5 }),
});

/** Container ids: a small pool (so sequences of calls meet) plus nasty strings. */
export const containerId = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('c1', 'c2') }, { weight: 1, arbitrary: nastyString });

/** A partial request of message type `codec` (fields found from its defaults), filled randomly. */
export function taskRequestFields(defaults: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, value] of Object.entries(defaults)) {
    if (key === 'id') model[key] = containerId;
    else if (key === 'execId') model[key] = fc.oneof(fc.constant(''), nastyString);
    else if (key === 'bundle') model[key] = fc.oneof(fc.constantFrom('/run/bundle', 'rel/bundle'), nastyString);
    else if (key === 'rootfs') model[key] = fc.array(mountMessage, { maxLength: 3 });
    else if (key === 'annotations') model[key] = fc.dictionary(nastyString, nastyString, { maxKeys: 3 });
    else if (key === 'options' || key === 'spec' || key === 'resources') model[key] = anyMessage;
    else if (key === 'signal') model[key] = fc.oneof(fc.integer({ min: 0, max: 70 }), edgeNumber.map((n) => n >>> 0));
    else if (typeof value === 'boolean') model[key] = fc.boolean();
    else if (typeof value === 'number') model[key] = edgeNumber.map((n) => n >>> 0);
    else if (typeof value === 'string') model[key] = nastyString;
  }
  return fc.record(model, { requiredKeys: [] });
}

export interface TaskMethod {
  /** wire name, e.g. "Create" */
  readonly name: string;
  readonly codec: { encode(m: never): { finish(): Uint8Array }; decode(b: Uint8Array): unknown; fromPartial(p: never): unknown };
  /** what fast-check prints for it in a counterexample */
  toString(): string;
}

/** The unary methods of containerd.task.v2.Task with their request codecs. */
export const TASK_V2_METHODS: readonly TaskMethod[] = Object.values(TaskV2.methods).map((m) => ({
  name: m.name,
  codec: m.requestType as unknown as TaskMethod['codec'],
  toString: () => `Task.${m.name}`,
  [fc.toStringMethod]: () => `Task.${m.name}`,
}));

/** A valid encoding of a random request of `method`. */
export function validRequestBytes(method: TaskMethod): fc.Arbitrary<Uint8Array> {
  const defaults = method.codec.fromPartial({} as never) as Record<string, unknown>;
  return taskRequestFields(defaults).map((fields) => method.codec.encode(method.codec.fromPartial(fields as never) as never).finish());
}

/** A task method and request bytes: valid, mutated valid, protobuf-shaped or random. */
export const taskCall: fc.Arbitrary<{ method: TaskMethod; payload: Uint8Array }> = fc.constantFrom(...TASK_V2_METHODS).chain((method) =>
  fc.record({
    method: fc.constant(method),
    payload: fc.oneof({ weight: 4, arbitrary: validRequestBytes(method) }, { weight: 4, arbitrary: mutated(validRequestBytes(method), 4) }, { weight: 2, arbitrary: payloadBytes }),
  }),
);

// ---------------------------------------------------------------------------------------------
// ttrpc frames

export interface RawFrame {
  readonly streamId: number;
  readonly type: number;
  readonly flags: number;
  readonly payload: Uint8Array;
}

/** Header + payload with the header's length field set to the payload length. */
export function encodeRawFrame(f: RawFrame): Uint8Array {
  const out = Buffer.alloc(10 + f.payload.length);
  out.writeUInt32BE(f.payload.length, 0);
  out.writeUInt32BE(f.streamId >>> 0, 4);
  out[8] = f.type & 0xff;
  out[9] = f.flags & 0xff;
  out.set(f.payload, 10);
  return new Uint8Array(out);
}

export const streamId = fc.oneof(
  { weight: 4, arbitrary: fc.nat(50).map((n) => 2 * n + 1) },
  { weight: 1, arbitrary: fc.constantFrom(0, 2, 0xffffffff, 0xfffffffe, 0x7fffffff) },
  { weight: 1, arbitrary: fc.nat({ max: 0xffffffff }) },
);
const messageType = fc.oneof({ weight: 6, arbitrary: fc.constant(MESSAGE_TYPE_REQUEST) }, { weight: 1, arbitrary: fc.constantFrom(MESSAGE_TYPE_RESPONSE, MESSAGE_TYPE_DATA, 0, 0xff) }, { weight: 1, arbitrary: fc.nat(255) });

/** Services and methods the fuzz server has, and some it has not. */
export const SERVICES = ['test.fuzz.v1.Echo', 'containerd.task.v2.Task', 'containerd.task.v3.Task'];
const serviceName = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...SERVICES) }, { weight: 1, arbitrary: nastyString });

/** An encoded ttrpc Request envelope: a known or unknown method, any payload, any timeout/metadata. */
export const requestEnvelope: fc.Arbitrary<Uint8Array> = fc.oneof(
  taskCall.map((c) => ({ service: 'containerd.task.v2.Task', method: c.method.name, payload: c.payload })),
  fc.record({ service: serviceName, method: fc.oneof(fc.constantFrom('Echo', 'State', 'Create', 'Wait', 'Kill', 'Nope'), nastyString), payload: payloadBytes }),
).chain((call) =>
  fc
    .record({
      timeoutNano: fc.oneof({ weight: 6, arbitrary: fc.constant(0n) }, { weight: 1, arbitrary: fc.constantFrom(1n, -1n, 1_000_000n, 2n ** 63n - 1n, -(2n ** 63n)) }),
      metadata: fc.array(fc.record({ key: nastyString, value: nastyString }), { maxLength: 3 }),
    })
    .map((extra) => Request.encode({ ...call, payload: Buffer.from(call.payload), ...extra }).finish()),
);

/** A frame whose payload is a Request envelope (usually) or random bytes. */
export const frame: fc.Arbitrary<RawFrame> = fc.record({
  streamId,
  type: messageType,
  flags: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(255) }),
  payload: fc.oneof({ weight: 4, arbitrary: requestEnvelope }, { weight: 1, arbitrary: payloadBytes }, { weight: 1, arbitrary: fc.uint8Array({ minLength: 4000, maxLength: 5000 }) }),
});

/** A well-behaved client's frames: requests on increasing odd stream ids. */
export const goodFrames: fc.Arbitrary<RawFrame[]> = fc.array(requestEnvelope, { maxLength: 6 }).map((payloads) => payloads.map((payload, i) => ({ streamId: 2 * i + 1, type: MESSAGE_TYPE_REQUEST, flags: 0, payload })));

/** A connection's byte stream: good or random frames, possibly mutated, or raw bytes. */
export const connectionBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: mutated(goodFrames.map((fs) => concat(fs.map(encodeRawFrame))), 4) },
  { weight: 3, arbitrary: fc.array(frame, { maxLength: 5 }).map((fs) => concat(fs.map(encodeRawFrame))) },
  { weight: 1, arbitrary: mutated(fc.array(frame, { maxLength: 5 }).map((fs) => concat(fs.map(encodeRawFrame))), 6) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
);

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

// ---------------------------------------------------------------------------------------------
// JSON trees and config.json mutations

const { jsonTree } = fc.letrec<{ jsonTree: unknown }>((tie) => ({
  jsonTree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    jsonLeaf,
    fc.array(tie('jsonTree'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(nastyString, prototypeName), tie('jsonTree'), { maxKeys: 4 }),
  ),
}));

/** Arbitrary JSON-compatible values (with bigint for exact integers). */
export const json: fc.Arbitrary<unknown> = jsonTree;

export type JsonEdit =
  | { readonly kind: 'replace'; readonly path: readonly number[]; readonly value: unknown }
  | { readonly kind: 'delete'; readonly path: readonly number[] }
  | { readonly kind: 'duplicate'; readonly path: readonly number[] }
  | { readonly kind: 'addKey'; readonly path: readonly number[]; readonly key: string; readonly value: unknown }
  | { readonly kind: 'swap'; readonly path: readonly number[]; readonly other: readonly number[] };

const jsonPath = fc.array(fc.nat(), { maxLength: 6 });

/** Values worth planting into a config: leaves, small trees, values from elsewhere in the spec. */
const plantValue: fc.Arbitrary<unknown> = fc.oneof(jsonLeaf, json, prototypeName, fc.constantFrom('mount', 'user', 'pid', 'bind', 'rbind', 'rprivate', 'CAP_SYS_ADMIN', 'RLIMIT_NOFILE', 'c', 'b', 'u', 'p', '/dev/null'));

export const jsonEdit: fc.Arbitrary<JsonEdit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('replace' as const), path: jsonPath, value: plantValue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), path: jsonPath }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), path: jsonPath }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('addKey' as const), path: jsonPath, key: fc.oneof(prototypeName, nastyString), value: plantValue }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('swap' as const), path: jsonPath, other: jsonPath }) },
);

type Json = unknown;

function isContainer(v: Json): v is Record<string, Json> | Json[] {
  return v !== null && typeof v === 'object';
}

/** Follow `steps` (indexes into each level's keys, modulo) as far as containers go. */
function resolve(root: Json, steps: readonly number[]): { parent: Record<string, Json> | Json[] | undefined; key: string | undefined; value: Json } {
  let parent: Record<string, Json> | Json[] | undefined;
  let key: string | undefined;
  let value = root;
  for (const step of steps) {
    if (!isContainer(value)) break;
    const keys = Object.keys(value);
    if (keys.length === 0) break;
    parent = value;
    key = keys[step % keys.length]!;
    value = (value as Record<string, Json>)[key];
  }
  return { parent, key, value };
}

function setOwn(target: Record<string, Json> | Json[], key: string, value: Json): void {
  // defineProperty: "__proto__" becomes an own key, as JSON.parse makes it
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Apply edits to a deep copy of `base` (a JSON tree with bigint allowed). */
export function applyJsonEdits(base: Json, edits: readonly JsonEdit[]): Json {
  let root = structuredClone(base);
  for (const e of edits) {
    const at = resolve(root, e.path);
    const put = (v: Json): void => {
      if (at.parent === undefined) root = v;
      else setOwn(at.parent, at.key!, v);
    };
    switch (e.kind) {
      case 'replace':
        put(structuredClone(e.value));
        break;
      case 'delete':
        if (Array.isArray(at.parent)) at.parent.splice(Number(at.key), 1);
        else if (at.parent !== undefined) delete at.parent[at.key!];
        break;
      case 'duplicate':
        if (Array.isArray(at.parent)) at.parent.splice(Number(at.key), 0, structuredClone(at.value));
        break;
      case 'addKey':
        if (isContainer(at.value) && !Array.isArray(at.value)) setOwn(at.value, e.key, structuredClone(e.value));
        else if (Array.isArray(at.value)) at.value.push(structuredClone(e.value));
        break;
      case 'swap':
        put(structuredClone(resolve(root, e.other).value));
        break;
    }
  }
  return root;
}
