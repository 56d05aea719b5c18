//! OOM watchers. v1: eventfd on memory.oom_control when an eventfd function is injected, else a poll
//! of memory.oom_control's oom_kill counter. v2: fs.watch on memory.events (kernfs sends inotify
//! events when it changes) and its oom_kill counter. Both offer check() so the shim can flush
//! pending OOMs before it reports a process exit.

import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { registerOomEventfd, type OomEventfd } from './eventfd';
import { exists, parseFlatKeyed, readOptional } from './files';
import type { CgroupLogger, EventfdFn, OomWatcher } from './types';

class CounterWatcher extends EventEmitter implements OomWatcher {
  private last = 0n;
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private closed = false;
  private checking: Promise<number> | undefined;

  constructor(
    private readonly dir: string,
    private readonly file: string,
    private readonly key: string,
  ) {
    super();
  }

  async start(pollMs: number, useWatch: boolean, logger?: CgroupLogger): Promise<void> {
    this.last = await this.read();
    if (useWatch) {
      try {
        this.watcher = watch(join(this.dir, this.file), { persistent: false }, () => void this.check().catch(() => undefined));
        this.watcher.on('error', () => this.startPolling(pollMs));
        return;
      } catch (err) {
        logger?.warn({ err, file: join(this.dir, this.file) }, 'cgroup OOM watch: inotify failed, polling instead');
      }
    }
    this.startPolling(pollMs);
  }

  private startPolling(pollMs: number): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => void this.check().catch(() => undefined), pollMs);
    this.timer.unref();
  }

  private async read(): Promise<bigint> {
    return parseFlatKeyed(await readOptional(this.dir, this.file)).get(this.key) ?? 0n;
  }

  check(): Promise<number> {
    if (this.closed) return Promise.resolve(0);
    // Serialize: two overlapping checks must not report the same kill twice.
    const run = async () => {
      const now = await this.read();
      const n = now > this.last ? Number(now - this.last) : 0;
      if (now > this.last) this.last = now;
      if (n > 0 && !this.closed) this.emit('oom', { count: n });
      return n;
    };
    const next = (this.checking ?? Promise.resolve(0)).then(run, run);
    this.checking = next;
    return next;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.watcher?.close();
  }
}

class EventfdWatcher extends EventEmitter implements OomWatcher {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly memDir: string,
    private readonly efd: OomEventfd,
    pollMs: number,
  ) {
    super();
    // Node cannot put an eventfd into its event loop, so a cheap non-blocking read runs on a timer.
    this.timer = setInterval(() => void this.check().catch((err) => this.emit('error', err)), pollMs);
    this.timer.unref();
  }

  async check(): Promise<number> {
    if (this.closed) return 0;
    const n = this.efd.drain();
    if (n === 0) return 0;
    // The kernel also signals the eventfd when the cgroup is removed: that is not an OOM.
    if (!(await exists(join(this.memDir, 'memory.oom_control')))) {
      this.close();
      return 0;
    }
    this.emit('oom', { count: n });
    return n;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.efd.close();
  }
}

export async function watchOomV1(memDir: string, opts: { eventfd?: EventfdFn; pollMs: number; logger?: CgroupLogger }): Promise<OomWatcher> {
  if (opts.eventfd) {
    const efd = await registerOomEventfd(memDir, opts.eventfd);
    return new EventfdWatcher(memDir, efd, opts.pollMs);
  }
  const w = new CounterWatcher(memDir, 'memory.oom_control', 'oom_kill');
  await w.start(opts.pollMs, false, opts.logger);
  return w;
}

export async function watchOomV2(dir: string, opts: { pollMs: number; logger?: CgroupLogger }): Promise<OomWatcher> {
  const w = new CounterWatcher(dir, 'memory.events', 'oom_kill');
  await w.start(opts.pollMs, true, opts.logger);
  return w;
}
