//! Wiring of the real modules (spec, executor, cgroups) into ContainerDeps. Filled in as the
//! spec/executor/cgroups branches land.

import { UnimplementedError } from '../errors';
import type { ContainerDeps } from './deps';

export function makeRealDeps(): ContainerDeps {
  const missing = (what: string) => (): never => {
    throw new UnimplementedError(`${what}: not wired yet`);
  };
  return {
    loadSpec: missing('loadSpec'),
    openCgroup: missing('openCgroup'),
    reopenCgroup: missing('reopenCgroup'),
    spawn: missing('spawn'),
    mkfifo: missing('mkfifo'),
    releaseFifo: missing('releaseFifo'),
    killPid: (pid, signal) => process.kill(pid, signal),
  };
}
