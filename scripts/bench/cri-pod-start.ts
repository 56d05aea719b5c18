//! Pod start latency through the CRI (issue 6's benchmark; timings live here, never in tests): on a
//! private containerd that scripts/bench/cri-pod-start.sh starts with tsrun installed and registered
//! as CRI runtime handler "tsrun", each round starts one hostNetwork pod per handler — runc
//! (io.containerd.runc.v2) and tsrun, alternately, the order rotating every round — timing
//! RunPodSandbox, CreateContainer and StartContainer (of `sleep 1000` in busybox) separately and
//! together, then stops and removes the pod (not timed). Prints a markdown table (median and p90 per
//! handler, ratio tsrun / runc) and writes it to RESULTS/cri-pod-start.md.
//! Usage (the .sh bundles and runs this): node cri-pod-start.cjs ENV_FILE RESULTS
//! Env: TSRUN_BENCH_RUNS (rounds, default 10). podPlan() needs TSRUN_TEST_ENV (runId, tmpDir): the
//! .sh writes that file.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { criClient, CriClient } from '../../test/helpers/cri';
import { cleanupPods, podPlan, removeCgroupParent, shContainer } from '../../test/helpers/cri-pod';
import { parseEnvFile } from '../../test/helpers/env';
import { NamespaceMode } from '../../src/gen/cri/runtime/v1/api';

const HANDLERS = ['runc', 'tsrun'] as const;
type Handler = (typeof HANDLERS)[number];
const STEPS = ['run', 'create', 'start', 'total'] as const;
type Step = (typeof STEPS)[number];
const STEP_NAMES: Record<Step, string> = {
  run: 'RunPodSandbox',
  create: 'CreateContainer',
  start: 'StartContainer',
  total: 'all three',
};
const IMAGE = 'localhost/tsrun/busybox:latest';

const [envFile, resultsDir] = process.argv.slice(2);
if (!envFile || !resultsDir) throw new Error('usage: cri-pod-start.cjs ENV_FILE RESULTS');
const RUNS = Number(process.env.TSRUN_BENCH_RUNS ?? 10);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`TSRUN_BENCH_RUNS must be a positive integer, not '${process.env.TSRUN_BENCH_RUNS}'`);
const address = parseEnvFile(fs.readFileSync(envFile, 'utf8')).CONTAINERD_ADDRESS;
if (!address) throw new Error(`${envFile} has no CONTAINERD_ADDRESS (written by scripts/containerd/start.sh)`);

/** Nearest-rank quantile of `xs` (q in (0, 1]). */
function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

/** One pod of `handler`: the three timed calls, then stop + remove (untimed). */
async function onePod(cri: CriClient, handler: Handler, round: number): Promise<Record<Step, number>> {
  const name = `bench-${handler}-${round}-${process.pid}`;
  const cgroupParent = `/${name}-kubepods/besteffort/pod${name}`;
  const plan = podPlan({ name, cgroupParent, network: NamespaceMode.NODE });
  fs.mkdirSync(plan.logDirectory, { recursive: true });
  let podId = '';
  try {
    const t0 = process.hrtime.bigint();
    podId = (await cri.runtime.runPodSandbox({ config: plan.config, runtimeHandler: handler })).podSandboxId;
    const run = ms(t0);
    const t1 = process.hrtime.bigint();
    const { containerId } = await cri.runtime.createContainer({
      podSandboxId: podId,
      config: shContainer(IMAGE, 'sleeper', '', { command: ['sleep', '1000'] }),
      sandboxConfig: plan.config,
    });
    const create = ms(t1);
    const t2 = process.hrtime.bigint();
    await cri.runtime.startContainer({ containerId });
    const start = ms(t2);
    return { run, create, start, total: ms(t0) };
  } finally {
    if (podId) {
      await cri.runtime.stopPodSandbox({ podSandboxId: podId }, { timeoutMs: 30_000 });
      await cri.runtime.removePodSandbox({ podSandboxId: podId }, { timeoutMs: 30_000 });
    }
    const left = await removeCgroupParent(cgroupParent);
    if (left.length > 0) console.error(`cri-pod-start: cgroups left: ${left.join('; ')}`);
    fs.rmSync(plan.logDirectory, { recursive: true, force: true });
  }
}

function table(values: Record<Handler, Record<Step, number[]>>): string {
  const f = (x: number): string => x.toFixed(1);
  const lines = [
    `CRI pod start latency, ms (${RUNS} rounds per handler, alternating; hostNetwork pod + busybox \`sleep 1000\`; ` +
      `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})`,
    '',
    '| step | runc median | runc p90 | tsrun median | tsrun p90 | tsrun / runc (median) |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const s of STEPS) {
    const r = values.runc[s];
    const t = values.tsrun[s];
    const name = s === 'total' ? `**${STEP_NAMES[s]}**` : STEP_NAMES[s];
    lines.push(
      `| ${name} | ${f(quantile(r, 0.5))} | ${f(quantile(r, 0.9))} | ${f(quantile(t, 0.5))} | ${f(quantile(t, 0.9))} | ` +
        `${(quantile(t, 0.5) / quantile(r, 0.5)).toFixed(2)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const cri = criClient(address!);
  const empty = (): Record<Step, number[]> => ({ run: [], create: [], start: [], total: [] });
  const values: Record<Handler, Record<Step, number[]>> = { runc: empty(), tsrun: empty() };
  try {
    // one untimed pod per handler first: image unpack, first shim exec, page cache
    for (const h of HANDLERS) await onePod(cri, h, -1);
    for (let round = 0; round < RUNS; round++) {
      const order = round % 2 === 0 ? HANDLERS : [...HANDLERS].reverse();
      for (const h of order) {
        const t = await onePod(cri, h, round);
        for (const s of STEPS) values[h][s].push(t[s]);
      }
    }
  } finally {
    const failures = await cleanupPods(cri).catch((e: Error) => [e.message]);
    for (const f of failures) console.error(`cri-pod-start: cleanup: ${f}`);
    cri.close();
  }
  const md = table(values);
  fs.mkdirSync(resultsDir!, { recursive: true });
  fs.writeFileSync(path.join(resultsDir!, 'cri-pod-start.md'), md);
  process.stdout.write(md);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
