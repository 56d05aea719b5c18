//! createContainer / loadContainer / listContainers: the entry points of the container library.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { AlreadyExistsError, InvalidArgumentError } from '../errors';
import type { Spec } from '../runtime/spec';
import { ContainerImpl, type ContainerContext, notExist, OCI_VERSION } from './container';
import type { CgroupHandle, ContainerDeps, SpawnedInit } from './deps';
import { CREATE_PHASES, type HookSpawner, planHooks, runHooks } from './hooks';
import { RECORD_VERSION, type ContainerRecord } from './record';
import { containerResources } from './resources';
import { checkId, containerDir, ensureRoot, fifoPath, listIds, readRecord, removeContainerDir, withLock, writeRecord, writingState } from './store';
import { sleep, within } from './timing';
import type { Container, CreateOptions, OciState } from './types';

/** Test seams: replace the composed modules and the hook spawner. */
export interface LibraryOverrides {
  readonly deps?: ContainerDeps;
  readonly hookSpawner?: HookSpawner;
}

let realDeps: ContainerDeps | undefined;
function loadRealDeps(): ContainerDeps {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  realDeps ??= (require('./real-deps') as typeof import('./real-deps')).makeRealDeps();
  return realDeps;
}

/** The real modules, loaded on first use: `state`/`list` never need koffi or the native library. */
const lazyDeps: ContainerDeps = {
  loadSpec: (bundle) => loadRealDeps().loadSpec(bundle),
  openCgroup: (spec, id, systemd) => loadRealDeps().openCgroup(spec, id, systemd),
  reopenCgroup: (p, systemd, base) => loadRealDeps().reopenCgroup(p, systemd, base),
  cgroupBase: () => loadRealDeps().cgroupBase(),
  spawn: (req) => loadRealDeps().spawn(req),
  mkfifo: (p) => loadRealDeps().mkfifo(p),
  releaseFifo: (p) => loadRealDeps().releaseFifo(p),
  killPid: (pid, signal, startTime) => loadRealDeps().killPid(pid, signal, startTime),
  runInContainer: (req) => loadRealDeps().runInContainer!(req),
  dump: (req) => loadRealDeps().dump!(req),
  restore: (req) => loadRealDeps().restore!(req),
};

export function defaultDeps(): ContainerDeps {
  return lazyDeps;
}

/** RFC 3339 with nanoseconds, as runc prints `created`. */
export function rfc3339Nano(ms: number, extraNanos = 0): string {
  const iso = new Date(ms).toISOString(); // 2026-12-01T13:30:21.065Z
  const nanos = String((ms % 1000) * 1_000_000 + extraNanos).padStart(9, '0');
  return `${iso.slice(0, 19)}.${nanos}Z`;
}

export function nowRfc3339(): string {
  const ns = process.hrtime.bigint() % 1_000_000n;
  return rfc3339Nano(Date.now(), Number(ns));
}

export function writePidFile(file: string, pid: number): void {
  const abs = path.resolve(file);
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}`);
  fs.writeFileSync(tmp, String(pid), { mode: 0o644 });
  fs.renameSync(tmp, abs);
}

/**
 * Create a container from a bundle and leave it in `created`: namespaces and mounts set up, the
 * process placed in its cgroup and waiting at the start barrier; prestart, createRuntime and
 * createContainer hooks have run. Fails with AlreadyExistsError when `<root>/<id>` exists,
 * NotFoundError for a missing bundle/config.json, InvalidSpecError for a bad config.json; nothing
 * is left behind on failure (process killed, cgroup and state removed).
 */
export async function createContainer(options: CreateOptions, overrides: LibraryOverrides = {}): Promise<Container> {
  checkId(options.id);
  const deps = overrides.deps ?? defaultDeps();
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
    writingState(root, `the state directory of container "${options.id}"`, dir, () => fs.mkdirSync(dir, { mode: 0o711 }));
    let cgroup: CgroupHandle | undefined;
    let init: SpawnedInit | undefined;
    try {
      fs.chmodSync(dir, 0o711); // whatever our umask: a non-root init reaches its exec FIFO through here
      const fifo = options.startMode === 'fifo' ? fifoPath(root, options.id) : undefined;
      if (fifo) writingState(root, `the start FIFO of container "${options.id}"`, fifo, () => deps.mkfifo(fifo));
      cgroup = deps.openCgroup(spec, options.id, options.systemdCgroup ?? false);
      await cgroup.create(containerResources(spec));
      const created = nowRfc3339();
      const owner = os.userInfo().username === 'root' ? '' : os.userInfo().username;
      const hasCreateHooks = CREATE_PHASES.some((phase) => planHooks(spec, phase).length > 0);
      const cg = cgroup;
      const runCreateHooks = async (pid: number): Promise<void> => {
        const annotations = spec.annotations;
        const state: OciState = {
          ociVersion: OCI_VERSION, id: options.id, pid, status: 'creating', bundle, rootfs, created, owner,
          ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
        };
        for (const phase of CREATE_PHASES) {
          const invocations = planHooks(spec, phase);
          if (invocations.length === 0) continue;
          await runHooks(invocations, state, { spawner: createHookSpawner(ctx, invocations[0]!.namespace, spec, options.id, pid, cg), logger: ctx.logger });
        }
      };
      init = await deps.spawn({
        id: options.id,
        spec,
        rootfs,
        bundle,
        stdio: options.stdio,
        extraFds: options.extraFds ?? [],
        start: fifo ? { kind: 'fifo', path: fifo } : { kind: 'pipe' },
        noPivot: options.noPivot ?? false,
        cgroup,
        // the create hooks run while init waits before pivot_root (runtime-spec: createContainer
        // runs in the container's namespaces, after the mounts, before pivot_root)
        ...(hasCreateHooks ? { onBeforePivot: runCreateHooks } : {}),
      });
      const record: ContainerRecord = {
        version: RECORD_VERSION,
        id: options.id,
        bundle,
        rootfs,
        pid: init.pid,
        pidStartTime: init.startTime,
        created,
        owner,
        startMode: options.startMode,
        ...(fifo ? { fifo } : {}),
        started: false,
        cgroupPath: cgroup.path,
        // A relative path (e.g. CRI's "slice:prefix:id" with the cgroupfs driver) means below this
        // process's cgroups: record them so any later process finds the same directories.
        ...(cgroup.path.startsWith('/') ? {} : { cgroupBase: deps.cgroupBase() }),
        systemdCgroup: options.systemdCgroup ?? false,
        spec,
      };
      writeRecord(root, record);
      const container = new ContainerImpl(ctx, record, init, cgroup);
      const pidFile = options.pidFile;
      if (pidFile) writingState(root, `the pid file of container "${options.id}"`, path.resolve(pidFile), () => writePidFile(pidFile, init!.pid));
      return container;
    } catch (err) {
      await cleanupFailedCreate(root, options.id, init, cgroup);
      throw err;
    }
  });
}

/** Who runs a create hook: the test override, else container-namespace hooks (createContainer) in
 *  the paused init's namespaces through runInContainer, else the default host spawner. */
function createHookSpawner(
  ctx: ContainerContext, namespace: 'runtime' | 'container', spec: Spec, id: string, initPid: number, cgroup: CgroupHandle,
): HookSpawner | undefined {
  const run = ctx.deps.runInContainer;
  if (ctx.hookSpawner || namespace !== 'container' || !run) return ctx.hookSpawner;
  return (invocation, stdin) => run.call(ctx.deps, { id, spec, initPid, cgroup, invocation, stdin });
}

export async function cleanupFailedCreate(root: string, id: string, init: SpawnedInit | undefined, cgroup: CgroupHandle | undefined): Promise<void> {
  try {
    if (init) {
      init.kill(9);
      await within(init.exited, 10_000);
      init.detach();
    }
    if (cgroup) {
      await cgroup.killAll(9).catch(() => {});
      const deadline = Date.now() + 5_000;
      for (;;) {
        try {
          await cgroup.destroy();
          break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await sleep(10);
        }
      }
    }
  } finally {
    removeContainerDir(root, id);
  }
}

/**
 * Remove what an interrupted create left under `<root>/<id>` (a directory without state.json):
 * `delete --force` of such an id then succeeds instead of reporting "does not exist" forever.
 * Returns whether anything was removed.
 */
export function removeIncompleteContainer(root: string, id: string): boolean {
  checkId(id);
  const absRoot = path.resolve(root);
  const dir = containerDir(absRoot, id);
  if (!fs.existsSync(dir) || readRecord(absRoot, id)) return false;
  removeContainerDir(absRoot, id);
  return true;
}

/** Open an existing container's persisted state. NotFoundError: `container "<id>" does not exist`. */
export async function loadContainer(root: string, id: string, overrides: LibraryOverrides = {}): Promise<Container> {
  checkId(id);
  const absRoot = path.resolve(root);
  const record = readRecord(absRoot, id);
  if (!record) throw notExist(id);
  const deps = overrides.deps ?? defaultDeps();
  return new ContainerImpl({ root: absRoot, deps, hookSpawner: overrides.hookSpawner }, record);
}

/** Every container under `root`, sorted by id (a missing root is an empty list). */
export async function listContainers(root: string, overrides: LibraryOverrides = {}): Promise<Container[]> {
  const absRoot = path.resolve(root);
  const out: Container[] = [];
  for (const id of listIds(absRoot)) {
    try {
      out.push(await loadContainer(absRoot, id, overrides));
    } catch {
      // deleted between listing and reading
    }
  }
  return out;
}
