//! The benchmark suite of issue 7 (timings live here, never in tests), on a private containerd that
//! scripts/bench/suite.sh starts with the single executable installed. Each row measures runc (the
//! reference: io.containerd.runc.v2, or the runc CLI) and tsrun alternately in one run (the order
//! rotates every round, so drift of this shared machine's load hits every runtime alike), takes the
//! median of RUNS rounds and the ratio tsrun / runc; where it applies, tsrun's node-wide mode
//! (docs/node-wide.md) is a third column:
//!   a  `ctr run --rm IMAGE ID true` end to end (wall)
//!   b  CLI create + start + delete of /bin/true on one bundle: `tsrun` vs `runc` (wall)
//!   c  `ctr task exec` of `true` in a running container (wall)
//!   d  1 GiB of stdout through the shim: `ctr run --rm IMAGE ID head -c 1GiB /dev/zero` (MiB/s)
//!   e  total shim PSS of 50 single-container pods (sum of /proc/PID/smaps_rollup Pss over the
//!      distinct shim processes, after SETTLE s idle), per-pod and node-wide vs runc.v2
//!   f  100 `ctr run -d` started concurrently: wall time until all have returned
//! Writes RESULTS/results.md, results.json and chart.svg, and prints the table.
//! Usage (suite.sh bundles and runs this): node suite.cjs ENV_FILE NAMESPACE BIN_DIR ROOTFS RESULTS
//! Env: TSRUN_BENCH_RUNS (rounds for a–d, default 10), TSRUN_BENCH_THROUGHPUT_RUNS (d, default
//! RUNS), TSRUN_BENCH_CONCURRENT_RUNS (f, default RUNS), TSRUN_BENCH_CONCURRENT (f, default 100),
//! TSRUN_BENCH_PODS (e, default 50), TSRUN_BENCH_ROWS (e.g. "a,c,e"; default all).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderChart } from './chart';

type Runtime = 'runc' | 'tsrun' | 'tsrun-nw';

interface Row {
  readonly key: string;
  readonly what: string;
  readonly unit: string;
  /** larger is better (throughput) */
  readonly higherBetter: boolean;
  readonly goal: string;
  readonly goalNw?: string;
  readonly runs: number;
  readonly values: Partial<Record<Runtime, number[]>>;
  readonly note?: string;
}

const env = process.env;
const [envFile, namespace, binDir, rootfs, resultsDir] = process.argv.slice(2);
if (!envFile || !namespace || !binDir || !rootfs || !resultsDir) {
  throw new Error('usage: suite.cjs ENV_FILE NAMESPACE BIN_DIR ROOTFS RESULTS');
}
const ctd = Object.fromEntries(
  fs.readFileSync(envFile, 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
) as Record<string, string>;
const CTR = ctd.CTR ?? 'ctr';
const ADDRESS = ctd.CONTAINERD_ADDRESS ?? '';
const IMAGE = 'localhost/tsrun/busybox:latest';
const RUNS = Number(env.TSRUN_BENCH_RUNS ?? 10);
const THROUGHPUT_RUNS = Number(env.TSRUN_BENCH_THROUGHPUT_RUNS ?? RUNS);
const CONCURRENT_RUNS = Number(env.TSRUN_BENCH_CONCURRENT_RUNS ?? RUNS);
const CONCURRENT = Number(env.TSRUN_BENCH_CONCURRENT ?? 100);
const PODS = Number(env.TSRUN_BENCH_PODS ?? 50);
const SETTLE_MS = 2000;
const ROWS = new Set((env.TSRUN_BENCH_ROWS ?? 'a,b,c,d,e,f').split(','));
const GiB = 1024 * 1024 * 1024;

const work = fs.mkdtempSync('/tmp/tsrun-bench-suite.');
const fifoDir = path.join(work, 'fifo');
const nodeWideToml = path.join(work, 'node-wide.toml');
fs.writeFileSync(nodeWideToml, 'NodeWide = true\n');

function runtimeFlags(rt: Runtime): string[] {
  if (rt === 'runc') return ['--runtime', 'io.containerd.runc.v2'];
  if (rt === 'tsrun') return ['--runtime', 'io.containerd.tsrun.v1'];
  return ['--runtime', 'io.containerd.tsrun.v1', '--runtime-config-path', nodeWideToml];
}

interface Done { readonly code: number; readonly ms: number; readonly stderr: string; readonly stdout: string }

/** Run a command (stdout discarded unless `capture`), timing it. */
function run(file: string, args: readonly string[], capture = false): Promise<Done> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(file, args, { stdio: ['ignore', capture ? 'pipe' : 'ignore', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, ms: Number(process.hrtime.bigint() - t0) / 1e6, stderr, stdout }));
  });
}

/**
 * A runtime CLI with stderr to a file, done when it exits: the container's init inherits the CLI's
 * stdio, so a pipe would stay open until the container ends (after `start`).
 */
function runCli(file: string, args: readonly string[], errFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const fd = fs.openSync(errFile, 'w');
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', fd] });
    fs.closeSync(fd);
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

function ctr(args: readonly string[], capture = false): Promise<Done> {
  return run(CTR, ['--address', ADDRESS, '--namespace', namespace!, ...args], capture);
}

async function ctrOk(args: readonly string[], capture = false): Promise<Done> {
  const r = await ctr(args, capture);
  if (r.code !== 0) throw new Error(`ctr ${args.join(' ')}: exit ${r.code}: ${r.stderr.trim().slice(0, 300)}`);
  return r;
}

let serial = 0;
const newId = (label: string): string => `bench-${label}-${process.pid}-${++serial}`;

/** Containers this run created and has not removed yet (removed on exit, also after a failure). */
const live = new Set<string>();

async function removeContainers(ids: readonly string[], parallel = 10): Promise<void> {
  const queue = [...ids];
  const worker = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      await ctr(['task', 'rm', '-f', id]);
      await ctr(['container', 'rm', id]);
      live.delete(id);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

async function startDetached(rt: Runtime, id: string, args: readonly string[]): Promise<Done> {
  live.add(id);
  return ctrOk(['run', '-d', '--fifo-dir', fifoDir, ...runtimeFlags(rt), IMAGE, id, ...args]);
}

async function taskPids(): Promise<Map<string, number>> {
  const out = (await ctrOk(['task', 'ls'], true)).stdout;
  const pids = new Map<string, number>();
  for (const line of out.split('\n').slice(1)) {
    const [id, pid] = line.trim().split(/\s+/);
    if (id && pid) pids.set(id, Number(pid));
  }
  return pids;
}

function parentOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function pssKb(pid: number): number {
  const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
}

function median(v: readonly number[]): number {
  const s = [...v].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Rounds alternating the runtimes (rotated each round); `one` returns the round's value. */
async function alternate(runtimes: readonly Runtime[], runs: number, one: (rt: Runtime, round: number) => Promise<number>): Promise<Partial<Record<Runtime, number[]>>> {
  const values: Partial<Record<Runtime, number[]>> = {};
  for (let round = 0; round < runs; round++) {
    for (let k = 0; k < runtimes.length; k++) {
      const rt = runtimes[(round + k) % runtimes.length] as Runtime;
      let value: number;
      try {
        value = await one(rt, round);
      } catch (err) {
        // One retry: this machine is shared, and a neighbour's failure should not end an hour's run.
        process.stderr.write(`\nbench: ${rt} round ${round} failed, retrying once: ${(err as Error).message.slice(0, 400)}\n`);
        value = await one(rt, round);
      }
      (values[rt] ??= []).push(value);
    }
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  return values;
}

const ALL: readonly Runtime[] = ['runc', 'tsrun', 'tsrun-nw'];

async function rowA(): Promise<Row> {
  const values = await alternate(ALL, RUNS, async (rt) => {
    const id = newId('a');
    live.add(id);
    const r = await ctrOk(['run', '--rm', '--fifo-dir', fifoDir, ...runtimeFlags(rt), IMAGE, id, 'true']);
    live.delete(id);
    return r.ms;
  });
  return { key: 'a', what: '`ctr run --rm busybox true`', unit: 'ms', higherBetter: false, goal: '≤ 0.8×', runs: RUNS, values };
}

/** b: the CLIs on one bundle (runc spec on the busybox rootfs, /bin/true). */
async function rowB(): Promise<Row> {
  const bundle = path.join(work, 'bundle');
  fs.mkdirSync(bundle);
  await run('cp', ['-a', rootfs!, path.join(bundle, 'rootfs')]);
  const spec = await run('runc', ['spec', '--bundle', bundle]);
  if (spec.code !== 0) throw new Error(`runc spec: ${spec.stderr}`);
  const cgroup = `/tsrun-bench-suite-${process.pid}`;
  const file = path.join(bundle, 'config.json');
  const c = JSON.parse(fs.readFileSync(file, 'utf8')) as { process: { args: string[]; terminal: boolean; capabilities: Record<string, unknown> }; linux: { cgroupsPath: string } };
  c.process.args = ['/bin/true'];
  c.process.terminal = false;
  delete c.process.capabilities.ambient;
  c.linux.cgroupsPath = cgroup;
  fs.writeFileSync(file, JSON.stringify(c, null, 2));
  const cli = { runc: 'runc', tsrun: path.join(binDir!, 'tsrun') } as const;
  const id = `bench-cli-${process.pid}`;
  const errFile = path.join(work, 'cli-stderr');
  const values = await alternate(['runc', 'tsrun'], RUNS, async (rt) => {
    const exe = cli[rt as 'runc' | 'tsrun'];
    const root = path.join(work, `${rt}-root`);
    const t0 = process.hrtime.bigint();
    for (const args of [['create', '-b', bundle, id], ['start', id], ['delete', '-f', id]]) {
      const code = await runCli(exe, ['--root', root, ...args], errFile);
      if (code !== 0) throw new Error(`${exe} ${args.join(' ')}: exit ${code}: ${fs.readFileSync(errFile, 'utf8').trim()}`);
    }
    return Number(process.hrtime.bigint() - t0) / 1e6;
  });
  return { key: 'b', what: 'CLI create+start+delete `/bin/true`', unit: 'ms', higherBetter: false, goal: '≤ 0.5×', runs: RUNS, values, note: 'tsrun CLI vs runc CLI; no shim' };
}

async function rowC(): Promise<Row> {
  const targets = new Map<Runtime, string>();
  for (const rt of ALL) {
    const id = newId(`c-${rt}`);
    await startDetached(rt, id, ['sleep', '100000']);
    targets.set(rt, id);
  }
  try {
    const values = await alternate(ALL, RUNS, async (rt) => {
      const r = await ctrOk(['task', 'exec', '--exec-id', `e${++serial}`, targets.get(rt)!, 'true']);
      return r.ms;
    });
    return { key: 'c', what: '`ctr task exec` of `true`', unit: 'ms', higherBetter: false, goal: '≤ 0.8×', goalNw: '≤ 0.8×', runs: RUNS, values };
  } finally {
    await removeContainers([...targets.values()]);
  }
}

async function rowD(): Promise<Row> {
  const values = await alternate(['runc', 'tsrun'], THROUGHPUT_RUNS, async (rt) => {
    const id = newId('d');
    live.add(id);
    const r = await ctrOk(['run', '--rm', '--fifo-dir', fifoDir, ...runtimeFlags(rt), IMAGE, id, 'head', '-c', String(GiB), '/dev/zero']);
    live.delete(id);
    return GiB / 1048576 / (r.ms / 1000);
  });
  return {
    key: 'd', what: '1 GiB stdout through the shim', unit: 'MiB/s', higherBetter: true, goal: '≥ 1.0×', runs: THROUGHPUT_RUNS, values,
    note: 'ctr run --rm … head -c 1GiB /dev/zero, ctr stdout → /dev/null; wall time includes the container start',
  };
}

/** e: one measurement per mode (150 containers per round is the limit of a shared 2-cpu machine). */
async function rowE(): Promise<Row> {
  const values: Partial<Record<Runtime, number[]>> = {};
  for (const rt of ALL) {
    const ids: string[] = [];
    try {
      for (let i = 0; i < PODS; i++) {
        const id = newId(`e-${rt}`);
        ids.push(id);
        await startDetached(rt, id, ['sleep', '100000']);
      }
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const pids = await taskPids();
      const shims = new Set(ids.map((id) => parentOf(pids.get(id) ?? 0)));
      const total = [...shims].reduce((sum, pid) => sum + pssKb(pid), 0);
      (values[rt] ??= []).push(total / 1024);
      process.stderr.write(`e: ${rt}: ${shims.size} shim process(es), total PSS ${(total / 1024).toFixed(1)} MiB\n`);
    } finally {
      await removeContainers(ids);
    }
  }
  return {
    key: 'e', what: `total shim PSS, ${PODS} pods`, unit: 'MiB', higherBetter: false, goal: '≤ 1.0×', goalNw: '≤ 0.25×', runs: 1, values,
    note: 'one pod = one `sleep` container; one measurement per mode',
  };
}

async function rowF(): Promise<Row> {
  const values = await alternate(ALL, CONCURRENT_RUNS, async (rt) => {
    const ids = Array.from({ length: CONCURRENT }, () => newId('f'));
    const t0 = process.hrtime.bigint();
    const results = await Promise.all(ids.map((id) => startDetached(rt, id, ['sleep', '100000']).then(() => undefined, (err: Error) => err)));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    await removeContainers(ids);
    const failed = results.filter((r) => r !== undefined);
    if (failed.length > 0) throw new Error(`f: ${failed.length} of ${CONCURRENT} failed on ${rt}: ${failed[0]?.message}`);
    return ms;
  });
  return { key: 'f', what: `${CONCURRENT} containers started concurrently`, unit: 's', higherBetter: false, goal: '≤ 0.8×', goalNw: '≤ 0.8×', runs: CONCURRENT_RUNS, values: scale(values, 1 / 1000) };
}

function scale(v: Partial<Record<Runtime, number[]>>, k: number): Partial<Record<Runtime, number[]>> {
  return Object.fromEntries(Object.entries(v).map(([rt, xs]) => [rt, xs.map((x) => x * k)]));
}

function fmt(x: number | undefined, unit: string): string {
  if (x === undefined || Number.isNaN(x)) return '–';
  const digits = unit === 's' ? 2 : x >= 100 ? 0 : 1;
  return `${x.toFixed(digits)} ${unit}`;
}

/** tsrun / runc for times and sizes; for throughput also tsrun / runc (higher is better). */
function ratio(row: Row, rt: Runtime): number | undefined {
  const base = median(row.values.runc ?? []);
  const v = row.values[rt];
  if (v === undefined || !(base > 0)) return undefined;
  return median(v) / base;
}

export function table(rows: readonly Row[], header: string): string {
  const lines = [
    header,
    '',
    '| row | runc | tsrun (per pod) | ratio | goal | tsrun node-wide | ratio | goal | runs |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    const r1 = ratio(row, 'tsrun');
    const r2 = ratio(row, 'tsrun-nw');
    lines.push(`| (${row.key}) ${row.what} | ${fmt(median(row.values.runc ?? []), row.unit)} | ${fmt(median(row.values.tsrun ?? []), row.unit)} | ${r1 === undefined ? '–' : `${r1.toFixed(2)}×`} | ${row.goal} | ${row.values['tsrun-nw'] ? fmt(median(row.values['tsrun-nw']), row.unit) : '–'} | ${r2 === undefined ? '–' : `${r2.toFixed(2)}×`} | ${row.values['tsrun-nw'] ? row.goalNw ?? row.goal : '–'} | ${row.runs} |`);
  }
  const notes = rows.filter((r) => r.note !== undefined).map((r) => `- (${r.key}) ${r.note}`);
  return [...lines, '', 'Medians; ratio = tsrun / runc (for (d), throughput: higher is better).', ...notes, ''].join('\n');
}

/** chart.png from the SVG with resvg (a devDependency, prebuilt binary; text needs a system font). */
async function writePng(svg: string, file: string): Promise<string> {
  try {
    const { Resvg } = await import('@resvg/resvg-js');
    const image = new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } });
    fs.writeFileSync(file, image.render().asPng());
    return 'chart.png';
  } catch (err) {
    return `no chart.png (${(err as Error).message})`;
  }
}

async function main(): Promise<void> {
  fs.mkdirSync(resultsDir!, { recursive: true });
  const rows: Row[] = [];
  const steps: Array<[string, () => Promise<Row>]> = [['a', rowA], ['b', rowB], ['c', rowC], ['d', rowD], ['e', rowE], ['f', rowF]];
  for (const [key, step] of steps) {
    if (!ROWS.has(key)) continue;
    process.stderr.write(`bench: row ${key} `);
    rows.push(await step());
    // partial results survive a later row's failure
    fs.writeFileSync(path.join(resultsDir!, 'results.json'), JSON.stringify({ containerd: ctd.CONTAINERD_FULL_VERSION, partial: true, rows }, null, 2));
  }
  const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const header = `## tsrun benchmark (containerd ${ctd.CONTAINERD_FULL_VERSION ?? '?'}, ${new Date().toISOString()}, load average at the end ${load})`;
  const md = table(rows, header);
  fs.writeFileSync(path.join(resultsDir!, 'results.md'), md);
  fs.writeFileSync(path.join(resultsDir!, 'results.json'), JSON.stringify({ containerd: ctd.CONTAINERD_FULL_VERSION, rows }, null, 2));
  const svg = renderChart(rows.map((r) => ({
    label: `(${r.key}) ${r.what.replace(/`/g, '')}`, perPod: ratio(r, 'tsrun'), nodeWide: ratio(r, 'tsrun-nw'), higherBetter: r.higherBetter,
  })));
  fs.writeFileSync(path.join(resultsDir!, 'chart.svg'), svg);
  const png = await writePng(svg, path.join(resultsDir!, 'chart.png'));
  process.stdout.write(`${md}\nwritten: ${resultsDir}/results.md, results.json, chart.svg, ${png}\n`);
}

main()
  .catch((err: Error) => {
    process.stderr.write(`\nbench: ${err.message}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await removeContainers([...live]);
    for (const controller of fs.readdirSync('/sys/fs/cgroup')) {
      // row b's cgroup (both CLIs remove it on delete; this catches a failed round)
      try {
        fs.rmdirSync(`/sys/fs/cgroup/${controller}/tsrun-bench-suite-${process.pid}`);
      } catch {
        // absent: removed by the CLI
      }
    }
    fs.rmSync(work, { recursive: true, force: true });
  });
