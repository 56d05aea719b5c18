import { controllersOf, planV1, planV2 } from '../../../src/cgroups/plan';
import { orderMemoryWrites } from '../../../src/cgroups/v1';
import { allowsEverything, controllersToEnable } from '../../../src/cgroups/v2';
import type { LinuxResources } from '../../../src/runtime/spec';

const FULL: LinuxResources = {
  memory: { limit: 100n << 20n, reservation: 50n << 20n, swap: 200n << 20n, swappiness: 10n },
  cpu: { shares: 1024n, quota: 50000n, period: 100000n, cpus: '0', mems: '0' },
  pids: { limit: 32n },
  blockIO: { weight: 500, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576n }] },
  hugepageLimits: [{ pageSize: '2MB', limit: 0n }],
  devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }],
};

const asPairs = (p: { writes: readonly { file: string; value: string }[] }) => p.writes.map((w) => `${w.file}=${w.value}`);

describe('planV1', () => {
  it('writes v1 files in an order the kernel accepts', () => {
    expect(asPairs(planV1(FULL))).toEqual([
      'cpuset.cpus=0',
      'cpuset.mems=0',
      'cpu.shares=1024',
      'cpu.cfs_period_us=100000',
      'cpu.cfs_quota_us=50000',
      `memory.limit_in_bytes=${100 << 20}`,
      `memory.memsw.limit_in_bytes=${200 << 20}`,
      `memory.soft_limit_in_bytes=${50 << 20}`,
      'memory.swappiness=10',
      'pids.max=32',
      'blkio.weight=500',
      'blkio.throttle.read_bps_device=8:0 1048576',
      'hugetlb.2MB.limit_in_bytes=0',
      'devices.deny=a',
      'devices.allow=c 1:3 rwm',
    ]);
  });
  it('treats -1 as unlimited and refuses v2-only settings', () => {
    expect(asPairs(planV1({ memory: { limit: -1n }, pids: { limit: -1n } }))).toEqual(['memory.limit_in_bytes=-1', 'pids.max=max']);
    expect(() => planV1({ unified: { 'memory.high': '1' } })).toThrow(/linux\.resources\.unified/);
  });
  it('rejects invalid values naming the field', () => {
    expect(() => planV1({ memory: { limit: -5n } })).toThrow(/linux\.resources\.memory\.limit/);
    expect(() => planV1({ blockIO: { weight: 5 } })).toThrow(/blockIO\.weight/);
    expect(() => planV1({ devices: [{ allow: true, type: 'x' as 'a' }] })).toThrow(/devices\[\]\.type/);
  });
  it('orders memsw before the memory limit when raising it', () => {
    const w = planV1({ memory: { limit: 200n, swap: 400n } }).writes;
    expect(orderMemoryWrites(w, 300n).map((x) => x.file)).toEqual(['memory.memsw.limit_in_bytes', 'memory.limit_in_bytes']);
    expect(orderMemoryWrites(w, 9223372036854771712n).map((x) => x.file)).toEqual(['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes']);
  });
});

describe('planV2', () => {
  it('converts to v2 files', () => {
    expect(asPairs(planV2(FULL))).toEqual([
      'cpuset.cpus=0',
      'cpuset.mems=0',
      'cpu.weight=39',
      'cpu.max=50000 100000',
      `memory.max=${100 << 20}`,
      `memory.swap.max=${100 << 20}`,
      `memory.low=${50 << 20}`,
      'pids.max=32',
      'io.weight=4950',
      'io.max=8:0 rbps=1048576',
      'hugetlb.2MB.max=0',
    ]);
    const p = planV2(FULL);
    expect(p.warnings).toEqual([expect.stringMatching(/swappiness/)]);
    expect(p.unappliedDeviceRules).toHaveLength(2);
    expect(controllersOf(p).sort()).toEqual(['cpu', 'cpuset', 'hugetlb', 'io', 'memory', 'pids']);
  });
  it('applies linux.resources.unified last, overriding converted values', () => {
    const p = planV2({ memory: { limit: 100n }, unified: { 'memory.max': '200', 'cgroup.max.depth': '3' } });
    expect(asPairs(p)).toEqual(['memory.max=100', 'memory.max=200', 'cgroup.max.depth=3']);
    expect(controllersOf(p)).toEqual(['memory']);
    expect(() => planV2({ unified: { '../x': '1' } })).toThrow(/unified: key/);
  });
  it('refuses realtime cpu settings', () => {
    expect(() => planV2({ cpu: { realtimeRuntime: 1n } })).toThrow(/realtime/);
  });
});

describe('v2 helpers', () => {
  it('computes the controllers to enable', () => {
    expect(controllersToEnable(['cpu', 'memory', 'rdma'], 'cpu io memory pids', 'memory')).toEqual({ enable: ['cpu'], missing: ['rdma'] });
  });
  it('knows when device rules need no enforcement', () => {
    expect(allowsEverything([{ allow: true, access: 'rwm' }])).toBe(true);
    expect(allowsEverything([{ allow: false, access: 'rwm' }])).toBe(false);
    expect(allowsEverything([])).toBe(true);
    expect(allowsEverything([{ allow: false, access: 'rwm' }, { allow: true, type: 'a' }])).toBe(true);
    expect(allowsEverything([{ allow: true, type: 'c', major: 1, minor: 3 }])).toBe(true);
    expect(allowsEverything([{ allow: true, access: 'rwm' }, { allow: false, type: 'b', major: 8 }])).toBe(false);
    expect(allowsEverything([{ allow: true, access: 'rw' }])).toBe(true); // nothing is denied: the default allows
    expect(allowsEverything([{ allow: false, type: 'a', access: 'm' }])).toBe(false);
  });
});
