import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { AlreadyExistsError, FailedPreconditionError, NotFoundError } from '../../../src/errors';
import { createContainer, listContainers, loadContainer } from '../../../src/container/lifecycle';
import type { HookSpawner } from '../../../src/container/hooks';
import { readRecord } from '../../../src/container/store';
import type { Spec } from '../../../src/runtime/spec';
import { fakeWorld, type FakeWorld } from './fake-deps';

const stdio = { stdin: 0, stdout: 1, stderr: 2 };

function baseSpec(extra: Partial<Spec> = {}): Spec {
  return {
    ociVersion: '1.3.0',
    root: { path: 'rootfs' },
    process: { user: { uid: 0, gid: 0 }, cwd: '/', args: ['sleep', '60'] },
    annotations: { 'org.example': 'yes' },
    ...extra,
  };
}

describe('container lifecycle (fake executor)', () => {
  let root: string;
  let bundle: string;
  let world: FakeWorld;

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-root-'));
    bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-bundle-'));
  });
  afterEach(() => {
    world?.cleanup();
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(bundle, { recursive: true, force: true });
  });

  it('create → created, start → running, kill → stopped, delete removes state and cgroup', async () => {
    world = fakeWorld(baseSpec());
    const c = await createContainer({ id: 'c1', bundle, root, stdio, startMode: 'fifo' }, { deps: world.deps });
    expect(c.status()).toBe('created');
    const st = c.state();
    expect(st).toMatchObject({ id: 'c1', status: 'created', bundle, rootfs: path.join(bundle, 'rootfs'), owner: '' });
    expect(st.pid).toBeGreaterThan(0);
    expect(st.annotations).toEqual({ 'org.example': 'yes' });
    expect(st.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    expect(fs.existsSync(path.join(root, 'c1', 'exec.fifo'))).toBe(true);

    // A second handle (as another CLI process would have) sees the same state.
    const other = await loadContainer(root, 'c1', { deps: world.deps });
    expect(other.state()).toEqual(st);
    expect(other.exited).toBeUndefined();

    await other.start();
    expect(world.released).toEqual([path.join(root, 'c1', 'exec.fifo')]);
    expect(fs.existsSync(path.join(root, 'c1', 'exec.fifo'))).toBe(false);
    expect(c.status()).toBe('created'); // stale in-memory record until refreshed by a verb…
    expect((await loadContainer(root, 'c1', { deps: world.deps })).status()).toBe('running');
    await expect(other.start()).rejects.toThrow(FailedPreconditionError);

    await expect(other.delete()).rejects.toThrow('cannot delete container c1 that is not stopped: running');
    await other.kill('KILL');
    const exit = await c.exited!;
    expect(exit.status).toBe(137);
    expect(other.status()).toBe('stopped');
    expect(other.state().pid).toBe(0);
    await expect(other.kill('TERM')).rejects.toThrow('container not running');
    await other.delete();
    expect(fs.existsSync(path.join(root, 'c1'))).toBe(false);
    expect(world.cgroups.get('/fake/c1')?.destroyed).toBe(true);
    await other.delete(); // idempotent
    await expect(loadContainer(root, 'c1', { deps: world.deps })).rejects.toThrow(new NotFoundError('container "c1" does not exist'));
  });

  it('records the creator\'s cgroups for a relative cgroupsPath; a later process reopens it below them', async () => {
    world = fakeWorld(baseSpec({ linux: { cgroupsPath: 'k-pod1.slice:cri-containerd:c9' } }));
    await createContainer({ id: 'c9', bundle, root, stdio, startMode: 'pipe' }, { deps: world.deps });
    expect(readRecord(root, 'c9')).toMatchObject({ cgroupPath: 'k-pod1.slice:cri-containerd:c9', cgroupBase: { memory: '/fake-own' } });
    const other = await loadContainer(root, 'c9', { deps: world.deps });
    other.cgroup();
    expect(world.events).toContain('cgroup.reopen k-pod1.slice:cri-containerd:c9 below {"memory":"/fake-own"}');
  });

  it('records no cgroup base for an absolute cgroupsPath', async () => {
    world = fakeWorld(baseSpec());
    await createContainer({ id: 'c10', bundle, root, stdio, startMode: 'pipe' }, { deps: world.deps });
    expect(readRecord(root, 'c10')?.cgroupBase).toBeUndefined();
    (await loadContainer(root, 'c10', { deps: world.deps })).cgroup();
    expect(world.events).toContain('cgroup.reopen /fake/c10');
  });

  it('refuses a duplicate id and leaves the first container alone', async () => {
    world = fakeWorld(baseSpec());
    const c = await createContainer({ id: 'dup', bundle, root, stdio, startMode: 'pipe' }, { deps: world.deps });
    await expect(createContainer({ id: 'dup', bundle, root, stdio, startMode: 'pipe' }, { deps: world.deps })).rejects.toThrow(
      AlreadyExistsError,
    );
    expect(c.status()).toBe('created');
    await c.delete({ force: true });
  });

  it('pipe mode: only the creating handle can start; delete of a created container kills it', async () => {
    world = fakeWorld(baseSpec());
    const c = await createContainer({ id: 'p1', bundle, root, stdio, startMode: 'pipe' }, { deps: world.deps });
    const other = await loadContainer(root, 'p1', { deps: world.deps });
    await expect(other.start()).rejects.toThrow(/only its creator can start it/);
    await c.start();
    expect(world.events).toContain('start p1');
    expect(c.status()).toBe('running');
    await c.delete({ force: true });
    expect((await c.exited!).signal).toBe(9);
    expect(fs.existsSync(path.join(root, 'p1'))).toBe(false);
  });

  it('created container: delete without force kills it (as runc does)', async () => {
    world = fakeWorld(baseSpec());
    const c = await createContainer({ id: 'cd', bundle, root, stdio, startMode: 'fifo' }, { deps: world.deps });
    await (await loadContainer(root, 'cd', { deps: world.deps })).delete();
    expect((await c.exited!).status).toBe(137);
  });

  it('pause/resume are recorded and reported', async () => {
    world = fakeWorld(baseSpec());
    const c = await createContainer({ id: 'pz', bundle, root, stdio, startMode: 'pipe' }, { deps: world.deps });
    await c.start();
    await c.pause();
    expect(c.status()).toBe('paused');
    expect(world.cgroups.get('/fake/pz')?.frozen).toBe(true);
    await c.resume();
    expect(c.status()).toBe('running');
    await c.delete({ force: true });
  });

  it('pid reuse: a different start time reads as stopped', async () => {
    world = fakeWorld(baseSpec());
    const c = await createContainer({ id: 'reuse', bundle, root, stdio, startMode: 'fifo' }, { deps: world.deps });
    const file = path.join(root, 'reuse', 'state.json');
    const rec = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(file, JSON.stringify({ ...rec, pidStartTime: '1' }));
    expect((await loadContainer(root, 'reuse', { deps: world.deps })).status()).toBe('stopped');
    fs.writeFileSync(file, JSON.stringify(rec));
    await c.delete({ force: true });
  });

  it('a failing createRuntime hook fails create and leaves nothing behind', async () => {
    const spec = baseSpec({ hooks: { createRuntime: [{ path: '/bin/false' }] } });
    world = fakeWorld(spec);
    const spawner: HookSpawner = async () => ({ code: 1, signal: null, timedOut: false, stdout: '', stderr: 'nope' });
    await expect(
      createContainer({ id: 'hk', bundle, root, stdio, startMode: 'fifo' }, { deps: world.deps, hookSpawner: spawner }),
    ).rejects.toThrow('error running createRuntime hook #0 (/bin/false): exit status 1, stdout: , stderr: nope');
    expect(fs.existsSync(path.join(root, 'hk'))).toBe(false);
    expect(world.cgroups.get('/fake/hk')?.destroyed).toBe(true);
    const child = world.children[0]!;
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
    expect(child.signalCode).toBe('SIGKILL');
  });

  it('hooks run in lifecycle order with the right status; poststart/poststop failures only warn', async () => {
    const hook = (name: string) => [{ path: `/hooks/${name}`, args: [name, 'arg'] }];
    const spec = baseSpec({
      hooks: {
        prestart: hook('prestart'),
        createRuntime: hook('createRuntime'),
        createContainer: hook('createContainer'),
        startContainer: hook('startContainer'),
        poststart: hook('poststart'),
        poststop: hook('poststop'),
      },
    });
    world = fakeWorld(spec);
    const calls: string[] = [];
    const spawner: HookSpawner = async (inv, stdin) => {
      calls.push(`${inv.phase}:${JSON.parse(stdin).status}`);
      const fail = inv.phase === 'poststart' || inv.phase === 'poststop';
      return { code: fail ? 3 : 0, signal: null, timedOut: false, stdout: '', stderr: '' };
    };
    const warnings: string[] = [];
    const logger = { debug: () => {}, error: () => {}, warn: (o: object) => void warnings.push(JSON.stringify(o)) };
    const c = await createContainer({ id: 'ho', bundle, root, stdio, startMode: 'pipe', logger }, { deps: world.deps, hookSpawner: spawner });
    await c.start();
    await c.delete({ force: true });
    expect(calls).toEqual([
      'prestart:creating',
      'createRuntime:creating',
      'createContainer:creating',
      'startContainer:created',
      'poststart:running',
      'poststop:stopped',
    ]);
    expect(warnings).toHaveLength(2);
  });

  it('startContainer hooks go to deps.runInContainer when the deps offer it', async () => {
    const spec = baseSpec({ hooks: { startContainer: [{ path: '/in/container' }], poststart: [{ path: '/bin/true' }] } });
    world = fakeWorld(spec);
    const seen: string[] = [];
    const deps = {
      ...world.deps,
      runInContainer: async (req: { invocation: { path: string }; initPid: number; stdin: string }) => {
        seen.push(`${req.invocation.path} ${req.initPid} ${JSON.parse(req.stdin).status}`);
        return { code: 0, signal: null, timedOut: false, stdout: '', stderr: '' };
      },
    };
    const c = await createContainer({ id: 'ric', bundle, root, stdio, startMode: 'pipe' }, { deps });
    await c.start();
    expect(seen).toEqual([`/in/container ${c.pid} created`]);
    await c.delete({ force: true });
  });

  it('create hooks run while init waits before pivot_root; createContainer goes to deps.runInContainer', async () => {
    const spec = baseSpec({ hooks: { createRuntime: [{ path: '/bin/true' }], createContainer: [{ path: '/in/container' }] } });
    world = fakeWorld(spec);
    const seen: string[] = [];
    const stdins: string[] = [];
    const deps = {
      ...world.deps,
      runInContainer: async (req: { invocation: { path: string }; initPid: number; stdin: string }) => {
        const st = JSON.parse(req.stdin) as { status: string; pid: number };
        stdins.push(req.stdin);
        seen.push(`${req.invocation.path} ${req.initPid} ${st.status} ${st.pid}`);
        // still inside the fake spawn: the record is not written yet
        seen.push(`record ${fs.existsSync(path.join(root, 'cc', 'state.json'))}`);
        return { code: 0, signal: null, timedOut: false, stdout: '', stderr: '' };
      },
    };
    const c = await createContainer({ id: 'cc', bundle, root, stdio, startMode: 'pipe' }, { deps });
    expect(seen).toEqual([`/in/container ${c.pid} creating ${c.pid}`, 'record false']);
    // exactly the runtime-spec State document runc sends (no rootfs/created/owner extras)
    expect(Object.keys(JSON.parse(stdins[0]!) as object)).toEqual(['ociVersion', 'id', 'status', 'pid', 'bundle', 'annotations']);
    expect(world.events).toContain('before pivot cc');
    await c.delete({ force: true });
  });

  it('a failing createContainer hook fails the spawn; nothing is left behind', async () => {
    const spec = baseSpec({ hooks: { createContainer: [{ path: '/in/container' }] } });
    world = fakeWorld(spec);
    const deps = {
      ...world.deps,
      runInContainer: async () => ({ code: 2, signal: null, timedOut: false, stdout: '', stderr: 'no' }),
    };
    await expect(createContainer({ id: 'cf', bundle, root, stdio, startMode: 'fifo' }, { deps })).rejects.toThrow(
      'error running createContainer hook #0 (/in/container): exit status 2, stdout: , stderr: no',
    );
    expect(fs.existsSync(path.join(root, 'cf'))).toBe(false);
    expect(world.cgroups.get('/fake/cf')?.destroyed).toBe(true);
  });

  it('spawn failure removes the state dir and the cgroup', async () => {
    world = fakeWorld(baseSpec(), { failSpawn: true });
    await expect(createContainer({ id: 'sf', bundle, root, stdio, startMode: 'fifo' }, { deps: world.deps })).rejects.toThrow('spawn failed');
    expect(fs.existsSync(path.join(root, 'sf'))).toBe(false);
    expect(world.cgroups.get('/fake/sf')?.destroyed).toBe(true);
  });

  it('writes the pid file and lists containers sorted by id', async () => {
    world = fakeWorld(baseSpec());
    const pidFile = path.join(bundle, 'init.pid');
    const b = await createContainer({ id: 'b', bundle, root, stdio, startMode: 'fifo', pidFile }, { deps: world.deps });
    const a = await createContainer({ id: 'a', bundle, root, stdio, startMode: 'fifo' }, { deps: world.deps });
    expect(fs.readFileSync(pidFile, 'utf8')).toBe(String(b.pid));
    expect((await listContainers(root, { deps: world.deps })).map((c) => c.id)).toEqual(['a', 'b']);
    expect(readRecord(root, 'a')?.started).toBe(false);
    expect(await b.pids()).toEqual([b.pid]);
    await a.delete({ force: true });
    await b.delete({ force: true });
    expect(await listContainers(root, { deps: world.deps })).toEqual([]);
  });

  it('rejects bad ids before touching the disk', async () => {
    world = fakeWorld(baseSpec());
    await expect(createContainer({ id: '../x', bundle, root, stdio, startMode: 'fifo' }, { deps: world.deps })).rejects.toThrow(
      /invalid container id/,
    );
    expect(fs.readdirSync(root)).toEqual([]);
  });
});

describe('removeIncompleteContainer', () => {
  it('removes a directory without state.json and leaves real containers alone', async () => {
    const { removeIncompleteContainer } = await import('../../../src/container/lifecycle');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-root-'));
    try {
      fs.mkdirSync(path.join(root, 'half'));
      fs.writeFileSync(path.join(root, 'half', 'exec.fifo'), '');
      expect(removeIncompleteContainer(root, 'half')).toBe(true);
      expect(fs.existsSync(path.join(root, 'half'))).toBe(false);
      expect(removeIncompleteContainer(root, 'missing')).toBe(false);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
