// Root tests of the cgroup v1 manager on this host's real v1 hierarchies (hybrid or v1 hosts), in a
// unique test cgroup removed afterwards. On a pure cgroup v2 host there are no v1 hierarchies: that
// is legitimate there, and v2.test.ts covers the host instead.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { detectCgroupHost, openCgroup, parseCgroupsPath, type CgroupLogger, type CgroupManager } from '../../../src/cgroups';
import { CgroupError } from '../../../src/errors';
import { eventfd } from '../../helpers/eventfd';
import { hold, killStarted, sleeper } from '../../helpers/cgroup-procs';

const host = detectCgroupHost();
const warnings: string[] = [];
const logger: CgroupLogger = { warn: (_o, m) => void warnings.push(m) };
const base = `/tsrun-test-${process.pid}-${randomBytes(3).toString('hex')}`;
const made: CgroupManager[] = [];

function open(name: string, withEventfd = false): CgroupManager {
  const cg = openCgroup(host, parseCgroupsPath(`${base}/${name}`, name), { logger, eventfd: withEventfd ? eventfd : undefined, oomPollMs: 50 });
  made.push(cg);
  return cg;
}

afterAll(async () => {
  await killStarted();
  for (const cg of made.reverse()) await cg.destroy().catch(() => undefined);
  await openCgroup(host, base).destroy();
});

if (host.mode === 'unified') {
  it('has no cgroup v1 hierarchies on this pure cgroup v2 host (v2.test.ts runs the v2 suite here)', () => {
    expect(host.v1).toEqual([]);
  });
} else {
  describe(`cgroup v1 manager (${host.mode} host)`, () => {
    it('runs as root', () => {
      expect(process.getuid?.()).toBe(0);
    });

    it('creates the cgroup in every hierarchy, moves processes in and lists them', async () => {
      const cg = open('procs');
      await cg.create({ pids: { limit: 50n }, cpu: { shares: 512n } });
      for (const dir of cg.dirs.values()) expect(readFileSync(`${dir}/cgroup.procs`, 'utf8')).toBe('');
      const a = sleeper();
      const b = sleeper();
      await cg.addProcess(a.pid);
      await cg.addProcess(b.pid);
      expect((await cg.pids()).sort()).toEqual([a.pid, b.pid].sort());
      expect(readFileSync(`/proc/${a.pid}/cgroup`, 'utf8')).toContain(`:pids:${base}/procs\n`);
      expect(readFileSync(`${cg.dirs.get('pids')}/pids.max`, 'utf8').trim()).toBe('50');
      await cg.killAll('SIGKILL');
      expect((await a.exited).signal).toBe('SIGKILL');
      expect((await b.exited).signal).toBe('SIGKILL');
    });

    it('freezes and thaws', async () => {
      const cg = open('freeze');
      await cg.create();
      const p = sleeper();
      await cg.addProcess(p.pid);
      await cg.freeze();
      expect(readFileSync(`${cg.dirs.get('freezer')}/freezer.state`, 'utf8').trim()).toBe('FROZEN');
      await cg.thaw();
      expect(readFileSync(`${cg.dirs.get('freezer')}/freezer.state`, 'utf8').trim()).toBe('THAWED');
      await cg.killAll('SIGTERM');
      expect((await p.exited).signal).toBe('SIGTERM');
      expect(await cg.pids()).toEqual([]);
    });

    it('killAll reaches processes forked inside the cgroup and nested cgroups; destroy removes all', async () => {
      const cg = open('tree');
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
      for (const dir of cg.dirs.values()) expect(() => readFileSync(`${dir}/cgroup.procs`)).toThrow(/ENOENT/);
    });

    it('updates the memory limit and reports typed errors naming the file and value', async () => {
      const cg = open('update');
      await cg.create({ memory: { limit: 64n << 20n } });
      const mem = cg.dirs.get('memory');
      expect(readFileSync(`${mem}/memory.limit_in_bytes`, 'utf8').trim()).toBe(String(64 << 20));
      await cg.update({ memory: { limit: 128n << 20n, swap: 256n << 20n } });
      expect(readFileSync(`${mem}/memory.limit_in_bytes`, 'utf8').trim()).toBe(String(128 << 20));
      expect(readFileSync(`${mem}/memory.memsw.limit_in_bytes`, 'utf8').trim()).toBe(String(256 << 20));
      await cg.update({ memory: { limit: 32n << 20n, swap: 32n << 20n } });
      expect(readFileSync(`${mem}/memory.memsw.limit_in_bytes`, 'utf8').trim()).toBe(String(32 << 20));
      const err = await cg.update({ cpu: { cpus: '4095' } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CgroupError);
      expect((err as Error).message).toMatch(/^cgroup cpuset\.cpus=4095: E[A-Z]+ .* in \/sys\/fs\/cgroup\/cpuset\/tsrun-test-/);
    });

    it('applies device rules', async () => {
      const cg = open('devices');
      await cg.create({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }] });
      expect(readFileSync(`${cg.dirs.get('devices')}/devices.list`, 'utf8').trim()).toBe('c 1:3 rwm');
    });

    it('reports an OOM kill of a process that allocates past its memory limit, and stats', async () => {
      const cg = open('oom', true);
      await cg.create({ memory: { limit: 32n << 20n, swap: 32n << 20n } });
      const viaEventfd = await cg.watchOom();
      const viaCounter = await openCgroup(host, `${base}/oom`, { logger, oomPollMs: 50 }).watchOom();
      let eventfdCount = 0;
      let counterCount = 0;
      viaEventfd.on('oom', (e: { count: number }) => (eventfdCount += e.count));
      viaCounter.on('oom', (e: { count: number }) => (counterCount += e.count));
      // Both report on their own (eventfd drained on a timer / counter polled), without check().
      const events = Promise.all([once(viaEventfd, 'oom'), once(viaCounter, 'oom')]);
      const hog = hold([process.execPath, '-e', 'const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1));']);
      await cg.addProcess(hog.pid);
      hog.release();
      expect((await hog.exited).signal).toBe('SIGKILL');
      await events;
      await viaEventfd.check();
      await viaCounter.check();
      viaEventfd.close();
      viaCounter.close();
      expect(eventfdCount).toBeGreaterThanOrEqual(1);
      expect(counterCount).toBeGreaterThanOrEqual(1);
      const s = await cg.stats();
      if (s.version !== 1) throw new Error('expected v1 stats');
      expect(s.metrics.memoryOomControl?.oomKill).toBeGreaterThanOrEqual(1n);
      expect(s.metrics.memory?.usage.limit).toBe(BigInt(32 << 20));
      // The peak is the limit (failcnt stays 0 on this kernel even after an OOM kill, so it is not checked).
      expect(s.metrics.memory?.usage.max).toBe(BigInt(32 << 20));
      expect(s.metrics.cpu?.usage.total).toBeGreaterThan(0n);
    });

    it('reports pids and cpu stats of running processes', async () => {
      const cg = open('stats');
      await cg.create({ pids: { limit: 10n } });
      const p = sleeper();
      await cg.addProcess(p.pid);
      const s = await cg.stats();
      if (s.version !== 1) throw new Error('expected v1 stats');
      expect(s.metrics.pids).toEqual({ current: 1n, limit: 10n });
      // Memory a process allocated before it was moved stays charged to its old cgroup (v1).
      expect(s.metrics.memory?.usage.limit).toBeGreaterThan(0n);
      expect(s.metrics.cpu?.usage.perCpu.length).toBeGreaterThan(0);
      expect(s.metrics.blkio).toBeDefined();
      await cg.killAll();
      await p.exited;
    });
  });
}
