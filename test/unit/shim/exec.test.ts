// Exec ids in the task service, with fakes: lifecycle and codes, events, IO drained and closed at
// the exec's exit, the init's TaskExit held back until its execs exited, Pids' ProcessDetails.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateTaskRequest, ExecProcessRequest } from '../../../src/gen/runtime/task/v2/shim';
import { ProcessDetails } from '../../../src/gen/types/runc/options/oci';
import { Status } from '../../../src/gen/types/task/task';
import { packJson } from '../../../src/proto/any';
import type { ExecHandle, SpawnExecFn } from '../../../src/shim/ports';
import { TaskService } from '../../../src/shim/task-service';
import { Code, TtrpcError } from '../../../src/ttrpc/status';
import { ContainerSetupError } from '../../../src/linux/errors';
import { EventRecorder, FakeIO, FakeRootfs, fakeFactory } from '../../helpers/fake-container';

const quiet = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

class FakeExec implements ExecHandle {
  readonly exited: Promise<{ status: number }>;
  started = false;
  startGate: Promise<void> = Promise.resolve();
  signals: number[] = [];
  private resolveExit!: (s: { status: number }) => void;
  constructor(readonly pid: number) {
    this.exited = new Promise((r) => (this.resolveExit = r));
  }
  async start(): Promise<void> {
    await this.startGate;
    this.started = true;
  }
  kill(signal: number): void {
    this.signals.push(signal);
    this.exit(128 + signal);
  }
  exit(status: number): void {
    this.resolveExit({ status });
  }
}

function setup() {
  const bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-exec-'));
  const events = new EventRecorder();
  const factory = fakeFactory();
  const ios: FakeIO[] = [];
  const execs: FakeExec[] = [];
  const requests: Array<Parameters<SpawnExecFn>[2]> = [];
  const gates = { next: Promise.resolve() };
  const failures: { spawn?: Error; start?: Error } = {};
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
    rootfs: new FakeRootfs(),
    spawnExec: async (_c, _id, req) => {
      requests.push(req);
      if (failures.spawn !== undefined) {
        const err = failures.spawn;
        failures.spawn = undefined;
        throw err;
      }
      const e = new FakeExec(2000 + execs.length);
      e.startGate = gates.next;
      if (failures.start !== undefined) {
        const err = failures.start;
        failures.start = undefined;
        e.startGate = Promise.reject(err);
        e.startGate.catch(() => {});
      }
      execs.push(e);
      return e;
    },
    onShutdown: () => {},
  });
  const create = async () => {
    await svc.create({ ...CreateTaskRequest.fromPartial({}), id: 'c1', bundle, stdout: '/fifo/out' });
  };
  const execReq = (execId: string, proc: object = { args: ['sh'], cwd: '/', user: { uid: 0, gid: 0 } }): ExecProcessRequest => ({
    id: 'c1', execId, terminal: false, stdin: '', stdout: `/fifo/${execId}-out`, stderr: '',
    spec: packJson('types.containerd.io/opencontainers/runtime-spec/1/Process', proc),
  });
  const failNextSpawn = (e: Error): void => void (failures.spawn = e);
  const failNextStart = (e: Error): void => void (failures.start = e);
  return { svc, events, factory, ios, execs, requests, gates, create, execReq, failNextSpawn, failNextStart, cleanup: () => fs.rmSync(bundle, { recursive: true, force: true }) };
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

describe('TaskService exec ids', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });
  afterEach(() => t.cleanup());

  it('exec → start → state → exit → wait → delete, with codes, events and IO handling', async () => {
    await t.create();
    expect(await code(t.svc.exec(t.execReq('e1')))).toBe(Code.FAILED_PRECONDITION); // not started yet
    await t.svc.start({ id: 'c1', execId: '' });
    await t.svc.exec(t.execReq('e1'));
    expect(await code(t.svc.exec(t.execReq('e1')))).toBe(Code.ALREADY_EXISTS);
    expect(await code(t.svc.exec({ ...t.execReq('e2'), spec: undefined }))).toBe(Code.INVALID_ARGUMENT);
    expect(await code(t.svc.start({ id: 'c1', execId: 'nope' }))).toBe(Code.NOT_FOUND);
    expect((await t.svc.state({ id: 'c1', execId: 'e1' })).status).toBe(Status.CREATED);
    expect(await code(t.svc.kill({ id: 'c1', execId: 'e1', signal: 9, all: false }))).toBe(Code.NOT_FOUND);

    expect(await t.svc.start({ id: 'c1', execId: 'e1' })).toEqual({ pid: 2000 });
    expect(t.requests[0]!.process.args).toEqual(['sh']);
    expect(t.requests[0]!.stdio).toBe(t.ios[1]!.fds);
    expect(t.ios[1]!.released).toBe(true);
    expect(await t.svc.state({ id: 'c1', execId: 'e1' })).toMatchObject({ id: 'e1', execId: 'e1', pid: 2000, status: Status.RUNNING, stdout: '/fifo/e1-out' });
    expect(await code(t.svc.start({ id: 'c1', execId: 'e1' }))).toBe(Code.FAILED_PRECONDITION);
    expect(await code(t.svc.delete({ id: 'c1', execId: 'e1' }))).toBe(Code.FAILED_PRECONDITION);

    const waiting = t.svc.wait({ id: 'c1', execId: 'e1' });
    t.execs[0]!.exit(7);
    expect((await waiting).exitStatus).toBe(7);
    expect(t.ios[1]).toMatchObject({ drained: true, closed: true });
    expect((await t.svc.state({ id: 'c1', execId: 'e1' })).status).toBe(Status.STOPPED);
    expect(await t.svc.delete({ id: 'c1', execId: 'e1' })).toMatchObject({ pid: 2000, exitStatus: 7 });
    expect(await code(t.svc.state({ id: 'c1', execId: 'e1' }))).toBe(Code.NOT_FOUND);

    expect(t.events.topics).toEqual(['/tasks/create', '/tasks/start', '/tasks/exec-added', '/tasks/exec-started', '/tasks/exit']);
    expect(t.events.events[3]!.body).toEqual({ containerId: 'c1', execId: 'e1', pid: 2000 });
    expect(t.events.events[4]!.body).toMatchObject({ containerId: 'c1', id: 'e1', pid: 2000, exitStatus: 7 });
  });

  it('holds the init exit back until its running execs exited; Pids marks exec processes', async () => {
    await t.create();
    await t.svc.start({ id: 'c1', execId: '' });
    await t.svc.exec(t.execReq('e1'));
    await t.svc.start({ id: 'c1', execId: 'e1' });
    t.factory.made[0]!.pidList = [1000, 2000];
    const pids = await t.svc.pids({ id: 'c1' });
    expect(pids.processes[0]).toEqual({ pid: 1000, info: undefined });
    expect(pids.processes[1]!.info!.typeUrl).toBe('containerd.runc.v1.ProcessDetails');
    expect(ProcessDetails.decode(pids.processes[1]!.info!.value)).toEqual({ execId: 'e1' });

    await t.svc.kill({ id: 'c1', execId: 'e1', signal: 15, all: false });
    expect(t.execs[0]!.signals).toEqual([15]);
    t.execs.length = 0;
    await t.svc.exec(t.execReq('e2'));
    await t.svc.start({ id: 'c1', execId: 'e2' });
    t.factory.made[0]!.exit(137);
    await tick();
    await tick();
    expect(t.events.topics.filter((x) => x === '/tasks/exit')).toHaveLength(1); // e1 only
    expect((await t.svc.state({ id: 'c1', execId: '' })).status).not.toBe(Status.STOPPED);
    t.execs[0]!.exit(137);
    await t.svc.wait({ id: 'c1', execId: '' });
    await tick();
    const exits = t.events.events.filter((e) => e.topic === '/tasks/exit').map((e) => (e.body as { id: string }).id);
    expect(exits).toEqual(['e1', 'e2', 'c1']);
    await t.svc.delete({ id: 'c1', execId: '' });
    expect(t.ios.every((io) => io.closed)).toBe(true);
  });

  it('an exec that exits during Start: TaskExecStarted comes before its TaskExit', async () => {
    await t.create();
    await t.svc.start({ id: 'c1', execId: '' });
    await t.svc.exec(t.execReq('e1'));
    let release!: () => void;
    t.gates.next = new Promise<void>((r) => (release = r));
    const starting = t.svc.start({ id: 'c1', execId: 'e1' });
    await tick();
    t.execs[0]!.exit(0);
    await tick();
    await tick();
    expect(t.events.topics).not.toContain('/tasks/exit');
    release();
    await starting;
    await t.svc.wait({ id: 'c1', execId: 'e1' });
    expect(t.events.topics.slice(-2)).toEqual(['/tasks/exec-started', '/tasks/exit']);
  });

  it('paused container: Exec refused (Unknown, no exec-added), Start of an earlier exec refused (Unknown) without spawning, State PAUSED; after resume it starts', async () => {
    await t.create();
    await t.svc.start({ id: 'c1', execId: '' });
    await t.svc.exec(t.execReq('e1'));
    await t.svc.pause({ id: 'c1' });
    expect(await code(t.svc.exec(t.execReq('e2')))).toBe(Code.UNKNOWN);
    expect(await code(t.svc.start({ id: 'c1', execId: 'e1' }))).toBe(Code.UNKNOWN);
    expect(t.execs).toHaveLength(0);
    expect((await t.svc.state({ id: 'c1', execId: 'e1' })).status).toBe(Status.PAUSED);
    expect(t.events.topics.filter((x) => x === '/tasks/exec-added')).toHaveLength(1);
    await t.svc.resume({ id: 'c1' });
    expect(await t.svc.start({ id: 'c1', execId: 'e1' })).toEqual({ pid: 2000 });
  });

  it('a Start that fails before there is a process: Wait returns 0 at once, State CREATED pid 0, no TaskExit, Delete works', async () => {
    await t.create();
    await t.svc.start({ id: 'c1', execId: '' });
    await t.svc.exec(t.execReq('e1'));
    t.failNextSpawn(new Error('exec "/no/such/program": ENOENT'));
    expect(await code(t.svc.start({ id: 'c1', execId: 'e1' }))).toBe(Code.UNKNOWN);
    expect(await t.svc.wait({ id: 'c1', execId: 'e1' })).toMatchObject({ exitStatus: 0 });
    expect(await t.svc.state({ id: 'c1', execId: 'e1' })).toMatchObject({ status: Status.CREATED, pid: 0 });
    expect(await t.svc.delete({ id: 'c1', execId: 'e1' })).toMatchObject({ pid: 0, exitStatus: 0 });
    expect(t.events.topics).not.toContain('/tasks/exit');
    expect(t.ios[1]!.closed).toBe(true);
  });

  it('an execve that fails after the process was released counts as started: Start succeeds, exec-started, then its exit', async () => {
    await t.create();
    await t.svc.start({ id: 'c1', execId: '' });
    await t.svc.exec(t.execReq('e1'));
    t.failNextStart(Object.assign(new ContainerSetupError('exec "/tmp/bad"', 9, 'execve', '/tmp/bad', 2), { afterStart: true }));
    expect(await t.svc.start({ id: 'c1', execId: 'e1' })).toEqual({ pid: 2000 });
    t.execs[0]!.exit(127);
    expect(await t.svc.wait({ id: 'c1', execId: 'e1' })).toMatchObject({ exitStatus: 127 });
    expect(t.events.topics.slice(-3)).toEqual(['/tasks/exec-added', '/tasks/exec-started', '/tasks/exit']);
  });

  it('ResizePty: FailedPrecondition without a terminal (runc.v2 ignores it), also once the process has exited; NotFound for an unknown exec', async () => {
    await t.create();
    await t.svc.start({ id: 'c1', execId: '' });
    await t.svc.exec(t.execReq('e1'));
    await t.svc.start({ id: 'c1', execId: 'e1' });
    expect(await code(t.svc.resizePty({ id: 'c1', execId: 'e1', width: 80, height: 24 }))).toBe(Code.FAILED_PRECONDITION);
    expect(await code(t.svc.resizePty({ id: 'c1', execId: '', width: 80, height: 24 }))).toBe(Code.FAILED_PRECONDITION);
    t.execs[0]!.exit(0);
    await t.svc.wait({ id: 'c1', execId: 'e1' });
    expect(await code(t.svc.resizePty({ id: 'c1', execId: 'e1', width: 80, height: 24 }))).toBe(Code.FAILED_PRECONDITION);
    expect(await code(t.svc.resizePty({ id: 'c1', execId: 'nope', width: 80, height: 24 }))).toBe(Code.NOT_FOUND);
  });
});
