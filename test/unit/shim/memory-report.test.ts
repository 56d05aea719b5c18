// The shim's memory report (TSRUN_DEBUG_MEMORY): parsing /proc, and a report of this process.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { countArenaHeaps, installMemoryReport, memoryReport, parseSmapsRollup } from '../../../src/shim/memory-report';

describe('memory report', () => {
  it('parses smaps_rollup kB lines', () => {
    expect(parseSmapsRollup('55d0-7ffe ---p 00000000 00:00 0  [rollup]\nRss:   75224 kB\nAnonymous:  25300 kB\nbogus line\n')).toEqual({ Rss: 75224, Anonymous: 25300 });
  });

  it('counts 64 MiB-aligned anonymous heaps (read-write part + inaccessible rest, or all read-write)', () => {
    const maps = [
      '7f0000000000-7f0000021000 rw-p 00000000 00:00 0 ',
      '7f0000021000-7f0004000000 ---p 00000000 00:00 0 ',
      '7f0008000000-7f000c000000 rw-p 00000000 00:00 0 ',
      '7f0010000000-7f0010021000 rw-p 00000000 00:00 0 ', // aligned but a smaller mapping: not an arena heap
      '7f0014000000-7f0014021000 r--p 00000000 08:01 123 /usr/lib/libc.so.6',
      '',
    ].join('\n');
    expect(countArenaHeaps(maps)).toBe(2);
  });

  it('reports this process: heap after a full GC, malloc totals, tables', () => {
    const r = memoryReport(1, { inits: 3 });
    expect(r.usage.heapUsed).toBeGreaterThan(0);
    expect(r.malloc.inUse).toBeGreaterThan(0);
    expect(r.smaps.Rss).toBeGreaterThan(0);
    expect(r.arenaHeaps).toBeGreaterThanOrEqual(0);
    expect(r.tables).toEqual({ inits: 3 });
    expect(r.snapshot).toBeUndefined();
  });

  it('installs its SIGUSR2 handler only when TSRUN_DEBUG_MEMORY names a directory', async () => {
    const before = process.listenerCount('SIGUSR2');
    expect(installMemoryReport(() => ({}), () => {}, {})).toBe(false);
    expect(process.listenerCount('SIGUSR2')).toBe(before);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-memreport-'));
    try {
      expect(installMemoryReport(() => ({ connections: 2 }), (e) => { throw e; }, { TSRUN_DEBUG_MEMORY: dir })).toBe(true);
      const handler = process.listeners('SIGUSR2').at(-1)!;
      handler('SIGUSR2');
      const file = path.join(dir, `shim-${process.pid}-1.json`);
      expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid, seq: 1, tables: { connections: 2 } });
      process.off('SIGUSR2', handler);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
