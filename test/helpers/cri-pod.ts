//! What kubelet does around the CRI calls, for the CRI tests: pod and container configs named by
//! this worker's scope, waiting for container states, the CRI log format, the pod cgroup parent
//! (kubelet creates and removes it; the runtime only creates what is below it), the shim of a pod,
//! and cleanup of every pod this worker started — also when a test failed half way.
import * as fs from 'fs';
import * as path from 'path';
import { CriClient } from './cri';
import { scratchDir, workerScope } from './env';
import { parseMountinfo, parseStat } from './leaks';
import {
  ContainerConfig,
  ContainerState,
  ContainerStatus,
  NamespaceMode,
  PodSandboxConfig,
} from '../../src/gen/cri/runtime/v1/api';

/** Label on every pod the CRI tests create: its value is this worker's scope. */
export const SCOPE_LABEL = 'tsrun-test-scope';

type DeepPartial<T> = T extends bigint | string | number | boolean | undefined
  ? T
  : T extends Array<infer U>
    ? Array<DeepPartial<U>>
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> }
      : T;

export interface PodOptions {
  /** Pod name: a uniqueId() (so leak checks and cleanup find it). */
  readonly name: string;
  /** Absolute cgroupfs path of the pod's cgroup parent, e.g. /kubepods.slice/kubepods-pod1.slice. */
  readonly cgroupParent: string;
  /** NamespaceMode.NODE for hostNetwork pods. */
  readonly network?: NamespaceMode;
  readonly privileged?: boolean;
}

export interface PodPlan {
  readonly config: DeepPartial<PodSandboxConfig>;
  readonly logDirectory: string;
}

/** The PodSandboxConfig kubelet would send for a pod with these options. */
export function podPlan(opts: PodOptions): PodPlan {
  const logDirectory = path.join(scratchDir(), 'pods', opts.name);
  return {
    logDirectory,
    config: {
      metadata: { name: opts.name, uid: `uid-${opts.name}`, namespace: 'default', attempt: 0 },
      // hostNetwork pods keep the node's UTS namespace, where runc refuses to set a hostname.
      hostname: (opts.network ?? NamespaceMode.NODE) === NamespaceMode.NODE ? '' : 'tsrun-pod',
      logDirectory,
      labels: { [SCOPE_LABEL]: workerScope(), 'io.kubernetes.pod.name': opts.name },
      annotations: {},
      linux: {
        cgroupParent: opts.cgroupParent,
        securityContext: {
          namespaceOptions: { network: opts.network ?? NamespaceMode.NODE, pid: NamespaceMode.CONTAINER, ipc: NamespaceMode.POD },
          privileged: opts.privileged ?? false,
        },
      },
    },
  };
}

/** A ContainerConfig running `sh -c script` in the busybox image, logging to NAME.log. */
export function shContainer(
  image: string,
  name: string,
  script: string,
  extra: DeepPartial<ContainerConfig> = {},
): DeepPartial<ContainerConfig> {
  return {
    metadata: { name, attempt: 0 },
    image: { image },
    command: ['/bin/sh', '-c', script],
    logPath: `${name}.log`,
    labels: { [SCOPE_LABEL]: workerScope() },
    ...extra,
  };
}

/** Polls ContainerStatus until `done` holds (or throws after `timeoutMs`, naming the last state). */
export async function waitContainer(
  cri: CriClient,
  id: string,
  done: (s: ContainerStatus) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<ContainerStatus> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const { status } = await cri.runtime.containerStatus({ containerId: id });
    if (!status) throw new Error(`ContainerStatus ${id} returned no status`);
    if (done(status)) return status;
    if (Date.now() > end) {
      throw new Error(`container ${id} (${status.metadata?.name}) not ${what} after ${timeoutMs} ms: state ${ContainerState[status.state]}, reason ${status.reason}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const exited = (s: ContainerStatus): boolean => s.state === ContainerState.CONTAINER_EXITED;

/** One line of a CRI container log: "<RFC3339Nano time> <stdout|stderr> <F|P> <content>". */
export interface CriLogLine {
  readonly time: string;
  readonly stream: 'stdout' | 'stderr';
  readonly tag: 'F' | 'P';
  readonly content: string;
}

const LOG_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) (stdout|stderr) (F|P) (.*)$/;

/** Parses a CRI log file; throws naming the first line that is not in the format. */
export function parseCriLog(text: string): CriLogLine[] {
  const out: CriLogLine[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = LOG_LINE.exec(line);
    if (!m) throw new Error(`not a CRI log line: ${JSON.stringify(line)}`);
    out.push({ time: m[1]!, stream: m[2] as 'stdout' | 'stderr', tag: m[3] as 'F' | 'P', content: m[4]! });
  }
  return out;
}

/** Polls the log file until `want` holds for its parsed lines (logs are written asynchronously). */
export async function waitLog(file: string, want: (l: CriLogLine[]) => boolean, timeoutMs = 30_000): Promise<CriLogLine[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    const lines = parseCriLog(text);
    if (want(lines)) return lines;
    if (Date.now() > end) throw new Error(`log ${file} never showed what the test waits for; it holds:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Mount points of every cgroup hierarchy (v1 controllers, named hierarchies, the v2 tree). */
export function cgroupRoots(): string[] {
  return parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'))
    .filter((m) => m.fsType === 'cgroup' || m.fsType === 'cgroup2')
    .map((m) => m.mountPoint);
}

/** Directories at and below `dir`, deepest first. */
function treeDeepestFirst(dir: string): string[] {
  const dirs: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
    dirs.push(d);
  };
  walk(dir);
  return dirs;
}

/** Pids in cgroup.procs of `dir` and everything below it. */
function procsUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const d of treeDeepestFirst(dir)) {
    let text = '';
    try {
      text = fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8');
    } catch {
      continue;
    }
    for (const l of text.split('\n')) if (l.trim() !== '') pids.push(Number(l));
  }
  return pids;
}

/**
 * Removes the pod cgroup parent from every hierarchy, as kubelet does after RemovePodSandbox:
 * processes still in it (a runtime that failed to stop them) are SIGKILLed first, then the
 * directories go, deepest first. Returns what could not be removed.
 */
export async function removeCgroupParent(parent: string, timeoutMs = 20_000): Promise<string[]> {
  const top = parent.split('/').filter(Boolean)[0];
  if (!top) return [];
  const dirs = cgroupRoots()
    .map((root) => path.join(root, top))
    .filter((d) => fs.existsSync(d));
  const end = Date.now() + timeoutMs;
  for (;;) {
    const pids = [...new Set(dirs.flatMap((d) => (fs.existsSync(d) ? procsUnder(d) : [])))];
    if (pids.length === 0 || Date.now() > end) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const failed: string[] = [];
  for (const dir of dirs) {
    if (!fs.existsSync(dir)) continue;
    for (const d of treeDeepestFirst(dir)) {
      try {
        fs.rmdirSync(d);
      } catch (e) {
        failed.push(`${d}: ${(e as Error).message}`);
      }
    }
  }
  return failed;
}

/** The parent pid of `pid` (for a container's init: the shim that started it). */
export function parentPid(pid: number): number {
  const st = parseStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  if (!st) throw new Error(`cannot parse /proc/${pid}/stat`);
  return st.ppid;
}

export function cmdline(pid: number): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** Pids of processes whose command line holds the argument `id` (a shim is started with -id ID). */
export function processesWithArg(id: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    if (cmdline(Number(name)).includes(id)) out.push(Number(name));
  }
  return out;
}

/** Waits until no process has `id` on its command line; returns those still there at the end. */
export async function waitGone(id: string, timeoutMs = 30_000): Promise<number[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const left = processesWithArg(id);
    if (left.length === 0 || Date.now() > end) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The "pid" in the JSON of a verbose status's info["info"] (containerd's CRI plugin). */
export function infoPid(info: Record<string, string>): number {
  const raw = info.info;
  if (!raw) throw new Error('verbose status has no info["info"]');
  const pid = (JSON.parse(raw) as { pid?: number }).pid;
  if (typeof pid !== 'number' || pid <= 0) throw new Error(`verbose info has no pid: ${raw.slice(0, 300)}`);
  return pid;
}

/**
 * Stops and removes every pod sandbox of this worker (label SCOPE_LABEL) with its containers,
 * as kubelet's garbage collection would; returns what failed.
 */
export async function cleanupPods(cri: CriClient): Promise<string[]> {
  const failures: string[] = [];
  const { items } = await cri.runtime.listPodSandbox(
    { filter: { labelSelector: { [SCOPE_LABEL]: workerScope() } } },
    { timeoutMs: 20_000 },
  );
  const remove = async (id: string): Promise<void> => {
    await cri.runtime.stopPodSandbox({ podSandboxId: id }, { timeoutMs: 30_000 });
    await cri.runtime.removePodSandbox({ podSandboxId: id }, { timeoutMs: 30_000 });
  };
  for (const pod of items) {
    try {
      await remove(pod.id);
    } catch (first) {
      // A shim that does not answer: end it (by pid: the processes started with -id <pod id>)
      // so containerd sees it gone and lets the pod be removed.
      for (const pid of processesWithArg(pod.id)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await waitGone(pod.id, 10_000);
      try {
        await remove(pod.id);
        failures.push(`pod ${pod.metadata?.name} (${pod.id}) needed its shim killed: ${(first as Error).message}`);
      } catch (e) {
        failures.push(`pod ${pod.metadata?.name} (${pod.id}): ${(first as Error).message}; after killing its shim: ${(e as Error).message}`);
      }
    }
  }
  return failures;
}
