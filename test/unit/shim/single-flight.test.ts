import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateTaskRequest } from '../../../src/gen/runtime/task/v2/shim';
import { SingleFlight } from '../../../src/shim/single-flight';
import { TaskService } from '../../../src/shim/task-service';
import { Code, TtrpcError } from '../../../src/ttrpc/status';
import { EventRecorder, FakeIO, FakeRootfs, fakeFactory } from '../../helpers/fake-container';

describe('SingleFlight', () => {
  it('joins calls for one key while the first runs, then runs afresh', async () => {
    const sf = new SingleFlight<string, number>();
    let runs = 0;
    let release!: (v: number) => void;
    const fn = () => {
      runs++;
      return new Promise<number>((r) => (release = r));
    };
    const a = sf.run('k', fn);
    const b = sf.run('k', fn);
    expect(sf.size).toBe(1);
    release(7);
    expect(await Promise.all([a, b])).toEqual([7, 7]);
    expect(runs).toBe(1);
    expect(sf.size).toBe(0);
    const c = sf.run('k', fn);
    release(8);
    expect(await c).toBe(8);
    expect(runs).toBe(2);
  });

  it('shares a failure with the joined calls and forgets it; no key never joins', async () => {
    const sf = new SingleFlight<string, number>();
    const boom = () => Promise.reject(new Error('boom'));
    await expect(Promise.all([sf.run('k', boom), sf.run('k', () => Promise.resolve(1))])).rejects.toThrow('boom');
    expect(sf.size).toBe(0);
    let runs = 0;
    await Promise.all([sf.run(undefined, async () => ++runs), sf.run(undefined, async () => ++runs)]);
    expect(runs).toBe(2);
  });
});

describe('TaskService Delete twice or at once', () => {
  it('concurrent Deletes of a stopped container share one deletion; a later one is NotFound', async () => {
    const bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-del-'));
    try {
      const events = new EventRecorder();
      const factory = fakeFactory();
      const ios: FakeIO[] = [];
      const quiet = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
      const svc = new TaskService({
        namespace: 'default', defaultRoot: '/run/tsrun-test', logger: quiet, events, createContainer: factory.create,
        openIO: async () => {
          const io = new FakeIO();
          ios.push(io);
          return io;
        },
        rootfs: new FakeRootfs(), onShutdown: () => {},
      });
      await svc.create({ ...CreateTaskRequest.fromPartial({}), id: 'c1', bundle, stdout: '/fifo/out' });
      await svc.start({ id: 'c1', execId: '' });
      factory.made[0]!.exit(3);
      await svc.wait({ id: 'c1', execId: '' });
      const [a, b] = await Promise.all([svc.delete({ id: 'c1', execId: '' }), svc.delete({ id: 'c1', execId: '' })]);
      expect(b).toEqual(a);
      expect(a).toMatchObject({ pid: 1000, exitStatus: 3 });
      expect(events.topics.filter((t) => t === '/tasks/delete')).toHaveLength(1);
      const third = await svc.delete({ id: 'c1', execId: '' }).then(() => undefined, (e: unknown) => (e instanceof TtrpcError ? e.code : e));
      expect(third).toBe(Code.NOT_FOUND);
    } finally {
      fs.rmSync(bundle, { recursive: true, force: true });
    }
  });
});
