// Micro benchmark (not a test): container spawn → exec → exit → reap of `true`, tsrun's in-process
// executor against `runc run` on the same busybox bundle and config. Run: scripts/bench-spawn.sh
// (root). Env: TSRUN_BENCH_RUNS (default 50).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildPlan } from '../src/runtime/plan';
import { hostCapLast, spawnContainer } from '../src/linux';
import { defaultSpec, makeBusyboxBundle } from '../test/helpers/busybox-bundle';

const runs = Number(process.env.TSRUN_BENCH_RUNS ?? 50);

function stats(name: string, ms: number[]): void {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  console.log(`${name.padEnd(28)} mean ${mean.toFixed(2)} ms  p50 ${at(0.5).toFixed(2)}  p90 ${at(0.9).toFixed(2)}  (n=${s.length})`);
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench-spawn: run as root');
  const bundle = makeBusyboxBundle('tsrun-bench-');
  try {
    const spec = defaultSpec(['true']);
    fs.writeFileSync(path.join(bundle.dir, 'config.json'), JSON.stringify(spec, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
    const ctx = { id: 'bench', rootfs: bundle.rootfs, bundle: bundle.dir, hostCapLast: hostCapLast(), stdio: { stdin: -1, stdout: -1, stderr: 2 }, start: { kind: 'pipe' as const } };
    const tsrun: number[] = [];
    for (let i = 0; i < runs + 3; i++) {
      const t0 = process.hrtime.bigint();
      const p = await spawnContainer(buildPlan(spec, ctx));
      await p.start();
      const s = await p.exited;
      if (s.status !== 0) throw new Error(`tsrun run ${i}: exit ${s.status}`);
      if (i >= 3) tsrun.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const runc: number[] = [];
    const runcRoot = path.join(bundle.dir, 'runc-state');
    for (let i = 0; i < runs + 3; i++) {
      const t0 = process.hrtime.bigint();
      const r = spawnSync('runc', ['--root', runcRoot, 'run', '--bundle', bundle.dir, `tsrun-bench-${process.pid}-${i}`], { stdio: ['ignore', 'ignore', 'inherit'] });
      if (r.status !== 0) throw new Error(`runc run ${i}: exit ${r.status}`);
      if (i >= 3) runc.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    console.log(`bench-spawn: ${runs} runs of \`true\` in the same busybox bundle (runc spec defaults, netns on)`);
    stats('tsrun spawnContainer', tsrun);
    stats('runc run', runc);
  } finally {
    bundle.cleanup();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
