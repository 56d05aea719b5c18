// OOM watchers against fake files: the v1 eventfd path with an injected eventfd stand-in (a file
// holding one 8-byte counter), the v1 counter poll, and closing on cgroup removal.
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchOomV1 } from '../../../src/cgroups/oom';
import { EFD_CLOEXEC, EFD_NONBLOCK } from '../../../src/cgroups/eventfd';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsrun-oom-'));
  mkdirSync(join(dir, 'mem'));
  writeFileSync(join(dir, 'mem/memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n');
  writeFileSync(join(dir, 'mem/cgroup.event_control'), '');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function fakeEventfd(count: bigint) {
  const calls: [number, number][] = [];
  const fn = (initval: number, flags: number) => {
    calls.push([initval, flags]);
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(count);
    writeFileSync(join(dir, 'efd'), b);
    return openSync(join(dir, 'efd'), 'r');
  };
  return { fn, calls };
}

describe('v1 OOM watcher', () => {
  it('registers "<eventfd> <oom_control fd>" and reports the eventfd counter', async () => {
    const fake = fakeEventfd(2n);
    const w = await watchOomV1(join(dir, 'mem'), { eventfd: fake.fn, pollMs: 60_000 });
    expect(fake.calls).toEqual([[0, EFD_CLOEXEC | EFD_NONBLOCK]]);
    expect(readFileSync(join(dir, 'mem/cgroup.event_control'), 'utf8')).toMatch(/^\d+ \d+$/);
    const seen: number[] = [];
    w.on('oom', (e: { count: number }) => seen.push(e.count));
    expect(await w.check()).toBe(2);
    expect(await w.check()).toBe(0);
    w.close();
    expect(seen).toEqual([2]);
  });

  it('does not report the eventfd signal the kernel sends when the cgroup is removed', async () => {
    const w = await watchOomV1(join(dir, 'mem'), { eventfd: fakeEventfd(1n).fn, pollMs: 60_000 });
    rmSync(join(dir, 'mem'), { recursive: true });
    const seen: number[] = [];
    w.on('oom', (e: { count: number }) => seen.push(e.count));
    expect(await w.check()).toBe(0);
    w.close();
    expect(seen).toEqual([]);
  });

  it('without an eventfd, counts oom_kill in memory.oom_control', async () => {
    const w = await watchOomV1(join(dir, 'mem'), { pollMs: 60_000 });
    writeFileSync(join(dir, 'mem/memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 3\n');
    const seen: number[] = [];
    w.on('oom', (e: { count: number }) => seen.push(e.count));
    expect(await Promise.all([w.check(), w.check()])).toEqual([3, 0]);
    w.close();
    expect(seen).toEqual([3]);
  });
});
