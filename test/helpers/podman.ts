//! A private Podman for the integration tests: Debian's podman + conmon with every path under this
//! worker's scratch dir (storage root, runroot, tmp dir, network config, events log, file locks),
//! the cgroupfs manager (PID 1 here is no systemd) with a cgroup parent named for this worker,
//! conmon left in our cgroup, no network (`netns = "none"`), the vfs storage driver (no mounts of
//! its own), and the local busybox image loaded from its OCI archive. Podman drives the runtime
//! named by `--runtime` through runc's command line, via conmon.
import * as fs from 'fs';
import * as path from 'path';
import { describeResult, run, RunOptions, RunResult } from './exec';
import { scratchDir, testEnv, workerScope } from './env';
import { mountsUnder } from './leaks';

export type PodmanRuntime = 'tsrun' | 'runc';
export const PODMAN_RUNTIMES: readonly PodmanRuntime[] = ['tsrun', 'runc'];

/** The runtime executable podman gets: the tsrun this run installed, or Debian's runc. */
export function runtimePath(r: PodmanRuntime): string {
  return r === 'tsrun' ? path.join(testEnv().binDir, 'tsrun') : '/usr/bin/runc';
}

/** Where each runtime keeps container state when podman passes no --root (podman passes none). */
export function runtimeStateRoot(r: PodmanRuntime): string {
  return r === 'tsrun' ? '/run/tsrun' : '/run/runc';
}

function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Podman and conmon are part of the test environment (scripts/setup-host.d/podman.packages). */
export function requirePodman(): void {
  const missing = ['podman', 'conmon'].filter((c) => which(c) === undefined && !fs.existsSync(`/usr/bin/${c}`));
  if (missing.length > 0) {
    throw new Error(`${missing.join(' and ')} missing: apt-get install --no-install-recommends podman conmon (scripts/setup-host.sh installs them from scripts/setup-host.d/podman.packages)`);
  }
  if (!fs.existsSync('/usr/bin/runc')) throw new Error('/usr/bin/runc missing (the side-by-side reference): apt-get install runc');
}

/** soft:hard of one of our rlimits ("Max open files"), capped at `cap` (podman's ulimit syntax). */
function ourLimit(name: string, cap: number): string {
  const line = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith(name));
  const [soft, hard] = (line?.slice(name.length).trim().split(/\s+/) ?? []).map((v) => (v === 'unlimited' ? Infinity : Number(v)));
  const h = Math.min(hard ?? cap, cap);
  return `${Math.min(soft ?? h, h)}:${h}`;
}

export interface PodmanRig {
  /** everything podman writes is under here */
  readonly dir: string;
  /** --cgroup-parent of every container (one directory per hierarchy, removed by cleanup()) */
  readonly cgroupParent: string;
  readonly image: string;
  /** `podman --runtime <r> args…` with this rig's configuration */
  podman(r: PodmanRuntime, args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** the same, throwing with the output unless the exit status is 0 */
  podmanOk(r: PodmanRuntime, args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** the argv and environment of `podman --runtime <r> args…` (for running it on a terminal) */
  command(r: PodmanRuntime, args: readonly string[]): { cmd: string; args: string[]; env: NodeJS.ProcessEnv };
  /** `podman args…` without --runtime, with `extraConf` appended to containers.conf (e.g. an
   *  [engine.runtimes] table naming the runtime) */
  podmanWithConf(extraConf: string, args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** remove every container (stopping with no grace), the cgroup parent and the directory */
  cleanup(): Promise<void>;
}

export async function startPodmanRig(): Promise<PodmanRig> {
  requirePodman();
  const env = testEnv();
  const dir = path.join(scratchDir(), 'podman');
  fs.rmSync(dir, { recursive: true, force: true });
  const d = (name: string): string => {
    const p = path.join(dir, name);
    fs.mkdirSync(p, { recursive: true });
    return p;
  };
  const [root, runroot, tmp, netconf, conf] = ['root', 'runroot', 'tmp', 'netconf', 'conf'].map(d) as [string, string, string, string, string];
  const cgroupParent = `/${workerScope()}podman`;
  // default_ulimits: podman raises RLIMIT_NOFILE/NPROC to 1048576/4194304 by default, which needs
  // CAP_SYS_RESOURCE above our hard limits (this VM's sandbox lacks it): stay within ours.
  fs.writeFileSync(path.join(conf, 'containers.conf'), [
    '[containers]',
    'cgroups = "no-conmon"',
    'netns = "none"',
    'log_driver = "k8s-file"',
    `default_ulimits = ["nofile=${ourLimit('Max open files', 1024)}", "nproc=${ourLimit('Max processes', 4096)}"]`,
    '[network]',
    `network_config_dir = "${netconf}"`,
    '[engine]',
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    `events_logfile_path = "${path.join(dir, 'events.log')}"`,
    'lock_type = "file"',
    `tmp_dir = "${tmp}"`,
    `image_copy_tmp_dir = "${tmp}"`,
    `static_dir = "${path.join(root, 'libpod')}"`,
    `volume_path = "${path.join(root, 'volumes')}"`,
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(conf, 'storage.conf'), `[storage]\ndriver = "vfs"\ngraphroot = "${root}"\nrunroot = "${runroot}"\n`);
  // CRIU for `podman container checkpoint`: trixie's 4.1 from scripts/criu/fetch.sh first on PATH
  // (podman checks it, the runtimes run it; bookworm's 3.17 cannot run on kernels >= 6.13)
  const criuDir = path.join(env.repo, 'build/criu-4.1/bin');
  const podmanEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${fs.existsSync(criuDir) ? `${criuDir}:` : ''}${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`,
    CONTAINERS_CONF: path.join(conf, 'containers.conf'),
    CONTAINERS_STORAGE_CONF: path.join(conf, 'storage.conf'),
  };
  const global = ['--root', root, '--runroot', runroot, '--tmpdir', tmp, '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--storage-driver', 'vfs'];
  const command = (r: PodmanRuntime, args: readonly string[]) => ({ cmd: 'podman', args: ['--runtime', runtimePath(r), ...global, ...args], env: podmanEnv });
  const podman = (r: PodmanRuntime, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> => {
    const c = command(r, args);
    // cwd: conmon writes an "oom" file into its working directory when the container is OOM-killed
    return run(c.cmd, c.args, { timeoutMs: 120_000, cwd: dir, ...opts, env: c.env });
  };
  const podmanOk = async (r: PodmanRuntime, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> => {
    const res = await podman(r, args, opts);
    if (res.code !== 0) throw new Error(describeResult(res));
    return res;
  };
  let confs = 0;
  const podmanWithConf = (extraConf: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> => {
    const file = path.join(conf, `containers-${++confs}.conf`);
    fs.writeFileSync(file, fs.readFileSync(path.join(conf, 'containers.conf'), 'utf8') + extraConf);
    return run('podman', [...global, ...args], { timeoutMs: 120_000, cwd: dir, ...opts, env: { ...podmanEnv, CONTAINERS_CONF: file } });
  };
  await podmanOk('tsrun', ['load', '-i', env.image.tar]);
  return {
    dir,
    cgroupParent,
    image: env.image.ref,
    podman,
    podmanOk,
    podmanWithConf,
    command,
    async cleanup() {
      const failures: string[] = [];
      for (const r of PODMAN_RUNTIMES) {
        const ps = await podman(r, ['ps', '-a', '-q', '--no-trunc']);
        if (ps.stdout.trim() !== '') {
          const rm = await podman(r, ['rm', '-f', '-t', '0', ...ps.stdout.trim().split('\n')]);
          if (rm.code !== 0) failures.push(describeResult(rm));
        }
      }
      for (const h of cgroupHierarchies()) {
        const cg = path.join(h, cgroupParent);
        if (!fs.existsSync(cg)) continue;
        for (const e of fs.readdirSync(cg, { withFileTypes: true })) if (e.isDirectory()) failures.push(`cgroup left: ${path.join(cg, e.name)}`);
        try {
          fs.rmdirSync(cg);
        } catch (e) {
          failures.push(`rmdir ${cg}: ${(e as Error).message}`);
        }
      }
      const mounts = mountsUnder(dir);
      if (mounts.length > 0) failures.push(`mounts left under ${dir}: ${mounts.join(', ')}`);
      else fs.rmSync(dir, { recursive: true, force: true });
      if (failures.length > 0) throw new Error(`podman rig cleanup:\n${failures.join('\n')}`);
    },
  };
}

/** The CRIU podman and the runtimes get (scripts/criu/fetch.sh; setup-host.sh runs it). */
export function requireCriu41(): string {
  const criu = path.join(testEnv().repo, 'build/criu-4.1/bin/criu');
  if (!fs.existsSync(criu)) throw new Error(`${criu} missing: run scripts/criu/fetch.sh (bookworm's CRIU 3.17 cannot checkpoint on kernel >= 6.13)`);
  return criu;
}

/** Mount points of the host's cgroup hierarchies (v1 controllers and the unified one). */
export function cgroupHierarchies(): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' - '))
    .filter(([, rest]) => rest !== undefined && /^cgroup2? /.test(rest))
    .map(([head]) => head!.split(' ')[4]!)
    .filter((p) => p !== undefined);
}

/** The host directory of a container's cgroup in one hierarchy (from /proc/<pid>/cgroup). */
export function hostCgroupDir(pid: number, controller: string): string | undefined {
  const line = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.split(':')[1]?.split(',').includes(controller));
  if (line === undefined) return undefined;
  const rel = line.split(':').slice(2).join(':');
  const mount = cgroupHierarchies().find((h) => path.basename(h).split(',').includes(controller));
  return mount === undefined ? undefined : path.join(mount, rel);
}
