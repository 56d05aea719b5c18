//! Spawning an extra process into a running container (runc exec): a native child joins every
//! namespace of the init (user first), enters its cgroup and applies the process spec with the
//! container's seccomp filter. Pure planning lives in runtime/plan.ts (buildProcessPlan).

import { FailedPreconditionError, InvalidArgumentError } from '../errors';
import { hostCapLast, hostLsm, spawnProcess, type SpawnedProcess } from '../linux';
import { buildProcessPlan } from '../runtime/plan';
import type { Process } from '../runtime/spec';
import type { Container, StdioFds } from './types';

export interface ExecRequest {
  /** The process to run (OCI Process; cwd/user/env as in config.json). */
  readonly process: Process;
  readonly stdio: StdioFds;
  /** Extra fds passed as 3, 4, … */
  readonly extraFds?: readonly number[];
  /** false: leave the process's exit status to whoever inherits it (runc exec --detach: conmon,
   *  a child subreaper, waits for it); this process must not reap it. Default true. */
  readonly reap?: boolean;
}

/** Check the parts of an exec'd Process the plan relies on; messages name the field. */
export function validateExecProcess(proc: Process | undefined): Process {
  if (proc === undefined || proc === null || typeof proc !== 'object') throw new InvalidArgumentError('process: must be an OCI Process object');
  if (!Array.isArray(proc.args) || proc.args.length === 0) throw new InvalidArgumentError('process.args: must name the program to run');
  if (typeof proc.cwd !== 'string' || !proc.cwd.startsWith('/')) throw new InvalidArgumentError(`process.cwd ${String(proc.cwd)}: must be an absolute path`);
  return proc;
}

/**
 * Spawn `req.process` inside `container` (which must be created or running). Resolves once the
 * child has joined everything and waits at its start barrier: call `start()` to exec it.
 */
export async function spawnExec(container: Container, id: string, req: ExecRequest): Promise<SpawnedProcess> {
  const proc = validateExecProcess(req.process);
  const status = container.status();
  if (status !== 'running' && status !== 'created' && status !== 'paused') {
    throw new FailedPreconditionError(`container "${container.id}" is ${status}: exec needs a running container`);
  }
  const spec = container.spec;
  const plan = buildProcessPlan({ ociVersion: spec.ociVersion, process: proc }, {
    id,
    initPid: container.pid,
    namespaceTypes: (spec.linux?.namespaces ?? []).map((n) => n.type),
    hostCapLast: hostCapLast(),
    lsm: hostLsm(),
    stdio: req.stdio,
    ...(req.extraFds !== undefined ? { extraFds: req.extraFds } : {}),
    start: { kind: 'pipe' },
    cgroup: { join: [...(container.cgroup()?.dirs.values() ?? [])] },
    ...(spec.linux?.seccomp !== undefined ? { seccomp: spec.linux.seccomp } : {}),
  });
  return spawnProcess(plan, {
    containerState: { bundle: container.bundle, ...(spec.annotations ? { annotations: spec.annotations } : {}), pid: container.pid },
    ...(req.reap === false ? { reap: false } : {}),
    ...(req.stdio.console ? { onConsole: req.stdio.console } : {}),
  });
}
