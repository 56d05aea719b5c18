//! Cgroup statistics as plain objects shaped like containerd's io.containerd.cgroups.v1.Metrics and
//! io.containerd.cgroups.v2.Metrics (field names as ts-proto generates them: camelCase, uint64 as
//! bigint), so the shim can wrap them in the generated protobuf messages unchanged.

import { promises as fsp } from 'node:fs';
import { parseFlatKeyed, parseU64, readOptional, U64_MAX } from './files';

// ---- cgroup v1 (io.containerd.cgroups.v1) ----

export interface V1HugetlbStat { usage: bigint; max: bigint; failcnt: bigint; pagesize: string }
export interface PidsStat { current: bigint; limit: bigint }
export interface V1CpuUsage { total: bigint; kernel: bigint; user: bigint; perCpu: bigint[] }
export interface V1Throttle { periods: bigint; throttledPeriods: bigint; throttledTime: bigint }
export interface V1CpuStat { usage: V1CpuUsage; throttling: V1Throttle }
export interface V1MemoryEntry { limit: bigint; usage: bigint; max: bigint; failcnt: bigint }
export interface V1MemoryStat {
  cache: bigint; rss: bigint; rssHuge: bigint; mappedFile: bigint; dirty: bigint; writeback: bigint;
  pgPgIn: bigint; pgPgOut: bigint; pgFault: bigint; pgMajFault: bigint; inactiveAnon: bigint;
  activeAnon: bigint; inactiveFile: bigint; activeFile: bigint; unevictable: bigint;
  hierarchicalMemoryLimit: bigint; hierarchicalSwapLimit: bigint; totalCache: bigint; totalRss: bigint;
  totalRssHuge: bigint; totalMappedFile: bigint; totalDirty: bigint; totalWriteback: bigint;
  totalPgPgIn: bigint; totalPgPgOut: bigint; totalPgFault: bigint; totalPgMajFault: bigint;
  totalInactiveAnon: bigint; totalActiveAnon: bigint; totalInactiveFile: bigint; totalActiveFile: bigint;
  totalUnevictable: bigint; usage: V1MemoryEntry; swap: V1MemoryEntry; kernel: V1MemoryEntry; kernelTcp: V1MemoryEntry;
}
export interface V1MemoryOomControl { oomKillDisable: bigint; underOom: bigint; oomKill: bigint }
export interface BlkIOEntry { op: string; device: string; major: bigint; minor: bigint; value: bigint }
export interface V1BlkIOStat {
  ioServiceBytesRecursive: BlkIOEntry[]; ioServicedRecursive: BlkIOEntry[]; ioQueuedRecursive: BlkIOEntry[];
  ioServiceTimeRecursive: BlkIOEntry[]; ioWaitTimeRecursive: BlkIOEntry[]; ioMergedRecursive: BlkIOEntry[];
  ioTimeRecursive: BlkIOEntry[]; sectorsRecursive: BlkIOEntry[];
}
export interface RdmaEntry { device: string; hcaHandles: number; hcaObjects: number }
export interface RdmaStat { current: RdmaEntry[]; limit: RdmaEntry[] }

export interface V1Metrics {
  hugetlb: V1HugetlbStat[];
  pids: PidsStat | undefined;
  cpu: V1CpuStat | undefined;
  memory: V1MemoryStat | undefined;
  blkio: V1BlkIOStat | undefined;
  rdma: RdmaStat | undefined;
  /** Per-interface counters need the container's network namespace; the shim fills them if it wants. */
  network: never[];
  /** Task-state counts need netlink taskstats; not collected. */
  cgroupStats: undefined;
  memoryOomControl: V1MemoryOomControl | undefined;
}

// ---- cgroup v2 (io.containerd.cgroups.v2) ----

export interface V2CpuStat {
  usageUsec: bigint; userUsec: bigint; systemUsec: bigint; nrPeriods: bigint; nrThrottled: bigint; throttledUsec: bigint;
}
export interface V2MemoryStat {
  anon: bigint; file: bigint; kernelStack: bigint; slab: bigint; sock: bigint; shmem: bigint; fileMapped: bigint;
  fileDirty: bigint; fileWriteback: bigint; anonThp: bigint; inactiveAnon: bigint; activeAnon: bigint;
  inactiveFile: bigint; activeFile: bigint; unevictable: bigint; slabReclaimable: bigint; slabUnreclaimable: bigint;
  pgfault: bigint; pgmajfault: bigint; workingsetRefault: bigint; workingsetActivate: bigint;
  workingsetNodereclaim: bigint; pgrefill: bigint; pgscan: bigint; pgsteal: bigint; pgactivate: bigint;
  pgdeactivate: bigint; pglazyfree: bigint; pglazyfreed: bigint; thpFaultAlloc: bigint; thpCollapseAlloc: bigint;
  usage: bigint; usageLimit: bigint; swapUsage: bigint; swapLimit: bigint; maxUsage: bigint; swapMaxUsage: bigint;
}
export interface V2MemoryEvents { low: bigint; high: bigint; max: bigint; oom: bigint; oomKill: bigint }
export interface IOEntry { major: bigint; minor: bigint; rbytes: bigint; wbytes: bigint; rios: bigint; wios: bigint }
export interface V2HugeTlbStat { current: bigint; max: bigint; pagesize: string }

export interface V2Metrics {
  pids: PidsStat | undefined;
  cpu: V2CpuStat | undefined;
  memory: V2MemoryStat | undefined;
  rdma: RdmaStat | undefined;
  io: { usage: IOEntry[] } | undefined;
  hugetlb: V2HugeTlbStat[];
  memoryEvents: V2MemoryEvents | undefined;
}

export type CgroupStats = { readonly version: 1; readonly metrics: V1Metrics } | { readonly version: 2; readonly metrics: V2Metrics };

const g = (m: Map<string, bigint>, k: string) => m.get(k) ?? 0n;

/** USER_HZ: cpuacct.stat counts in clock ticks of 1/100 s on Linux (fixed for the user ABI). */
const NANOS_PER_TICK = 10_000_000n;

export function parseRdma(text: string | undefined): RdmaEntry[] {
  const out: RdmaEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const [device, ...kv] = line.trim().split(/\s+/);
    if (!device) continue;
    const e: RdmaEntry = { device, hcaHandles: 0, hcaObjects: 0 };
    for (const p of kv) {
      const [k, v] = p.split('=');
      const n = v === 'max' ? 0xffffffff : Number(v);
      if (k === 'hca_handle') e.hcaHandles = n;
      if (k === 'hca_object') e.hcaObjects = n;
    }
    out.push(e);
  }
  return out;
}

/** v1 blkio "8:0 Read 4096" lines (the "Total" lines are dropped, as containerd does). */
export function parseBlkio(text: string | undefined, devName: (maj: bigint, min: bigint) => string): BlkIOEntry[] {
  const out: BlkIOEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 2 || f[0] === 'Total') continue;
    const [maj, min] = (f[0] ?? '').split(':');
    if (maj === undefined || min === undefined) continue;
    const op = f.length === 3 ? (f[1] ?? '') : '';
    const value = BigInt(f[f.length - 1] ?? '0');
    out.push({ op, device: devName(BigInt(maj), BigInt(min)), major: BigInt(maj), minor: BigInt(min), value });
  }
  return out;
}

/** v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0". */
export function parseIoStat(text: string | undefined): IOEntry[] {
  const out: IOEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const [dev, ...kv] = line.trim().split(/\s+/);
    if (!dev) continue;
    const [maj, min] = dev.split(':');
    if (maj === undefined || min === undefined) continue;
    const e: IOEntry = { major: BigInt(maj), minor: BigInt(min), rbytes: 0n, wbytes: 0n, rios: 0n, wios: 0n };
    for (const p of kv) {
      const [k, v] = p.split('=');
      if (v === undefined) continue;
      if (k === 'rbytes' || k === 'wbytes' || k === 'rios' || k === 'wios') e[k] = BigInt(v);
    }
    out.push(e);
  }
  return out;
}

/** Hugepage size names from the hugetlb files present in a directory ("hugetlb.2MB.max" → "2MB"). */
async function hugepageSizes(dir: string): Promise<string[]> {
  try {
    const names = await fsp.readdir(dir);
    const sizes = new Set<string>();
    for (const n of names) {
      const m = /^hugetlb\.([0-9]+[KMG]B)\./.exec(n);
      if (m?.[1]) sizes.add(m[1]);
    }
    return [...sizes].sort();
  } catch {
    return [];
  }
}

/** /dev name of a block device from /sys/dev/block/MAJ:MIN/uevent, or "" when unknown. */
async function blockDeviceNames(entries: BlkIOEntry[][]): Promise<void> {
  const cache = new Map<string, string>();
  for (const list of entries) {
    for (const e of list) {
      const key = `${e.major}:${e.minor}`;
      if (!cache.has(key)) {
        const uevent = await readOptional('/sys/dev/block', `${key}/uevent`).catch(() => undefined);
        const m = /^DEVNAME=(.*)$/m.exec(uevent ?? '');
        cache.set(key, m?.[1] ? `/dev/${m[1]}` : '');
      }
      e.device = cache.get(key) ?? '';
    }
  }
}

async function v1MemoryEntry(dir: string, prefix: string): Promise<V1MemoryEntry> {
  const [limit, usage, max, failcnt] = await Promise.all(
    ['limit_in_bytes', 'usage_in_bytes', 'max_usage_in_bytes', 'failcnt'].map((f) => readOptional(dir, `${prefix}${f}`)),
  );
  return { limit: parseU64(limit), usage: parseU64(usage), max: parseU64(max), failcnt: parseU64(failcnt) };
}

/** Collect v1 metrics; `dirFor(controller)` gives the cgroup's directory in that hierarchy. */
export async function collectV1(dirFor: (controller: string) => string | undefined): Promise<V1Metrics> {
  const m: V1Metrics = {
    hugetlb: [], pids: undefined, cpu: undefined, memory: undefined, blkio: undefined, rdma: undefined,
    network: [], cgroupStats: undefined, memoryOomControl: undefined,
  };
  const pidsDir = dirFor('pids');
  if (pidsDir) {
    m.pids = { current: parseU64(await readOptional(pidsDir, 'pids.current')), limit: parseU64(await readOptional(pidsDir, 'pids.max'), 0n) };
  }
  const acct = dirFor('cpuacct');
  const cpuDir = dirFor('cpu');
  if (acct || cpuDir) {
    const usage: V1CpuUsage = { total: 0n, kernel: 0n, user: 0n, perCpu: [] };
    if (acct) {
      usage.total = parseU64(await readOptional(acct, 'cpuacct.usage'));
      usage.perCpu = ((await readOptional(acct, 'cpuacct.usage_percpu')) ?? '').trim().split(/\s+/).filter(Boolean).map((x) => BigInt(x));
      const st = parseFlatKeyed(await readOptional(acct, 'cpuacct.stat'));
      usage.user = g(st, 'user') * NANOS_PER_TICK;
      usage.kernel = g(st, 'system') * NANOS_PER_TICK;
    }
    const st = parseFlatKeyed(cpuDir ? await readOptional(cpuDir, 'cpu.stat') : undefined);
    m.cpu = { usage, throttling: { periods: g(st, 'nr_periods'), throttledPeriods: g(st, 'nr_throttled'), throttledTime: g(st, 'throttled_time') } };
  }
  const memDir = dirFor('memory');
  if (memDir) {
    const s = parseFlatKeyed(await readOptional(memDir, 'memory.stat'));
    m.memory = {
      cache: g(s, 'cache'), rss: g(s, 'rss'), rssHuge: g(s, 'rss_huge'), mappedFile: g(s, 'mapped_file'),
      dirty: g(s, 'dirty'), writeback: g(s, 'writeback'), pgPgIn: g(s, 'pgpgin'), pgPgOut: g(s, 'pgpgout'),
      pgFault: g(s, 'pgfault'), pgMajFault: g(s, 'pgmajfault'), inactiveAnon: g(s, 'inactive_anon'),
      activeAnon: g(s, 'active_anon'), inactiveFile: g(s, 'inactive_file'), activeFile: g(s, 'active_file'),
      unevictable: g(s, 'unevictable'), hierarchicalMemoryLimit: g(s, 'hierarchical_memory_limit'),
      hierarchicalSwapLimit: g(s, 'hierarchical_memsw_limit'), totalCache: g(s, 'total_cache'),
      totalRss: g(s, 'total_rss'), totalRssHuge: g(s, 'total_rss_huge'), totalMappedFile: g(s, 'total_mapped_file'),
      totalDirty: g(s, 'total_dirty'), totalWriteback: g(s, 'total_writeback'), totalPgPgIn: g(s, 'total_pgpgin'),
      totalPgPgOut: g(s, 'total_pgpgout'), totalPgFault: g(s, 'total_pgfault'), totalPgMajFault: g(s, 'total_pgmajfault'),
      totalInactiveAnon: g(s, 'total_inactive_anon'), totalActiveAnon: g(s, 'total_active_anon'),
      totalInactiveFile: g(s, 'total_inactive_file'), totalActiveFile: g(s, 'total_active_file'),
      totalUnevictable: g(s, 'total_unevictable'),
      usage: await v1MemoryEntry(memDir, 'memory.'),
      swap: await v1MemoryEntry(memDir, 'memory.memsw.'),
      kernel: await v1MemoryEntry(memDir, 'memory.kmem.'),
      kernelTcp: await v1MemoryEntry(memDir, 'memory.kmem.tcp.'),
    };
    const oc = parseFlatKeyed(await readOptional(memDir, 'memory.oom_control'));
    m.memoryOomControl = { oomKillDisable: g(oc, 'oom_kill_disable'), underOom: g(oc, 'under_oom'), oomKill: g(oc, 'oom_kill') };
  }
  const blkDir = dirFor('blkio');
  if (blkDir) {
    const read = async (name: string) => parseBlkio(await readOptional(blkDir, name), () => '');
    // CFQ/BFQ-style files when the scheduler provides them, else the throttle layer's counters.
    const hasFull = (await readOptional(blkDir, 'blkio.io_serviced_recursive')) !== undefined;
    const b: V1BlkIOStat = hasFull
      ? {
          ioServiceBytesRecursive: await read('blkio.io_service_bytes_recursive'),
          ioServicedRecursive: await read('blkio.io_serviced_recursive'),
          ioQueuedRecursive: await read('blkio.io_queued_recursive'),
          ioServiceTimeRecursive: await read('blkio.io_service_time_recursive'),
          ioWaitTimeRecursive: await read('blkio.io_wait_time_recursive'),
          ioMergedRecursive: await read('blkio.io_merged_recursive'),
          ioTimeRecursive: await read('blkio.time_recursive'),
          sectorsRecursive: await read('blkio.sectors_recursive'),
        }
      : {
          ioServiceBytesRecursive: await read('blkio.throttle.io_service_bytes_recursive'),
          ioServicedRecursive: await read('blkio.throttle.io_serviced_recursive'),
          ioQueuedRecursive: [], ioServiceTimeRecursive: [], ioWaitTimeRecursive: [], ioMergedRecursive: [],
          ioTimeRecursive: [], sectorsRecursive: [],
        };
    await blockDeviceNames(Object.values(b));
    m.blkio = b;
  }
  const hugeDir = dirFor('hugetlb');
  if (hugeDir) {
    for (const size of await hugepageSizes(hugeDir)) {
      m.hugetlb.push({
        pagesize: size,
        usage: parseU64(await readOptional(hugeDir, `hugetlb.${size}.usage_in_bytes`)),
        max: parseU64(await readOptional(hugeDir, `hugetlb.${size}.max_usage_in_bytes`)),
        failcnt: parseU64(await readOptional(hugeDir, `hugetlb.${size}.failcnt`)),
      });
    }
  }
  const rdmaDir = dirFor('rdma');
  if (rdmaDir) {
    m.rdma = { current: parseRdma(await readOptional(rdmaDir, 'rdma.current')), limit: parseRdma(await readOptional(rdmaDir, 'rdma.max')) };
  }
  return m;
}

/** Collect v2 metrics from one cgroup directory; files of disabled controllers are left out. */
export async function collectV2(dir: string): Promise<V2Metrics> {
  const r = (f: string) => readOptional(dir, f);
  const m: V2Metrics = { pids: undefined, cpu: undefined, memory: undefined, rdma: undefined, io: undefined, hugetlb: [], memoryEvents: undefined };
  const pidsCurrent = await r('pids.current');
  if (pidsCurrent !== undefined) m.pids = { current: parseU64(pidsCurrent), limit: parseU64(await r('pids.max'), 0n) };
  const cpu = await r('cpu.stat');
  if (cpu !== undefined) {
    const s = parseFlatKeyed(cpu);
    m.cpu = {
      usageUsec: g(s, 'usage_usec'), userUsec: g(s, 'user_usec'), systemUsec: g(s, 'system_usec'),
      nrPeriods: g(s, 'nr_periods'), nrThrottled: g(s, 'nr_throttled'), throttledUsec: g(s, 'throttled_usec'),
    };
  }
  const memStat = await r('memory.stat');
  if (memStat !== undefined) {
    const s = parseFlatKeyed(memStat);
    const refault = s.has('workingset_refault') ? g(s, 'workingset_refault') : g(s, 'workingset_refault_anon') + g(s, 'workingset_refault_file');
    const activate = s.has('workingset_activate') ? g(s, 'workingset_activate') : g(s, 'workingset_activate_anon') + g(s, 'workingset_activate_file');
    m.memory = {
      anon: g(s, 'anon'), file: g(s, 'file'), kernelStack: g(s, 'kernel_stack'), slab: g(s, 'slab'), sock: g(s, 'sock'),
      shmem: g(s, 'shmem'), fileMapped: g(s, 'file_mapped'), fileDirty: g(s, 'file_dirty'), fileWriteback: g(s, 'file_writeback'),
      anonThp: g(s, 'anon_thp'), inactiveAnon: g(s, 'inactive_anon'), activeAnon: g(s, 'active_anon'),
      inactiveFile: g(s, 'inactive_file'), activeFile: g(s, 'active_file'), unevictable: g(s, 'unevictable'),
      slabReclaimable: g(s, 'slab_reclaimable'), slabUnreclaimable: g(s, 'slab_unreclaimable'), pgfault: g(s, 'pgfault'),
      pgmajfault: g(s, 'pgmajfault'), workingsetRefault: refault, workingsetActivate: activate,
      workingsetNodereclaim: g(s, 'workingset_nodereclaim'), pgrefill: g(s, 'pgrefill'), pgscan: g(s, 'pgscan'),
      pgsteal: g(s, 'pgsteal'), pgactivate: g(s, 'pgactivate'), pgdeactivate: g(s, 'pgdeactivate'),
      pglazyfree: g(s, 'pglazyfree'), pglazyfreed: g(s, 'pglazyfreed'), thpFaultAlloc: g(s, 'thp_fault_alloc'),
      thpCollapseAlloc: g(s, 'thp_collapse_alloc'),
      usage: parseU64(await r('memory.current')), usageLimit: parseU64(await r('memory.max')),
      swapUsage: parseU64(await r('memory.swap.current')), swapLimit: parseU64(await r('memory.swap.max')),
      maxUsage: parseU64(await r('memory.peak')), swapMaxUsage: parseU64(await r('memory.swap.peak')),
    };
  }
  const ev = await r('memory.events');
  if (ev !== undefined) {
    const s = parseFlatKeyed(ev);
    m.memoryEvents = { low: g(s, 'low'), high: g(s, 'high'), max: g(s, 'max'), oom: g(s, 'oom'), oomKill: g(s, 'oom_kill') };
  }
  const io = await r('io.stat');
  if (io !== undefined) m.io = { usage: parseIoStat(io) };
  for (const size of await hugepageSizes(dir)) {
    m.hugetlb.push({ pagesize: size, current: parseU64(await r(`hugetlb.${size}.current`)), max: parseU64(await r(`hugetlb.${size}.max`)) });
  }
  const rdmaCur = await r('rdma.current');
  if (rdmaCur !== undefined) m.rdma = { current: parseRdma(rdmaCur), limit: parseRdma(await r('rdma.max')) };
  return m;
}

export { U64_MAX };
