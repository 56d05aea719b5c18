// Fuzz targets for containerd Task requests: the generated v2/v3 codecs on random, protobuf-shaped
// and mutated valid bytes, and the Server's registered-handler path (decode → TaskModel, which
// validates like the shim's task service → encode) driven by a real ttrpc Client.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TaskDefinition as TaskV2 } from '../../src/gen/runtime/task/v2/shim';
import { TaskDefinition as TaskV3 } from '../../src/gen/runtime/task/v3/shim';
import { Request } from '../../src/gen/ttrpc/request';
import { Code, TtrpcError } from '../../src/ttrpc';
import { taskCall, type TaskMethod } from './arbitraries';
import { asyncTarget, type FuzzTarget, syncTarget } from './target';
import { checkControl, checkNoErrorLogs, FUZZ_MAX_MESSAGE, type LiveServer, startLiveServer, stopLiveServer } from './ttrpc';

interface Codec {
  encode(m: unknown): { finish(): Uint8Array };
  decode(b: Uint8Array): unknown;
}

function methodsByName(def: { methods: Record<string, { name: string; requestType: unknown; responseType: unknown }> }): Map<string, { request: Codec; response: Codec }> {
  return new Map(Object.values(def.methods).map((m) => [m.name, { request: m.requestType as Codec, response: m.responseType as Codec }]));
}

const V2 = methodsByName(TaskV2);
const V3 = methodsByName(TaskV3);

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

function decodeOutcome(codec: Codec, bytes: Uint8Array): Outcome {
  try {
    return { ok: true, value: codec.decode(bytes) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Decoding either fails with an Error or yields a message that re-encodes to itself. */
function checkDecode(method: TaskMethod, bytes: Uint8Array): void {
  const v2 = V2.get(method.name)!.request;
  const v3 = V3.get(method.name)!.request;
  const a = decodeOutcome(v2, bytes);
  const b = decodeOutcome(v3, bytes);
  assert.equal(a.ok, b.ok, `${method.name}: v2 and v3 disagree on whether the bytes decode`);
  if (!a.ok) {
    assert.ok(a.error instanceof Error, `${method.name}: decode threw a non-Error ${String(a.error)}`);
    return;
  }
  assert.deepEqual((b as { value: unknown }).value, a.value, `${method.name}: v2 and v3 decode differently`);
  const again = v2.decode(v2.encode(a.value).finish());
  assert.deepEqual(again, a.value, `${method.name}: decode(encode(m)) differs from m`);
}

export const taskDecode: FuzzTarget = syncTarget('task.decode', () => fc.property(taskCall, ({ method, payload }) => checkDecode(method, payload)));

/** Codes a handler may answer with: typed errors only (UNKNOWN would be a TypeError or the like). */
const HANDLER_CODES: ReadonlySet<number> = new Set([Code.INVALID_ARGUMENT, Code.NOT_FOUND, Code.ALREADY_EXISTS, Code.FAILED_PRECONDITION, Code.UNIMPLEMENTED]);

/** The size of the Request envelope the client sends (the server's limit applies to it). */
function envelopeLength(service: string, method: string, payload: Uint8Array, timeoutMs: number): number {
  return Request.encode({ service, method, payload: Buffer.from(payload), timeoutNano: BigInt(timeoutMs) * 1_000_000n, metadata: [] }).finish().length;
}

async function checkCall(live: LiveServer, service: string, method: TaskMethod, payload: Uint8Array): Promise<void> {
  const codecs = (service.endsWith('v3.Task') ? V3 : V2).get(method.name)!;
  const local = decodeOutcome(codecs.request, payload);
  // Wait blocks on a created or running container: a short deadline ends it
  const timeoutMs = method.name === 'Wait' ? 5 : 10_000;
  let result: Uint8Array;
  try {
    result = await live.control.call(service, method.name, payload, { timeoutMs });
  } catch (err) {
    assert.ok(err instanceof TtrpcError, `${method.name}: rejected with ${String(err)}`);
    if (err.code === Code.RESOURCE_EXHAUSTED && envelopeLength(service, method.name, payload, timeoutMs) > FUZZ_MAX_MESSAGE) return;
    // the client's own 5 ms timer may also fire before any answer arrives
    if (err.code === Code.DEADLINE_EXCEEDED && method.name === 'Wait') return;
    if (!local.ok) {
      assert.equal(err.code, Code.INVALID_ARGUMENT, `${method.name}: undecodable request answered ${Code[err.code]}: ${err.message}`);
      assert.match(err.message, /^decode /);
      return;
    }
    assert.ok(HANDLER_CODES.has(err.code), `${method.name}: ${Code[err.code] ?? err.code}: ${err.message}`);
    return;
  }
  assert.ok(local.ok, `${method.name}: an undecodable request succeeded`);
  codecs.response.decode(result);
}

/** Sequences of Task calls (valid, mutated, random payloads) through the server's handler path. */
export const taskServer: FuzzTarget = asyncTarget(
  'task.server',
  startLiveServer,
  fc.array(fc.tuple(fc.constantFrom('containerd.task.v2.Task', 'containerd.task.v3.Task'), taskCall), { minLength: 1, maxLength: 6 }),
  async (live, calls) => {
    live.model.reset();
    for (const [service, { method, payload }] of calls) await checkCall(live, service, method, payload);
    await checkControl(live);
    checkNoErrorLogs(live);
  },
  stopLiveServer,
);
