//! Exec processes of the containers a shim hosts: Exec/Start/State/Wait/Kill/CloseIO/Delete for
//! exec ids. An exec's output is drained (bounded) and its IO closed when it exits, so a
//! background child keeping stdout open cannot hang the client; the init's TaskExit waits for
//! every exec's (`settled`).

import type { Container } from '../container';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../errors';
import { ContainerSetupError } from '../linux';
import { Code, TtrpcError } from '../ttrpc/status';
import type { Any } from '../gen/google/protobuf/any';
import type { ExecProcessRequest, StateResponse } from '../gen/runtime/task/v2/shim';
import { ProcessDetails } from '../gen/types/runc/options/oci';
import { Status } from '../gen/types/task/task';
import { packMessage, unpackJson } from '../proto/any';
import { TypeUrl } from '../proto/type-urls';
import type { Process } from '../runtime/spec';
import { timestampOf } from './events';
import type { ExitRecord } from './init-process';
import type { ExecHandle, IOContext, OpenIO, ProcessIO, SpawnExecFn, StdioRequest } from './ports';
import type { TaskEventSink } from './task-events';

export type ExecStatus = 'created' | 'running' | 'stopped';

export class ExecProcess {
  status: ExecStatus = 'created';
  exit: ExitRecord | undefined;
  handle: ExecHandle | undefined;
  starting = false;
  /** Settles when Start is done: the exit of a process that dies at once waits for its TaskExecStarted. */
  startSettled: Promise<void> = Promise.resolve();
  readonly exited: Promise<ExitRecord>;
  private resolveExit!: (exit: ExitRecord) => void;

  constructor(
    readonly containerId: string,
    readonly execId: string,
    readonly stdio: StdioRequest,
    readonly io: ProcessIO,
    readonly process: Process,
  ) {
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
  }

  get pid(): number {
    return this.handle?.pid ?? 0;
  }

  /** Start failed before there was a process (runc.v2: Wait returns at once with exit 0, State
   *  stays CREATED with pid 0, Delete works, no TaskExit). */
  startFailed(): void {
    if (this.exit === undefined) this.resolveExit({ status: 0, exitedAt: new Date() });
  }

  recordExit(exit: ExitRecord): void {
    if (this.exit !== undefined) return;
    this.exit = exit;
    this.status = 'stopped';
    this.resolveExit(exit);
  }
}

export interface ExecTableOptions {
  readonly namespace: string;
  readonly events: TaskEventSink;
  readonly openIO: OpenIO;
  readonly spawnExec: SpawnExecFn;
  readonly ioContext: (containerId: string) => Omit<IOContext, 'id' | 'namespace'>;
  readonly drainTimeoutMs: number;
  readonly logger: { info(o: object, m?: string): void; warn(o: object, m?: string): void };
}

/** The Process JSON of an ExecProcessRequest. */
export function decodeExecSpec(spec: Any | undefined): Process {
  if (spec === undefined) throw new InvalidArgumentError('ExecProcessRequest.spec: missing; expected the OCI Process as JSON');
  const proc = unpackJson(spec, 'ExecProcessRequest.spec') as Process;
  if (proc === null || typeof proc !== 'object') throw new InvalidArgumentError('ExecProcessRequest.spec: not a JSON object');
  return proc;
}

/** The container is frozen (a status that cannot be read — its cgroup going away — is not paused). */
function isPaused(container: Container): boolean {
  try {
    return container.status() === 'paused';
  } catch {
    return false;
  }
}

export class ExecTable {
  /** containerId → execId → exec */
  private readonly byContainer = new Map<string, Map<string, ExecProcess>>();

  constructor(private readonly options: ExecTableOptions) {}

  /** Containers with an exec table (at most those hosted). */
  get tableCount(): number {
    return this.byContainer.size;
  }

  private execsOf(containerId: string): Map<string, ExecProcess> {
    let m = this.byContainer.get(containerId);
    if (m === undefined) {
      m = new Map();
      this.byContainer.set(containerId, m);
    }
    return m;
  }

  get(containerId: string, execId: string): ExecProcess {
    const e = this.byContainer.get(containerId)?.get(execId);
    if (e === undefined) throw new NotFoundError(`exec "${execId}" of container "${containerId}" not found`);
    return e;
  }

  list(containerId: string): ExecProcess[] {
    return [...(this.byContainer.get(containerId)?.values() ?? [])];
  }

  /** Exec: register the process and open its IO; the process is spawned by Start. */
  async add(containerId: string, initRunning: boolean, req: ExecProcessRequest, paused = false): Promise<void> {
    if (req.execId === '') throw new InvalidArgumentError('exec_id: must not be empty');
    const execs = this.execsOf(containerId);
    if (execs.has(req.execId)) throw new AlreadyExistsError(`exec "${req.execId}" of container "${containerId}" already exists`);
    if (!initRunning) throw new FailedPreconditionError(`container "${containerId}" is not running: cannot exec in it`);
    // runc.v2's code (Unknown) and words; no TaskExecAdded
    if (paused) throw new TtrpcError(Code.UNKNOWN, `cannot exec in a paused state: container "${containerId}" is paused; resume it first`);
    const proc = { ...decodeExecSpec(req.spec), terminal: req.terminal };
    const stdio = { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr, terminal: req.terminal };
    // reserve the id while the FIFOs open (a concurrent duplicate must fail)
    const placeholder = new ExecProcess(containerId, req.execId, stdio, NO_IO, proc);
    execs.set(req.execId, placeholder);
    let io: ProcessIO;
    try {
      io = await this.options.openIO(stdio, { id: containerId, namespace: this.options.namespace, ...this.options.ioContext(containerId) });
    } catch (err) {
      execs.delete(req.execId);
      throw err;
    }
    execs.set(req.execId, new ExecProcess(containerId, req.execId, stdio, io, proc));
    this.options.events.emit({ topic: '/tasks/exec-added', body: { containerId, execId: req.execId } });
  }

  /** Start: spawn the process into the container and exec it. */
  async start(container: Container, execId: string): Promise<number> {
    const e = this.get(container.id, execId);
    if (e.status !== 'created' || e.starting) throw new FailedPreconditionError(`exec "${execId}" of container "${container.id}" is ${e.starting ? 'starting' : e.status}: only a created exec can be started`);
    // runc exec refuses a paused container (runc.v2: Unknown); the exec stays created for a later Start
    if (isPaused(container)) throw new TtrpcError(Code.UNKNOWN, `exec "${execId}" of container "${container.id}": cannot exec in a paused container; resume it first`);
    e.starting = true;
    let settle!: () => void;
    e.startSettled = new Promise((resolve) => (settle = resolve));
    try {
      const handle = await this.options.spawnExec(container, execId, { process: e.process, stdio: e.io.fds });
      e.handle = handle;
      e.io.releaseProcessEnds();
      const size = e.process.consoleSize;
      if (e.stdio.terminal && size !== undefined) e.io.resize?.(size.width, size.height);
      void handle.exited.then((s) => this.onExit(e, s.status));
      await handle.start();
      if (e.status === 'created') e.status = 'running';
      this.options.events.emit({ topic: '/tasks/exec-started', body: { containerId: container.id, execId, pid: handle.pid } });
      this.options.logger.info({ id: container.id, execId, pid: handle.pid }, 'exec started');
      return handle.pid;
    } catch (err) {
      const handle = e.handle;
      if (handle !== undefined && err instanceof ContainerSetupError && err.afterStart) {
        // only execve failed, after the process was released (a bad interpreter): runc.v2 reports
        // such an exec as started and then its exit, so Start succeeds and TaskExit follows
        if (e.status === 'created') e.status = 'running';
        this.options.events.emit({ topic: '/tasks/exec-started', body: { containerId: container.id, execId, pid: handle.pid } });
        this.options.logger.warn({ id: container.id, execId, pid: handle.pid, err: err.message }, 'exec started but its execve failed');
        return handle.pid;
      }
      // no process (runc.v2: no TaskExit, State CREATED, Wait returns exit 0, Delete works); IO closed
      if (handle === undefined) {
        await e.io.close();
        e.startFailed();
      }
      throw err;
    } finally {
      e.starting = false;
      settle();
    }
  }

  private async onExit(e: ExecProcess, status: number): Promise<void> {
    const exitedAt = new Date();
    // output first (bounded: a background child may keep the FIFOs open), then close our ends so
    // the client sees EOF even when such a child lives on
    await e.io.drain(this.options.drainTimeoutMs);
    await e.io.close();
    await e.startSettled;
    e.recordExit({ status, exitedAt });
    this.options.events.emit({
      topic: '/tasks/exit',
      body: { containerId: e.containerId, id: e.execId, pid: e.pid, exitStatus: status, exitedAt: timestampOf(exitedAt) },
    });
  }

  state(e: ExecProcess, bundle: string): StateResponse {
    return {
      id: e.execId,
      bundle,
      pid: e.pid,
      status: e.status === 'created' ? Status.CREATED : e.status === 'running' ? Status.RUNNING : Status.STOPPED,
      stdin: e.stdio.stdin,
      stdout: e.stdio.stdout,
      stderr: e.stdio.stderr,
      terminal: e.stdio.terminal,
      exitStatus: e.exit?.status ?? 0,
      exitedAt: e.exit ? timestampOf(e.exit.exitedAt) : undefined,
      execId: e.execId,
    };
  }

  kill(e: ExecProcess, signal: number): void {
    if (e.status !== 'running' || e.handle === undefined) throw new NotFoundError(`exec "${e.execId}" of container "${e.containerId}": process ${e.status === 'stopped' ? 'already finished' : 'not started'}`);
    e.handle.kill(signal);
  }

  /** Delete of an exec id: only a created or stopped exec. */
  async delete(e: ExecProcess): Promise<ExitRecord & { pid: number }> {
    if (e.status === 'running' || e.starting) throw new FailedPreconditionError(`exec "${e.execId}" of container "${e.containerId}" is running: kill it before delete`);
    this.byContainer.get(e.containerId)?.delete(e.execId);
    await e.io.close();
    return { pid: e.pid, status: e.exit?.status ?? 0, exitedAt: e.exit?.exitedAt ?? new Date(0) };
  }

  /** Resolves once every started exec of the container has exited (the init's exit waits on it). */
  async settled(containerId: string): Promise<void> {
    await Promise.all(this.list(containerId).filter((e) => e.handle !== undefined || e.starting).map((e) => e.exited));
  }

  /** The container is gone (Delete): close whatever IO its execs still hold. */
  async drop(containerId: string): Promise<void> {
    const execs = this.list(containerId);
    this.byContainer.delete(containerId);
    await Promise.all(execs.map((e) => e.io.close()));
  }

  /** runc's ProcessDetails{exec_id} for a pid that is one of the container's execs. */
  detailsOf(containerId: string, pid: number): Any | undefined {
    const e = this.list(containerId).find((x) => x.pid === pid && x.status === 'running');
    return e ? packMessage(TypeUrl.runcProcessDetails, ProcessDetails, { execId: e.execId }) : undefined;
  }
}

const NO_IO: ProcessIO = {
  fds: { stdin: -1, stdout: -1, stderr: -1 },
  releaseProcessEnds() {},
  closeStdin() {},
  async drain() {},
  async close() {},
};
