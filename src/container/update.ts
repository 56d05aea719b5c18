//! runc update semantics (pure): the values an update names replace the container's current ones,
//! everything it leaves out keeps its value. Device rules are not updatable (runc ignores them too:
//! rewriting a v1 device list would briefly deny every device to a running container).

import type { LinuxResources, Spec } from '../runtime/spec';

function mergeObject<T extends object>(current: T | undefined, patch: T | undefined): T | undefined {
  if (patch === undefined) return current;
  return { ...(current ?? {}), ...patch } as T;
}

function withoutZeroes<T extends object>(o: T | undefined, keys: readonly string[]): T | undefined {
  if (o === undefined) return undefined;
  const kept = Object.fromEntries(
    Object.entries(o).filter(([k, v]) => !(keys.includes(k) && (v === 0 || v === 0n || v === ''))),
  ) as T;
  return Object.keys(kept).length > 0 ? kept : undefined;
}

/**
 * runc update semantics for zero values: a 0 (or "") limit means "leave unchanged", so that
 * `runc update -r` templates and containerd's full LinuxResources only change what they set.
 */
export function dropUnchanged(patch: LinuxResources): LinuxResources {
  const out: LinuxResources = {
    ...patch,
    memory: withoutZeroes(patch.memory, ['limit', 'reservation', 'swap', 'kernel', 'kernelTCP']),
    cpu: withoutZeroes(patch.cpu, ['shares', 'quota', 'burst', 'period', 'realtimeRuntime', 'realtimePeriod', 'cpus', 'mems']),
    blockIO: withoutZeroes(patch.blockIO, ['weight', 'leafWeight']),
    pids: withoutZeroes(patch.pids, ['limit']),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as LinuxResources;
}

/** The container's resources after applying `patch` (devices untouched). */
export function mergeResources(current: LinuxResources | undefined, patch: LinuxResources): LinuxResources {
  const cur = current ?? {};
  const merged: LinuxResources = {
    ...cur,
    memory: mergeObject(cur.memory, patch.memory),
    cpu: mergeObject(cur.cpu, patch.cpu),
    pids: mergeObject(cur.pids, patch.pids),
    blockIO: mergeObject(cur.blockIO, patch.blockIO),
    hugepageLimits: patch.hugepageLimits ?? cur.hugepageLimits,
    network: mergeObject(cur.network, patch.network),
    rdma: mergeObject(cur.rdma, patch.rdma),
    unified: mergeObject(cur.unified, patch.unified),
  };
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as LinuxResources;
}

/** What is written to the cgroup for an update: the patch without device rules. */
export function updateWrites(patch: LinuxResources): LinuxResources {
  const { devices: _devices, ...rest } = patch;
  return rest;
}

/** `spec` with linux.resources replaced. */
export function specWithResources(spec: Spec, resources: LinuxResources): Spec {
  return { ...spec, linux: { ...(spec.linux ?? {}), resources } };
}

/** True when the update sets nothing. */
export function isEmptyUpdate(patch: LinuxResources): boolean {
  return Object.keys(updateWrites(patch)).length === 0;
}
