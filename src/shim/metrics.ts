//! StatsResponse.stats from the container library's cgroup statistics: io.containerd.cgroups.v1.Metrics
//! on v1/hybrid hosts, io.containerd.cgroups.v2.Metrics on unified hosts (what runc's shim returns).

import type { CgroupStats } from '../cgroups';
import { Metrics as V1Metrics } from '../gen/cgroups/cgroup1/stats/metrics';
import { Metrics as V2Metrics } from '../gen/cgroups/cgroup2/stats/metrics';
import type { Any } from '../gen/google/protobuf/any';
import { packCgroupsV1Metrics, packCgroupsV2Metrics } from '../proto';

export function metricsAny(stats: CgroupStats): Any {
  if (stats.version === 1) return packCgroupsV1Metrics(V1Metrics.fromPartial(stats.metrics));
  return packCgroupsV2Metrics(V2Metrics.fromPartial(stats.metrics));
}
