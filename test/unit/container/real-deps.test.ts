// The real deps' cgroup reattachment (reads this host's mountinfo and /proc/self/cgroup; creates nothing).
import { makeRealDeps } from '../../../src/container/real-deps';

describe('real deps: reopening a relative cgroup path', () => {
  it('resolves it below the recorded creator cgroups, not below the calling process\'s', () => {
    const deps = makeRealDeps();
    const own = deps.cgroupBase();
    // Every hierarchy this host has (/proc/self/cgroup lists them all); "" is cgroup2.
    expect(Object.keys(own).length).toBeGreaterThan(0);
    const base = Object.fromEntries(Object.keys(own).map((k) => [k, '/creator-cg']));
    const cg = deps.reopenCgroup('k-pod1.slice:cri-containerd:c1', false, base);
    expect(cg.dirs.size).toBeGreaterThan(0);
    for (const dir of cg.dirs.values()) expect(dir).toMatch(/\/creator-cg\/k-pod1\.slice:cri-containerd:c1$/);
    const mine = deps.reopenCgroup('k-pod1.slice:cri-containerd:c1', false);
    for (const dir of mine.dirs.values()) expect(dir).not.toContain('/creator-cg/');
  });
});
