// The big fuzz run (scripts/fuzz.sh, `make fuzz`, `npm run fuzz`): every target (or those named in
// FUZZ_TARGET, comma-separated) for FUZZ_RUNS cases each (default 100000) from FUZZ_SEED (default:
// random). Prints cases and time per target, and for a failure fast-check's counterexample with the
// seed and path that replay it (FUZZ_SEED + FUZZ_PATH). Exits 1 when any target failed.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { TARGETS } from './targets';
import { failureReport } from './target';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`${name}=${raw}: must be an integer`);
  return n;
}

async function main(): Promise<number> {
  const runs = envInt('FUZZ_RUNS', 100_000);
  const seed = envInt('FUZZ_SEED', Math.floor(Math.random() * 2 ** 31));
  const replayPath = process.env.FUZZ_PATH || undefined;
  const wanted = (process.env.FUZZ_TARGET ?? '').split(',').filter((s) => s !== '');
  const targets = TARGETS.filter((t) => wanted.length === 0 || wanted.includes(t.name));
  if (targets.length === 0) throw new Error(`FUZZ_TARGET=${wanted.join(',')}: no such target (have ${TARGETS.map((t) => t.name).join(', ')})`);
  console.log(`fuzz: ${targets.length} target(s), ${runs} cases each, seed ${seed}${replayPath ? `, replaying path ${replayPath}` : ''}`);
  let failed = 0;
  let total = 0;
  const started = process.hrtime.bigint();
  for (const target of targets) {
    const t0 = process.hrtime.bigint();
    const details = await target.check({ seed, numRuns: runs, ...(replayPath ? { path: replayPath } : {}), ...(process.env.FUZZ_NO_SHRINK ? { endOnFailure: true } : {}) });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    total += details.numRuns;
    const rate = Math.round(details.numRuns / Math.max(seconds, 1e-9));
    const line = `${target.name.padEnd(22)} ${String(details.numRuns).padStart(8)} cases ${seconds.toFixed(1).padStart(7)} s ${String(rate).padStart(7)}/s`;
    if (details.failed) {
      failed++;
      console.log(`${line}  FAILED`);
      console.log(failureReport(target, details));
      const file = path.resolve('build/fuzz', `${target.name}.counterexample.txt`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, `${fc.stringify(details.counterexample)}\n`);
      console.log(`full counterexample: ${file}`);
    } else {
      console.log(`${line}  ok`);
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`fuzz: ${total} cases in ${seconds.toFixed(1)} s, ${failed} target(s) failed (seed ${seed})`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
