// Property tests: generated encoders and decoders are inverse for arbitrary Task API messages, and
// decoding skips unknown fields (newer containerd versions may add some).
import fc from 'fast-check';
import { Any } from '../../../src/gen/google/protobuf/any';
import { CreateTaskRequest, StateResponse } from '../../../src/gen/runtime/task/v2/shim';
import { ForwardRequest } from '../../../src/gen/services/ttrpc/events/v1/events';
import { BootstrapParams, LogLevel } from '../../../src/gen/runtime/bootstrap/v1/bootstrap';
import { Status } from '../../../src/gen/types/task/task';
import { encodeMessage } from '../../../src/proto';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const str = fc.string({ maxLength: 20 });
const bytes = fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b));
const timestamp = fc.record({ seconds: fc.bigInt({ min: -62135596800n, max: 253402300799n }), nanos: fc.integer({ min: 0, max: 999_999_999 }) });
const any = fc.record({ typeUrl: str, value: bytes });
const mount = fc.record({ type: str, source: str, target: str, options: fc.array(str, { maxLength: 4 }) });

test('CreateTaskRequest round trip', () => {
  fc.assert(
    fc.property(
      fc.record({
        id: str,
        bundle: str,
        rootfs: fc.array(mount, { maxLength: 3 }),
        terminal: fc.boolean(),
        stdin: str,
        stdout: str,
        stderr: str,
        checkpoint: str,
        parentCheckpoint: str,
        options: fc.option(any, { nil: undefined }),
      }),
      (msg) => {
        expect(CreateTaskRequest.decode(encodeMessage(CreateTaskRequest, msg))).toEqual(msg);
      },
    ),
  );
});

test('StateResponse round trip (all Status values)', () => {
  fc.assert(
    fc.property(
      fc.record({
        id: str,
        bundle: str,
        pid: u32,
        status: fc.constantFrom(Status.UNKNOWN, Status.CREATED, Status.RUNNING, Status.STOPPED, Status.PAUSED, Status.PAUSING),
        stdin: str,
        stdout: str,
        stderr: str,
        terminal: fc.boolean(),
        exitStatus: u32,
        exitedAt: fc.option(timestamp, { nil: undefined }),
        execId: str,
      }),
      (msg) => {
        expect(StateResponse.decode(encodeMessage(StateResponse, msg))).toEqual(msg);
      },
    ),
  );
});

test('ForwardRequest round trip', () => {
  fc.assert(
    fc.property(fc.record({ timestamp, namespace: str, topic: str, event: any }), (envelope) => {
      expect(ForwardRequest.decode(encodeMessage(ForwardRequest, { envelope }))).toEqual({ envelope });
    }),
  );
});

test('BootstrapParams round trip keeps negative log levels and the optional socket_dir presence', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...(Object.values(LogLevel).filter((v) => typeof v === 'number') as LogLevel[])),
      fc.option(str, { nil: undefined }),
      (logLevel, socketDir) => {
        const msg = BootstrapParams.fromPartial({ instanceId: 'c', namespace: 'n', logLevel, socketDir });
        expect(BootstrapParams.decode(encodeMessage(BootstrapParams, msg))).toEqual(msg);
      },
    ),
  );
});

test('unknown fields are skipped when decoding', () => {
  const known = encodeMessage(Any, { typeUrl: 't', value: Buffer.from([1]) });
  // field 15 varint 1, field 16 length-delimited "ab", field 17 fixed64, field 18 fixed32
  const unknown = Buffer.from([0x78, 0x01, 0x82, 0x01, 0x02, 0x61, 0x62, 0x89, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0x95, 0x01, 1, 2, 3, 4]);
  const req = encodeMessage(CreateTaskRequest, CreateTaskRequest.fromPartial({ id: 'x' }));
  expect(Any.decode(Buffer.concat([unknown, known]))).toEqual({ typeUrl: 't', value: Buffer.from([1]) });
  expect(CreateTaskRequest.decode(Buffer.concat([req, unknown])).id).toBe('x');
});
