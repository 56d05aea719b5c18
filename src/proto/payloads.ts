//! Typed pack/unpack helpers for the other Any payloads of the Task API.

import type { Any } from '../gen/google/protobuf/any';
import { Metrics as CgroupsV1Metrics } from '../gen/cgroups/cgroup1/stats/metrics';
import { Metrics as CgroupsV2Metrics } from '../gen/cgroups/cgroup2/stats/metrics';
import { CheckpointOptions, ProcessDetails } from '../gen/types/runc/options/oci';
import { isEmptyAny, packMessage, unpackMessage } from './any';
import { TypeUrl, typeUrlMatches } from './type-urls';

/** StatsResponse.stats on cgroup v1 / hybrid hosts. */
export function packCgroupsV1Metrics(metrics: CgroupsV1Metrics): Any {
  return packMessage(TypeUrl.cgroupsV1Metrics, CgroupsV1Metrics, metrics);
}

/** StatsResponse.stats on cgroup v2 (unified) hosts. */
export function packCgroupsV2Metrics(metrics: CgroupsV2Metrics): Any {
  return packMessage(TypeUrl.cgroupsV2Metrics, CgroupsV2Metrics, metrics);
}

/** Decode StatsResponse.stats of either cgroup version. */
export function unpackCgroupsMetrics(
  any: Any | undefined | null,
  field = 'StatsResponse.stats',
): { version: 1; metrics: CgroupsV1Metrics } | { version: 2; metrics: CgroupsV2Metrics } {
  if (any != null && typeUrlMatches(any.typeUrl, TypeUrl.cgroupsV2Metrics)) {
    return { version: 2, metrics: unpackMessage(any, TypeUrl.cgroupsV2Metrics, CgroupsV2Metrics, field) };
  }
  return { version: 1, metrics: unpackMessage(any, TypeUrl.cgroupsV1Metrics, CgroupsV1Metrics, field) };
}

/** ProcessInfo.info for an exec process in PidsResponse. */
export function packProcessDetails(execId: string): Any {
  return packMessage(TypeUrl.runcProcessDetails, ProcessDetails, { execId });
}

/** The exec id in ProcessInfo.info ("" when info is absent). */
export function unpackProcessDetails(any: Any | undefined | null, field = 'ProcessInfo.info'): string {
  if (any == null || isEmptyAny(any)) return '';
  return unpackMessage(any, TypeUrl.runcProcessDetails, ProcessDetails, field).execId;
}

/** CheckpointTaskRequest.options (absent ⇒ all defaults). */
export function unpackCheckpointOptions(any: Any | undefined | null, field = 'CheckpointTaskRequest.options'): CheckpointOptions {
  if (any == null || isEmptyAny(any)) return CheckpointOptions.fromPartial({});
  return unpackMessage(any, TypeUrl.runcCheckpointOptions, CheckpointOptions, field);
}
