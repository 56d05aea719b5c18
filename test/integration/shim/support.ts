//! Tools for the shim suite: the runtimes under test, a per-test resource tracker that removes
//! containers, processes and files also when a test fails, `ctr` processes whose output is read
//! while they run, a `ctr events` watcher, `ctr task ls` polling, specs for `ctr run --config`,
//! a ttrpc client on a container's shim and a small FIFO client.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { ctr, ctrOk } from '../../helpers/containerd';
import { ContainerdHandle, scratchDir, testEnv, uniqueId } from '../../helpers/env';
import { describeResult, RunResult } from '../../helpers/exec';
import { Client } from '../../../src/ttrpc';
import { TaskDefinition } from '../../../src/gen/runtime/task/v2/shim';
import type { ServiceClient } from '../../../src/ttrpc';

export const RUNC = 'io.containerd.runc.v2';
export const TSRUN = 'io.containerd.tsrun.v1';
export type RuntimeName = typeof RUNC | typeof TSRUN;
/** Every case runs through both: runc.v2 is the reference, tsrun must behave the same. */
export const RUNTIMES: readonly RuntimeName[] = [RUNC, TSRUN];

export function runtimeLabel(rt: RuntimeName): string {
  return rt === RUNC ? 'runc.v2' : 'tsrun';
}

/** One test case, run once per containerd version and runtime. */
export interface ShimCase {
  readonly name: string;
  readonly timeoutMs?: number;
  readonly run: (t: ShimTest) => Promise<void>;
}

/** What a case gets: the daemon, the runtime under test, and a resource tracker. */
export interface ShimTest {
  readonly h: ContainerdHandle;
  readonly runtime: RuntimeName;
  readonly res: Resources;
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns a value other than undefined; throws `what` on timeout. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Everything one test creates, released in reverse order by release(): spawned processes are
 * SIGKILLed by pid, containers force-removed (task and container), then the other cleanups.
 */
export class Resources {
  private readonly cleanups: { what: string; fn: () => Promise<void> | void }[] = [];

  constructor(private readonly h: ContainerdHandle) {}

  /** A fresh container id (uniqueId) that is force-removed from `h` (default: the test's daemon) at the end. */
  container(label?: string, h: ContainerdHandle = this.h): string {
    const id = uniqueId(label);
    this.defer(`container ${id}`, () => removeContainer(h, id));
    return id;
  }

  /** A fresh directory under this worker's scratch dir, removed at the end. */
  dir(label: string): string {
    const d = fs.mkdtempSync(path.join(scratchDir(), `${label}-`));
    this.defer(`dir ${d}`, () => fs.rmSync(d, { recursive: true, force: true }));
    return d;
  }

  /** Kills the child (SIGKILL, by pid) at the end unless it has exited. */
  process(child: ChildProcess): void {
    this.defer(`process ${child.pid}`, async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const closed = new Promise((r) => child.once('close', r));
      child.kill('SIGKILL');
      await closed;
    });
  }

  defer(what: string, fn: () => Promise<void> | void): void {
    this.cleanups.push({ what, fn });
  }

  async release(): Promise<void> {
    const errors: string[] = [];
    while (this.cleanups.length > 0) {
      const c = this.cleanups.pop()!;
      try {
        await c.fn();
      } catch (e) {
        errors.push(`${c.what}: ${(e as Error).message}`);
      }
    }
    if (errors.length > 0) throw new Error(`cleanup failed:\n  ${errors.join('\n  ')}`);
  }
}

/** Force-removes the task and the container (with its snapshot); quiet when they are gone. */
export async function removeContainer(h: ContainerdHandle, id: string): Promise<void> {
  const t = await ctr(h, ['task', 'rm', '-f', id], { timeoutMs: 30_000 });
  if (t.code !== 0 && !/not found/.test(t.stderr)) throw new Error(describeResult(t));
  const c = await ctr(h, ['container', 'rm', id], { timeoutMs: 30_000 });
  if (c.code !== 0 && !/not found/.test(c.stderr)) throw new Error(describeResult(c));
}

/** `ctr run` flags every case uses: the runtime and the FIFO dir (default: the run's). */
export function runFlags(runtime: RuntimeName, fifoDir = testEnv().fifoDir): string[] {
  return ['--runtime', runtime, '--fifo-dir', fifoDir];
}

/** ttrpc call options as containerd sends them (the namespace in the metadata). */
export function nsCall(h: ContainerdHandle, timeoutMs = 30_000): { metadata: Record<string, string>; timeoutMs: number } {
  return { metadata: { 'containerd-namespace-ttrpc': h.namespace }, timeoutMs };
}

/** A `ctr` process whose output is read while it runs. */
export class CtrProcess {
  readonly child: ChildProcess;
  private out = '';
  private err = '';
  /** Resolves with the result when ctr exits. */
  readonly done: Promise<RunResult>;

  constructor(h: ContainerdHandle, args: readonly string[], res: Resources, opts: { stdin?: boolean } = {}) {
    const full = ['--address', h.address, '--namespace', h.namespace, ...args];
    this.child = spawn(h.ctr, full, { stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    res.process(this.child);
    this.child.stdout!.on('data', (b: Buffer) => (this.out += b.toString('utf8')));
    this.child.stderr!.on('data', (b: Buffer) => (this.err += b.toString('utf8')));
    this.done = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code, signal) =>
        resolve({ cmd: h.ctr, args: full, code, signal, stdout: this.out, stderr: this.err, timedOut: false }),
      );
    });
  }

  get stdout(): string {
    return this.out;
  }

  get stderr(): string {
    return this.err;
  }

  /** Waits until stdout matches `re` (fails early, with the output, if ctr exits first). */
  async waitForStdout(re: RegExp, timeoutMs = 30_000): Promise<void> {
    let exited = false;
    void this.done.then(() => (exited = true));
    await waitFor(
      `ctr output matching ${re}`,
      () => {
        if (re.test(this.out)) return true;
        if (exited) throw new Error(`ctr exited before printing ${re}: stdout ${JSON.stringify(this.out)} stderr ${JSON.stringify(this.err)}`);
        return undefined;
      },
      timeoutMs,
    );
  }
}

/** `ctr task ls` as a map id → {pid, status}. */
export async function taskList(h: ContainerdHandle): Promise<Map<string, { pid: number; status: string }>> {
  const r = await ctrOk(h, ['task', 'ls'], { timeoutMs: 30_000 });
  const out = new Map<string, { pid: number; status: string }>();
  for (const line of r.stdout.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 3) out.set(f[0]!, { pid: Number(f[1]), status: f[2]! });
  }
  return out;
}

/** Polls `ctr task ls` until the task has `status` (RUNNING, STOPPED, ...); returns its pid. */
export async function waitForTask(h: ContainerdHandle, id: string, status: string, timeoutMs = 30_000): Promise<number> {
  let last = 'absent';
  try {
    return await waitFor(
      `task ${id} to be ${status}`,
      async () => {
        const t = (await taskList(h)).get(id);
        last = t ? `${t.status} (pid ${t.pid})` : 'absent';
        return t?.status === status ? t.pid : undefined;
      },
      timeoutMs,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}; last seen: ${last}`);
  }
}

/** One line of `ctr events`. */
export interface CtrEvent {
  readonly namespace: string;
  readonly topic: string;
  readonly event: Record<string, unknown>;
}

/** Parses `2026-12-01 13:57:48.65 +0000 UTC NS /tasks/exit {"container_id":...}`. */
export function parseEventLine(line: string): CtrEvent | undefined {
  const m = /^\S+ \S+ [+-]\d{4} \S+ (\S+) (\/\S+) (\{.*\})\s*$/.exec(line);
  if (!m) return undefined;
  try {
    return { namespace: m[1]!, topic: m[2]!, event: JSON.parse(m[3]!) as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

/**
 * `ctr events` running in the background. start() returns once the subscription is live: it
 * labels the namespace with a token until the /namespaces/update event carrying it shows up.
 */
export class EventWatcher {
  private lines = '';
  private constructor(private readonly proc: CtrProcess) {}

  static async start(h: ContainerdHandle, res: Resources): Promise<EventWatcher> {
    const w = new EventWatcher(new CtrProcess(h, ['events'], res));
    const key = `tsrun-sync-${process.pid}-${Date.now()}`;
    await waitFor('ctr events to subscribe', async () => {
      await ctrOk(h, ['namespaces', 'label', h.namespace, `${key}=1`]);
      return w.events().some((e) => e.topic === '/namespaces/update' && JSON.stringify(e.event).includes(key)) ? true : undefined;
    });
    await ctrOk(h, ['namespaces', 'label', h.namespace, `${key}=`]);
    return w;
  }

  /** Every event seen so far in the daemon's namespace. */
  events(): CtrEvent[] {
    this.lines = this.proc.stdout;
    return this.lines
      .split('\n')
      .map(parseEventLine)
      .filter((e): e is CtrEvent => e !== undefined);
  }

  /** Events about one container (container_id or id field). */
  eventsFor(id: string): CtrEvent[] {
    return this.events().filter((e) => e.event.container_id === id || (e.topic.startsWith('/containers/') && e.event.id === id));
  }

  async waitForTopic(id: string, topic: string, timeoutMs = 30_000): Promise<CtrEvent> {
    try {
      return await waitFor(`event ${topic} for ${id}`, () => this.eventsFor(id).find((e) => e.topic === topic), timeoutMs);
    } catch (e) {
      const seen = this.eventsFor(id).map((x) => x.topic);
      throw new Error(`${(e as Error).message}; seen for it: ${seen.join(', ') || 'nothing'}`);
    }
  }
}

/** The default spec of this ctr (`ctr oci spec`), cached per daemon version. */
const defaultSpecs = new Map<string, Record<string, unknown>>();

export interface SpecOptions {
  readonly args: readonly string[];
  /** Changes to the spec object after the defaults are filled in. */
  readonly edit?: (spec: Record<string, any>) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * Writes a runtime spec for `ctr run --config FILE ID` (no image: root.path is the test image's
 * unpacked rootfs, read-only; cgroupsPath /<namespace>/<id> as ctr sets it) and returns FILE.
 */
export async function writeSpec(h: ContainerdHandle, id: string, dir: string, opts: SpecOptions): Promise<string> {
  let base = defaultSpecs.get(h.version);
  if (!base) {
    base = JSON.parse((await ctrOk(h, ['oci', 'spec'])).stdout) as Record<string, unknown>;
    defaultSpecs.set(h.version, base);
  }
  const spec = JSON.parse(JSON.stringify(base)) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  spec.root = { path: testEnv().image.rootfs, readonly: true };
  spec.process.args = [...opts.args];
  spec.process.env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];
  spec.linux.cgroupsPath = `/${h.namespace}/${id}`;
  opts.edit?.(spec);
  const file = path.join(dir, `${id}.json`);
  fs.writeFileSync(file, JSON.stringify(spec, null, 2));
  return file;
}

/** The shim's address for a container, from the bundle (`address`, written by the shim's start). */
export function shimAddress(h: ContainerdHandle, id: string): string {
  const file = path.join(h.dir, 'state', 'io.containerd.runtime.v2.task', h.namespace, id, 'address');
  return fs.readFileSync(file, 'utf8').trim();
}

/** A ttrpc Task v2 client on the container's shim (a second client next to containerd). */
export function shimTaskClient(h: ContainerdHandle, id: string, res: Resources): ServiceClient<typeof TaskDefinition> {
  const address = shimAddress(h, id);
  if (!address.startsWith('unix://')) throw new Error(`shim address ${address} of ${id} is not unix://`);
  const client = new Client(address.slice('unix://'.length));
  res.defer(`ttrpc client of ${id}`, () => client.close());
  return client.service(TaskDefinition);
}

/** The pid of the process whose child is `pid` (the shim, for a container's init). */
export function parentPid(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

export function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}

/** True while `pid` exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The v1 cgroup directory of `pid` for `controller` (cpu, memory, ...), from /proc/PID/cgroup. */
export function cgroupDir(pid: number, controller: string): string {
  const line = fs
    .readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .map((l) => l.split(':'))
    .find((f) => f.length >= 3 && f[1]!.split(',').includes(controller));
  if (!line) throw new Error(`pid ${pid} has no ${controller} cgroup (v1 controller expected on this host)`);
  const mount = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' '))
    .find((f) => {
      const sep = f.indexOf('-');
      return sep > 0 && f[sep + 1] === 'cgroup' && (f[sep + 3] ?? '').split(',').includes(controller);
    });
  if (!mount) throw new Error(`no cgroup v1 hierarchy with ${controller} is mounted`);
  return path.join(mount[4]!, line.slice(2).join(':'));
}

/** FIFOs `ctr run --fifo-dir DIR` made for container `id`: DIR/<n>/<id>-stdin|stdout|stderr. */
export function ctrFifos(dir: string, id: string): { stdin: string; stdout: string; stderr: string } {
  for (const sub of fs.readdirSync(dir)) {
    const stdin = path.join(dir, sub, `${id}-stdin`);
    if (fs.existsSync(stdin)) return { stdin, stdout: path.join(dir, sub, `${id}-stdout`), stderr: path.join(dir, sub, `${id}-stderr`) };
  }
  throw new Error(`no FIFOs of ${id} under ${dir}`);
}

/** Opens a FIFO for writing without blocking (fails with ENXIO when nobody holds a read end), writes, closes. */
export function writeFifo(file: string, data: string): void {
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  try {
    fs.writeSync(fd, data);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads a FIFO without blocking the event loop; collects what arrives until close(). */
export class FifoReader {
  private data = '';
  private readonly socket: net.Socket;
  private ended = false;

  constructor(file: string, res: Resources) {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    this.socket = new net.Socket({ fd, readable: true, writable: false });
    this.socket.on('data', (b: Buffer) => (this.data += b.toString('utf8')));
    this.socket.on('end', () => (this.ended = true));
    this.socket.on('error', () => (this.ended = true));
    res.defer(`reader of ${file}`, () => this.close());
  }

  get text(): string {
    return this.data;
  }

  async waitFor(re: RegExp, timeoutMs = 30_000): Promise<void> {
    try {
      await waitFor(`${re} on the FIFO`, () => (re.test(this.data) ? true : undefined), timeoutMs);
    } catch (e) {
      throw new Error(`${(e as Error).message}; read so far${this.ended ? ' (ended)' : ''}: ${JSON.stringify(this.data)}`);
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
