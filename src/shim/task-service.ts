//! The containerd Task service (v2 and v3 share this implementation): one shim daemon may host
//! several containers (pod grouping). Errors carry their ttrpc code: unknown id → NotFound,
//! duplicate → AlreadyExists, wrong state → FailedPrecondition, bad input → InvalidArgument.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Container } from '../container';
import {
  AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError, UnimplementedError,
} from '../errors';
import type { Empty } from '../gen/google/protobuf/empty';
import type {
  CloseIORequest, ConnectRequest, ConnectResponse, CreateTaskRequest, CreateTaskResponse, DeleteRequest,
  DeleteResponse, ExecProcessRequest, KillRequest, ResizePtyRequest, PidsRequest, PidsResponse, ShutdownRequest, StartRequest, StartResponse,
  StateRequest, StateResponse, WaitRequest, WaitResponse,
} from '../gen/runtime/task/v2/shim';
import type { CheckpointTaskRequest, PauseRequest, ResumeRequest, StatsRequest, StatsResponse, UpdateTaskRequest } from '../gen/runtime/task/v2/shim';
import { checkpointTask } from './task-checkpoint';
import { DeferredRestore } from './restore-container';
import { loadBundleSpec } from '../runtime/bundle';
import { pauseTask, resumeTask, statsTask, updateTask } from './task-control';
import { Status } from '../gen/types/task/task';
import { Code, TtrpcError } from '../ttrpc/status';
import { timestampOf } from './events';
import { InitProcess, type ExitRecord } from './init-process';
import { ExecTable } from './execs';
import type { CreateContainerFn, OomWatch, OpenIO, RestoreContainerFn, RootfsMounter, SpawnExecFn, WatchOomFn } from './ports';
import { decodeShimOptions } from './runtime-options';
import { eventMounts, type TaskEventSink } from './task-events';
import { writeShimState, removeShimState } from './shim-state';
import { SingleFlight } from './single-flight';
import { VERSION } from './version';

/** What a handler gets besides the request (a subset of the ttrpc server's context). */
export interface CallContext {
  readonly signal?: AbortSignal;
}

export interface TaskServiceLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface TaskServiceOptions {
  readonly namespace: string;
  /** Default container state root when the runtime options name none. */
  readonly defaultRoot: string;
  readonly logger: TaskServiceLogger;
  readonly events: TaskEventSink;
  readonly createContainer: CreateContainerFn;
  /** Restores a checkpoint (Create with `checkpoint`); without it such a Create is Unimplemented. */
  readonly restoreContainer?: RestoreContainerFn;
  readonly openIO: OpenIO;
  readonly rootfs: RootfsMounter;
  readonly watchOom?: WatchOomFn;
  /** Spawns exec processes; without it Exec answers Unimplemented. */
  readonly spawnExec?: SpawnExecFn;
  /** Called by Shutdown when no container remains (the daemon flushes events and exits). */
  readonly onShutdown: () => void;
  /** How long Delete waits for output to be copied out. */
  readonly drainTimeoutMs?: number;
}

const DRAIN_TIMEOUT_MS = 2000;

function requireId(id: string): void {
  if (id === '') throw new InvalidArgumentError('id: must not be empty');
}

function exitedAtOf(exit: ExitRecord | undefined): StateResponse['exitedAt'] {
  return exit ? timestampOf(exit.exitedAt) : undefined;
}

export class TaskService {
  private readonly inits = new Map<string, InitProcess>();
  /** ids whose Create is in progress (duplicate Creates must fail even before the record exists). */
  private readonly creating = new Set<string>();
  private readonly oomWatchers = new Map<string, OomWatch>();

  private readonly execs: ExecTable;
  private readonly ioOwners = new Map<string, { ioUid?: number; ioGid?: number }>();
  /** criu binary per container from its runtime options (criu_path), for Checkpoint. */
  private readonly criuPaths = new Map<string, string>();

  constructor(private readonly options: TaskServiceOptions) {
    this.execs = new ExecTable({
      namespace: options.namespace, events: options.events, openIO: options.openIO, logger: options.logger,
      spawnExec: options.spawnExec ?? (() => Promise.reject(new UnimplementedError('Exec: this shim has no exec spawner'))),
      ioContext: (id) => this.ioOwners.get(id) ?? {},
      drainTimeoutMs: options.drainTimeoutMs ?? DRAIN_TIMEOUT_MS,
    });
  }

  /** Containers this shim hosts (created, running or stopped, until Delete). */
  get size(): number {
    return this.inits.size + this.creating.size;
  }

  /** How many entries each of the service's tables holds (the shim's memory report). */
  tableSizes(): Record<string, number> {
    return {
      inits: this.inits.size, creating: this.creating.size, oomWatchers: this.oomWatchers.size, ioOwners: this.ioOwners.size,
      execTables: this.execs.tableCount, deletions: this.deletions.size,
    };
  }

  private get(id: string): InitProcess {
    requireId(id);
    const init = this.inits.get(id);
    if (init === undefined || init.deleting) throw new NotFoundError(`container "${id}" not created`);
    return init;
  }

  async create(req: CreateTaskRequest): Promise<CreateTaskResponse> {
    requireId(req.id);
    if (req.bundle === '') throw new InvalidArgumentError('bundle: must not be empty');
    if (!path.isAbsolute(req.bundle)) throw new InvalidArgumentError(`bundle ${req.bundle}: must be an absolute path`);
    if (!fs.statSync(req.bundle, { throwIfNoEntry: false })?.isDirectory()) {
      throw new InvalidArgumentError(`bundle ${req.bundle}: no such directory (containerd creates it before Create)`);
    }
    if (req.checkpoint !== '' && this.options.restoreContainer === undefined) throw new UnimplementedError('Create from a checkpoint: this shim has no restore support wired in');
    if (this.inits.has(req.id) || this.creating.has(req.id)) throw new AlreadyExistsError(`container "${req.id}" already exists`);
    const { logger } = this.options;
    this.creating.add(req.id);
    const undo: Array<() => Promise<void> | void> = [];
    try {
      const shimOptions = decodeShimOptions(req.options);
      const root = shimOptions.root ?? this.options.defaultRoot;
      if (shimOptions.criuPath !== undefined) {
        this.criuPaths.set(req.id, shimOptions.criuPath);
        undo.push(() => void this.criuPaths.delete(req.id));
      }
      writeShimState(req.bundle, { id: req.id, namespace: this.options.namespace, root });
      undo.push(() => removeShimState(req.bundle));
      if (req.rootfs.length > 0) {
        await this.options.rootfs.mount(req.bundle, req.rootfs);
        undo.push(() => this.options.rootfs.unmount(req.bundle));
      }
      const stdio = { stdin: req.stdin, stdout: req.stdout, stderr: req.stderr, terminal: req.terminal };
      const io = await this.options.openIO(stdio, {
        id: req.id,
        namespace: this.options.namespace,
        ...(shimOptions.ioUid !== undefined ? { ioUid: shimOptions.ioUid } : {}),
        ...(shimOptions.ioGid !== undefined ? { ioGid: shimOptions.ioGid } : {}),
      });
      undo.push(() => io.close());
      this.ioOwners.set(req.id, { ...(shimOptions.ioUid !== undefined ? { ioUid: shimOptions.ioUid } : {}), ...(shimOptions.ioGid !== undefined ? { ioGid: shimOptions.ioGid } : {}) });
      undo.push(() => void this.ioOwners.delete(req.id));
      const container = req.checkpoint !== ''
        ? await this.deferredRestore(req, root, io, shimOptions)
        : await this.options.createContainer({
          id: req.id,
          bundle: req.bundle,
          root,
          stdio: io.fds,
          startMode: 'pipe',
          systemdCgroup: shimOptions.systemdCgroup,
          noPivot: shimOptions.noPivotRoot,
          logger,
        });
      // A restore needs the process ends at Start; it releases them itself.
      if (req.checkpoint === '') io.releaseProcessEnds();
      const consoleSize = container.spec.process?.consoleSize;
      if (req.terminal && consoleSize !== undefined) io.resize?.(consoleSize.width, consoleSize.height);
      const init = new InitProcess(req.id, req.bundle, container, io, stdio, req.rootfs.length > 0);
      this.inits.set(req.id, init);
      this.watchOom(req.id, container);
      this.watchExit(init, container);
      this.options.events.emit({
        topic: '/tasks/create',
        body: {
          containerId: req.id, bundle: req.bundle, rootfs: eventMounts(req.rootfs),
          io: { ...stdio }, checkpoint: req.checkpoint, pid: container.pid,
        },
      });
      logger.info({ id: req.id, taskPid: container.pid }, 'container created');
      return { pid: container.pid };
    } catch (err) {
      logger.error({ id: req.id, err: (err as Error).message }, 'create failed');
      for (const step of undo.reverse()) {
        try {
          await step();
        } catch (undoErr) {
          logger.warn({ id: req.id, err: (undoErr as Error).message }, 'create cleanup step failed');
        }
      }
      throw err;
    } finally {
      this.creating.delete(req.id);
    }
  }

  /** Create with a checkpoint: record the restore; Start runs it (runc.v2 restores at Start too). */
  private async deferredRestore(
    req: CreateTaskRequest, root: string, io: Awaited<ReturnType<OpenIO>>, shimOptions: ReturnType<typeof decodeShimOptions>,
  ): Promise<Container> {
    const restore = this.options.restoreContainer as RestoreContainerFn;
    const { spec } = await loadBundleSpec(req.bundle);
    return new DeferredRestore(req.id, req.bundle, root, spec, async () => {
      const c = await restore({
        id: req.id,
        bundle: req.bundle,
        root,
        spec,
        stdio: io.fds,
        systemdCgroup: shimOptions.systemdCgroup,
        logger: this.options.logger,
        checkpoint: {
          imagePath: req.checkpoint,
          ...(shimOptions.criuWorkPath !== undefined ? { workPath: shimOptions.criuWorkPath } : {}),
          ...(shimOptions.criuPath !== undefined ? { criuPath: shimOptions.criuPath } : {}),
        },
      });
      io.releaseProcessEnds();
      return c;
    });
  }

  /** Publish /tasks/oom for each OOM kill (a container restored at Start gets its cgroup only then). */
  private watchOom(id: string, container: Container): void {
    if (this.oomWatchers.has(id)) return;
    const oom = this.options.watchOom?.(container, () => {
      this.options.events.emit({ topic: '/tasks/oom', body: { containerId: id } });
    });
    if (oom) this.oomWatchers.set(id, oom);
  }

  private watchExit(init: InitProcess, container: Container): void {
    if (container.exited === undefined) throw new Error(`container ${init.id}: not owned by this process (no exit promise)`);
    void container.exited.then(async (info) => {
      // Without its own pid namespace nothing else ends the init's children (runc kills them too).
      if (!ownsPidNamespace(container)) {
        await container.kill(9, { all: true }).catch((err: Error) =>
          this.options.logger.warn({ id: init.id, err: err.message }, 'killing the processes left after init exited failed'));
      }
      // An OOM kill must be published before the exit it caused (CRI reads it as OOMKilled).
      await this.oomWatchers.get(init.id)?.check();
      // runc's shim publishes the init's exit only after the exits of its execs
      await this.execs.settled(init.id);
      const exit = { status: info.status, exitedAt: info.exitedAt };
      if (!init.recordExit(exit)) return;
      this.options.logger.info({ id: init.id, taskPid: init.pid, status: exit.status }, 'container init exited');
      // The TaskStart of an in-flight Start must precede this exit; Start publishes it then.
      if (!init.starting) this.publishExit(init);
    });
  }

  private publishExit(init: InitProcess): void {
    const exit = init.exit as ExitRecord;
    this.options.events.emit({
      topic: '/tasks/exit',
      body: { containerId: init.id, id: init.id, pid: init.pid, exitStatus: exit.status, exitedAt: timestampOf(exit.exitedAt) },
    });
  }

  async start(req: StartRequest): Promise<StartResponse> {
    const init = this.get(req.id);
    if (req.execId !== '') return { pid: await this.execs.start(init.container, req.execId) };
    if (init.status !== 'created' || init.starting) {
      throw new FailedPreconditionError(`container "${req.id}" is ${init.starting ? 'starting' : init.status}: only a created container can be started`);
    }
    init.starting = true;
    try {
      await init.container.start();
      this.watchOom(init.id, init.container);
      if (init.status === 'created') init.status = 'running';
      this.options.events.emit({ topic: '/tasks/start', body: { containerId: init.id, pid: init.pid } });
      return { pid: init.pid };
    } finally {
      init.starting = false;
      if (init.exit !== undefined) this.publishExit(init);
    }
  }

  async wait(req: WaitRequest, ctx: CallContext = {}): Promise<WaitResponse> {
    const init = this.get(req.id);
    const exit = await abortable(req.execId !== '' ? this.execs.get(req.id, req.execId).exited : init.exited, ctx.signal);
    return { exitStatus: exit.status, exitedAt: timestampOf(exit.exitedAt) };
  }

  async kill(req: KillRequest): Promise<Empty> {
    const init = this.get(req.id);
    if (req.signal <= 0 || req.signal > 64) throw new InvalidArgumentError(`signal ${req.signal}: must be between 1 and 64`);
    if (req.execId !== '') return (this.execs.kill(this.execs.get(req.id, req.execId), req.signal), {});
    if (init.status === 'stopped') throw new NotFoundError(`container "${req.id}": process already finished`);
    await init.container.kill(req.signal, { all: req.all });
    return {};
  }

  /** Deletes of one container running at once share one deletion and its result. */
  private readonly deletions = new SingleFlight<string, DeleteResponse>();

  delete(req: DeleteRequest): Promise<DeleteResponse> {
    return this.deletions.run(req.execId === '' ? req.id : undefined, () => this.deleteNow(req));
  }

  private async deleteNow(req: DeleteRequest): Promise<DeleteResponse> {
    const init = this.get(req.id);
    if (req.execId !== '') return this.deleteExec(req.id, req.execId);
    if (init.status === 'running' || init.starting) {
      throw new FailedPreconditionError(`container "${req.id}" is running: kill it before delete`);
    }
    init.deleting = true;
    const { logger } = this.options;
    try {
      if (init.status === 'created') {
        await init.container.kill(9, { all: true });
        await init.exited;
      }
      const t0 = Date.now();
      await init.io.drain(this.options.drainTimeoutMs ?? DRAIN_TIMEOUT_MS);
      await init.io.close();
      await this.execs.drop(init.id);
      this.ioOwners.delete(init.id);
      const t1 = Date.now();
      this.oomWatchers.get(init.id)?.close();
      this.oomWatchers.delete(init.id);
      await init.container.delete({ force: true });
      const t2 = Date.now();
      if (init.rootfsMounted) await this.options.rootfs.unmount(init.bundle);
      removeShimState(init.bundle);
      logger.debug({ id: init.id, ioMs: t1 - t0, containerMs: t2 - t1, rootfsMs: Date.now() - t2 }, 'delete steps');
    } catch (err) {
      init.deleting = false;
      logger.error({ id: req.id, err: (err as Error).message }, 'delete failed');
      throw err;
    }
    this.inits.delete(init.id);
    this.criuPaths.delete(init.id);
    const exit = init.exit as ExitRecord;
    const response = { pid: init.pid, exitStatus: exit.status, exitedAt: timestampOf(exit.exitedAt) };
    this.options.events.emit({ topic: '/tasks/delete', body: { containerId: init.id, id: '', ...response } });
    logger.info({ id: init.id }, 'container deleted');
    return response;
  }

  async state(req: StateRequest): Promise<StateResponse> {
    const init = this.get(req.id);
    if (req.execId !== '') {
      const state = this.execs.state(this.execs.get(req.id, req.execId), init.bundle);
      // runc.v2: while the container is paused, so is every process in it
      return this.statusOf(init) === Status.PAUSED ? { ...state, status: Status.PAUSED } : state;
    }
    return {
      id: init.id,
      bundle: init.bundle,
      pid: init.pid,
      status: this.statusOf(init),
      stdin: init.stdio.stdin,
      stdout: init.stdio.stdout,
      stderr: init.stdio.stderr,
      terminal: init.stdio.terminal,
      exitStatus: init.exit?.status ?? 0,
      exitedAt: exitedAtOf(init.exit),
      execId: '',
    };
  }

  private statusOf(init: InitProcess): Status {
    if (init.status === 'created') return Status.CREATED;
    if (init.status === 'stopped') return Status.STOPPED;
    try {
      if (init.container.status() === 'paused') return Status.PAUSED;
    } catch {
      // The cgroup may be gone while the exit is not reaped yet: still running for containerd.
    }
    return Status.RUNNING;
  }

  async pids(req: PidsRequest): Promise<PidsResponse> {
    const init = this.get(req.id);
    if (init.status === 'stopped') return { processes: [] };
    let pids: number[] = [];
    try {
      pids = await init.container.pids();
    } catch (err) {
      this.options.logger.warn({ id: req.id, err: (err as Error).message }, 'reading container pids failed');
    }
    if (pids.length === 0 && init.exit === undefined) pids = [init.pid];
    return { processes: pids.map((pid) => ({ pid, info: this.execs.detailsOf(req.id, pid) })) };
  }

  async closeIO(req: CloseIORequest): Promise<Empty> {
    const init = this.get(req.id);
    const io = req.execId !== '' ? this.execs.get(req.id, req.execId).io : init.io;
    if (req.stdin) io.closeStdin();
    return {};
  }

  async connect(req: ConnectRequest): Promise<ConnectResponse> {
    const init = req.id === '' ? undefined : this.inits.get(req.id);
    return { shimPid: process.pid, taskPid: init?.pid ?? 0, version: VERSION };
  }

  async shutdown(_req: ShutdownRequest): Promise<Empty> {
    if (this.size > 0) return {};
    this.options.onShutdown();
    return {};
  }

  async pause(req: PauseRequest): Promise<Empty> {
    await pauseTask(this.get(req.id), this.options.events);
    return {};
  }

  async resume(req: ResumeRequest): Promise<Empty> {
    await resumeTask(this.get(req.id), this.options.events);
    return {};
  }

  async exec(req: ExecProcessRequest): Promise<Empty> {
    const init = this.get(req.id);
    const running = init.status === 'running' && !init.starting;
    await this.execs.add(req.id, running, req, running && this.statusOf(init) === Status.PAUSED);
    return {};
  }

  private async deleteExec(id: string, execId: string): Promise<DeleteResponse> {
    const r = await this.execs.delete(this.execs.get(id, execId));
    return { pid: r.pid, exitStatus: r.status, exitedAt: timestampOf(r.exitedAt) };
  }

  async resizePty(req: ResizePtyRequest): Promise<Empty> {
    const init = this.get(req.id);
    const exec = req.execId !== '' ? this.execs.get(req.id, req.execId) : undefined;
    // No terminal: the issue asks for a clear error (runc.v2 silently ignores it; tsrun says why).
    const io = exec?.io ?? init.io;
    if (io.resize === undefined) {
      throw new FailedPreconditionError(`${exec ? `exec "${req.execId}"` : `container "${req.id}"`} has no terminal to resize: it was created without terminal=true (ctr -t, docker -t)`);
    }
    // Exited: nothing to resize and no error. `ctr run -t` resizes right after Start, which races a
    // fast exit (runc.v2 answers Unknown "cannot resize a stopped container" and ctr prints ERRO).
    if ((exec?.status ?? init.status) === 'stopped') return {};
    io.resize(req.width, req.height);
    return {};
  }

  async update(req: UpdateTaskRequest): Promise<Empty> {
    await updateTask(this.get(req.id), req.resources);
    return {};
  }

  async stats(req: StatsRequest): Promise<StatsResponse> {
    return statsTask(this.get(req.id));
  }

  async checkpoint(req: CheckpointTaskRequest): Promise<Empty> {
    const init = this.get(req.id);
    if (init.status !== 'running' || init.starting) {
      throw new FailedPreconditionError(`container "${req.id}" is ${init.starting ? 'starting' : init.status}: only a running container can be checkpointed`);
    }
    await checkpointTask(init, req, this.criuPaths.get(req.id));
    return {};
  }

  /** Ids of hosted containers (for the daemon's signal handling and logs). */
  ids(): string[] {
    return [...this.inits.keys()];
  }

  /** Kill every hosted container (daemon termination). */
  async killAll(signal: number): Promise<void> {
    await Promise.all([...this.inits.values()].map(async (init) => {
      if (init.status === 'stopped') return;
      try {
        await init.container.kill(signal, { all: true });
      } catch (err) {
        this.options.logger.warn({ id: init.id, err: (err as Error).message }, 'kill on shim exit failed');
      }
    }));
  }
}

/** True when the container has a new pid namespace (a `pid` entry without a path). */
export function ownsPidNamespace(container: Pick<Container, 'spec'>): boolean {
  return (container.spec.linux?.namespaces ?? []).some((ns) => ns.type === 'pid' && (ns.path ?? '') === '');
}

/** Reject with CANCELLED when the call is cancelled (containerd 2.x cancels Wait). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(new TtrpcError(Code.CANCELLED, 'wait cancelled'));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(new TtrpcError(Code.CANCELLED, 'wait cancelled'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then((v) => {
      signal.removeEventListener('abort', onAbort);
      resolve(v);
    }, reject);
  });
}

