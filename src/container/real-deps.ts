//! Wiring of the real modules (spec loading, launch planning, the native executor, cgroups) into
//! ContainerDeps.

import * as path from 'node:path';

import { type CgroupHost, type CgroupManager, detectCgroupHost, openCgroup, parseCgroupsPath } from '../cgroups';
import { closeFd, hostCapLast, mkfifo, pidfdOpen, pidfdSendSignal, releaseExecFifo, spawnContainer } from '../linux';
import { loadBundleSpec } from '../runtime/bundle';
import { buildPlan, type PlanContext } from '../runtime/plan';
import type { ContainerDeps, SpawnedInit, SpawnRequest } from './deps';
import { isSameLiveProcess, readProcStat } from './proc';

/** How the container sees "cgroup" mounts: v1 hierarchies bound from its own cgroup dirs, or cgroup2. */
function cgroupContext(host: CgroupHost, cg: CgroupManager): NonNullable<PlanContext['cgroup']> {
  const join = [...cg.dirs.values()];
  if (cg.version === 2) return { join, mount: { kind: 'v2' } };
  const mounts = [...host.v1, ...(host.unified ? [host.unified] : [])];
  const hierarchies: { name: string; hostPath: string }[] = [];
  for (const dir of cg.dirs.values()) {
    const m = mounts.find((x) => dir === x.mountPoint || dir.startsWith(`${x.mountPoint}/`));
    if (m) hierarchies.push({ name: path.basename(m.mountPoint), hostPath: dir });
  }
  return { join, mount: { kind: 'v1', hierarchies } };
}

export function makeRealDeps(): ContainerDeps {
  let host: CgroupHost | undefined;
  const cgroupHost = (): CgroupHost => (host ??= detectCgroupHost());
  return {
    loadSpec: async (bundle) => (await loadBundleSpec(bundle)).spec,
    openCgroup: (spec, id, systemd) => openCgroup(cgroupHost(), parseCgroupsPath(spec.linux?.cgroupsPath, id, { systemd })),
    reopenCgroup: (p, _systemd, base) =>
      openCgroup(base === undefined ? cgroupHost() : { ...cgroupHost(), own: new Map(Object.entries(base)) }, p),
    cgroupBase: () => Object.fromEntries(cgroupHost().own),
    mkfifo: (p) => mkfifo(p, 0o622),
    releaseFifo: (p) => releaseExecFifo(p),
    async spawn(req: SpawnRequest): Promise<SpawnedInit> {
      const plan = buildPlan(req.spec, {
        id: req.id,
        rootfs: req.rootfs,
        bundle: req.bundle,
        hostCapLast: hostCapLast(),
        stdio: req.stdio,
        extraFds: req.extraFds,
        start: req.start,
        noPivot: req.noPivot,
        cgroup: cgroupContext(cgroupHost(), req.cgroup),
      });
      const p = await spawnContainer(plan);
      const stat = readProcStat(p.pid);
      if (!stat) {
        p.kill(9);
        throw new Error(`container ${req.id}: init ${p.pid} vanished right after it was created`);
      }
      return {
        pid: p.pid,
        startTime: stat.startTime,
        exited: p.exited.then((s) => ({ status: s.status, ...(s.signal !== undefined ? { signal: s.signal } : {}), exitedAt: new Date() })),
        start: () => p.start(),
        kill: (signal) => p.kill(signal),
        detach: () => p.detach(),
      };
    },
    killPid(pid, signal, startTime) {
      // pidfd first, then check it is still our process: the signal cannot hit a reused pid.
      const fd = pidfdOpen(pid);
      try {
        if (!isSameLiveProcess(readProcStat(pid), startTime)) return;
        pidfdSendSignal(fd, signal);
      } finally {
        closeFd(fd);
      }
    },
  };
}
