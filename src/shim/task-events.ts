//! The task events the shim emits, as a typed union, and their encoding into containerd's
//! `containerd.events.*` messages with bare type URLs (containerd 1.6 resolves only bare names).

import { TaskCreate, TaskDelete, TaskExecAdded, TaskExecStarted, TaskExit, TaskOOM, TaskPaused, TaskResumed, TaskStart } from '../gen/events/task';
import type { Mount } from '../gen/types/mount';
import type { EventPublisher } from './events';

export type TaskEvent =
  | { readonly topic: '/tasks/create'; readonly body: TaskCreate }
  | { readonly topic: '/tasks/start'; readonly body: TaskStart }
  | { readonly topic: '/tasks/exit'; readonly body: TaskExit }
  | { readonly topic: '/tasks/delete'; readonly body: TaskDelete }
  | { readonly topic: '/tasks/oom'; readonly body: TaskOOM }
  | { readonly topic: '/tasks/paused'; readonly body: TaskPaused }
  | { readonly topic: '/tasks/resumed'; readonly body: TaskResumed }
  | { readonly topic: '/tasks/exec-added'; readonly body: TaskExecAdded }
  | { readonly topic: '/tasks/exec-started'; readonly body: TaskExecStarted };

/** Where the task service sends its events (the publisher in the daemon, a recorder in tests). */
export interface TaskEventSink {
  emit(event: TaskEvent): void;
}

/** The encode half of a ts-proto message object. */
interface Encoder<T> {
  encode(message: T): { finish(): Uint8Array };
}

const CODECS: { readonly [T in TaskEvent['topic']]: { typeUrl: string; fns: Encoder<Extract<TaskEvent, { topic: T }>['body']> } } = {
  '/tasks/create': { typeUrl: 'containerd.events.TaskCreate', fns: TaskCreate },
  '/tasks/start': { typeUrl: 'containerd.events.TaskStart', fns: TaskStart },
  '/tasks/exit': { typeUrl: 'containerd.events.TaskExit', fns: TaskExit },
  '/tasks/delete': { typeUrl: 'containerd.events.TaskDelete', fns: TaskDelete },
  '/tasks/oom': { typeUrl: 'containerd.events.TaskOOM', fns: TaskOOM },
  '/tasks/paused': { typeUrl: 'containerd.events.TaskPaused', fns: TaskPaused },
  '/tasks/resumed': { typeUrl: 'containerd.events.TaskResumed', fns: TaskResumed },
  '/tasks/exec-added': { typeUrl: 'containerd.events.TaskExecAdded', fns: TaskExecAdded },
  '/tasks/exec-started': { typeUrl: 'containerd.events.TaskExecStarted', fns: TaskExecStarted },
};

/** The bare type URL and protobuf bytes of an event payload. */
export function encodeTaskEvent(event: TaskEvent): { typeUrl: string; value: Uint8Array } {
  const codec = CODECS[event.topic] as { typeUrl: string; fns: Encoder<TaskEvent['body']> };
  return { typeUrl: codec.typeUrl, value: codec.fns.encode(event.body).finish() };
}

/** A sink that encodes each event and enqueues it on the publisher. */
export function publisherSink(publisher: EventPublisher): TaskEventSink {
  return {
    emit(event) {
      const { typeUrl, value } = encodeTaskEvent(event);
      publisher.publish(event.topic, typeUrl, value);
    },
  };
}

/** Mount list copy for TaskCreate (the request's objects are reused as is). */
export function eventMounts(mounts: readonly Mount[]): Mount[] {
  return mounts.map((m) => ({ type: m.type, source: m.source, target: m.target, options: [...m.options] }));
}
