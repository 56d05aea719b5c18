// Round trips with the generated containerd Task v2 service definition, the shape the shim serves.
import { Timestamp } from '../../../src/gen/google/protobuf/timestamp';
import { CreateTaskRequest, TaskDefinition } from '../../../src/gen/runtime/task/v2/shim';
import { Status } from '../../../src/gen/types/task/task';
import { NotFoundError } from '../../../src/errors';
import { Code, TtrpcError, unimplementedService } from '../../../src/ttrpc';
import { deferred, Rig } from './fixtures';

jest.setTimeout(15_000);

let rig: Rig;
beforeEach(() => (rig = new Rig()));
afterEach(() => rig.dispose());

test('Create, State, Wait and Kill round-trip through TaskDefinition; the rest is UNIMPLEMENTED', async () => {
  const exited = deferred();
  const created = new Map<string, CreateTaskRequest>();
  const { path } = await rig.server((s) =>
    s.register(TaskDefinition, {
      ...unimplementedService(TaskDefinition),
      create: async (req) => {
        created.set(req.id, req);
        return { pid: 4242 };
      },
      state: async (req) => {
        const c = created.get(req.id);
        if (!c) throw new NotFoundError(`container ${req.id} not created`);
        return { id: c.id, bundle: c.bundle, pid: 4242, status: Status.RUNNING, stdin: '', stdout: c.stdout, stderr: c.stderr, terminal: false, exitStatus: 0, exitedAt: undefined, execId: req.execId };
      },
      wait: async () => {
        await exited.promise;
        return { exitStatus: 137, exitedAt: Timestamp.fromPartial({ seconds: 1_700_000_000n, nanos: 5 }) };
      },
      kill: async () => {
        exited.resolve();
        return {};
      },
    }),
  );
  const task = rig.client(path).service(TaskDefinition);
  const req = CreateTaskRequest.fromPartial({ id: 'c1', bundle: '/run/b/c1', stdout: '/run/fifo/out', rootfs: [{ type: 'overlay', source: 'overlay', options: ['lowerdir=/a'] }] });
  await expect(task.create(req)).resolves.toEqual({ pid: 4242 });
  expect(created.get('c1')).toEqual(req);
  await expect(task.state({ id: 'c1', execId: '' })).resolves.toMatchObject({ id: 'c1', bundle: '/run/b/c1', status: Status.RUNNING, stdout: '/run/fifo/out' });
  await expect(task.state({ id: 'nope', execId: '' })).rejects.toMatchObject({ code: Code.NOT_FOUND, message: 'container nope not created' });
  const wait = task.wait({ id: 'c1', execId: '' });
  await expect(task.kill({ id: 'c1', execId: '', signal: 9, all: false })).resolves.toEqual({});
  await expect(wait).resolves.toEqual({ exitStatus: 137, exitedAt: { seconds: 1_700_000_000n, nanos: 5 } });
  const err = await task.checkpoint({ id: 'c1', path: '/x', options: undefined }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(TtrpcError);
  expect((err as TtrpcError).code).toBe(Code.UNIMPLEMENTED);
  expect((err as TtrpcError).message).toBe('containerd.task.v2.Task/Checkpoint is not implemented');
});
