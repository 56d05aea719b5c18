//! Task events: topic, type URL and generated codec of each containerd.events payload, and helpers
//! that pack one into the Any / Envelope that Events.Forward carries.

import type { Any } from '../gen/google/protobuf/any';
import type { Timestamp } from '../gen/google/protobuf/timestamp';
import type { Envelope } from '../gen/types/event';
import {
  TaskCheckpointed,
  TaskCreate,
  TaskDelete,
  TaskExecAdded,
  TaskExecStarted,
  TaskExit,
  TaskOOM,
  TaskPaused,
  TaskResumed,
  TaskStart,
} from '../gen/events/task';
import { InvalidArgumentError } from '../errors';
import { unpackMessage, packMessage } from './any';
import type { MessageCodec } from './codec';
import { nowTimestamp } from './timestamp';
import { TypeUrl, typeUrlMatches } from './type-urls';

interface TaskEventSpec<T> {
  readonly topic: string;
  readonly typeUrl: string;
  readonly codec: MessageCodec<T>;
}

function spec<T>(topic: string, typeUrl: string, codec: MessageCodec<T>): TaskEventSpec<T> {
  return { topic, typeUrl, codec };
}

/** Every task event the shim publishes, keyed by message name. */
export const TASK_EVENTS = {
  TaskCreate: spec('/tasks/create', TypeUrl.taskCreate, TaskCreate),
  TaskStart: spec('/tasks/start', TypeUrl.taskStart, TaskStart),
  TaskDelete: spec('/tasks/delete', TypeUrl.taskDelete, TaskDelete),
  TaskExit: spec('/tasks/exit', TypeUrl.taskExit, TaskExit),
  TaskOOM: spec('/tasks/oom', TypeUrl.taskOOM, TaskOOM),
  TaskExecAdded: spec('/tasks/exec-added', TypeUrl.taskExecAdded, TaskExecAdded),
  TaskExecStarted: spec('/tasks/exec-started', TypeUrl.taskExecStarted, TaskExecStarted),
  TaskPaused: spec('/tasks/paused', TypeUrl.taskPaused, TaskPaused),
  TaskResumed: spec('/tasks/resumed', TypeUrl.taskResumed, TaskResumed),
  TaskCheckpointed: spec('/tasks/checkpointed', TypeUrl.taskCheckpointed, TaskCheckpointed),
} as const;

export type TaskEventName = keyof typeof TASK_EVENTS;

/** The generated message type of event `N`, e.g. TaskEventMessage<'TaskExit'> = TaskExit. */
export type TaskEventMessage<N extends TaskEventName> = (typeof TASK_EVENTS)[N] extends TaskEventSpec<infer T> ? T : never;

/** A decoded event: its name plus the message, discriminated by name. */
export type TaskEvent = { [N in TaskEventName]: { readonly name: N; readonly message: TaskEventMessage<N> } }[TaskEventName];

/** Topic and Any for one event, e.g. ("/tasks/exit", Any{"containerd.events.TaskExit", …}). */
export function packTaskEvent<N extends TaskEventName>(name: N, message: TaskEventMessage<N>): { topic: string; event: Any } {
  const s = TASK_EVENTS[name] as TaskEventSpec<TaskEventMessage<N>>;
  return { topic: s.topic, event: packMessage(s.typeUrl, s.codec, message) };
}

/**
 * The Envelope to Forward for one event. `timestamp` defaults to now; containerd rejects a zero one.
 */
export function taskEventEnvelope<N extends TaskEventName>(
  namespace: string,
  name: N,
  message: TaskEventMessage<N>,
  timestamp: Timestamp = nowTimestamp(),
): Envelope {
  const { topic, event } = packTaskEvent(name, message);
  return { timestamp, namespace, topic, event };
}

/** Decode an event Any back into its message (tests, harnesses, event subscribers). */
export function unpackTaskEvent(any: Any | undefined | null, field = 'Envelope.event'): TaskEvent {
  if (any == null) throw new InvalidArgumentError(`${field}: missing; expected a containerd.events.Task* Any`);
  for (const name of Object.keys(TASK_EVENTS) as TaskEventName[]) {
    const s = TASK_EVENTS[name] as TaskEventSpec<unknown>;
    if (typeUrlMatches(any.typeUrl, s.typeUrl)) {
      return { name, message: unpackMessage(any, s.typeUrl, s.codec, field) } as TaskEvent;
    }
  }
  throw new InvalidArgumentError(`${field}: type URL "${any.typeUrl}" is not a containerd task event`);
}

/** The topic of event `name` (e.g. "/tasks/exec-started"). */
export function taskEventTopic(name: TaskEventName): string {
  return TASK_EVENTS[name].topic;
}
