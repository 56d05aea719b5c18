//! Pure derivation of the OCI status from what can be observed about a container.

import type { ContainerStatus } from './types';

export interface Observation {
  /** Process exists, is ours (start time matches) and is not a zombie. */
  readonly alive: boolean;
  /** The start barrier was released (persisted `started`). */
  readonly started: boolean;
  /** The cgroup freezer reports frozen. */
  readonly frozen: boolean;
}

export function deriveStatus(o: Observation): ContainerStatus {
  if (!o.alive) return 'stopped';
  if (o.frozen) return 'paused';
  return o.started ? 'running' : 'created';
}

/** runc's legality table: which operations each status admits. */
export const allowed = {
  start: (s: ContainerStatus): boolean => s === 'created',
  kill: (s: ContainerStatus): boolean => s === 'created' || s === 'running' || s === 'paused',
  pause: (s: ContainerStatus): boolean => s === 'running' || s === 'created',
  resume: (s: ContainerStatus): boolean => s === 'paused',
  deleteWithoutForce: (s: ContainerStatus): boolean => s === 'stopped' || s === 'created',
};
