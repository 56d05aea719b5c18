import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateTaskRequest } from '../../../src/gen/runtime/task/v2/shim';
import { Status } from '../../../src/gen/types/task/task';
import { Code, TtrpcError } from '../../../src/ttrpc/status';
import { ownsPidNamespace, TaskService } from '../../../src/shim/task-service';
import { readShimState } from '../../../src/shim/shim-state';
import { EventRecorder, FakeIO, FakeRootfs, fakeFactory } from '../../helpers/fake-container';

const quiet = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

function setup(watchOom?: ConstructorParameters<typeof TaskService>[0]['watchOom']) {
  const bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-svc-'));
  const events = new EventRecorder();
  const factory = fakeFactory();
  const rootfs = new FakeRootfs();
  const ios: FakeIO[] = [];
  let shutdowns = 0;
  const svc = new TaskService({
    namespace: 'default',
    defaultRoot: '/run/tsrun-test',
    logger: quiet,
    events,
    createContainer: factory.create,
    openIO: async () => {
      const io = new FakeIO();
      ios.push(io);
      return io;
    },
    rootfs,
    ...(watchOom ? { watchOom } : {}),
    onShutdown: () => {
      shutdowns++;
    },
  });
  const req = (id = 'c1', extra: Partial<CreateTaskRequest> = {}): CreateTaskRequest => ({
    ...CreateTaskRequest.fromPartial({}),
    id,
    bundle,
    stdout: '/fifo/out',
    stderr: '/fifo/err',
    rootfs: [{ type: 'overlay', source: 'overlay', target: '', options: ['lowerdir=/l'] }],
    ...extra,
  });
  return { svc, events, factory, rootfs, ios, bundle, req, shutdowns: () => shutdowns, cleanup: () => fs.rmSync(bundle, { recursive: true, force: true }) };
}

async function code(p: Promise<unknown>): Promise<Code | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return err instanceof TtrpcError ? err.code : Code.UNKNOWN;
  }
}

const tick = () => new Promise((r) => setImmediate(r));

describe('TaskService lifecycle', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });
  afterEach(() => t.cleanup());

  it('create → start → exit → wait → delete, with events in order', async () => {
    const { pid } = await t.svc.create(t.req());
    expect(pid).toBe(1000);
    expect(t.rootfs.mounted.get(t.bundle)).toBe(1);
    expect(t.ios[0]!.released).toBe(true);
    expect(readShimState(t.bundle)).toEqual({ id: 'c1', namespace: 'default', root: '/run/tsrun-test' });
    expect((await t.svc.state({ id: 'c1', execId: '' })).status).toBe(Status.CREATED);

    const waiting = t.svc.wait({ id: 'c1', execId: '' });
    expect(await t.svc.start({ id: 'c1', execId: '' })).toEqual({ pid: 1000 });
    const st = await t.svc.state({ id: 'c1', execId: '' });
    expect(st).toMatchObject({ status: Status.RUNNING, stdout: '/fifo/out', stderr: '/fifo/err', stdin: '', bundle: t.bundle });
    expect(await code(t.svc.delete({ id: 'c1', execId: '' }))).toBe(Code.FAILED_PRECONDITION);

    t.factory.made[0]!.exit(3);
    const w = await waiting;
    expect(w.exitStatus).toBe(3);
    expect(w.exitedAt).toEqual({ seconds: 1_700_000_000n, nanos: 123_000_000 });
    expect((await t.svc.state({ id: 'c1', execId: '' })).status).toBe(Status.STOPPED);
    expect(await t.svc.wait({ id: 'c1', execId: '' })).toEqual(w);

    const del = await t.svc.delete({ id: 'c1', execId: '' });
    expect(del).toEqual({ pid: 1000, exitStatus: 3, exitedAt: w.exitedAt });
    expect(t.ios[0]).toMatchObject({ drained: true, closed: true });
    expect(t.factory.made[0]!.deleted).toBe(true);
    expect(t.rootfs.mounted.size).toBe(0);
    expect(readShimState(t.bundle)).toBeUndefined();
    expect(t.events.topics).toEqual(['/tasks/create', '/tasks/start', '/tasks/exit', '/tasks/delete']);
    expect(t.events.events[2]!.body).toMatchObject({ containerId: 'c1', id: 'c1', pid: 1000, exitStatus: 3 });
    expect(await code(t.svc.state({ id: 'c1', execId: '' }))).toBe(Code.NOT_FOUND);
  });

  it('publishes TaskStart before the exit of a process that dies during Start', async () => {
    await t.svc.create(t.req());
    const c = t.factory.made[0]!;
    let release!: () => void;
    c.startGate = new Promise((r) => (release = r));
    const starting = t.svc.start({ id: 'c1', execId: '' });
    await tick();
    c.exit(1);
    await tick();
    expect(t.events.topics).toEqual(['/tasks/create']);
    release();
    await starting;
    expect(t.events.topics).toEqual(['/tasks/create', '/tasks/start', '/tasks/exit']);
  });

  it('kill: SIGKILL gives 137, a finished process is NotFound, all=true is passed on', async () => {
    await t.svc.create(t.req());
    await t.svc.start({ id: 'c1', execId: '' });
    await t.svc.kill({ id: 'c1', execId: '', signal: 9, all: true });
    expect(t.factory.made[0]!.kills).toEqual([{ signal: 9, all: true }]);
    expect((await t.svc.wait({ id: 'c1', execId: '' })).exitStatus).toBe(137);
    expect(await code(t.svc.kill({ id: 'c1', execId: '', signal: 9, all: false }))).toBe(Code.NOT_FOUND);
    expect(await code(t.svc.kill({ id: 'c1', execId: '', signal: 0, all: false }))).toBe(Code.INVALID_ARGUMENT);
  });

  it('delete of a created (never started) container kills it and reports 137', async () => {
    await t.svc.create(t.req());
    const del = await t.svc.delete({ id: 'c1', execId: '' });
    expect(del.exitStatus).toBe(137);
    expect(t.events.topics).toEqual(['/tasks/create', '/tasks/exit', '/tasks/delete']);
  });

  it('returns the right codes for bad ids, duplicates and states', async () => {
    expect(await code(t.svc.start({ id: 'nope', execId: '' }))).toBe(Code.NOT_FOUND);
    expect(await code(t.svc.state({ id: '', execId: '' }))).toBe(Code.INVALID_ARGUMENT);
    expect(await code(t.svc.create(t.req('c1', { bundle: 'relative' })))).toBe(Code.INVALID_ARGUMENT);
    await expect(t.svc.create(t.req('c1', { bundle: path.join(t.bundle, 'missing') }))).rejects.toThrow(/missing: no such directory/);
    expect(await code(t.svc.create(t.req('c1', { checkpoint: '/cp' })))).toBe(Code.UNIMPLEMENTED);
    const first = t.svc.create(t.req());
    expect(await code(t.svc.create(t.req()))).toBe(Code.ALREADY_EXISTS);
    await first;
    expect(await code(t.svc.create(t.req()))).toBe(Code.ALREADY_EXISTS);
    await t.svc.start({ id: 'c1', execId: '' });
    expect(await code(t.svc.start({ id: 'c1', execId: '' }))).toBe(Code.FAILED_PRECONDITION);
    expect(await code(t.svc.state({ id: 'c1', execId: 'e1' }))).toBe(Code.NOT_FOUND);
    expect(await code(t.svc.exec({ id: 'c1', execId: '', terminal: false, stdin: '', stdout: '', stderr: '', spec: undefined }))).toBe(Code.INVALID_ARGUMENT);
    expect(await code(t.svc.pause({ id: 'nope' }))).toBe(Code.NOT_FOUND);
    expect(await code(t.svc.stats({ id: 'nope' }))).toBe(Code.NOT_FOUND);
    // The fake container has no cgroup: no statistics.
    expect(await code(t.svc.stats({ id: 'c1' }))).toBe(Code.FAILED_PRECONDITION);
    const json = (text: string) => ({ typeUrl: 'types.containerd.io/opencontainers/runtime-spec/1/LinuxResources', value: Buffer.from(text) });
    expect(await code(t.svc.update({ id: 'c1', resources: undefined, annotations: {} }))).toBe(Code.INVALID_ARGUMENT);
    await expect(t.svc.update({ id: 'c1', resources: json('{"memory":{"limit":"lots"}}'), annotations: {} })).rejects.toThrow(
      /^UpdateTaskRequest.resources: memory.limit: /,
    );
    expect(await code(t.svc.update({ id: 'c1', resources: json('{not json'), annotations: {} }))).toBe(Code.INVALID_ARGUMENT);
  });

  it('pause and resume publish /tasks/paused and /tasks/resumed; update reaches the container', async () => {
    await t.svc.create(t.req());
    await t.svc.start({ id: 'c1', execId: '' });
    await t.svc.pause({ id: 'c1' });
    await t.svc.resume({ id: 'c1' });
    expect(t.events.topics).toEqual(['/tasks/create', '/tasks/start', '/tasks/paused', '/tasks/resumed']);
    expect(t.events.events[2]!.body).toEqual({ containerId: 'c1' });
    const resources = { typeUrl: 'x', value: Buffer.from('{"memory":{"limit":33554432},"cpu":{"shares":512}}') };
    await expect(t.svc.update({ id: 'c1', resources, annotations: { a: 'b' } })).resolves.toEqual({});
  });

  it('undoes mounts, IO and the state file when the runtime refuses the bundle', async () => {
    t.factory.fail = new Error('config.json: process.args: must be a non-empty array');
    await expect(t.svc.create(t.req())).rejects.toThrow('process.args');
    expect(t.rootfs.mounted.size).toBe(0);
    expect(t.ios[0]!.closed).toBe(true);
    expect(readShimState(t.bundle)).toBeUndefined();
    expect(t.svc.size).toBe(0);
    expect(await code(t.svc.delete({ id: 'c1', execId: '' }))).toBe(Code.NOT_FOUND);
    t.factory.fail = undefined;
    await t.svc.create(t.req());
  });

  it('a failing rootfs mount is reported and leaves nothing behind', async () => {
    t.rootfs.failMount = true;
    await expect(t.svc.create(t.req())).rejects.toThrow('mount overlay');
    expect(t.ios).toHaveLength(0);
    expect(t.svc.size).toBe(0);
  });

  it('pids is never empty while alive and empty once stopped', async () => {
    await t.svc.create(t.req());
    t.factory.made[0]!.pidList = [];
    expect((await t.svc.pids({ id: 'c1' })).processes).toEqual([{ pid: 1000, info: undefined }]);
    t.factory.made[0]!.pidList = [1000, 1001];
    expect((await t.svc.pids({ id: 'c1' })).processes.map((p) => p.pid)).toEqual([1000, 1001]);
    t.factory.made[0]!.exit(0);
    await tick();
    expect((await t.svc.pids({ id: 'c1' })).processes).toEqual([]);
  });

  it('connect never fails; shutdown is a no-op while containers remain', async () => {
    expect(await t.svc.connect({ id: 'unknown' })).toMatchObject({ shimPid: process.pid, taskPid: 0 });
    await t.svc.create(t.req());
    expect((await t.svc.connect({ id: 'c1' })).taskPid).toBe(1000);
    await t.svc.shutdown({ id: 'c1', now: false });
    expect(t.shutdowns()).toBe(0);
    await t.svc.kill({ id: 'c1', execId: '', signal: 9, all: false });
    await t.svc.delete({ id: 'c1', execId: '' });
    await t.svc.shutdown({ id: 'c1', now: false });
    expect(t.shutdowns()).toBe(1);
  });

  it('closeIO closes the stdin hold; wait honours cancellation', async () => {
    await t.svc.create(t.req());
    await t.svc.closeIO({ id: 'c1', execId: '', stdin: true });
    expect(t.ios[0]!.stdinClosed).toBe(true);
    const ac = new AbortController();
    const w = t.svc.wait({ id: 'c1', execId: '' }, { signal: ac.signal });
    ac.abort();
    expect(await code(w)).toBe(Code.CANCELLED);
  });

  it('publishes an OOM kill found at exit before the exit itself, and closes the watch at delete', async () => {
    let onOom!: () => void;
    let closed = false;
    const o = setup((_c, cb) => {
      onOom = cb;
      return { check: async () => onOom(), close: () => void (closed = true) };
    });
    try {
      await o.svc.create(o.req());
      await o.svc.start({ id: 'c1', execId: '' });
      o.factory.made[0]!.exit(137);
      await o.svc.wait({ id: 'c1', execId: '' });
      expect(o.events.topics).toEqual(['/tasks/create', '/tasks/start', '/tasks/oom', '/tasks/exit']);
      await o.svc.delete({ id: 'c1', execId: '' });
      expect(closed).toBe(true);
    } finally {
      o.cleanup();
    }
  });

  it('kills what is left of a container without its own pid namespace when init exits', async () => {
    await t.svc.create(t.req());
    const c = t.factory.made[0]!;
    c.spec = { ociVersion: '1.0.2', linux: { namespaces: [{ type: 'mount' }] } };
    await t.svc.start({ id: 'c1', execId: '' });
    c.exit(0);
    await t.svc.wait({ id: 'c1', execId: '' });
    await tick();
    expect(c.kills).toEqual([{ signal: 9, all: true }]);
    expect(ownsPidNamespace({ spec: { ociVersion: '1.0.2', linux: { namespaces: [{ type: 'pid' }] } } })).toBe(true);
    expect(ownsPidNamespace({ spec: { ociVersion: '1.0.2', linux: { namespaces: [{ type: 'pid', path: '/proc/1/ns/pid' }] } } })).toBe(false);
  });

  it('hosts several containers (pod grouping) independently', async () => {
    const b2 = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-svc-'));
    try {
      await t.svc.create(t.req('a'));
      await t.svc.create(t.req('b', { bundle: b2 }));
      await t.svc.kill({ id: 'a', execId: '', signal: 15, all: false });
      await t.svc.delete({ id: 'a', execId: '' });
      expect((await t.svc.state({ id: 'b', execId: '' })).status).toBe(Status.CREATED);
      expect(t.svc.size).toBe(1);
    } finally {
      fs.rmSync(b2, { recursive: true, force: true });
    }
  });
});
