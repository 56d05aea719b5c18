// Fakes for the task service's ports: a container whose init "exits" when killed or when a test
// says so, an IO that records calls, a rootfs mounter that records mounts, and an event recorder.
import type { Container, ContainerStatus, CreateOptions, ExitInfo, KillOptions } from '../../src/container';
import type { Spec } from '../../src/runtime/spec';
import type { ProcessIO, RootfsMounter } from '../../src/shim/ports';
import type { TaskEvent, TaskEventSink } from '../../src/shim/task-events';

export class FakeContainer implements Container {
  spec: Spec = { ociVersion: '1.0.2', linux: { namespaces: [{ type: 'pid' }] } };
  readonly exited: Promise<ExitInfo>;
  started = false;
  paused = false;
  deleted = false;
  kills: Array<{ signal: number | string; all: boolean }> = [];
  pidList: number[];
  startGate: Promise<void> = Promise.resolve();
  private resolveExit!: (e: ExitInfo) => void;

  constructor(readonly id: string, readonly bundle: string, readonly root: string, readonly pid: number) {
    this.exited = new Promise((r) => (this.resolveExit = r));
    this.pidList = [pid];
  }

  exit(status: number): void {
    this.resolveExit({ status, exitedAt: new Date(1_700_000_000_123) });
  }

  async start(): Promise<void> {
    await this.startGate;
    this.started = true;
  }
  state(): never {
    throw new Error('not used');
  }
  status(): ContainerStatus {
    return this.paused ? 'paused' : this.started ? 'running' : 'created';
  }
  async kill(signal: number | string, options?: KillOptions): Promise<void> {
    this.kills.push({ signal, all: options?.all ?? false });
    if (signal === 9 || signal === 15) this.exit(128 + Number(signal));
  }
  async pids(): Promise<number[]> {
    return this.pidList;
  }
  async pause(): Promise<void> {
    this.paused = true;
  }
  async resume(): Promise<void> {
    this.paused = false;
  }
  async update(): Promise<void> {}
  checkpoints: unknown[] = [];
  async checkpoint(options: unknown): Promise<void> {
    this.checkpoints.push(options);
  }
  async delete(): Promise<void> {
    this.deleted = true;
  }
  cgroup(): undefined {
    return undefined;
  }
  detach(): void {}
}

export class FakeIO implements ProcessIO {
  readonly fds = { stdin: 100, stdout: 101, stderr: 102 };
  released = false;
  stdinClosed = false;
  drained = false;
  closed = false;
  releaseProcessEnds(): void {
    this.released = true;
  }
  closeStdin(): void {
    this.stdinClosed = true;
  }
  async drain(): Promise<void> {
    this.drained = true;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

export class FakeRootfs implements RootfsMounter {
  mounted = new Map<string, number>();
  failMount = false;
  async mount(bundle: string, mounts: readonly unknown[]): Promise<void> {
    if (this.failMount) throw new Error('mount overlay on rootfs: EINVAL');
    this.mounted.set(bundle, mounts.length);
  }
  async unmount(bundle: string): Promise<void> {
    this.mounted.delete(bundle);
  }
}

export class EventRecorder implements TaskEventSink {
  events: TaskEvent[] = [];
  emit(event: TaskEvent): void {
    this.events.push(event);
  }
  get topics(): string[] {
    return this.events.map((e) => e.topic);
  }
}

export function fakeFactory(): { create: (o: CreateOptions) => Promise<Container>; made: FakeContainer[]; fail?: Error } {
  const state: { create: (o: CreateOptions) => Promise<Container>; made: FakeContainer[]; fail?: Error } = {
    made: [],
    create: async (o) => {
      if (state.fail) throw state.fail;
      const c = new FakeContainer(o.id, o.bundle, o.root, 1000 + state.made.length);
      state.made.push(c);
      return c;
    },
  };
  return state;
}
