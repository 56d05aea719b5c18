//! The Container handle: every verb re-reads the persisted record under the container's lock, derives
//! the status from the live process, acts, and writes the record back atomically.

import * as fs from 'node:fs';
import * as path from 'node:path';

import type { CheckpointOptions } from '../checkpoint/types';
import { FailedPreconditionError, NotFoundError, UnimplementedError } from '../errors';
import type { LinuxResources, Spec } from '../runtime/spec';
import type { CgroupHandle, ContainerDeps, SpawnedInit } from './deps';
import { DELETE_PHASES, type HookSpawner, planHooks, runHooks, START_PHASES_AFTER, START_PHASES_BEFORE } from './hooks';
import { isSameLiveProcess, readProcStat } from './proc';
import type { ContainerRecord } from './record';
import { parseSignal } from './signals';
import { allowed, deriveStatus } from './status';
import { sleep, within } from './timing';
import { readRecord, removeContainerDir, withLock, writeRecord } from './store';
import { dropUnchanged, mergeResources, specWithResources, updateWrites } from './update';
import type {
  Container,
  ContainerLogger,
  ContainerStatus,
  DeleteOptions,
  ExitInfo,
  KillOptions,
  OciState,
} from './types';

export const OCI_VERSION = '1.3.0';
const SIGKILL = 9;

export interface ContainerContext {
  readonly root: string;
  readonly deps: ContainerDeps;
  readonly logger?: ContainerLogger;
  readonly hookSpawner?: HookSpawner;
}

export function notExist(id: string): NotFoundError {
  return new NotFoundError(`container "${id}" does not exist`);
}


export class ContainerImpl implements Container {
  private record: ContainerRecord;
  private cgroupHandle: CgroupHandle | undefined;
  private exitInfo: ExitInfo | undefined;
  readonly exited: Promise<ExitInfo> | undefined;

  constructor(
    private readonly ctx: ContainerContext,
    record: ContainerRecord,
    private readonly init?: SpawnedInit,
    cgroup?: CgroupHandle,
  ) {
    this.record = record;
    this.cgroupHandle = cgroup;
    if (init) {
      this.exited = init.exited.then((info) => {
        this.exitInfo = info;
        return info;
      });
    }
  }

  get id(): string {
    return this.record.id;
  }
  get bundle(): string {
    return this.record.bundle;
  }
  get root(): string {
    return this.ctx.root;
  }
  get spec(): Spec {
    return this.record.spec;
  }
  get pid(): number {
    return this.record.pid;
  }
  /** The persisted record as last read or written (tests and the CLI's list). */
  get persisted(): ContainerRecord {
    return this.record;
  }

  cgroup(): CgroupHandle | undefined {
    if (!this.cgroupHandle && this.record.cgroupPath !== undefined) {
      this.cgroupHandle = this.ctx.deps.reopenCgroup(this.record.cgroupPath, this.record.systemdCgroup, this.record.cgroupBase);
    }
    return this.cgroupHandle;
  }

  /** Re-read the record (another process may have started, paused or deleted the container). */
  private refresh(): void {
    const fresh = readRecord(this.ctx.root, this.record.id);
    if (!fresh) throw notExist(this.record.id);
    this.record = fresh;
  }

  private save(patch: Partial<ContainerRecord>): void {
    this.record = { ...this.record, ...patch };
    writeRecord(this.ctx.root, this.record);
  }

  private alive(): boolean {
    if (this.exitInfo) return false;
    return isSameLiveProcess(readProcStat(this.record.pid), this.record.pidStartTime);
  }

  status(): ContainerStatus {
    return deriveStatus({ alive: this.alive(), started: this.record.started, frozen: this.record.paused === true });
  }

  state(): OciState {
    return this.stateWith(this.status());
  }

  private stateWith(status: ContainerStatus): OciState {
    const r = this.record;
    const annotations = r.spec.annotations;
    return {
      ociVersion: OCI_VERSION,
      id: r.id,
      pid: status === 'stopped' ? 0 : r.pid,
      status,
      bundle: r.bundle,
      rootfs: r.rootfs,
      created: r.created,
      owner: r.owner,
      ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
    };
  }

  private async hooks(phases: readonly string[], status: ContainerStatus): Promise<void> {
    for (const phase of phases) {
      const invocations = planHooks(this.record.spec, phase as never);
      if (invocations.length === 0) continue;
      await runHooks(invocations, this.stateWith(status), { spawner: this.spawnerFor(invocations[0]!.namespace), logger: this.ctx.logger });
    }
  }

  /** Container-namespace hooks (startContainer) run inside the container when the deps can do it. */
  private spawnerFor(namespace: 'runtime' | 'container'): HookSpawner | undefined {
    const run = this.ctx.deps.runInContainer;
    if (this.ctx.hookSpawner || namespace !== 'container' || !run) return this.ctx.hookSpawner;
    return (invocation, stdin) =>
      run.call(this.ctx.deps, { id: this.id, spec: this.record.spec, initPid: this.record.pid, cgroup: this.cgroup(), invocation, stdin });
  }

  async start(): Promise<void> {
    await withLock(this.ctx.root, this.id, async () => {
      this.refresh();
      const status = this.status();
      if (!allowed.start(status)) {
        throw new FailedPreconditionError(
          status === 'stopped' ? 'cannot start a container that has stopped' : `cannot start an already ${status} container`,
        );
      }
      try {
        // startContainer hooks run before the user program; see hooks.ts for where they run.
        await this.hooks(START_PHASES_BEFORE, 'created');
      } catch (err) {
        await this.destroy(true);
        throw err;
      }
      if (this.record.startMode === 'fifo') {
        if (!this.record.fifo) throw new FailedPreconditionError(`container "${this.id}": exec FIFO missing from state`);
        await this.ctx.deps.releaseFifo(this.record.fifo);
        fs.rmSync(this.record.fifo, { force: true });
      } else {
        if (!this.init) {
          throw new FailedPreconditionError(`container "${this.id}" was created in-process (pipe barrier): only its creator can start it`);
        }
        await this.init.start();
      }
      this.save({ started: true, fifo: undefined });
      await this.hooks(START_PHASES_AFTER, 'running');
    });
  }

  async kill(signal: number | string, options: KillOptions = {}): Promise<void> {
    const signo = parseSignal(signal);
    await withLock(this.ctx.root, this.id, async () => {
      this.refresh();
      const status = this.status();
      if (!allowed.kill(status) && !options.all) throw new FailedPreconditionError('container not running');
      if (options.all) {
        const cg = this.cgroup();
        if (cg) await cg.killAll(signo);
        else if (status !== 'stopped') this.signalInit(signo);
        if (status === 'paused' && signo === SIGKILL) await this.thawAfterKill();
        return;
      }
      this.signalInit(signo);
      // Frozen processes die only once thawed: SIGKILL of a paused container thaws it (as runc).
      if (status === 'paused' && signo === SIGKILL) await this.thawAfterKill();
    });
  }

  private async thawAfterKill(): Promise<void> {
    await this.cgroup()?.thaw();
    this.save({ paused: false });
  }

  private signalInit(signo: number): void {
    if (this.init) this.init.kill(signo);
    else if (this.alive()) this.ctx.deps.killPid(this.record.pid, signo, this.record.pidStartTime);
  }

  async pids(): Promise<number[]> {
    this.refresh();
    const cg = this.cgroup();
    if (!cg) return this.alive() ? [this.record.pid] : [];
    return (await cg.pids()).sort((a, b) => a - b);
  }

  async pause(): Promise<void> {
    await withLock(this.ctx.root, this.id, async () => {
      this.refresh();
      const status = this.status();
      if (!allowed.pause(status)) throw new FailedPreconditionError(`container not running or created: ${status}`);
      const cg = this.cgroup();
      if (!cg) throw new FailedPreconditionError(`container "${this.id}" has no cgroup to freeze`);
      await cg.freeze();
      this.save({ paused: true });
    });
  }

  async resume(): Promise<void> {
    await withLock(this.ctx.root, this.id, async () => {
      this.refresh();
      const status = this.status();
      if (!allowed.resume(status)) throw new FailedPreconditionError('container not paused');
      await this.cgroup()?.thaw();
      this.save({ paused: false });
    });
  }

  async update(resources: LinuxResources): Promise<void> {
    await withLock(this.ctx.root, this.id, async () => {
      this.refresh();
      if (this.status() === 'stopped') throw new FailedPreconditionError('cannot update a stopped container');
      const cg = this.cgroup();
      if (!cg) throw new FailedPreconditionError(`container "${this.id}" has no cgroup to update`);
      const patch = dropUnchanged(resources);
      await cg.update(updateWrites(patch));
      // Persisted so `state`, later updates and the shim see the container's current limits.
      this.save({ spec: specWithResources(this.record.spec, mergeResources(this.record.spec.linux?.resources, patch)) });
    });
  }

  async checkpoint(options: CheckpointOptions): Promise<void> {
    await withLock(this.ctx.root, this.id, async () => {
      this.refresh();
      const status = this.status();
      if (status !== 'running' && status !== 'paused') {
        throw new FailedPreconditionError(`cannot checkpoint container "${this.id}": it is ${status}; only a running or paused container can be checkpointed`);
      }
      const dump = this.ctx.deps.dump;
      if (!dump) throw new UnimplementedError('checkpoint: this build has no CRIU support wired in');
      await dump.call(this.ctx.deps, {
        id: this.id, spec: this.record.spec, pid: this.record.pid, rootfs: this.record.rootfs, cgroup: this.cgroup(), options,
      });
    });
  }

  async delete(options: DeleteOptions = {}): Promise<void> {
    await withLock(this.ctx.root, this.id, async () => {
      const fresh = readRecord(this.ctx.root, this.id);
      if (!fresh) return; // already deleted: idempotent
      this.record = fresh;
      const status = this.status();
      if (!options.force && !allowed.deleteWithoutForce(status)) {
        throw new FailedPreconditionError(`cannot delete container ${this.id} that is not stopped: ${status}`);
      }
      await this.destroy(status !== 'stopped');
    });
  }

  /** Kill (if asked), wait for death, remove the cgroup, run poststop hooks, remove the state. Caller holds the lock. */
  async destroy(kill: boolean): Promise<void> {
    const cg = this.cgroup();
    if (kill) {
      if (cg) await cg.killAll(SIGKILL).catch((err: unknown) => this.ctx.logger?.warn({ err: String(err) }, 'kill --all failed'));
      this.signalInit(SIGKILL);
      await this.waitDead(10_000);
    }
    if (cg) {
      await this.destroyCgroup(cg);
      if (!this.record.spec.linux?.cgroupsPath) removeLegacyDefaultParent(this.record.cgroupPath, cg.dirs.values());
    }
    await this.hooks(DELETE_PHASES, 'stopped');
    removeContainerDir(this.ctx.root, this.id);
    this.init?.detach();
  }

  private async waitDead(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    if (this.init && this.exited) {
      await within(this.exited, timeoutMs);
      return;
    }
    while (this.alive() && Date.now() < deadline) await sleep(5);
  }

  private async destroyCgroup(cg: CgroupHandle): Promise<void> {
    // Processes that were just killed may take a moment to leave the cgroup (EBUSY on rmdir).
    const deadline = Date.now() + 5_000;
    for (;;) {
      try {
        await cg.destroy();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(10);
      }
    }
  }

  detach(): void {
    this.init?.detach();
  }
}

/**
 * Containers created by tsrun before an empty cgroupsPath meant "<id> below our own cgroup" (as
 * with runc) live in /tsrun/<id>; deleting the last of them also removes the then empty /tsrun
 * (rmdir only: a parent still holding a container stays).
 */
export function removeLegacyDefaultParent(cgroupPath: string | undefined, dirs: Iterable<string>): void {
  if (cgroupPath === undefined || !/^\/tsrun\/[^/]+$/.test(cgroupPath)) return;
  for (const dir of dirs) {
    const parent = path.dirname(dir);
    if (path.basename(parent) !== 'tsrun') continue;
    try {
      fs.rmdirSync(parent);
    } catch {
      // not empty (another container), busy or gone: leave it
    }
  }
}
