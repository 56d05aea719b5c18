//! The Any type URLs containerd uses. Protobuf messages are named by their bare full name (no
//! "type.googleapis.com/" prefix): containerd 1.6 resolves type URLs by exact string, so a prefixed URL
//! would not decode there. JSON payloads (OCI types) use containerd's registered "types.containerd.io/…"
//! URLs, which are whole strings, not message names.

/** Prefix Google's tooling puts in front of message names; containerd 2.x tolerates it, 1.6 does not. */
export const GOOGLE_TYPE_URL_PREFIX = 'type.googleapis.com/';

const OCI = 'types.containerd.io/opencontainers/runtime-spec/1';

export const TypeUrl = {
  // Runtime options (CreateTaskRequest.options, start stdin, BootstrapParams extensions).
  runcOptions: 'containerd.runc.v1.Options',
  runtimeOptions: 'runtimeoptions.v1.Options',
  runcCheckpointOptions: 'containerd.runc.v1.CheckpointOptions',
  runcProcessDetails: 'containerd.runc.v1.ProcessDetails',
  // StatsResponse.stats.
  cgroupsV1Metrics: 'io.containerd.cgroups.v1.Metrics',
  cgroupsV2Metrics: 'io.containerd.cgroups.v2.Metrics',
  // JSON payloads.
  ociSpec: `${OCI}/Spec`,
  ociProcess: `${OCI}/Process`,
  ociLinuxResources: `${OCI}/LinuxResources`,
  ociFeatures: `${OCI}/features/Features`,
  // Task events (Envelope.event).
  taskCreate: 'containerd.events.TaskCreate',
  taskStart: 'containerd.events.TaskStart',
  taskDelete: 'containerd.events.TaskDelete',
  taskIO: 'containerd.events.TaskIO',
  taskExit: 'containerd.events.TaskExit',
  taskOOM: 'containerd.events.TaskOOM',
  taskExecAdded: 'containerd.events.TaskExecAdded',
  taskExecStarted: 'containerd.events.TaskExecStarted',
  taskPaused: 'containerd.events.TaskPaused',
  taskResumed: 'containerd.events.TaskResumed',
  taskCheckpointed: 'containerd.events.TaskCheckpointed',
} as const;

export type KnownTypeUrl = (typeof TypeUrl)[keyof typeof TypeUrl];

/**
 * True when an incoming type URL names `expected`. Accepts the bare name and, for message names
 * (no "/" in `expected`), any "<host>/<name>" form, as containerd 2.x does; JSON type URLs must match
 * exactly.
 */
export function typeUrlMatches(actual: string, expected: string): boolean {
  if (actual === expected) return true;
  if (expected.includes('/')) return false;
  const slash = actual.lastIndexOf('/');
  return slash >= 0 && actual.slice(slash + 1) === expected;
}
