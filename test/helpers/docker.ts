//! A private Docker 26 for the Docker integration tests: trixie's dockerd (scripts/docker/fetch.sh,
//! build/docker-26) started by scripts/docker/start.sh against a containerd 1.7 of its own
//! (scripts/containerd/start.sh, the run's tsrun install first on its PATH), everything under this
//! worker's scratch names so the leak check sees what is left; the test image loaded with
//! `docker load`. stopDocker() stops both by pid and removes containers, mounts, cgroups, the
//! containerd namespace and the dirs.
import * as fs from 'fs';
import * as path from 'path';
import { startContainerd, stopContainerd } from './containerd';
import { ContainerdHandle, parseEnvFile, testEnv, workerScope } from './env';
import { describeResult, run, runOk, RunOptions, RunResult } from './exec';

export interface DockerHandle {
  readonly dir: string;
  readonly pid: number;
  /** unix://DIR/docker.sock */
  readonly host: string;
  /** trixie's docker client (build/docker-26/usr/bin/docker) */
  readonly docker: string;
  /** the client's config dir (DOCKER_CONFIG) */
  readonly config: string;
  readonly log: string;
  /** containerd namespace of dockerd's containers */
  readonly namespace: string;
  /** cgroup parent of its containers (cgroupfs driver), e.g. /tsrun-test-<run>-<w>-dk1 */
  readonly cgroupParent: string;
  readonly containerd: ContainerdHandle;
  /** scripts/docker/start.sh's arguments (restartDockerd starts it again with them) */
  readonly startArgs: readonly string[];
}

export interface DockerOptions {
  /** The tsrun runtime's "options" object in daemon.json. */
  readonly runtimeOptions?: Record<string, unknown>;
  /** "live-restore": true (containers keep running while dockerd is down). */
  readonly liveRestore?: boolean;
}

let counter = 0;

/** The environment the docker client runs with: this daemon, its own config dir. */
function clientEnv(h: DockerHandle): NodeJS.ProcessEnv {
  return { ...process.env, DOCKER_HOST: h.host, DOCKER_CONFIG: h.config };
}

/** `docker args...` against the handle's daemon. */
export function docker(h: DockerHandle, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(h.docker, args, { timeoutMs: 60_000, ...opts, env: { ...clientEnv(h), ...opts.env } });
}

/** Like docker(), but throws with the output unless it exits 0. */
export function dockerOk(h: DockerHandle, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return runOk(h.docker, args, { timeoutMs: 60_000, ...opts, env: { ...clientEnv(h), ...opts.env } });
}

/**
 * `docker args...` with its stdin, stdout and stderr on a pty (util-linux `script`), for -t: `input`
 * is typed into the terminal. Resolves with docker's exit code (script -e) and what the terminal
 * showed (stdout; CRLF line ends, the typed input echoed).
 */
export function dockerOnPty(h: DockerHandle, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const cmd = [h.docker, ...args].map(quote).join(' ');
  return run('script', ['-qec', cmd, '/dev/null'], { timeoutMs: 60_000, ...opts, env: { ...clientEnv(h), ...opts.env } });
}

/**
 * Starts containerd 1.7 and dockerd (fetching Docker 26 first when build/docker-26 is missing: a
 * missing package fails here, loudly) and loads the test image.
 */
export async function startDocker(opts: DockerOptions = {}): Promise<DockerHandle> {
  const env = testEnv();
  counter += 1;
  const scope = workerScope(env.runId);
  const ctdDir = path.join(env.tmpDir, `${scope}dkc${counter}`);
  const dir = path.join(env.tmpDir, `${scope}dk${counter}`);
  await runOk(path.join(env.repo, 'scripts/docker/fetch.sh'), [], { timeoutMs: 300_000 });
  let containerd: ContainerdHandle | undefined;
  try {
    containerd = await startContainerd(env.repo, '1.7', ctdDir, env.binDir, `${scope}dk${counter}`);
    const namespace = `${scope}dk${counter}`;
    const cgroupParent = `/${scope}dk${counter}`;
    const startArgs = [
      '--dir', dir, '--containerd', containerd.address, '--namespace', namespace, '--cgroup-parent', cgroupParent,
      ...(opts.runtimeOptions === undefined ? [] : ['--runtime-options', JSON.stringify(opts.runtimeOptions)]),
      ...(opts.liveRestore === true ? ['--live-restore'] : []),
    ];
    const h = await runStart(dir, startArgs, containerd);
    await dockerOk(h, ['load', '-i', dockerImageTar()], { timeoutMs: 120_000 });
    return h;
  } catch (err) {
    await run(path.join(env.repo, 'scripts/docker/stop.sh'), ['--remove', dir], { timeoutMs: 180_000 });
    await stopContainerd(env.repo, ctdDir, true);
    throw err;
  }
}

/** Runs scripts/docker/start.sh and reads the handle from DIR/env. */
async function runStart(dir: string, startArgs: readonly string[], containerd: ContainerdHandle): Promise<DockerHandle> {
  await runOk(path.join(testEnv().repo, 'scripts/docker/start.sh'), startArgs, { timeoutMs: 120_000 });
  const e = parseEnvFile(fs.readFileSync(path.join(dir, 'env'), 'utf8'));
  const need = (k: string): string => {
    const v = e[k];
    if (v === undefined) throw new Error(`${dir}/env lacks ${k}; scripts/docker/start.sh and docker.ts disagree`);
    return v;
  };
  return {
    dir,
    pid: Number(need('DOCKERD_PID')),
    host: need('DOCKER_HOST'),
    docker: need('DOCKER'),
    config: need('DOCKER_CONFIG'),
    log: need('DOCKERD_LOG'),
    namespace: need('DOCKER_NAMESPACE'),
    cgroupParent: need('DOCKER_CGROUP_PARENT'),
    containerd,
    startArgs,
  };
}

/** True while `pid` is the dockerd of `dir` (its command line names DIR/daemon.json). */
function isDockerd(pid: number, dir: string): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(path.join(dir, 'daemon.json'));
  } catch {
    return false;
  }
}

/**
 * Stops dockerd by pid (SIGTERM; with live-restore its containers keep running) and starts it again
 * with the same arguments. Returns the new handle (new pid; same dirs, socket and namespace).
 */
export async function restartDockerd(h: DockerHandle): Promise<DockerHandle> {
  if (!isDockerd(h.pid, h.dir)) throw new Error(`restartDockerd: pid ${h.pid} is not the dockerd of ${h.dir}`);
  process.kill(h.pid, 'SIGTERM');
  const until = Date.now() + 60_000;
  while (isDockerd(h.pid, h.dir)) {
    if (Date.now() > until) throw new Error(`restartDockerd: dockerd pid ${h.pid} still runs 60 s after SIGTERM`);
    await new Promise((r) => setTimeout(r, 50));
  }
  fs.rmSync(path.join(h.dir, 'docker.pid'), { force: true });
  return runStart(h.dir, h.startArgs, h.containerd);
}

/** build-image.sh's docker-archive twin of the OCI tar (the OCI layout plus manifest.json). */
export function dockerImageTar(): string {
  return path.join(path.dirname(testEnv().image.tar), 'busybox-docker.tar');
}

/** Stops dockerd and its containerd by pid and removes everything they left (stop.sh of each). */
export async function stopDocker(h: DockerHandle | undefined): Promise<void> {
  if (h === undefined) return;
  const env = testEnv();
  const d = await run(path.join(env.repo, 'scripts/docker/stop.sh'), ['--remove', h.dir], { timeoutMs: 180_000 });
  const c = await stopContainerd(env.repo, h.containerd.dir, true);
  const failed = [d, c].filter((r) => r.code !== 0);
  if (failed.length > 0) throw new Error(`stopping the private docker: ${failed.map(describeResult).join('\n')}`);
}

/** The last `lines` lines of dockerd's log, for failure messages. */
export function dockerdLogTail(h: DockerHandle, lines = 30): string {
  try {
    return fs.readFileSync(h.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch (e) {
    return `(cannot read ${h.log}: ${(e as Error).message})`;
  }
}

/** `docker inspect` of one object, parsed. */
export async function inspect(h: DockerHandle, name: string): Promise<DockerInspect> {
  const r = await dockerOk(h, ['inspect', name]);
  const list = JSON.parse(r.stdout) as DockerInspect[];
  if (list.length !== 1 || list[0] === undefined) throw new Error(`docker inspect ${name}: expected one object, got ${list.length}`);
  return list[0];
}

/** The fields of `docker inspect` the tests read. */
export interface DockerInspect {
  readonly Id: string;
  readonly RestartCount: number;
  readonly State: {
    readonly Status: string;
    readonly Running: boolean;
    readonly Restarting: boolean;
    readonly Pid: number;
    readonly ExitCode: number;
    readonly Error: string;
    readonly OOMKilled: boolean;
  };
  readonly HostConfig: { readonly Runtime: string; readonly Memory: number };
}

/** Polls `docker inspect` until `done` holds (default limit 60 s); returns the last state. */
export async function waitInspect(h: DockerHandle, name: string, done: (i: DockerInspect) => boolean, what: string, timeoutMs = 60_000): Promise<DockerInspect> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const i = await inspect(h, name);
    if (done(i)) return i;
    if (Date.now() > until) throw new Error(`${name}: not ${what} within ${timeoutMs} ms; last state ${JSON.stringify({ State: i.State, RestartCount: i.RestartCount })}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls `docker logs` until its stdout+stderr satisfy `done`; returns them. */
export async function waitLogs(h: DockerHandle, name: string, done: (out: string, err: string) => boolean, timeoutMs = 60_000): Promise<{ out: string; err: string }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await dockerOk(h, ['logs', name]);
    if (done(r.stdout, r.stderr)) return { out: r.stdout, err: r.stderr };
    if (Date.now() > until) throw new Error(`docker logs ${name}: not there within ${timeoutMs} ms; stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}`);
    await new Promise((r2) => setTimeout(r2, 100));
  }
}
