//! Wiring of the real modules (spec loading, cgroups, the native executor) into ContainerDeps.

import { type CgroupHost, detectCgroupHost, openCgroup, parseCgroupsPath } from '../cgroups';
import { UnimplementedError } from '../errors';
import { loadBundleSpec } from '../runtime/bundle';
import type { ContainerDeps } from './deps';

export function makeRealDeps(): ContainerDeps {
  let host: CgroupHost | undefined;
  const cgroupHost = (): CgroupHost => (host ??= detectCgroupHost());
  const missing = (what: string) => (): never => {
    throw new UnimplementedError(`${what}: not wired yet`);
  };
  return {
    loadSpec: async (bundle) => (await loadBundleSpec(bundle)).spec,
    openCgroup: (spec, id, systemd) => openCgroup(cgroupHost(), parseCgroupsPath(spec.linux?.cgroupsPath, id, { systemd })),
    reopenCgroup: (path) => openCgroup(cgroupHost(), path),
    spawn: missing('spawn'),
    mkfifo: missing('mkfifo'),
    releaseFifo: missing('releaseFifo'),
    killPid: (pid, signal) => process.kill(pid, signal),
  };
}
