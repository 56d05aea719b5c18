import { cgroupHostFrom, detectCgroupHost, parseCgroupMounts, parseProcCgroup, v1MountFor } from '../../../src/cgroups/host';

const HYBRID = `22 1 0:21 / / rw,relatime - ext4 /dev/vda rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const UNIFIED = `22 1 0:21 / / rw - ext4 /dev/vda rw
30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;
const V1 = `32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 /docker/abc /sys/fs/cgroup/my\\040memory rw,relatime - cgroup cgroup rw,memory
`;

describe('parseCgroupMounts', () => {
  it('lists v1 hierarchies with their controllers and the cgroup2 mount', () => {
    const { v1, unified } = parseCgroupMounts(HYBRID);
    expect(v1.map((m) => m.controllers.join(','))).toEqual(['cpu', 'cpuacct', 'memory', 'freezer', 'name=systemd']);
    expect(unified).toEqual({ mountPoint: '/sys/fs/cgroup/unified', root: '/', controllers: [] });
  });
  it('keeps co-mounted controllers together, unescapes mount points, keeps the mount root', () => {
    const { v1 } = parseCgroupMounts(V1);
    expect(v1[0]).toEqual({ mountPoint: '/sys/fs/cgroup/cpu,cpuacct', root: '/', controllers: ['cpu', 'cpuacct'] });
    expect(v1[1]).toEqual({ mountPoint: '/sys/fs/cgroup/my memory', root: '/docker/abc', controllers: ['memory'] });
  });
  it('keeps one mount per hierarchy: the one under /sys/fs/cgroup, not a tool\'s second mount (criu\'s cgyard)', () => {
    const yard = '/tmp/ckpt.VfWUns/img/.criu.cgyard.CXHEzy';
    const text = `${HYBRID}142 27 0:97 / ${yard} rw,relatime - tmpfs none rw
143 142 0:29 / ${yard}/cpu rw,relatime - cgroup none rw,cpu
144 142 0:32 / ${yard}/memory rw,relatime - cgroup none rw,memory
145 142 0:38 / ${yard}/unified rw,relatime - cgroup2 none rw
`;
    const { v1, unified } = parseCgroupMounts(text);
    expect(v1.map((m) => m.mountPoint)).toEqual(['cpu', 'cpuacct', 'memory', 'freezer', 'systemd'].map((h) => `/sys/fs/cgroup/${h}`));
    expect(unified?.mountPoint).toBe('/sys/fs/cgroup/unified');
    // with only the tool's mount of a hierarchy, that one is used
    const only = parseCgroupMounts(`143 142 0:29 / ${yard}/cpu rw,relatime - cgroup none rw,cpu\n`);
    expect(only.v1.map((m) => m.mountPoint)).toEqual([`${yard}/cpu`]);
  });
  it('a hierarchy mounted a second time elsewhere (criu cgyard) keeps one entry: the shorter path', () => {
    const text = `${HYBRID}166 142 0:31 / /tmp/bench.x/.criu.cgyard.y/memory rw,relatime - cgroup none rw,memory\n`;
    const { v1 } = parseCgroupMounts(text);
    expect(v1.filter((m) => m.controllers.includes('memory')).map((m) => m.mountPoint)).toEqual(['/sys/fs/cgroup/memory']);
  });
  it('counts a hierarchy mounted a second time elsewhere once: the /sys/fs/cgroup mount (a leftover CRIU cgroup yard)', () => {
    const text = `${HYBRID}166 142 0:32 / /tmp/x.VfWUns/img/.criu.cgyard.CXHEzy/memory rw,relatime - cgroup none rw,memory\n`;
    const { v1 } = parseCgroupMounts(text);
    expect(v1.filter((m) => m.controllers.includes('memory'))).toEqual([{ mountPoint: '/sys/fs/cgroup/memory', root: '/', controllers: ['memory'] }]);
    expect(v1).toHaveLength(5);
  });
  it('ignores a cgroup mount that something else was mounted over', () => {
    const text = `${UNIFIED}40 30 0:50 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n`;
    expect(parseCgroupMounts(text).unified).toBeUndefined();
  });
});

describe('cgroupHostFrom', () => {
  it('classifies hybrid, unified and v1 hosts', () => {
    expect(cgroupHostFrom(HYBRID, '').mode).toBe('hybrid');
    expect(cgroupHostFrom(UNIFIED, '0::/user.slice\n').mode).toBe('unified');
    expect(cgroupHostFrom(V1, '').mode).toBe('v1');
  });
  it('finds the hierarchy of a controller', () => {
    const host = cgroupHostFrom(V1, '');
    expect(v1MountFor(host, 'cpuacct')?.mountPoint).toBe('/sys/fs/cgroup/cpu,cpuacct');
    expect(v1MountFor(host, 'pids')).toBeUndefined();
  });
  it('reads /proc/self/cgroup', () => {
    const own = parseProcCgroup('4:memory:/process_api/x\n2:cpu,cpuacct:/\n0::/user.slice/a.scope\n');
    expect(own.get('memory')).toBe('/process_api/x');
    expect(own.get('cpu,cpuacct')).toBe('/');
    expect(own.get('')).toBe('/user.slice/a.scope');
  });
});

describe('detectCgroupHost', () => {
  it('describes this machine from /proc/self', () => {
    const host = detectCgroupHost();
    expect(['v1', 'hybrid', 'unified']).toContain(host.mode);
    if (host.mode !== 'v1') expect(host.unified?.mountPoint).toMatch(/^\/sys\/fs\/cgroup/);
    if (host.mode !== 'unified') expect(host.v1.length).toBeGreaterThan(0);
  });
});
