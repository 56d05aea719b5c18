//! A debugging aid for the shim's memory (issue 9: is RSS growth under churn the JS heap, native
//! memory or allocator high-water?). Enabled by TSRUN_DEBUG_MEMORY=<dir> in the shim's
//! environment (containerd passes its own on): each SIGUSR2 then collects garbage (full GC),
//! writes `<dir>/shim-<pid>-<n>.json` with process.memoryUsage(), V8's heap statistics and
//! spaces, glibc malloc's totals before and after malloc_trim(0), the RSS breakdown of
//! /proc/self/smaps_rollup and the sizes of the shim's tables; with TSRUN_DEBUG_HEAP_SNAPSHOT=1
//! also a V8 heap snapshot next to it. Never enabled unless asked for; nothing else reads it.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { mallocStats, mallocTrim, type MallocStats } from '../linux/libc';

export const MEMORY_REPORT_ENV = 'TSRUN_DEBUG_MEMORY';
export const HEAP_SNAPSHOT_ENV = 'TSRUN_DEBUG_HEAP_SNAPSHOT';

export interface MemoryReport {
  readonly pid: number;
  readonly seq: number;
  /** RSS in bytes as the report started (before the GC) */
  readonly rssBeforeGc: number;
  /** process.memoryUsage() after the GC */
  readonly usage: NodeJS.MemoryUsage;
  readonly heap: v8.HeapInfo;
  readonly spaces: Array<{ name: string; size: number; used: number }>;
  readonly malloc: MallocStats;
  readonly mallocAfterTrim: MallocStats;
  /** RSS in bytes after malloc_trim(0) */
  readonly rssAfterTrim: number;
  /** /proc/self/smaps_rollup fields in KiB (Rss, Anonymous, …) */
  readonly smaps: Record<string, number>;
  /** glibc malloc arenas besides the main one (64 MiB-aligned anonymous heaps in /proc/self/maps) */
  readonly arenaHeaps: number;
  readonly tables: Record<string, number>;
  readonly snapshot?: string;
}

/** The `key: N kB` lines of an smaps_rollup text. */
export function parseSmapsRollup(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^(\w+):\s+(\d+) kB$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

const ARENA_HEAP = 64 << 20;

/** Anonymous mappings that look like glibc's per-thread arena heaps: 64 MiB-aligned, a read-write
 * part followed by an inaccessible rest of the same 64 MiB (or all of it read-write). */
export function countArenaHeaps(maps: string): number {
  const rows = maps.split('\n').filter((l) => l !== '').map((l) => {
    const [range, perms, , , inode, file] = l.split(/\s+/);
    const [a, b] = (range ?? '0-0').split('-').map((x) => parseInt(x, 16));
    return { start: a!, end: b!, perms: perms ?? '', anon: inode === '0' && (file === undefined || file === '') };
  });
  let n = 0;
  rows.forEach((r, i) => {
    if (!r.anon || r.perms !== 'rw-p' || r.start % ARENA_HEAP !== 0) return;
    const next = rows[i + 1];
    const end = next !== undefined && next.anon && next.perms === '---p' && next.start === r.end ? next.end : r.end;
    if (end - r.start === ARENA_HEAP) n += 1;
  });
  return n;
}

let gcFn: (() => void) | undefined;

/** A full garbage collection (the `gc` of --expose-gc, obtained at run time). */
export function collectGarbage(): void {
  if (gcFn === undefined) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
  gcFn();
}

function smapsRollup(): Record<string, number> {
  try {
    return parseSmapsRollup(fs.readFileSync('/proc/self/smaps_rollup', 'utf8'));
  } catch {
    return {};
  }
}

export function memoryReport(seq: number, tables: Record<string, number>, snapshotDir?: string): MemoryReport {
  const rssBeforeGc = process.memoryUsage.rss();
  collectGarbage();
  const usage = process.memoryUsage();
  const heap = v8.getHeapStatistics();
  const spaces = v8.getHeapSpaceStatistics().map((s) => ({ name: s.space_name, size: s.space_size, used: s.space_used_size }));
  const smaps = smapsRollup();
  let arenaHeaps = -1;
  try {
    arenaHeaps = countArenaHeaps(fs.readFileSync('/proc/self/maps', 'utf8'));
  } catch {
    // left at -1: unknown
  }
  const malloc = mallocStats();
  mallocTrim();
  const mallocAfterTrim = mallocStats();
  const rssAfterTrim = process.memoryUsage.rss();
  const snapshot = snapshotDir !== undefined ? v8.writeHeapSnapshot(path.join(snapshotDir, `shim-${process.pid}-${seq}.heapsnapshot`)) : undefined;
  return { pid: process.pid, seq, rssBeforeGc, usage, heap, spaces, malloc, mallocAfterTrim, rssAfterTrim, smaps, arenaHeaps, tables, ...(snapshot !== undefined ? { snapshot } : {}) };
}

/** Installs the SIGUSR2 report when `env` asks for it; returns whether it did. */
export function installMemoryReport(tables: () => Record<string, number>, onError: (err: unknown) => void, env: NodeJS.ProcessEnv = process.env): boolean {
  const dir = env[MEMORY_REPORT_ENV];
  if (dir === undefined || dir === '') return false;
  let seq = 0;
  process.on('SIGUSR2', () => {
    try {
      seq += 1;
      const report = memoryReport(seq, tables(), env[HEAP_SNAPSHOT_ENV] === '1' ? dir : undefined);
      const file = path.join(dir, `shim-${process.pid}-${seq}.json`);
      fs.writeFileSync(`${file}.tmp`, JSON.stringify(report, null, 1));
      fs.renameSync(`${file}.tmp`, file);
    } catch (err) {
      onError(err);
    }
  });
  return true;
}
