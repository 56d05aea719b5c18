// An in-memory containerd.task.v2.Task implementation that checks its inputs the way the shim's
// task service does (branch `shim`, src/shim/task-service.ts and rootfs.ts, not on main when this
// was written): ids, bundle paths, rootfs mount options, runtime options, exec process specs,
// checkpoint options, signals and lifecycle states, each failing with a typed ShimError. It does
// no I/O: it stands in for the shim so the fuzzer can drive the real decode → handler → encode path
// of the ttrpc Server.
import path from 'node:path';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError, UnimplementedError } from '../../src/errors';
import { TaskDefinition } from '../../src/gen/runtime/task/v2/shim';
import { Status } from '../../src/gen/types/task/task';
import { decodeShimOptions, isEmptyAny, unpackCheckpointOptions, unpackJson } from '../../src/proto';
import { timestampFromNanos } from '../../src/proto/timestamp';
import { parseMountOptions } from '../../src/runtime/mount-options';
import { validateProcessSpec } from '../../src/runtime/validate';
import { decodeUpdateResources } from '../../src/shim/task-control';
import type { CallContext, ServiceImplementation } from '../../src/ttrpc';

type Impl = ServiceImplementation<typeof TaskDefinition>;
type Req<K extends keyof Impl> = Parameters<Impl[K]>[0];

interface Model {
  readonly id: string;
  readonly bundle: string;
  readonly pid: number;
  status: 'created' | 'running' | 'stopped';
  exitStatus: number;
  readonly waiters: Array<() => void>;
}

/** Page size: the most mount(2) data the shim passes (as its rootfs.ts). */
const MAX_MOUNT_DATA = 4096;

function requireId(id: string): void {
  if (id === '') throw new InvalidArgumentError('id: must not be empty');
}

function noExecs(id: string, execId: string): void {
  if (execId !== '') throw new NotFoundError(`exec "${execId}" of container "${id}" not found`);
}

function checkRootfs(mounts: Req<'create'>['rootfs']): void {
  mounts.forEach((m, i) => {
    const where = `rootfs[${i}] (${m.type})`;
    if (m.type === '') throw new InvalidArgumentError(`${where}: type must not be empty`);
    for (const option of m.options) {
      if (option.startsWith('X-containerd.')) throw new InvalidArgumentError(`${where}: option ${option} must be handled by containerd's mount manager, not the shim`);
    }
    const parsed = parseMountOptions(m.options, m.type);
    if (parsed.unsupported.length > 0) throw new UnimplementedError(`${where}: options ${parsed.unsupported.join(', ')} are not supported by tsrun yet`);
    if (parsed.data.length > MAX_MOUNT_DATA) throw new InvalidArgumentError(`${where}: mount data is ${parsed.data.length} bytes, more than one page`);
    for (const p of parsed.propagation) if (!Number.isInteger(p)) throw new Error(`${where}: propagation ${String(p)} is not a flag`);
    if (!Number.isInteger(parsed.flags)) throw new Error(`${where}: flags ${String(parsed.flags)} are not an integer`);
  });
}

/** A fresh model per fuzz case: `reset()` forgets every container. */
export class TaskModel {
  private containers = new Map<string, Model>();
  private nextPid = 100;

  reset(): void {
    for (const c of this.containers.values()) for (const w of c.waiters.splice(0)) w();
    this.containers = new Map();
  }

  private get(id: string, execId = ''): Model {
    requireId(id);
    const c = this.containers.get(id);
    if (c === undefined) throw new NotFoundError(`container "${id}" not created`);
    noExecs(id, execId);
    return c;
  }

  readonly impl: Impl = {
    state: async (req) => {
      const c = this.get(req.id, req.execId);
      const status = c.status === 'created' ? Status.CREATED : c.status === 'running' ? Status.RUNNING : Status.STOPPED;
      return { id: c.id, bundle: c.bundle, pid: c.pid, status, stdin: '', stdout: '', stderr: '', terminal: false, exitStatus: c.exitStatus, exitedAt: undefined, execId: '' };
    },
    create: async (req) => {
      requireId(req.id);
      if (req.bundle === '') throw new InvalidArgumentError('bundle: must not be empty');
      if (!path.isAbsolute(req.bundle)) throw new InvalidArgumentError(`bundle ${req.bundle}: must be an absolute path`);
      if (req.checkpoint !== '') throw new UnimplementedError('Create from a checkpoint is not implemented yet');
      if (this.containers.has(req.id)) throw new AlreadyExistsError(`container "${req.id}" already exists`);
      decodeShimOptions(req.options);
      checkRootfs(req.rootfs);
      if (req.terminal) throw new UnimplementedError('terminal: a pty for the container is not implemented yet');
      const c: Model = { id: req.id, bundle: req.bundle, pid: this.nextPid++, status: 'created', exitStatus: 0, waiters: [] };
      this.containers.set(req.id, c);
      return { pid: c.pid };
    },
    start: async (req) => {
      const c = this.get(req.id, req.execId);
      if (c.status !== 'created') throw new FailedPreconditionError(`container "${req.id}" is ${c.status}: only a created container can be started`);
      c.status = 'running';
      return { pid: c.pid };
    },
    delete: async (req) => {
      const c = this.get(req.id, req.execId);
      if (c.status === 'running') throw new FailedPreconditionError(`container "${req.id}" is running: kill it before delete`);
      this.containers.delete(req.id);
      return { pid: c.pid, exitStatus: c.exitStatus, exitedAt: timestampFromNanos(1_700_000_000_000_000_000n) };
    },
    pids: async (req) => {
      const c = this.get(req.id);
      return { processes: c.status === 'stopped' ? [] : [{ pid: c.pid, info: undefined }] };
    },
    pause: async (req) => {
      const c = this.get(req.id);
      if (c.status === 'stopped') throw new FailedPreconditionError(`cannot pause container "${req.id}": it has stopped`);
      return {};
    },
    resume: async (req) => {
      const c = this.get(req.id);
      if (c.status === 'stopped') throw new FailedPreconditionError(`cannot resume container "${req.id}": it has stopped`);
      return {};
    },
    checkpoint: async (req) => {
      this.get(req.id);
      if (!isEmptyAny(req.options)) unpackCheckpointOptions(req.options);
      throw new UnimplementedError('Checkpoint is not implemented yet');
    },
    kill: async (req) => {
      const c = this.get(req.id, req.execId);
      if (req.signal <= 0 || req.signal > 64) throw new InvalidArgumentError(`signal ${req.signal}: must be between 1 and 64`);
      if (c.status === 'stopped' && !req.all) throw new NotFoundError(`container "${req.id}": process already finished`);
      c.status = 'stopped';
      c.exitStatus = 128 + req.signal;
      for (const w of c.waiters.splice(0)) w();
      return {};
    },
    exec: async (req) => {
      this.get(req.id);
      if (req.execId === '') throw new InvalidArgumentError('exec_id: must not be empty');
      validateProcessSpec(unpackJson(req.spec, 'spec'));
      throw new UnimplementedError('Exec is not implemented yet');
    },
    resizePty: async (req) => {
      this.get(req.id, req.execId);
      throw new UnimplementedError('ResizePty is not implemented yet');
    },
    closeIO: async (req) => {
      this.get(req.id, req.execId);
      return {};
    },
    update: async (req) => {
      const c = this.get(req.id);
      decodeUpdateResources(req.resources);
      if (c.status === 'stopped') throw new FailedPreconditionError(`cannot update container "${req.id}": it has stopped`);
      return {};
    },
    wait: async (req, ctx: CallContext) => {
      const c = this.get(req.id, req.execId);
      if (c.status !== 'stopped') {
        await new Promise<void>((resolve, reject) => {
          const onAbort = (): void => reject(ctx.signal.reason as Error);
          if (ctx.signal.aborted) return onAbort();
          ctx.signal.addEventListener('abort', onAbort, { once: true });
          c.waiters.push(() => {
            ctx.signal.removeEventListener('abort', onAbort);
            resolve();
          });
        });
      }
      return { exitStatus: c.exitStatus, exitedAt: timestampFromNanos(1_700_000_000_000_000_000n) };
    },
    stats: async (req) => {
      this.get(req.id);
      // The model has no cgroup (as a container without one in the shim).
      throw new FailedPreconditionError(`container "${req.id}" has no cgroup to read statistics from`);
    },
    connect: async (req) => {
      const c = this.get(req.id);
      return { shimPid: process.pid, taskPid: c.pid, version: '3' };
    },
    shutdown: async (req) => {
      requireId(req.id);
      return {};
    },
  };
}
