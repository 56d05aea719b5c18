//! TaskOOM source: the container library's cgroup manager watches memory.oom_control (v1, eventfd)
//! or memory.events (v2); each new OOM kill calls `onOom` once.

import type { Container } from '../container';
import type { WatchOomFn } from './ports';

export function cgroupOomWatcher(logger: { warn(obj: object, msg?: string): void }): WatchOomFn {
  return (container: Container, onOom: () => void) => {
    const cgroup = container.cgroup();
    if (cgroup === undefined) return undefined;
    let closed = false;
    const watching = cgroup.watchOom().then(
      (watcher) => {
        if (closed) {
          watcher.close();
          return undefined;
        }
        watcher.on('oom', onOom);
        watcher.on('error', (err: Error) => logger.warn({ id: container.id, err: err.message }, 'OOM watcher failed'));
        return watcher;
      },
      (err: Error) => {
        logger.warn({ id: container.id, err: err.message }, 'OOM watcher not available');
        return undefined;
      },
    );
    return {
      async check() {
        const watcher = await watching;
        await watcher?.check().catch(() => 0);
      },
      close() {
        closed = true;
        void watching.then((w) => w?.close());
      },
    };
  };
}
