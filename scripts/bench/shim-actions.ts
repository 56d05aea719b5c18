//! Benchmark of the shim's own actions, without containerd (timings live here, never in tests):
//!   start   wall time of `PROGRAM … start` (binds the socket, spawns the daemon, prints the address)
//!   serving wall time from launching `start` until the daemon answers a ttrpc Connect
//!   delete  wall time of `PROGRAM … delete` on a bundle with nothing left to clean (containerd's
//!           usual case after `ctr run --rm`)
//!   pss     the idle daemon's PSS/RSS (kB) with no container, after serving Connect
//! Each run uses a fresh bundle and ends the daemon with Shutdown. Root (the socket lives under
//! /run/containerd/s). Usage (scripts/bench/shim-actions.sh bundles and runs this):
//!   node shim-actions.cjs RUNS LABEL PROGRAM [ARGS…]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from '../../src/ttrpc/client';

const TASK = 'containerd.task.v2.Task';

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const at = (i: number): number => s[i] ?? NaN;
  return s.length % 2 ? at((s.length - 1) / 2) : (at(s.length / 2 - 1) + at(s.length / 2)) / 2;
}

async function connectOnce(sock: string): Promise<boolean> {
  const client = new Client(sock);
  try {
    await client.call(TASK, 'Connect', new Uint8Array(), { timeoutMs: 5000 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close();
  }
}

/** PSS, RSS and the anonymous part of PSS (heap, stacks: what each daemon adds) in kB. */
function mem(pid: number): [number, number, number] {
  const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return [kb('Pss'), kb('Rss'), kb('Pss_Anon')];
}

async function main(): Promise<void> {
  const [runsArg, label, program, ...pre] = process.argv.slice(2);
  if (runsArg === undefined || label === undefined || program === undefined) throw new Error('usage: shim-actions.cjs RUNS LABEL PROGRAM [ARGS…]');
  const runs = Number(runsArg);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-bench-actions.'));
  const address = path.join(work, 'containerd.sock');
  const starts: number[] = [];
  const serving: number[] = [];
  const deletes: number[] = [];
  const pss: number[] = [];
  const rss: number[] = [];
  const anon: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const id = `bench-${process.pid}-${i}`;
      const bundle = path.join(work, id);
      fs.mkdirSync(bundle);
      fs.writeFileSync(path.join(bundle, 'config.json'), '{}');
      const flags = ['-namespace', 'tsrun-bench', '-id', id, '-address', address, '-bundle', bundle];
      const t0 = performance.now();
      const r = spawnSync(program, [...pre, ...flags, 'start'], { cwd: bundle, env: { ...process.env, TTRPC_ADDRESS: `${address}.ttrpc` } });
      const t1 = performance.now();
      if (r.status !== 0) throw new Error(`start: exit ${r.status}: ${r.stderr.toString()}`);
      const sock = r.stdout.toString().trim().replace(/^unix:\/\//, '');
      while (!(await connectOnce(sock))) await new Promise((res) => setTimeout(res, 2));
      const t2 = performance.now();
      starts.push(t1 - t0);
      serving.push(t2 - t0);
      const holder = fs.readdirSync('/proc').find((p) => /^\d+$/.test(p) && (() => {
        try { return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(`\0${sock}`); } catch { return false; }
      })());
      if (holder !== undefined) {
        await new Promise((res) => setTimeout(res, 200));
        const [p, s, a] = mem(Number(holder));
        pss.push(p);
        rss.push(s);
        anon.push(a);
      }
      const client = new Client(sock);
      await client.call(TASK, 'Shutdown', new Uint8Array(), { timeoutMs: 5000 }).catch(() => undefined);
      await client.close();
      while (holder !== undefined && fs.existsSync(`/proc/${holder}`)) await new Promise((res) => setTimeout(res, 5));
      const d0 = performance.now();
      const d = spawnSync(program, [...pre, ...flags, 'delete'], { cwd: bundle });
      deletes.push(performance.now() - d0);
      if (d.status !== 0) throw new Error(`delete: exit ${d.status}: ${d.stderr.toString()}`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const f = (v: number[]) => median(v).toFixed(1).padStart(7);
  console.log(`${label.padEnd(22)} start ${f(starts)} ms  serving ${f(serving)} ms  delete ${f(deletes)} ms  idle daemon PSS ${(median(pss) / 1024).toFixed(1)} (anon ${(median(anon) / 1024).toFixed(1)}) RSS ${(median(rss) / 1024).toFixed(1)} MiB  (median of ${runs})`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
