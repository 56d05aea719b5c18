// Pause/update/stats plumbing of the container library and both front ends on a pure cgroup v2
// hierarchy (inside the cg2rig guest on v1/hybrid hosts): runc update flags → the update patch →
// memory.max/cpu.weight/pids.max, cgroup.freeze, and real v2 statistics packed as
// io.containerd.cgroups.v2.Metrics (the shim) and printed as runc's events JSON (the CLI).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { detectCgroupHost, openCgroup, parseCgroupsPath, type CgroupManager } from '../../src/cgroups';
import { parseCommandLine } from '../../src/cli/args';
import { eventLine, runcStats } from '../../src/cli/stats-json';
import { resourcesFromFlags } from '../../src/cli/update-flags';
import { dropUnchanged, updateWrites } from '../../src/container/update';
import { unpackCgroupsMetrics } from '../../src/proto';
import { parseResourcesJson } from '../../src/runtime/validate-update';
import { metricsAny } from '../../src/shim/metrics';
import { hold, killStarted } from '../helpers/cgroup-procs';

const host = detectCgroupHost();
const base = `/tsrun-ctl-${process.pid}-${randomBytes(3).toString('hex')}`;
const made: CgroupManager[] = [];
const read = (dir: string, f: string) => readFileSync(`${dir}/${f}`, 'utf8').trim();

afterAll(async () => {
  await killStarted();
  for (const cg of made.reverse()) await cg.destroy().catch(() => undefined);
  await openCgroup(host, base).destroy();
});

describe('update, freeze and stats on cgroup v2', () => {
  it('applies tsrun update flags and Task.Update JSON as v2 files; freezes with cgroup.freeze', async () => {
    const cg = openCgroup(host, parseCgroupsPath(`${base}/upd`, 'upd'), {});
    made.push(cg);
    await cg.create({ memory: { limit: 64n << 20n } });
    const dir = cg.dirs.get('') as string;
    const p = hold(['/bin/sh', '-c', 'while :; do :; done']);
    await cg.addProcess(p.pid);
    p.release();
    const flags = parseCommandLine(['update', '--memory', '48m', '--cpu-share', '512', '--pids-limit', '20', 'x']).flags;
    await cg.update(updateWrites(dropUnchanged(resourcesFromFlags(flags))));
    expect([read(dir, 'memory.max'), read(dir, 'pids.max')]).toEqual([String(48 << 20), '20']);
    // cpu.shares 512 → cpu.weight 20 (runc's conversion)
    expect(read(dir, 'cpu.weight')).toBe('20');
    // containerd's whole LinuxResources: zeros leave limits alone
    await cg.update(updateWrites(dropUnchanged(parseResourcesJson('{"memory":{"limit":0},"pids":{"limit":30}}', 'Task.Update'))));
    expect([read(dir, 'memory.max'), read(dir, 'pids.max')]).toEqual([String(48 << 20), '30']);
    await cg.freeze();
    expect(read(dir, 'cgroup.freeze')).toBe('1');
    expect(read(dir, 'cgroup.events')).toMatch(/^frozen 1$/m);
    await cg.thaw();
    expect(read(dir, 'cgroup.events')).toMatch(/^frozen 0$/m);
    await cg.killAll();
    await p.exited;
  });

  it('packs real v2 statistics as io.containerd.cgroups.v2.Metrics and as runc events JSON', async () => {
    const cg = openCgroup(host, parseCgroupsPath(`${base}/stats`, 'stats'), {});
    made.push(cg);
    await cg.create({ memory: { limit: 128n << 20n }, pids: { limit: 10n } });
    const p = hold([process.execPath, '-e', 'const b = Buffer.alloc(8 << 20, 1); process.stderr.write("ok"); setInterval(() => b, 1000)']);
    await cg.addProcess(p.pid);
    p.release();
    await new Promise((resolve) => p.child.stderr?.once('data', resolve));
    const stats = await cg.stats();
    expect(stats.version).toBe(2);
    const any = metricsAny(stats);
    expect(any.typeUrl).toBe('io.containerd.cgroups.v2.Metrics');
    const back = unpackCgroupsMetrics(any);
    if (back.version !== 2) throw new Error('expected v2 metrics');
    expect(back.metrics.memory?.usageLimit).toBe(128n << 20n);
    expect(back.metrics.memory?.usage).toBeGreaterThan(8n << 20n);
    expect(back.metrics.pids?.limit).toBe(10n);
    const json = JSON.parse(eventLine('stats', 'stats', runcStats(stats)));
    expect(json.data.memory.usage.limit).toBe(128 << 20);
    expect(json.data.memory.usage.usage).toBeGreaterThan(8 << 20);
    expect(json.data.memory.raw.anon).toBeGreaterThan(0);
    expect(json.data.cpu.usage.total).toBeGreaterThan(0);
    expect(json.data.pids.limit).toBe(10);
    await cg.killAll();
    await p.exited;
  });
});
