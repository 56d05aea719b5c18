// Create with a checkpoint (restored at Start, as runc.v2) and Task.Checkpoint, with fakes.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Container, CreateOptions, RestoreContainerOptions } from '../../../src/container';
import { CreateTaskRequest } from '../../../src/gen/runtime/task/v2/shim';
import { Options as RuncOptions } from '../../../src/gen/types/runc/options/oci';
import { Status } from '../../../src/gen/types/task/task';
import { defaultSpec, formatSpec } from '../../../src/runtime/default-spec';
import { TaskService } from '../../../src/shim/task-service';
import { Code, TtrpcError } from '../../../src/ttrpc/status';
import { EventRecorder, FakeContainer, FakeIO, FakeRootfs } from '../../helpers/fake-container';

const quiet = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

async function code(p: Promise<unknown>): Promise<Code | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return err instanceof TtrpcError ? err.code : Code.UNKNOWN;
  }
}

function setup() {
  const bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-restore-'));
  fs.writeFileSync(path.join(bundle, 'config.json'), formatSpec(defaultSpec({ rootless: false })));
  const events = new EventRecorder();
  const restores: RestoreContainerOptions[] = [];
  const ios: FakeIO[] = [];
  let failRestore: Error | undefined;
  const made: FakeContainer[] = [];
  const svc = new TaskService({
    namespace: 'default',
    defaultRoot: '/run/tsrun-test',
    logger: quiet,
    events,
    createContainer: async (o: CreateOptions): Promise<Container> => new FakeContainer(o.id, o.bundle, o.root, 1000),
    restoreContainer: async (o) => {
      restores.push(o);
      if (failRestore) throw failRestore;
      const c = new FakeContainer(o.id, o.bundle, o.root, 2000);
      c.started = true;
      made.push(c);
      return c;
    },
    openIO: async () => {
      const io = new FakeIO();
      ios.push(io);
      return io;
    },
    rootfs: new FakeRootfs(),
    onShutdown: () => {},
  });
  const runcOptions = { typeUrl: 'containerd.runc.v1.Options', value: Buffer.from(RuncOptions.encode(RuncOptions.fromPartial({ criuPath: '/opt/criu', criuWorkPath: '/work' })).finish()) };
  const req = (id: string): CreateTaskRequest => ({ ...CreateTaskRequest.fromPartial({}), id, bundle, checkpoint: '/ckpt', options: runcOptions });
  return {
    svc, events, restores, ios, made, req, failWith: (e: Error) => (failRestore = e),
    cleanup: () => fs.rmSync(bundle, { recursive: true, force: true }),
  };
}

describe('Create with a checkpoint', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => (t = setup()));
  afterEach(() => t.cleanup());

  it('Create records the restore (CREATED, pid 0, process ends kept); Start restores with the image, criu path and work dir', async () => {
    expect(await t.svc.create(t.req('c1'))).toEqual({ pid: 0 });
    expect(t.restores).toHaveLength(0);
    expect(t.ios[0]!.released).toBe(false);
    expect((await t.svc.state({ id: 'c1', execId: '' })).status).toBe(Status.CREATED);
    expect(await t.svc.start({ id: 'c1', execId: '' })).toEqual({ pid: 2000 });
    expect(t.restores[0]!.checkpoint).toEqual({ imagePath: '/ckpt', workPath: '/work', criuPath: '/opt/criu' });
    expect(t.restores[0]!.stdio).toBe(t.ios[0]!.fds);
    expect(t.ios[0]!.released).toBe(true);
    expect((await t.svc.state({ id: 'c1', execId: '' })).status).toBe(Status.RUNNING);
    expect(t.events.topics).toEqual(['/tasks/create', '/tasks/start']);
    // Checkpoint passes the criu path of the runtime options on
    await t.svc.checkpoint({ id: 'c1', path: '/again', options: undefined });
    expect(t.made[0]!.checkpoints).toEqual([{ imagePath: '/again', leaveRunning: true, tcpEstablished: false, externalUnixSockets: false, fileLocks: false, shellJob: false, criuPath: '/opt/criu' }]);
    t.made[0]!.exit(0);
    await t.svc.wait({ id: 'c1', execId: '' });
    await t.svc.delete({ id: 'c1', execId: '' });
  });

  it('a failed restore fails Start; the task stays CREATED and deletes cleanly (nothing was running)', async () => {
    await t.svc.create(t.req('c1'));
    t.failWith(new Error('criu restore failed'));
    await expect(t.svc.start({ id: 'c1', execId: '' })).rejects.toThrow(/criu restore failed/);
    expect((await t.svc.state({ id: 'c1', execId: '' })).status).toBe(Status.CREATED);
    const del = await t.svc.delete({ id: 'c1', execId: '' });
    expect(del.exitStatus).toBe(137);
    expect(t.ios[0]!.closed).toBe(true);
  });

  it('checkpoint of a task that is not running is FailedPrecondition', async () => {
    await t.svc.create(t.req('c1'));
    expect(await code(t.svc.checkpoint({ id: 'c1', path: '/x', options: undefined }))).toBe(Code.FAILED_PRECONDITION);
    expect(await code(t.svc.checkpoint({ id: 'nope', path: '/x', options: undefined }))).toBe(Code.NOT_FOUND);
  });
});
