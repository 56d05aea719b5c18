//! Cgroup statistics of a container, for both front ends (the shim's Task.Stats, `tsrun events`).
//! The cgroup stays until Delete, so a stopped container still answers (OOM counts included).

import type { CgroupStats } from '../cgroups';
import { FailedPreconditionError } from '../errors';
import type { Container } from './types';

export async function containerStats(container: Pick<Container, 'id' | 'cgroup'>): Promise<CgroupStats> {
  const cg = container.cgroup();
  if (!cg) throw new FailedPreconditionError(`container "${container.id}" has no cgroup to read statistics from`);
  if (!(await cg.exists())) {
    throw new FailedPreconditionError(`container "${container.id}": its cgroup ${cg.path} is gone (deleted?); no statistics`);
  }
  return cg.stats();
}
