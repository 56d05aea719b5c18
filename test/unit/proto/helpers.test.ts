// src/proto helpers: Any packing with containerd's type URLs, task events, options decoding,
// other payloads and Timestamp conversions.
import fc from 'fast-check';
import { InvalidArgumentError } from '../../../src/errors';
import { TaskExit } from '../../../src/gen/events/task';
import { Any } from '../../../src/gen/google/protobuf/any';
import { Metrics as V1Metrics } from '../../../src/gen/cgroups/cgroup1/stats/metrics';
import { Metrics as V2Metrics } from '../../../src/gen/cgroups/cgroup2/stats/metrics';
import { Options as RuncOptions } from '../../../src/gen/types/runc/options/oci';
import { Options as RuntimeOptions } from '../../../src/gen/types/runtimeoptions/v1/api';
import {
  decodeShimOptions,
  encodeMessage,
  exitedAtTimestamp,
  GO_ZERO_TIME_SECONDS,
  goZeroTimestamp,
  isEmptyAny,
  isZeroTimestamp,
  nowTimestamp,
  packAny,
  packCgroupsV1Metrics,
  packCgroupsV2Metrics,
  packJson,
  packMessage,
  packProcessDetails,
  packTaskEvent,
  TASK_EVENTS,
  taskEventEnvelope,
  taskEventTopic,
  timestampFromDate,
  timestampFromNanos,
  timestampToDate,
  timestampToNanos,
  TypeUrl,
  typeUrlMatches,
  unpackCgroupsMetrics,
  unpackCheckpointOptions,
  unpackJson,
  unpackMessage,
  unpackProcessDetails,
  unpackTaskEvent,
} from '../../../src/proto';
import { protocEncode } from './protoc-encode';

describe('type URLs', () => {
  test('are the bare names containerd registers', () => {
    expect(TypeUrl.runcOptions).toBe('containerd.runc.v1.Options');
    expect(TypeUrl.runtimeOptions).toBe('runtimeoptions.v1.Options');
    expect(TypeUrl.taskExit).toBe('containerd.events.TaskExit');
    expect(TypeUrl.cgroupsV1Metrics).toBe('io.containerd.cgroups.v1.Metrics');
    expect(TypeUrl.cgroupsV2Metrics).toBe('io.containerd.cgroups.v2.Metrics');
    expect(TypeUrl.runcProcessDetails).toBe('containerd.runc.v1.ProcessDetails');
    expect(TypeUrl.ociProcess).toBe('types.containerd.io/opencontainers/runtime-spec/1/Process');
    expect(TypeUrl.ociLinuxResources).toBe('types.containerd.io/opencontainers/runtime-spec/1/LinuxResources');
  });

  test('matching accepts bare and prefixed message names, JSON URLs only exactly', () => {
    expect(typeUrlMatches('containerd.runc.v1.Options', TypeUrl.runcOptions)).toBe(true);
    expect(typeUrlMatches('type.googleapis.com/containerd.runc.v1.Options', TypeUrl.runcOptions)).toBe(true);
    expect(typeUrlMatches('containerd.runc.v1.Optionsx', TypeUrl.runcOptions)).toBe(false);
    expect(typeUrlMatches('x/containerd.runc.v2.Options', TypeUrl.runcOptions)).toBe(false);
    expect(typeUrlMatches(TypeUrl.ociProcess, TypeUrl.ociProcess)).toBe(true);
    expect(typeUrlMatches('other/Process', TypeUrl.ociProcess)).toBe(false);
  });
});

describe('Any packing', () => {
  test('packAny keeps the type URL verbatim and encodes like protoc', () => {
    const any = packAny('containerd.events.TaskOOM', Uint8Array.of(0x0a, 0x01, 0x63));
    expect(Buffer.isBuffer(any.value)).toBe(true);
    expect(encodeMessage(Any, any)).toEqual(
      protocEncode('google.protobuf.Any', 'google/protobuf/any.proto', 'type_url: "containerd.events.TaskOOM" value: "\\n\\001c"'),
    );
  });

  test('packMessage / unpackMessage round trip and refuse other types', () => {
    const exit = TaskExit.fromPartial({ containerId: 'c', id: 'c', pid: 3, exitStatus: 1 });
    const any = packMessage(TypeUrl.taskExit, TaskExit, exit);
    expect(any.typeUrl).toBe('containerd.events.TaskExit');
    expect(unpackMessage(any, TypeUrl.taskExit, TaskExit, 'f')).toEqual(exit);
    expect(unpackMessage({ ...any, typeUrl: 'type.googleapis.com/containerd.events.TaskExit' }, TypeUrl.taskExit, TaskExit, 'f')).toEqual(exit);
    expect(() => unpackMessage(any, TypeUrl.taskOOM, TaskExit, 'Envelope.event')).toThrow(
      new InvalidArgumentError('Envelope.event: type URL is "containerd.events.TaskExit", expected "containerd.events.TaskOOM"'),
    );
    expect(() => unpackMessage(undefined, TypeUrl.taskOOM, TaskExit, 'f')).toThrow(InvalidArgumentError);
  });

  test('malformed bytes become InvalidArgumentError naming the field', () => {
    const bad = packAny(TypeUrl.taskExit, Uint8Array.of(0x0a, 0x10, 0x41));
    expect(() => unpackMessage(bad, TypeUrl.taskExit, TaskExit, 'Envelope.event')).toThrow(/^Envelope\.event \(containerd\.events\.TaskExit\): not a valid protobuf/);
    expect(() => unpackMessage(bad, TypeUrl.taskExit, TaskExit, 'f')).toThrow(InvalidArgumentError);
  });

  test('JSON payloads', () => {
    const any = packJson(TypeUrl.ociProcess, { args: ['sh'], cwd: '/' });
    expect(any.value.toString()).toBe('{"args":["sh"],"cwd":"/"}');
    expect(unpackJson(any, 'ExecProcessRequest.spec')).toEqual({ args: ['sh'], cwd: '/' });
    expect(() => unpackJson(packAny(TypeUrl.ociProcess, Buffer.from('{')), 'ExecProcessRequest.spec')).toThrow(
      /^ExecProcessRequest\.spec: value of types\.containerd\.io\/opencontainers\/runtime-spec\/1\/Process is not valid JSON/,
    );
    expect(() => unpackJson(undefined, 'UpdateTaskRequest.resources')).toThrow(InvalidArgumentError);
  });

  test('isEmptyAny', () => {
    expect(isEmptyAny(undefined)).toBe(true);
    expect(isEmptyAny(Any.decode(new Uint8Array(0)))).toBe(true);
    expect(isEmptyAny(packAny('x', new Uint8Array(0)))).toBe(false);
  });
});

describe('task events', () => {
  test('every event has its containerd topic and bare type URL', () => {
    const topics = Object.fromEntries(Object.entries(TASK_EVENTS).map(([n, s]) => [n, [s.topic, s.typeUrl]]));
    expect(topics).toEqual({
      TaskCreate: ['/tasks/create', 'containerd.events.TaskCreate'],
      TaskStart: ['/tasks/start', 'containerd.events.TaskStart'],
      TaskDelete: ['/tasks/delete', 'containerd.events.TaskDelete'],
      TaskExit: ['/tasks/exit', 'containerd.events.TaskExit'],
      TaskOOM: ['/tasks/oom', 'containerd.events.TaskOOM'],
      TaskExecAdded: ['/tasks/exec-added', 'containerd.events.TaskExecAdded'],
      TaskExecStarted: ['/tasks/exec-started', 'containerd.events.TaskExecStarted'],
      TaskPaused: ['/tasks/paused', 'containerd.events.TaskPaused'],
      TaskResumed: ['/tasks/resumed', 'containerd.events.TaskResumed'],
      TaskCheckpointed: ['/tasks/checkpointed', 'containerd.events.TaskCheckpointed'],
    });
    expect(taskEventTopic('TaskExecStarted')).toBe('/tasks/exec-started');
  });

  test('packTaskEvent bytes equal protoc encoding of the event', () => {
    const { topic, event } = packTaskEvent('TaskExecStarted', { containerId: 'c1', execId: 'e1', pid: 42 });
    expect(topic).toBe('/tasks/exec-started');
    expect(event.typeUrl).toBe('containerd.events.TaskExecStarted');
    expect(event.value).toEqual(protocEncode('containerd.events.TaskExecStarted', 'events/task.proto', 'container_id: "c1" exec_id: "e1" pid: 42'));
  });

  test('taskEventEnvelope fills namespace, topic, a non-zero timestamp, and round-trips through unpackTaskEvent', () => {
    const env = taskEventEnvelope('default', 'TaskOOM', { containerId: 'c1' });
    expect(env.namespace).toBe('default');
    expect(env.topic).toBe('/tasks/oom');
    expect(isZeroTimestamp(env.timestamp)).toBe(false);
    expect(env.timestamp!.seconds).toBeGreaterThan(1_600_000_000n);
    expect(unpackTaskEvent(env.event)).toEqual({ name: 'TaskOOM', message: { containerId: 'c1' } });

    const fixed = taskEventEnvelope('k8s.io', 'TaskStart', { containerId: 'c', pid: 1 }, { seconds: 9n, nanos: 1 });
    expect(fixed.timestamp).toEqual({ seconds: 9n, nanos: 1 });
  });

  test('unpackTaskEvent rejects non-task events', () => {
    expect(() => unpackTaskEvent(packAny('containerd.events.ImageCreate', new Uint8Array(0)))).toThrow(
      new InvalidArgumentError('Envelope.event: type URL "containerd.events.ImageCreate" is not a containerd task event'),
    );
    expect(() => unpackTaskEvent(undefined)).toThrow(InvalidArgumentError);
  });
});

describe('decodeShimOptions', () => {
  test('no options: absent, or an empty Any from empty start stdin', () => {
    expect(decodeShimOptions(undefined)).toMatchObject({ kind: 'none', typeUrl: '', root: '', systemdCgroup: false, configPath: '' });
    expect(decodeShimOptions(Any.decode(new Uint8Array(0))).kind).toBe('none');
  });

  test('runtimeoptions.v1.Options from the 46 observed start-stdin bytes (ctr --runtime-config-path)', () => {
    const stdin = protocEncode(
      'google.protobuf.Any',
      'google/protobuf/any.proto',
      `type_url: "runtimeoptions.v1.Options" value: "\\022\\017/etc/tsrun.toml"`,
    );
    expect(stdin).toHaveLength(46);
    const o = decodeShimOptions(Any.decode(stdin), 'start stdin');
    expect(o).toMatchObject({ kind: 'runtimeoptions', typeUrl: 'runtimeoptions.v1.Options', configPath: '/etc/tsrun.toml', configTypeUrl: '' });
    expect(o.configBody).toHaveLength(0);
  });

  test('runtimeoptions.v1.Options with CRI config_body (1.7+)', () => {
    const any = packMessage(TypeUrl.runtimeOptions, RuntimeOptions, {
      typeUrl: 'io.containerd.tsrun.v1.Options',
      configPath: '',
      configBody: Buffer.from('SystemdCgroup = true\n'),
    });
    const o = decodeShimOptions(any);
    expect(o.kind).toBe('runtimeoptions');
    expect(o.configTypeUrl).toBe('io.containerd.tsrun.v1.Options');
    expect(o.configBody.toString()).toBe('SystemdCgroup = true\n');
  });

  test('containerd.runc.v1.Options (bare and prefixed type URL)', () => {
    const value = RuncOptions.fromPartial({ systemdCgroup: true, root: '/run/containerd/runc', ioUid: 1000, ioGid: 1001, shimCgroup: '/s', binaryName: 'runc' });
    for (const typeUrl of ['containerd.runc.v1.Options', 'type.googleapis.com/containerd.runc.v1.Options']) {
      const o = decodeShimOptions(packAny(typeUrl, encodeMessage(RuncOptions, value)), 'CreateTaskRequest.options');
      expect(o).toMatchObject({
        kind: 'runc',
        typeUrl,
        systemdCgroup: true,
        root: '/run/containerd/runc',
        ioUid: 1000,
        ioGid: 1001,
        shimCgroup: '/s',
        noPivotRoot: false,
        configPath: '',
      });
    }
  });

  test('unknown option types and corrupt values are InvalidArgumentError naming the field', () => {
    expect(() => decodeShimOptions(packAny('io.containerd.runhcs.v1.Options', new Uint8Array(0)), 'CreateTaskRequest.options')).toThrow(
      new InvalidArgumentError(
        'CreateTaskRequest.options: unsupported options type "io.containerd.runhcs.v1.Options"; send containerd.runc.v1.Options or runtimeoptions.v1.Options (or no options)',
      ),
    );
    expect(() => decodeShimOptions(packAny(TypeUrl.runcOptions, Uint8Array.of(0x3a, 0x05, 0x2f)), 'CreateTaskRequest.options')).toThrow(
      /^CreateTaskRequest\.options \(containerd\.runc\.v1\.Options\): not a valid protobuf message/,
    );
  });

  test('never throws anything but InvalidArgumentError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom(TypeUrl.runcOptions, TypeUrl.runtimeOptions, 'x'), fc.uint8Array({ maxLength: 64 }), (typeUrl, bytes) => {
        try {
          decodeShimOptions(packAny(typeUrl, bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidArgumentError);
        }
      }),
    );
  });
});

describe('other payloads', () => {
  test('cgroups metrics pack under their type URLs and unpack by version', () => {
    const a1 = packCgroupsV1Metrics(V1Metrics.fromPartial({ memoryOomControl: { oomKill: 1n } }));
    expect(a1.typeUrl).toBe('io.containerd.cgroups.v1.Metrics');
    const u1 = unpackCgroupsMetrics(a1);
    expect(u1.version).toBe(1);
    expect(u1.version === 1 && u1.metrics.memoryOomControl?.oomKill).toBe(1n);

    const a2 = packCgroupsV2Metrics(V2Metrics.fromPartial({ memoryEvents: { oomKill: 2n } }));
    expect(a2.typeUrl).toBe('io.containerd.cgroups.v2.Metrics');
    const u2 = unpackCgroupsMetrics(a2);
    expect(u2.version === 2 && u2.metrics.memoryEvents?.oomKill).toBe(2n);

    expect(() => unpackCgroupsMetrics(packAny('x', new Uint8Array(0)))).toThrow(InvalidArgumentError);
  });

  test('ProcessDetails for Pids', () => {
    const any = packProcessDetails('exec-1');
    expect(any.typeUrl).toBe('containerd.runc.v1.ProcessDetails');
    expect(any.value).toEqual(protocEncode('containerd.runc.v1.ProcessDetails', 'types/runc/options/oci.proto', 'exec_id: "exec-1"'));
    expect(unpackProcessDetails(any)).toBe('exec-1');
    expect(unpackProcessDetails(undefined)).toBe('');
  });

  test('CheckpointOptions default when absent', () => {
    expect(unpackCheckpointOptions(undefined)).toMatchObject({ exit: false, imagePath: '', emptyNamespaces: [] });
  });
});

describe('timestamps', () => {
  test('Go zero time', () => {
    expect(GO_ZERO_TIME_SECONDS).toBe(-62135596800n);
    expect(goZeroTimestamp()).toEqual({ seconds: -62135596800n, nanos: 0 });
    expect(timestampToDate(goZeroTimestamp()).toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(isZeroTimestamp(undefined)).toBe(true);
    expect(isZeroTimestamp(goZeroTimestamp())).toBe(true);
    expect(isZeroTimestamp({ seconds: 0n, nanos: 0 })).toBe(false);
    expect(exitedAtTimestamp(undefined)).toEqual(goZeroTimestamp());
  });

  test('Date and nanosecond conversions', () => {
    expect(timestampFromDate(new Date('2026-12-01T13:28:03.456Z'))).toEqual({ seconds: 1796131683n, nanos: 456_000_000 });
    expect(timestampFromNanos(-1n)).toEqual({ seconds: -1n, nanos: 999_999_999 });
    expect(timestampToDate({ seconds: -1n, nanos: 999_999_999 }).getTime()).toBe(-1);
    expect(exitedAtTimestamp(1_700_000_000_123_456_789n)).toEqual({ seconds: 1_700_000_000n, nanos: 123_456_789 });
    expect(exitedAtTimestamp(new Date(1500))).toEqual({ seconds: 1n, nanos: 500_000_000 });
    expect(nowTimestamp(() => 2_000)).toEqual({ seconds: 2n, nanos: 0 });
    expect(() => timestampFromDate(new Date(NaN))).toThrow(RangeError);
  });

  test('nanoseconds round trip, nanos always in [0, 1e9)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -62135596800n * 1_000_000_000n, max: 253402300799n * 1_000_000_000n }), (ns) => {
        const ts = timestampFromNanos(ns);
        expect(ts.nanos).toBeGreaterThanOrEqual(0);
        expect(ts.nanos).toBeLessThan(1_000_000_000);
        expect(timestampToNanos(ts)).toBe(ns);
      }),
    );
  });

  test('Date round trip (milliseconds)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (d) => {
        expect(timestampToDate(timestampFromDate(d)).getTime()).toBe(d.getTime());
      }),
    );
  });
});
