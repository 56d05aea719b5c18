//! Private containerd daemons for the integration tests: start/stop through scripts/containerd/,
//! the `ctr` client bound to one daemon, and describeHarness() to run a suite against each
//! selected containerd version.
import * as fs from 'fs';
import * as path from 'path';
import { run, runOk, RunOptions, RunResult } from './exec';
import { ContainerdHandle, ContainerdVersion, parseEnvFile, testEnv } from './env';
import { assertNoLeaks } from './leaks';

/** Starts a containerd of `version` under `dir` with `binDir` first on its PATH (start.sh). */
export async function startContainerd(
  repo: string,
  version: ContainerdVersion,
  dir: string,
  binDir: string,
  namespace: string,
): Promise<ContainerdHandle> {
  await runOk(path.join(repo, 'scripts/containerd/start.sh'), ['--version', version, '--dir', dir, '--bin-dir', binDir], {
    timeoutMs: 180_000,
  });
  const e = parseEnvFile(fs.readFileSync(path.join(dir, 'env'), 'utf8'));
  const need = (k: string): string => {
    const v = e[k];
    if (v === undefined) throw new Error(`${dir}/env lacks ${k}; scripts/containerd/start.sh and containerd.ts disagree`);
    return v;
  };
  return {
    version,
    fullVersion: need('CONTAINERD_FULL_VERSION'),
    pid: Number(need('CONTAINERD_PID')),
    dir,
    address: need('CONTAINERD_ADDRESS'),
    ttrpcAddress: need('CONTAINERD_TTRPC_ADDRESS'),
    config: need('CONTAINERD_CONFIG'),
    log: need('CONTAINERD_LOG'),
    ctr: need('CTR'),
    path: need('CONTAINERD_PATH'),
    namespace,
  };
}

/** Stops it by pid and cleans up under its dir (stop.sh); `remove` also deletes the dir. */
export async function stopContainerd(repo: string, dir: string, remove: boolean): Promise<RunResult> {
  return run(path.join(repo, 'scripts/containerd/stop.sh'), [...(remove ? ['--remove'] : []), dir], { timeoutMs: 180_000 });
}

export interface CtrOptions extends RunOptions {
  /** containerd namespace; default: the handle's. */
  readonly namespace?: string;
}

/** Runs `ctr --address <daemon> -n <namespace> ...args` with the daemon's own ctr. */
export function ctr(h: ContainerdHandle, args: readonly string[], opts: CtrOptions = {}): Promise<RunResult> {
  return run(h.ctr, ['--address', h.address, '--namespace', opts.namespace ?? h.namespace, ...args], opts);
}

/** Like ctr(), but throws with ctr's output unless it exits 0. */
export function ctrOk(h: ContainerdHandle, args: readonly string[], opts: CtrOptions = {}): Promise<RunResult> {
  return runOk(h.ctr, ['--address', h.address, '--namespace', opts.namespace ?? h.namespace, ...args], opts);
}

export interface CtrRunSpec {
  /** Container id; use uniqueId() so leak checks can find what it leaves. */
  readonly id: string;
  /** Command and arguments inside the container. */
  readonly args: readonly string[];
  /** Runtime name; default io.containerd.runc.v2 (the reference). */
  readonly runtime?: string;
  /** Image ref; default the test image. */
  readonly image?: string;
  /** Extra `ctr run` flags (before the image). */
  readonly flags?: readonly string[];
}

/** `ctr run --rm` of one command in a fresh container; FIFOs go to the run's fifo dir. */
export function ctrRun(h: ContainerdHandle, spec: CtrRunSpec, opts: CtrOptions = {}): Promise<RunResult> {
  const env = testEnv();
  return ctr(
    h,
    [
      'run',
      '--rm',
      '--fifo-dir',
      env.fifoDir,
      '--runtime',
      spec.runtime ?? 'io.containerd.runc.v2',
      ...(spec.flags ?? []),
      spec.image ?? env.image.ref,
      spec.id,
      ...spec.args,
    ],
    opts,
  );
}

/** The last `lines` lines of the daemon's log, for failure messages. */
export function containerdLogTail(h: ContainerdHandle, lines = 30): string {
  try {
    return fs.readFileSync(h.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch (e) {
    return `(cannot read ${h.log}: ${(e as Error).message})`;
  }
}

/**
 * describe() once per containerd version selected by TSRUN_CONTAINERD, titled
 * "<title> (containerd 1.6)"; each block checks for leaks of this worker after its tests.
 */
export function describeHarness(title: string, fn: (h: ContainerdHandle) => void): void {
  const { containerds } = testEnv();
  for (const h of containerds) {
    describe(`${title} (containerd ${h.version})`, () => {
      fn(h);
      afterAll(async () => {
        await assertNoLeaks();
      });
    });
  }
}
