// The managers' file-writing logic against a fake cgroup tree in a temp dir (plain files stand in
// for cgroup files; a file that does not exist plays a controller file the kernel lacks).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupError, UnimplementedError } from '../../../src/errors';
import { deviceFilterProgram, openCgroup, openContainerCgroup, type CgroupHost, type CgroupLogger } from '../../../src/cgroups';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tsrun-cgfake-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function files(dir: string, content: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [f, v] of Object.entries(content)) writeFileSync(join(dir, f), v);
}
const read = (p: string) => readFileSync(p, 'utf8');

function recorder(): CgroupLogger & { messages: string[] } {
  const messages: string[] = [];
  return { messages, warn: (_o, m) => void messages.push(m) };
}

function v1Host(): CgroupHost {
  const m = (name: string, controllers: string[]) => ({ mountPoint: join(root, name), root: '/', controllers });
  return {
    mode: 'v1',
    v1: [m('cpu,cpuacct', ['cpu', 'cpuacct']), m('memory', ['memory']), m('cpuset', ['cpuset']), m('pids', ['pids']), m('blkio', ['blkio'])],
    unified: undefined,
    own: new Map([['memory', '/mine']]),
  };
}

describe('v1 manager on a fake tree', () => {
  it('uses the host mount of a hierarchy mounted twice (a bind mount elsewhere), also for the cpuset walk', async () => {
    files(join(root, 'cpuset'), { 'cpuset.cpus': '0-1\n', 'cpuset.mems': '0\n' });
    files(join(root, 'cpuset/t'), { 'cpuset.cpus': '', 'cpuset.mems': '' });
    files(join(root, 'cpuset/t/c1'), { 'cpuset.cpus': '', 'cpuset.mems': '' });
    const host = v1Host();
    // listed after the host's own mount, as a later bind mount is in mountinfo
    const extra = { mountPoint: join(root, 'elsewhere/rootfs/sys/fs/cgroup/cpuset'), root: '/', controllers: ['cpuset'] };
    const cg = openCgroup({ ...host, v1: [...host.v1, extra] }, '/t/c1', { logger: recorder() });
    await cg.create({});
    expect(read(join(root, 'cpuset/t/c1/cpuset.cpus'))).toBe('0-1');
    expect(existsSync(join(root, 'elsewhere'))).toBe(false);
  });

  it('creates in every hierarchy, copies cpuset from the parent, writes the plan', async () => {
    const log = recorder();
    files(join(root, 'cpuset'), { 'cpuset.cpus': '0-1\n', 'cpuset.mems': '0\n' });
    files(join(root, 'cpuset/t'), { 'cpuset.cpus': '', 'cpuset.mems': '' });
    files(join(root, 'cpuset/t/c1'), { 'cpuset.cpus': '', 'cpuset.mems': '' });
    files(join(root, 'memory/t/c1'), { 'memory.limit_in_bytes': '', 'memory.memsw.limit_in_bytes': '9223372036854771712', 'cgroup.procs': '' });
    files(join(root, 'cpu,cpuacct/t/c1'), { 'cpu.shares': '', 'cpu.cfs_quota_us': '', 'cpu.cfs_period_us': '' });
    files(join(root, 'pids/t/c1'), { 'pids.max': '', 'cgroup.procs': '123\n456\n' });
    files(join(root, 'blkio/t/c1'), { 'blkio.bfq.weight': '' });
    const cg = openCgroup(v1Host(), '/t/c1', { logger: log });
    await cg.create({
      memory: { limit: 1000n, swap: 2000n },
      cpu: { shares: 512n, quota: 1000n, period: 10000n },
      pids: { limit: 7n },
      blockIO: { weight: 300 },
      hugepageLimits: [{ pageSize: '2MB', limit: 1n }],
    });
    expect(read(join(root, 'cpuset/t/cpuset.cpus'))).toBe('0-1');
    expect(read(join(root, 'cpuset/t/c1/cpuset.mems'))).toBe('0');
    expect(read(join(root, 'memory/t/c1/memory.limit_in_bytes'))).toBe('1000');
    expect(read(join(root, 'memory/t/c1/memory.memsw.limit_in_bytes'))).toBe('2000');
    expect(read(join(root, 'cpu,cpuacct/t/c1/cpu.cfs_quota_us'))).toBe('1000');
    expect(read(join(root, 'pids/t/c1/pids.max'))).toBe('7');
    expect(read(join(root, 'blkio/t/c1/blkio.bfq.weight'))).toBe('300'); // fallback file
    expect(log.messages).toEqual([expect.stringMatching(/"hugetlb" is not mounted/)]);
    expect((await cg.pids()).sort()).toEqual([123, 456]);
    expect(cg.dirs.get('memory')).toBe(join(root, 'memory/t/c1'));
  });

  it('names the file, value and errno when a write fails', async () => {
    files(join(root, 'memory/t/c2'), {});
    const cg = openCgroup(v1Host(), '/t/c2', { logger: recorder() });
    const err = await cg.update({ memory: { limit: 1000n } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CgroupError);
    expect((err as Error).message).toMatch(/^cgroup memory\.limit_in_bytes=1000: ENOENT \(.*\) in .*memory\/t\/c2$/);
  });

  it('resolves a relative path under the runtime\'s own cgroup per hierarchy', () => {
    const cg = openCgroup(v1Host(), 'sub/c3');
    expect(cg.dirs.get('memory')).toBe(join(root, 'memory/mine/sub/c3'));
    expect(cg.dirs.get('pids')).toBe(join(root, 'pids/sub/c3'));
  });

  it('places a "slice:prefix:name" cgroupsPath under the own cgroup as one name when the systemd driver is off (runc)', () => {
    const cg = openContainerCgroup('c4', 'k-pod1.slice:cri-containerd:c4', { systemd: false, host: v1Host() });
    expect(cg.dirs.get('memory')).toBe(join(root, 'memory/mine/k-pod1.slice:cri-containerd:c4'));
    expect(cg.dirs.get('pids')).toBe(join(root, 'pids/k-pod1.slice:cri-containerd:c4'));
  });

  it('removes the tree leaf-first and tolerates a missing cgroup', async () => {
    mkdirSync(join(root, 'pids/t/c4/nested/deeper'), { recursive: true });
    const cg = openCgroup(v1Host(), '/t/c4');
    await cg.destroy();
    expect(existsSync(join(root, 'pids/t/c4'))).toBe(false);
    expect(existsSync(join(root, 'pids/t'))).toBe(true);
    await cg.destroy();
  });
});

function v2Host(): CgroupHost {
  return { mode: 'unified', v1: [], unified: { mountPoint: join(root, 'unified'), root: '/', controllers: [] }, own: new Map() };
}

describe('v2 manager on a fake tree', () => {
  beforeEach(() => {
    files(join(root, 'unified'), { 'cgroup.controllers': 'cpuset cpu io memory pids\n', 'cgroup.subtree_control': '' });
    files(join(root, 'unified/k8s'), { 'cgroup.controllers': 'cpuset cpu io memory pids\n', 'cgroup.subtree_control': '' });
  });

  it('enables controllers in every parent and writes converted values', async () => {
    files(join(root, 'unified/k8s/c1'), { 'memory.max': '', 'memory.swap.max': '', 'cpu.weight': '', 'cpu.max': '', 'io.bfq.weight': '', 'cgroup.procs': '' });
    const log = recorder();
    const cg = openCgroup(v2Host(), '/k8s/c1', { logger: log });
    await cg.create({ memory: { limit: 100n, swap: 300n }, cpu: { shares: 1024n, quota: 5000n }, blockIO: { weight: 100 } });
    // The fake file keeps the last write; the real file accumulates "+ctrl" writes.
    expect(read(join(root, 'unified/cgroup.subtree_control'))).toMatch(/^\+\w+$/);
    expect(read(join(root, 'unified/k8s/cgroup.subtree_control'))).toMatch(/^\+\w+$/);
    expect(read(join(root, 'unified/k8s/c1/memory.max'))).toBe('100');
    expect(read(join(root, 'unified/k8s/c1/memory.swap.max'))).toBe('200');
    expect(read(join(root, 'unified/k8s/c1/cpu.weight'))).toBe('39');
    expect(read(join(root, 'unified/k8s/c1/cpu.max'))).toBe('5000 100000');
    expect(read(join(root, 'unified/k8s/c1/io.bfq.weight'))).toBe('100');
    expect(log.messages).toEqual([]);
  });

  it('puts a relative path (an empty cgroupsPath: the id) below the parent of its own cgroup, as runc; v1 below the own cgroup', async () => {
    files(join(root, 'unified/k8s/shim'), { 'cgroup.controllers': 'cpuset cpu io memory pids\n', 'cgroup.subtree_control': '', 'cgroup.procs': '1\n' });
    const host = { ...v2Host(), own: new Map([['', '/k8s/shim']]) };
    const cg = openContainerCgroup('c9', '', { host, logger: recorder() });
    expect(cg.dirs.get('')).toBe(join(root, 'unified/k8s/c9'));
    await cg.create({});
    expect(existsSync(join(root, 'unified/k8s/c9'))).toBe(true);
    await cg.destroy();
    expect(existsSync(join(root, 'unified/k8s/c9'))).toBe(false);
    expect(existsSync(join(root, 'unified/tsrun'))).toBe(false);
    const v1 = openContainerCgroup('c9', '', { host: v1Host() });
    expect(v1.dirs.get('memory')).toBe(join(root, 'memory/mine/c9'));
    expect(v1.dirs.get('pids')).toBe(join(root, 'pids/c9'));
  });

  it('fails naming a controller the parent does not offer', async () => {
    const cg = openCgroup(v2Host(), '/k8s/c2', { logger: recorder() });
    await expect(cg.create({ hugepageLimits: [{ pageSize: '2MB', limit: 0n }] })).rejects.toThrow(
      /cgroup cgroup.subtree_control=\+hugetlb: ENOENT \(controller "hugetlb" is not available here/,
    );
  });

  it('attaches the device filter through its backend, on create and on every update', async () => {
    files(join(root, 'unified/k8s/c4'), { 'pids.max': 'max' });
    const calls: { dir: string; program: Buffer }[] = [];
    const deviceFilter = { install: (dir: string, program: Buffer) => (calls.push({ dir, program }), true) };
    const log = recorder();
    const cg = openCgroup(v2Host(), '/k8s/c4', { logger: log, deviceFilter, devicePolicy: 'error' });
    await cg.create({ devices: [{ allow: false, access: 'rwm' }] });
    await cg.update({ devices: [{ allow: true, access: 'rwm' }] });
    await cg.update({ pids: { limit: 5n } }); // no device rules: the filter stays as it is
    expect(calls.map((c) => c.dir)).toEqual([join(root, 'unified/k8s/c4'), join(root, 'unified/k8s/c4')]);
    expect(calls.map((c) => c.program.toString('hex'))).toEqual([deviceFilterProgram([{ allow: false }]).toString('hex'), 'b7000000010000009500000000000000']);
    expect(log.messages).toEqual([]);
    // bad rules are refused before anything is written
    await expect(openCgroup(v2Host(), '/k8s/c5', { deviceFilter }).create({ devices: [{ allow: true, type: 'c', major: 1 << 20 }] })).rejects.toThrow(/devices\[0\]\.major/);
    expect(existsSync(join(root, 'unified/k8s/c5'))).toBe(false);
  });

  it('without kernel support warns loudly about device rules by default and refuses them with devicePolicy "error"', async () => {
    files(join(root, 'unified/k8s/c3'), {});
    const devices = [{ allow: false, access: 'rwm' }];
    const log = recorder();
    const deviceFilter = { install: () => false };
    await openCgroup(v2Host(), '/k8s/c3', { logger: log, deviceFilter }).create({ devices });
    expect(log.messages).toEqual([expect.stringMatching(/lacks CONFIG_CGROUP_BPF.*device rule\(s\) are NOT enforced/)]);
    await expect(openCgroup(v2Host(), '/k8s/c3', { logger: log, deviceFilter, devicePolicy: 'error' }).create({ devices })).rejects.toThrow(UnimplementedError);
    // rules that allow everything need no filter, so no warning either
    await openCgroup(v2Host(), '/k8s/c3', { logger: log, deviceFilter, devicePolicy: 'error' }).create({ devices: [{ allow: true }] });
    expect(log.messages).toHaveLength(1);
  });

  it('opens a container\'s cgroup from a systemd-form cgroupsPath', () => {
    const cg = openContainerCgroup('abc', 'kubepods-besteffort-pod1.slice:cri-containerd:abc', { host: v2Host() });
    expect(cg.version).toBe(2);
    expect(cg.dirs.get('')).toBe(join(root, 'unified/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-containerd-abc.scope'));
  });

  it('uses cgroup.kill for SIGKILL when the kernel has it', async () => {
    files(join(root, 'unified/k8s/c4'), { 'cgroup.kill': '', 'cgroup.procs': '' });
    await openCgroup(v2Host(), '/k8s/c4').killAll('SIGKILL');
    expect(read(join(root, 'unified/k8s/c4/cgroup.kill'))).toBe('1');
  });

  it('collects v2 stats in containerd\'s shape', async () => {
    files(join(root, 'unified/k8s/c5'), {
      'pids.current': '3\n', 'pids.max': 'max\n', 'memory.current': '4096\n', 'memory.max': 'max\n',
      'memory.stat': 'anon 100\nfile 200\nworkingset_refault_anon 1\nworkingset_refault_file 2\n',
      'memory.events': 'low 0\nhigh 0\nmax 4\noom 2\noom_kill 1\n',
      'cpu.stat': 'usage_usec 10\nuser_usec 6\nsystem_usec 4\n', 'io.stat': '8:0 rbytes=1 wbytes=2 rios=3 wios=4\n',
      'hugetlb.2MB.current': '0\n', 'hugetlb.2MB.max': 'max\n',
    });
    const s = await openCgroup(v2Host(), '/k8s/c5').stats();
    expect(s.version).toBe(2);
    if (s.version !== 2) return;
    expect(s.metrics.pids).toEqual({ current: 3n, limit: 0n });
    expect(s.metrics.memory?.anon).toBe(100n);
    expect(s.metrics.memory?.workingsetRefault).toBe(3n);
    expect(s.metrics.memory?.usage).toBe(4096n);
    expect(s.metrics.memory?.usageLimit).toBe(18446744073709551615n);
    expect(s.metrics.memoryEvents).toEqual({ low: 0n, high: 0n, max: 4n, oom: 2n, oomKill: 1n });
    expect(s.metrics.cpu).toMatchObject({ usageUsec: 10n, userUsec: 6n, systemUsec: 4n });
    expect(s.metrics.io?.usage).toHaveLength(1);
    expect(s.metrics.hugetlb).toEqual([{ pagesize: '2MB', current: 0n, max: 18446744073709551615n }]);
  });

  it('reports OOM kills counted in memory.events through check()', async () => {
    files(join(root, 'unified/k8s/c6'), { 'memory.events': 'oom 0\noom_kill 0\n' });
    const w = await openCgroup(v2Host(), '/k8s/c6').watchOom();
    const seen: number[] = [];
    w.on('oom', (e: { count: number }) => seen.push(e.count));
    writeFileSync(join(root, 'unified/k8s/c6/memory.events'), 'oom 2\noom_kill 2\n');
    await w.check();
    await w.check();
    w.close();
    expect(seen.reduce((a, b) => a + b, 0)).toBe(2);
  });
});
