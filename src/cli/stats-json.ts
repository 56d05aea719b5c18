//! `tsrun events` documents, shaped like runc's (libcontainer types.Event / types.Stats JSON): the
//! container library's cgroup statistics (v1 or v2) converted to runc's field names and units.
//! Memory `raw` holds the memory.stat counters tsrun collects (a subset of the kernel's file).

import type { BlkIOEntry, CgroupStats, IOEntry, V1Metrics, V1MemoryEntry, V1MemoryStat, V2Metrics } from '../cgroups';
import { stringifySpecJson } from '../runtime/json';

type Json = { [key: string]: unknown };

/** Go's `omitempty` for numbers and lists. */
function omitEmpty(o: Json): Json {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => !(v === undefined || v === 0n || v === 0 || v === '' || (Array.isArray(v) && v.length === 0))),
  );
}

const V1_RAW: ReadonlyArray<readonly [keyof V1MemoryStat, string]> = [
  ['cache', 'cache'], ['rss', 'rss'], ['rssHuge', 'rss_huge'], ['mappedFile', 'mapped_file'], ['dirty', 'dirty'],
  ['writeback', 'writeback'], ['pgPgIn', 'pgpgin'], ['pgPgOut', 'pgpgout'], ['pgFault', 'pgfault'],
  ['pgMajFault', 'pgmajfault'], ['inactiveAnon', 'inactive_anon'], ['activeAnon', 'active_anon'],
  ['inactiveFile', 'inactive_file'], ['activeFile', 'active_file'], ['unevictable', 'unevictable'],
  ['hierarchicalMemoryLimit', 'hierarchical_memory_limit'], ['hierarchicalSwapLimit', 'hierarchical_memsw_limit'],
  ['totalCache', 'total_cache'], ['totalRss', 'total_rss'], ['totalRssHuge', 'total_rss_huge'],
  ['totalMappedFile', 'total_mapped_file'], ['totalDirty', 'total_dirty'], ['totalWriteback', 'total_writeback'],
  ['totalPgPgIn', 'total_pgpgin'], ['totalPgPgOut', 'total_pgpgout'], ['totalPgFault', 'total_pgfault'],
  ['totalPgMajFault', 'total_pgmajfault'], ['totalInactiveAnon', 'total_inactive_anon'],
  ['totalActiveAnon', 'total_active_anon'], ['totalInactiveFile', 'total_inactive_file'],
  ['totalActiveFile', 'total_active_file'], ['totalUnevictable', 'total_unevictable'],
];

const memoryEntry = (e: V1MemoryEntry | undefined): Json =>
  e ? { limit: e.limit, ...omitEmpty({ usage: e.usage, max: e.max }), failcnt: e.failcnt } : { limit: 0n, failcnt: 0n };

const blkioEntries = (entries: readonly BlkIOEntry[]): Json[] =>
  entries.map((e) => omitEmpty({ major: e.major, minor: e.minor, op: e.op, value: e.value }));

function v1Stats(m: V1Metrics): Json {
  const cpu = m.cpu;
  const mem = m.memory;
  const b = m.blkio;
  return {
    cpu: {
      usage: cpu ? { ...omitEmpty({ total: cpu.usage.total, percpu: cpu.usage.perCpu }), kernel: cpu.usage.kernel, user: cpu.usage.user } : { kernel: 0n, user: 0n },
      throttling: cpu ? omitEmpty({ periods: cpu.throttling.periods, throttled_periods: cpu.throttling.throttledPeriods, throttled_time: cpu.throttling.throttledTime }) : {},
    },
    memory: mem
      ? {
          ...omitEmpty({ cache: mem.cache }),
          usage: memoryEntry(mem.usage),
          swap: memoryEntry(mem.swap),
          kernel: memoryEntry(mem.kernel),
          kernelTCP: memoryEntry(mem.kernelTcp),
          raw: Object.fromEntries(V1_RAW.map(([k, raw]) => [raw, mem[k]])),
        }
      : {},
    pids: m.pids ? omitEmpty({ current: m.pids.current, limit: m.pids.limit }) : {},
    blkio: b
      ? omitEmpty({
          ioServiceBytesRecursive: blkioEntries(b.ioServiceBytesRecursive),
          ioServicedRecursive: blkioEntries(b.ioServicedRecursive),
          ioQueueRecursive: blkioEntries(b.ioQueuedRecursive),
          ioServiceTimeRecursive: blkioEntries(b.ioServiceTimeRecursive),
          ioWaitTimeRecursive: blkioEntries(b.ioWaitTimeRecursive),
          ioMergedRecursive: blkioEntries(b.ioMergedRecursive),
          ioTimeRecursive: blkioEntries(b.ioTimeRecursive),
          sectorsRecursive: blkioEntries(b.sectorsRecursive),
        })
      : {},
    hugetlb: Object.fromEntries(m.hugetlb.map((h) => [h.pagesize, { ...omitEmpty({ usage: h.usage, max: h.max }), failcnt: h.failcnt }])),
  };
}

const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function ioEntries(usage: readonly IOEntry[], read: 'rbytes' | 'rios', write: 'wbytes' | 'wios'): Json[] {
  return usage.flatMap((e) => [
    omitEmpty({ major: e.major, minor: e.minor, op: 'Read', value: e[read] }),
    omitEmpty({ major: e.major, minor: e.minor, op: 'Write', value: e[write] }),
  ]);
}

function v2Stats(m: V2Metrics): Json {
  const cpu = m.cpu;
  const mem = m.memory;
  const { usage: _u, usageLimit: _l, swapUsage: _s, swapLimit: _sl, maxUsage: _m, swapMaxUsage: _sm, ...counters } = mem ?? ({} as Partial<NonNullable<typeof mem>>);
  return {
    cpu: {
      // cgroup v2 counts microseconds; runc reports nanoseconds.
      usage: cpu ? { ...omitEmpty({ total: cpu.usageUsec * 1000n }), kernel: cpu.systemUsec * 1000n, user: cpu.userUsec * 1000n } : { kernel: 0n, user: 0n },
      throttling: cpu ? omitEmpty({ periods: cpu.nrPeriods, throttled_periods: cpu.nrThrottled, throttled_time: cpu.throttledUsec * 1000n }) : {},
    },
    memory: mem
      ? {
          usage: { limit: mem.usageLimit, ...omitEmpty({ usage: mem.usage, max: mem.maxUsage }), failcnt: m.memoryEvents?.max ?? 0n },
          swap: { limit: mem.swapLimit, ...omitEmpty({ usage: mem.swapUsage, max: mem.swapMaxUsage }), failcnt: 0n },
          kernel: { limit: 0n, failcnt: 0n },
          kernelTCP: { limit: 0n, failcnt: 0n },
          raw: Object.fromEntries(Object.entries(counters).map(([k, v]) => [snake(k), v])),
        }
      : {},
    pids: m.pids ? omitEmpty({ current: m.pids.current, limit: m.pids.limit }) : {},
    blkio: m.io
      ? omitEmpty({ ioServiceBytesRecursive: ioEntries(m.io.usage, 'rbytes', 'wbytes'), ioServicedRecursive: ioEntries(m.io.usage, 'rios', 'wios') })
      : {},
    hugetlb: Object.fromEntries(m.hugetlb.map((h) => [h.pagesize, { ...omitEmpty({ usage: h.current, max: h.max }), failcnt: 0n }])),
  };
}

/** runc's types.Stats document for cgroup statistics of either version. */
export function runcStats(stats: CgroupStats): Json {
  const s = stats.version === 1 ? v1Stats(stats.metrics) : v2Stats(stats.metrics);
  return { ...s, intel_rdt: {}, network_interfaces: null };
}

/** One `tsrun events` line: {"type":"stats"|"oom",…,"id":…,"data":…} as runc prints it. */
export function eventLine(type: 'stats' | 'oom', id: string, data?: Json): string {
  return `${stringifySpecJson({ type, id, ...(data !== undefined ? { data } : {}) })}\n`;
}
