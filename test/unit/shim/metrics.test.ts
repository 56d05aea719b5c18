// Stats conversion for both cgroup versions without a cgroup v2 host: the collectors read a fake
// cgroup directory (kernel file formats), then the shim packs io.containerd.cgroups.v1/v2.Metrics
// and the CLI prints runc's events JSON.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { collectV1, collectV2 } from '../../../src/cgroups/stats';
import { runcStats, eventLine } from '../../../src/cli/stats-json';
import { unpackCgroupsMetrics } from '../../../src/proto';
import { metricsAny } from '../../../src/shim/metrics';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-metrics-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function files(sub: string, content: Record<string, string>): string {
  const d = path.join(dir, sub);
  fs.mkdirSync(d, { recursive: true });
  for (const [name, text] of Object.entries(content)) fs.writeFileSync(path.join(d, name), text);
  return d;
}

describe('Stats on cgroup v2', () => {
  it('packs io.containerd.cgroups.v2.Metrics and converts to runc JSON units', async () => {
    const d = files('v2', {
      'pids.current': '3\n',
      'pids.max': 'max\n',
      'cpu.stat': 'usage_usec 2000\nuser_usec 1500\nsystem_usec 500\nnr_periods 4\nnr_throttled 1\nthrottled_usec 30\n',
      'memory.stat': 'anon 4096\nfile 8192\npgfault 11\nworkingset_refault_anon 2\nworkingset_refault_file 3\n',
      'memory.current': '12288\n',
      'memory.max': '33554432\n',
      'memory.swap.current': '0\n',
      'memory.swap.max': 'max\n',
      'memory.events': 'low 0\nhigh 0\nmax 7\noom 2\noom_kill 1\n',
      'io.stat': '8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n',
    });
    const metrics = await collectV2(d);
    const any = metricsAny({ version: 2, metrics });
    expect(any.typeUrl).toBe('io.containerd.cgroups.v2.Metrics');
    const back = unpackCgroupsMetrics(any);
    expect(back.version).toBe(2);
    if (back.version !== 2) return;
    expect(back.metrics.pids).toEqual({ current: 3n, limit: 0n });
    expect(back.metrics.cpu).toMatchObject({ usageUsec: 2000n, userUsec: 1500n, systemUsec: 500n, nrThrottled: 1n });
    expect(back.metrics.memory).toMatchObject({ anon: 4096n, file: 8192n, usage: 12288n, usageLimit: 33554432n, workingsetRefault: 5n });
    expect(back.metrics.memoryEvents).toMatchObject({ low: 0n, high: 0n, max: 7n, oom: 2n, oomKill: 1n });
    expect(back.metrics.io?.usage).toEqual([{ major: 8n, minor: 0n, rbytes: 100n, wbytes: 200n, rios: 1n, wios: 2n }]);

    const json = JSON.parse(eventLine('stats', 'c1', runcStats({ version: 2, metrics })));
    expect(json.type).toBe('stats');
    expect(json.id).toBe('c1');
    expect(json.data.cpu).toEqual({ usage: { total: 2000000, kernel: 500000, user: 1500000 }, throttling: { periods: 4, throttled_periods: 1, throttled_time: 30000 } });
    expect(json.data.memory.usage).toEqual({ limit: 33554432, usage: 12288, failcnt: 7 });
    expect(json.data.memory.raw).toMatchObject({ anon: 4096, file: 8192, pgfault: 11 });
    expect(json.data.pids).toEqual({ current: 3 });
    expect(json.data.blkio.ioServiceBytesRecursive).toEqual([{ major: 8, op: 'Read', value: 100 }, { major: 8, op: 'Write', value: 200 }]);
    expect(Object.keys(json.data)).toEqual(['cpu', 'memory', 'pids', 'blkio', 'hugetlb', 'intel_rdt', 'network_interfaces']);
  });
});

describe('Stats on cgroup v1', () => {
  it('packs io.containerd.cgroups.v1.Metrics with the OOM counters and prints runc JSON', async () => {
    const mem = files('memory', {
      'memory.stat': 'cache 4096\nrss 8192\ntotal_rss 8192\nhierarchical_memory_limit 16777216\n',
      'memory.usage_in_bytes': '12288\n',
      'memory.limit_in_bytes': '16777216\n',
      'memory.max_usage_in_bytes': '16000000\n',
      'memory.failcnt': '9\n',
      'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n',
    });
    const pids = files('pids', { 'pids.current': '2\n', 'pids.max': '50\n' });
    const dirs: Record<string, string> = { memory: mem, pids };
    const metrics = await collectV1((c) => dirs[c]);
    const back = unpackCgroupsMetrics(metricsAny({ version: 1, metrics }));
    expect(back.version).toBe(1);
    if (back.version !== 1) return;
    expect(back.metrics.memoryOomControl).toEqual({ oomKillDisable: 0n, underOom: 0n, oomKill: 1n });
    expect(back.metrics.memory?.usage).toMatchObject({ usage: 12288n, limit: 16777216n, max: 16000000n, failcnt: 9n });
    expect(back.metrics.memory?.rss).toBe(8192n);
    expect(back.metrics.pids).toEqual({ current: 2n, limit: 50n });

    const json = JSON.parse(eventLine('stats', 'c1', runcStats({ version: 1, metrics })));
    expect(json.data.memory.usage).toEqual({ limit: 16777216, usage: 12288, max: 16000000, failcnt: 9 });
    expect(json.data.memory.cache).toBe(4096);
    expect(json.data.memory.raw).toMatchObject({ cache: 4096, rss: 8192, total_rss: 8192, hierarchical_memory_limit: 16777216 });
    expect(json.data.pids).toEqual({ current: 2, limit: 50 });
    expect(JSON.parse(eventLine('oom', 'c1'))).toEqual({ type: 'oom', id: 'c1' });
  });
});
