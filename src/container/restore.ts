//! restoreContainer: a container brought back from a CRIU checkpoint instead of created: same
//! state directory, record and cgroup as createContainer, but the process tree comes from the
//! images (criu restore, detached, as a child of this process) and is running at once (no start
//! barrier; create/start hooks do not run again, as with runc restore).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { RestoreOptions } from '../checkpoint/types';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, UnimplementedError } from '../errors';
import { ContainerImpl, type ContainerContext } from './container';
import type { CgroupHandle, SpawnedInit } from './deps';
import { cleanupFailedCreate, defaultDeps, type LibraryOverrides, nowRfc3339, writePidFile } from './lifecycle';
import { readProcStat } from './proc';
import { RECORD_VERSION, type ContainerRecord } from './record';
import { containerResources } from './resources';
import { checkId, containerDir, ensureRoot, withLock, writeRecord } from './store';
import type { Container, CreateOptions } from './types';

export interface RestoreContainerOptions extends Omit<CreateOptions, 'startMode' | 'extraFds' | 'noPivot'> {
  readonly checkpoint: RestoreOptions;
}

/**
 * Restore a checkpoint (options.checkpoint.imagePath) as container `id` from `bundle`, running.
 * AlreadyExists for a used id; NotFound/InvalidArgument for a missing or empty image directory;
 * FailedPrecondition when criu is missing; CriuError quoting criu's log when it fails. Nothing is
 * left behind on failure (restored processes killed, cgroup and state removed).
 */
export async function restoreContainer(options: RestoreContainerOptions, overrides: LibraryOverrides = {}): Promise<Container> {
  checkId(options.id);
  const deps = overrides.deps ?? defaultDeps();
  const restore = deps.restore;
  if (!restore) throw new UnimplementedError('restore: this build has no CRIU support wired in');
  const root = path.resolve(options.root);
  const ctx: ContainerContext = { root, deps, logger: options.logger, hookSpawner: overrides.hookSpawner };
  ensureRoot(root);
  return withLock(root, options.id, async () => {
    const dir = containerDir(root, options.id);
    if (fs.existsSync(dir)) throw new AlreadyExistsError(`container with given ID already exists: ${options.id}`);
    const bundle = path.resolve(options.bundle);
    const spec = options.spec ?? (await deps.loadSpec(bundle));
    if (!spec.root?.path) throw new InvalidArgumentError('config.json: root.path: must name the rootfs directory');
    const rootfs = path.resolve(bundle, spec.root.path);
    fs.mkdirSync(dir, { mode: 0o711 });
    let cgroup: CgroupHandle | undefined;
    let init: SpawnedInit | undefined;
    try {
      cgroup = deps.openCgroup(spec, options.id, options.systemdCgroup ?? false);
      await cgroup.create(containerResources(spec));
      const restored = await restore.call(deps, {
        id: options.id, spec, bundle, rootfs, stateDir: dir, cgroup, options: options.checkpoint,
        stdio: [options.stdio.stdin, options.stdio.stdout, options.stdio.stderr],
      });
      const stat = readProcStat(restored.pid);
      init = {
        pid: restored.pid,
        startTime: stat?.startTime ?? '0',
        exited: restored.exited.then((s) => ({ status: s.status, ...(s.signal !== undefined ? { signal: s.signal } : {}), exitedAt: new Date() })),
        start: () => Promise.resolve(),
        kill: (signal) => restored.kill(signal),
        detach: () => restored.detach(),
      };
      if (!stat) throw new FailedPreconditionError(`container ${options.id}: the restored init ${restored.pid} exited right after criu restored it`);
      const record: ContainerRecord = {
        version: RECORD_VERSION,
        id: options.id,
        bundle,
        rootfs,
        pid: init.pid,
        pidStartTime: init.startTime,
        created: nowRfc3339(),
        owner: os.userInfo().username === 'root' ? '' : os.userInfo().username,
        startMode: 'pipe',
        started: true,
        cgroupPath: cgroup.path,
        ...(cgroup.path.startsWith('/') ? {} : { cgroupBase: deps.cgroupBase() }),
        systemdCgroup: options.systemdCgroup ?? false,
        spec,
      };
      writeRecord(root, record);
      if (options.pidFile) writePidFile(options.pidFile, init.pid);
      return new ContainerImpl(ctx, record, init, cgroup);
    } catch (err) {
      await cleanupFailedCreate(root, options.id, init, cgroup);
      throw err;
    }
  });
}
