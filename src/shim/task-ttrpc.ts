//! Binds the TaskService to the ttrpc definitions: the same implementation answers
//! containerd.task.v2.Task and containerd.task.v3.Task (identical messages).

import { TaskDefinition as TaskV2 } from '../gen/runtime/task/v2/shim';
import { TaskDefinition as TaskV3 } from '../gen/runtime/task/v3/shim';
import type { Server } from '../ttrpc/server';
import type { ServiceImplementation } from '../ttrpc/service';
import type { TaskService } from './task-service';

export function taskImplementation(svc: TaskService): ServiceImplementation<typeof TaskV2> {
  return {
    state: (req) => svc.state(req),
    create: (req) => svc.create(req),
    start: (req) => svc.start(req),
    delete: (req) => svc.delete(req),
    pids: (req) => svc.pids(req),
    pause: (req) => svc.pause(req),
    resume: (req) => svc.resume(req),
    checkpoint: (req) => svc.checkpoint(req),
    kill: (req) => svc.kill(req),
    exec: (req) => svc.exec(req),
    resizePty: (req) => svc.resizePty(req),
    closeIO: (req) => svc.closeIO(req),
    update: (req) => svc.update(req),
    wait: (req, ctx) => svc.wait(req, ctx),
    stats: (req) => svc.stats(req),
    connect: (req) => svc.connect(req),
    shutdown: (req) => svc.shutdown(req),
  };
}

export function registerTaskService(server: Server, svc: TaskService): void {
  const impl = taskImplementation(svc);
  server.register(TaskV2, impl);
  server.register(TaskV3, impl as unknown as ServiceImplementation<typeof TaskV3>);
}
