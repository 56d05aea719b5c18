//! Pause, Resume, Update and Stats of the Task API: thin adapters from the requests to the container
//! library (freezer, live cgroup updates persisted in the container's state, cgroup statistics).

import { containerStats } from '../container';
import { FailedPreconditionError, InvalidArgumentError } from '../errors';
import type { Any } from '../gen/google/protobuf/any';
import type { StatsResponse } from '../gen/runtime/task/v2/shim';
import type { LinuxResources } from '../runtime/spec';
import { parseResourcesJson } from '../runtime/validate-update';
import type { InitProcess } from './init-process';
import { metricsAny } from './metrics';
import type { TaskEventSink } from './task-events';

function requireLive(init: InitProcess, verb: string): void {
  if (init.status === 'stopped') throw new FailedPreconditionError(`cannot ${verb} container "${init.id}": it has stopped`);
}

export async function pauseTask(init: InitProcess, events: TaskEventSink): Promise<void> {
  requireLive(init, 'pause');
  await init.container.pause();
  events.emit({ topic: '/tasks/paused', body: { containerId: init.id } });
}

export async function resumeTask(init: InitProcess, events: TaskEventSink): Promise<void> {
  requireLive(init, 'resume');
  await init.container.resume();
  events.emit({ topic: '/tasks/resumed', body: { containerId: init.id } });
}

/** UpdateTaskRequest.resources: OCI LinuxResources as JSON in an Any (the type URL is not checked, as in runc's shim). */
export function decodeUpdateResources(any: Any | undefined): LinuxResources {
  if (any === undefined || any.value.length === 0) {
    throw new InvalidArgumentError('UpdateTaskRequest.resources: missing; send OCI LinuxResources JSON in an Any');
  }
  return parseResourcesJson(Buffer.from(any.value).toString('utf8'), 'UpdateTaskRequest.resources');
}

/** Applies the resources live and persists them; annotations are accepted and ignored, as runc's shim does. */
export async function updateTask(init: InitProcess, resources: Any | undefined): Promise<void> {
  const parsed = decodeUpdateResources(resources);
  requireLive(init, 'update');
  await init.container.update(parsed);
}

/** Statistics stay readable after the init exited, until Delete removes the cgroup. */
export async function statsTask(init: InitProcess): Promise<StatsResponse> {
  return { stats: metricsAny(await containerStats(init.container)) };
}
