// Root tests of the cgroup v2 manager on a pure cgroup v2 hierarchy. They run inside the cg2rig
// QEMU guest (started by test/integration/cgroups/v2.test.ts on v1/hybrid hosts) or directly on a
// pure v2 host, in a unique test cgroup removed afterwards.
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { detectCgroupHost, openCgroup, parseCgroupsPath, type CgroupLogger, type CgroupManager } from '../../src/cgroups';
import { CgroupError } from '../../src/errors';
import { attachedDevicePrograms } from '../../src/linux';
import { hold, killStarted, sleeper } from '../helpers/cgroup-procs';

const host = detectCgroupHost();
const warnings: string[] = [];
const logger: CgroupLogger = { warn: (_o, m) => void warnings.push(m) };
const base = `/tsrun-test-${process.pid}-${randomBytes(3).toString('hex')}`;
const made: CgroupManager[] = [];
const root = host.unified?.mountPoint ?? '/sys/fs/cgroup';
const read = (p: string) => readFileSync(p, 'utf8').trim();

function open(name: string): CgroupManager {
  const cg = openCgroup(host, parseCgroupsPath(`${base}/${name}`, name), { logger, oomPollMs: 50 });
  made.push(cg);
  return cg;
}
const dirOf = (cg: CgroupManager) => cg.dirs.get('') as string;

afterAll(async () => {
  await killStarted();
  for (const cg of made.reverse()) await cg.destroy().catch(() => undefined);
  await openCgroup(host, base).destroy();
});

describe('cgroup v2 manager', () => {
  it('runs as root on a pure cgroup v2 host', () => {
    expect(process.getuid?.()).toBe(0);
    expect(host.mode).toBe('unified');
    expect(read(`${root}/cgroup.controllers`)).toMatch(/memory/);
  });

  it('creates the cgroup with controllers enabled in the parents and converted limits', async () => {
    const cg = open('limits');
    await cg.create({
      memory: { limit: 64n << 20n, swap: 96n << 20n, reservation: 16n << 20n },
      cpu: { shares: 1024n, quota: 50000n, period: 100000n, cpus: '0', mems: '0' },
      pids: { limit: 32n },
      blockIO: { weight: 500 },
    });
    const dir = dirOf(cg);
    expect(read(`${root}${base}/cgroup.subtree_control`).split(' ').sort()).toEqual(expect.arrayContaining(['cpu', 'cpuset', 'io', 'memory', 'pids']));
    expect(read(`${dir}/memory.max`)).toBe(String(64 << 20));
    expect(read(`${dir}/memory.swap.max`)).toBe(String(32 << 20));
    expect(read(`${dir}/memory.low`)).toBe(String(16 << 20));
    expect(read(`${dir}/cpu.weight`)).toBe('39');
    expect(read(`${dir}/cpu.max`)).toBe('50000 100000');
    expect(read(`${dir}/cpuset.cpus`)).toBe('0');
    expect(read(`${dir}/pids.max`)).toBe('32');
    // io.weight needs a scheduler that supports it; io.bfq.weight is the fallback.
    const ioWeight = existsSync(`${dir}/io.weight`) ? read(`${dir}/io.weight`) : read(`${dir}/io.bfq.weight`);
    expect(ioWeight).toMatch(/4950|500/);
  });

  it('updates limits, with linux.resources.unified applied last', async () => {
    const cg = open('update');
    await cg.create({ memory: { limit: 64n << 20n } });
    await cg.update({ memory: { limit: 128n << 20n }, unified: { 'memory.high': String(100 << 20) } });
    expect(read(`${dirOf(cg)}/memory.max`)).toBe(String(128 << 20));
    expect(read(`${dirOf(cg)}/memory.high`)).toBe(String(100 << 20));
    const err = await cg.update({ unified: { 'memory.max': 'bogus' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CgroupError);
    expect((err as Error).message).toMatch(/^cgroup memory\.max=bogus: EINVAL .* in \/sys\/fs\/cgroup\/tsrun-test-/);
  });

  it('moves processes in, lists them recursively, freezes and thaws', async () => {
    // Processes live in leaves only on v2 (a cgroup with children has controllers enabled for them).
    const cg = open('freeze');
    await cg.create();
    const left = openCgroup(host, `${base}/freeze/left`, { logger });
    const right = openCgroup(host, `${base}/freeze/right`, { logger });
    await left.create({ pids: { limit: 10n } });
    await right.create();
    const a = sleeper();
    const b = sleeper();
    await left.addProcess(a.pid);
    await right.addProcess(b.pid);
    expect((await cg.pids()).sort()).toEqual([a.pid, b.pid].sort());
    expect(read(`/proc/${a.pid}/cgroup`)).toBe(`0::${base}/freeze/left`);
    await expect(cg.addProcess(a.pid)).rejects.toThrow(/^cgroup cgroup\.procs=\d+: EBUSY/);
    await cg.freeze();
    expect(read(`${dirOf(cg)}/cgroup.events`)).toMatch(/^frozen 1$/m);
    expect(read(`${dirOf(left)}/cgroup.events`)).toMatch(/^frozen 1$/m);
    await cg.thaw();
    expect(read(`${dirOf(cg)}/cgroup.events`)).toMatch(/^frozen 0$/m);
    await cg.killAll('SIGTERM');
    expect((await a.exited).signal).toBe('SIGTERM');
    expect((await b.exited).signal).toBe('SIGTERM');
  });

  it('kills everything with cgroup.kill and destroys the tree', async () => {
    const cg = open('kill');
    await cg.create();
    const parent = hold(['/bin/sh', '-c', 'sleep 1000 & sleep 1000 & echo started >&2; wait']);
    await cg.addProcess(parent.pid);
    parent.release();
    await new Promise((resolve) => parent.child.stderr?.once('data', resolve));
    expect((await cg.pids()).length).toBe(3);
    await cg.killAll();
    expect((await parent.exited).signal).toBe('SIGKILL');
    await cg.destroy();
    expect(await cg.exists()).toBe(false);
  });

  it('lays out a systemd-form cgroupsPath as nested slices with cgroupfs semantics', async () => {
    const p = parseCgroupsPath(`tsrunt-besteffort-pod${process.pid}.slice:cri-containerd:abc`, 'abc', { systemd: true });
    const cg = openCgroup(host, p, { logger });
    try {
      await cg.create({ pids: { limit: 5n } });
      expect(read(`${root}/tsrunt.slice/tsrunt-besteffort.slice/tsrunt-besteffort-pod${process.pid}.slice/cri-containerd-abc.scope/pids.max`)).toBe('5');
    } finally {
      await cg.destroy();
      await openCgroup(host, '/tsrunt.slice').destroy();
    }
  });

  it('enforces device rules with an eBPF filter: no warning, also with devicePolicy "error"', async () => {
    const devices = [{ allow: false, access: 'rwm' }];
    warnings.length = 0;
    const cg = open('devices');
    await cg.create({ devices });
    expect(attachedDevicePrograms(dirOf(cg))).toHaveLength(1);
    const strict = openCgroup(host, `${base}/devices-strict`, { logger, devicePolicy: 'error' });
    made.push(strict);
    await strict.create({ devices });
    expect(attachedDevicePrograms(dirOf(strict))).toHaveLength(1);
    expect(warnings).toEqual([]);
  });

  it('reports an OOM kill of a process that allocates past memory.max, and stats', async () => {
    const cg = open('oom');
    await cg.create({ memory: { limit: 32n << 20n, swap: 32n << 20n } });
    const w = await cg.watchOom();
    let count = 0;
    w.on('oom', (e: { count: number }) => (count += e.count));
    // The event arrives on its own (inotify on memory.events), without check().
    const firstEvent = once(w, 'oom');
    const hog = hold([process.execPath, '-e', 'const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1));']);
    await cg.addProcess(hog.pid);
    hog.release();
    expect((await hog.exited).signal).toBe('SIGKILL');
    await firstEvent;
    await w.check();
    w.close();
    expect(count).toBeGreaterThanOrEqual(1);
    const s = await cg.stats();
    if (s.version !== 2) throw new Error('expected v2 stats');
    expect(s.metrics.memoryEvents?.oomKill).toBeGreaterThanOrEqual(1n);
    expect(s.metrics.memory?.usageLimit).toBe(BigInt(32 << 20));
    expect(s.metrics.memory?.swapLimit).toBe(0n);
    expect(s.metrics.cpu?.usageUsec).toBeGreaterThan(0n);
    expect(s.metrics.pids).toEqual({ current: 0n, limit: 0n });
  });

  it('reports stats of running processes', async () => {
    const cg = open('stats');
    await cg.create({ pids: { limit: 10n } });
    const p = hold([process.execPath, '-e', 'const b = Buffer.alloc(8 << 20, 1); process.stderr.write("ok"); setInterval(() => b, 1000)']);
    await cg.addProcess(p.pid);
    p.release();
    await new Promise((resolve) => p.child.stderr?.once('data', resolve));
    const s = await cg.stats();
    if (s.version !== 2) throw new Error('expected v2 stats');
    // pids.current counts threads (node has several)
    expect(s.metrics.pids?.limit).toBe(10n);
    expect(s.metrics.pids?.current).toBeGreaterThanOrEqual(1n);
    expect(s.metrics.memory?.usage).toBeGreaterThan(BigInt(8 << 20));
    expect(s.metrics.memory?.anon).toBeGreaterThan(0n);
    expect(s.metrics.cpu?.usageUsec).toBeGreaterThan(0n);
    await cg.killAll();
    await p.exited;
  });
});
