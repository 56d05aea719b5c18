//! Create with a checkpoint, as io.containerd.runc.v2 does it: Create only records what to restore
//! (the task is CREATED with pid 0) and Start runs the restore. DeferredRestore stands in for the
//! container until then and forwards to the restored one afterwards; a Kill/Delete before Start
//! ends it without restoring anything.

import type { CheckpointOptions } from '../checkpoint/types';
import type { Container, ContainerStatus, DeleteOptions, ExitInfo, KillOptions, OciState } from '../container';
import { FailedPreconditionError } from '../errors';
import type { CgroupManager } from '../cgroups';
import type { LinuxResources, Spec } from '../runtime/spec';
import { parseSignal } from '../container';

export class DeferredRestore implements Container {
  private real: Container | undefined;
  private ended = false;
  readonly exited: Promise<ExitInfo>;
  private resolveExit!: (exit: ExitInfo) => void;

  constructor(
    readonly id: string,
    readonly bundle: string,
    readonly root: string,
    readonly spec: Spec,
    private readonly restore: () => Promise<Container>,
  ) {
    this.exited = new Promise((resolve) => {
      this.resolveExit = resolve;
    });
  }

  get pid(): number {
    return this.real?.pid ?? 0;
  }

  private live(what: string): Container {
    if (this.real) return this.real;
    throw new FailedPreconditionError(`container "${this.id}" is restored from its checkpoint only at Start: cannot ${what} before`);
  }

  async start(): Promise<void> {
    if (this.real || this.ended) throw new FailedPreconditionError(`container "${this.id}": already ${this.ended ? 'stopped' : 'started'}`);
    const real = await this.restore();
    this.real = real;
    void real.exited?.then((e) => this.resolveExit(e));
  }

  state(): OciState {
    if (this.real) return this.real.state();
    return { ociVersion: '1.3.0', id: this.id, status: this.status(), pid: 0, bundle: this.bundle, rootfs: '', created: '', owner: '' };
  }

  status(): ContainerStatus {
    if (this.real) return this.real.status();
    return this.ended ? 'stopped' : 'created';
  }

  async kill(signal: number | string, options?: KillOptions): Promise<void> {
    if (this.real) return this.real.kill(signal, options);
    if (this.ended) return;
    // Nothing runs yet: any fatal signal ends the task as a signal would have ended its process.
    const signo = parseSignal(signal);
    this.ended = true;
    this.resolveExit({ status: 128 + signo, signal: signo, exitedAt: new Date() });
  }

  async pids(): Promise<number[]> {
    return this.real ? this.real.pids() : [];
  }
  pause(): Promise<void> {
    return this.live('pause').pause();
  }
  resume(): Promise<void> {
    return this.live('resume').resume();
  }
  update(resources: LinuxResources): Promise<void> {
    return this.live('update').update(resources);
  }
  checkpoint(options: CheckpointOptions): Promise<void> {
    return this.live('checkpoint').checkpoint(options);
  }
  async delete(options?: DeleteOptions): Promise<void> {
    if (this.real) await this.real.delete(options);
  }
  cgroup(): CgroupManager | undefined {
    return this.real?.cgroup();
  }
  detach(): void {
    this.real?.detach();
  }
}
