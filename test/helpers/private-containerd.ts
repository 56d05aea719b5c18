//! A containerd of the test's own, for tests that must disturb the daemon (restart it, kill it):
//! the shared daemons of env.ts serve every test file of the run, so restarting one would break
//! tests running in other workers. privateContainerd() starts one more under this worker's scratch
//! dir (named with workerScope(), so a daemon or shim left behind shows up in the leak check),
//! restartContainerd() stops it by pid without touching its shims and starts it again on the same
//! root/state/socket, and stopPrivateContainerd() stops it and removes what it left (stop.sh).
import * as fs from 'fs';
import * as path from 'path';
import { startContainerd, stopContainerd } from './containerd';
import { ContainerdHandle, ContainerdVersion, testEnv, workerScope } from './env';
import { describeResult } from './exec';
import { importImage } from './image';

let counter = 0;

/**
 * Starts a private containerd of `version` with tsrun registered (the run's install first on its
 * PATH) and the test image imported into the handle's namespace (the run's namespace).
 * The dir lives under /tmp/tsrun-test-<run>/ (short: unix socket paths are limited to 108 bytes).
 */
export async function privateContainerd(version: ContainerdVersion): Promise<ContainerdHandle> {
  const env = testEnv();
  counter += 1;
  const dir = path.join(env.tmpDir, `${workerScope(env.runId)}ctd${counter}`);
  const namespace = `tsrun-test-${env.runId}`;
  let h: ContainerdHandle | undefined;
  try {
    h = await startContainerd(env.repo, version, dir, env.binDir, namespace);
    await importImage(h, env.image);
    return h;
  } catch (e) {
    await stopContainerd(env.repo, dir, true);
    throw e;
  }
}

/** True while `pid` is a running containerd started with `config` (not a reused pid). */
function isDaemon(pid: number, config: string): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(config);
  } catch {
    return false;
  }
}

async function waitGone(pid: number, config: string, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (isDaemon(pid, config)) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/**
 * Stops the daemon with SIGTERM (its shims and containers keep running, as in a real containerd
 * upgrade or crash-restart), waits until it is gone and starts it again with the same version,
 * dir, config and PATH. Returns the new handle (new pid; same sockets and namespace).
 */
export async function restartContainerd(h: ContainerdHandle): Promise<ContainerdHandle> {
  if (!isDaemon(h.pid, h.config)) {
    throw new Error(`restartContainerd: pid ${h.pid} is not the containerd of ${h.dir} (already stopped?)`);
  }
  process.kill(h.pid, 'SIGTERM');
  if (!(await waitGone(h.pid, h.config, 30_000))) {
    process.kill(h.pid, 'SIGKILL');
    if (!(await waitGone(h.pid, h.config, 10_000))) throw new Error(`restartContainerd: containerd pid ${h.pid} survived SIGKILL`);
  }
  // start.sh refuses while the recorded pid answers kill -0, which a zombie does (this machine's
  // init may reap late): the daemon is gone, so its pid file goes too.
  fs.rmSync(path.join(h.dir, 'containerd.pid'), { force: true });
  const env = testEnv();
  const binDir = h.path.split(':')[0] ?? env.binDir;
  return startContainerd(env.repo, h.version, h.dir, binDir, h.namespace);
}

/**
 * Stops it by pid, force-removes its tasks, shims, mounts and cgroups, and deletes its dir. When
 * the daemon is not running (a test failed between stop and start of a restart) it is started
 * once more first, so that stop.sh can delete the tasks through it instead of leaving their
 * processes behind.
 */
export async function stopPrivateContainerd(h: ContainerdHandle): Promise<void> {
  let pid = NaN;
  try {
    pid = Number(fs.readFileSync(path.join(h.dir, 'containerd.pid'), 'utf8'));
  } catch {
    // no pid file: not running
  }
  if (!isDaemon(pid, h.config)) {
    fs.rmSync(path.join(h.dir, 'containerd.pid'), { force: true });
    const env = testEnv();
    await startContainerd(env.repo, h.version, h.dir, h.path.split(':')[0] ?? env.binDir, h.namespace).catch(() => undefined);
  }
  const r = await stopContainerd(testEnv().repo, h.dir, true);
  if (r.code !== 0) throw new Error(`stopping the private containerd ${h.dir}: ${describeResult(r)}`);
}
