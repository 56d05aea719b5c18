//! Wiring of the real modules (spec loading, launch planning, the native executor, cgroups) into
//! ContainerDeps.

import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

import { type CgroupHost, type CgroupManager, detectCgroupHost, openCgroup, parseCgroupsPath } from '../cgroups';
import { closeFd, hostCapLast, hostLsm, mkfifo, O_CLOEXEC, pidfdOpen, pidfdSendSignal, pipe2, releaseExecFifo, spawnContainer, spawnProcess } from '../linux';
import { criuDump, criuRestore } from '../checkpoint/container-criu';
import { loadBundleSpec } from '../runtime/bundle';
import { buildPlan, buildProcessPlan, type PlanContext } from '../runtime/plan';
import type { ContainerDeps, InContainerRequest, SpawnedInit, SpawnRequest } from './deps';
import type { HookResult } from './hooks';
import { signalName } from './signals';
import { within } from './timing';
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

function closeQuietly(fd: number): void {
  try {
    closeFd(fd);
  } catch {
    // already closed
  }
}

/** Collect what a pipe's read end delivers until EOF (bounded). */
function drain(fd: number): Promise<string> {
  return new Promise((resolve) => {
    const sock = new net.Socket({ fd, readable: true, writable: false });
    let text = '';
    sock.on('data', (b: Buffer) => {
      if (text.length < 64 * 1024) text += b.toString('utf8');
    });
    sock.on('error', () => resolve(text));
    sock.on('close', () => resolve(text));
  });
}

/** A hook run as a process joined to the container (the way exec works), state on stdin. */
async function runInContainer(req: InContainerRequest): Promise<HookResult> {
  const inv = req.invocation;
  const proc = req.spec.process;
  const spec = {
    ociVersion: req.spec.ociVersion,
    process: {
      user: proc?.user ?? { uid: 0, gid: 0 },
      cwd: '/',
      args: [inv.path, ...inv.argv.slice(1)],
      env: [...inv.env],
      ...(proc?.capabilities ? { capabilities: proc.capabilities } : {}),
      ...(proc?.noNewPrivileges !== undefined ? { noNewPrivileges: proc.noNewPrivileges } : {}),
    },
  };
  const fds: number[] = [];
  const pipe = (): [number, number] => {
    const p = pipe2(O_CLOEXEC);
    fds.push(...p);
    return p;
  };
  try {
    const [inR, inW] = pipe();
    const [outR, outW] = pipe();
    const [errR, errW] = pipe();
    const plan = buildProcessPlan(spec, {
      id: `${req.id}-hook`,
      initPid: req.initPid,
      namespaceTypes: (req.spec.linux?.namespaces ?? []).map((n) => n.type),
      hostCapLast: hostCapLast(),
      stdio: { stdin: inR, stdout: outW, stderr: errW },
      start: { kind: 'pipe' },
      cgroup: req.cgroup ? { join: [...req.cgroup.dirs.values()] } : undefined,
    });
    let child;
    try {
      child = await spawnProcess(plan);
    } catch (err) {
      return { code: null, signal: null, timedOut: false, stdout: '', stderr: '', spawnError: err as Error };
    }
    for (const fd of [inR, outW, errW]) {
      closeQuietly(fd);
      fds.splice(fds.indexOf(fd), 1);
    }
    fds.splice(fds.indexOf(outR), 1);
    fds.splice(fds.indexOf(errR), 1);
    const stdout = drain(outR);
    const stderr = drain(errR);
    try {
      await child.start();
    } catch (err) {
      return { code: null, signal: null, timedOut: false, stdout: await stdout, stderr: await stderr, spawnError: err as Error };
    }
    try {
      fs.writeSync(inW, req.stdin);
    } catch {
      // a hook that exits without reading its stdin
    }
    closeQuietly(inW);
    fds.splice(fds.indexOf(inW), 1);
    let timedOut = false;
    let status = inv.timeoutMs !== undefined ? await within(child.exited, inv.timeoutMs) : await child.exited;
    if (status === undefined) {
      timedOut = true;
      try {
        child.kill(9);
      } catch {
        // exited meanwhile
      }
      status = await child.exited;
    }
    return {
      code: status.signal !== undefined ? null : status.status,
      signal: status.signal !== undefined ? signalName(status.signal) : null,
      timedOut,
      // a background child of the hook may hold the pipes open: don't wait for it
      stdout: (await within(stdout, 1000)) ?? '',
      stderr: (await within(stderr, 1000)) ?? '',
    };
  } finally {
    for (const fd of fds) closeQuietly(fd);
  }
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
    mkfifo: (p) => {
      // exactly 0622 whatever the umask (runc clears it for its exec FIFO): an init that already
      // switched to a non-root user opens the FIFO for writing
      mkfifo(p, 0o622);
      fs.chmodSync(p, 0o622);
    },
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
        hostHasKcore: fs.existsSync('/proc/kcore'),
        lsm: hostLsm(),
        cgroup: cgroupContext(cgroupHost(), req.cgroup),
        ...(req.onBeforePivot ? { pauseBeforePivot: true } : {}),
      });
      const p = await spawnContainer(plan, {
        ...(req.onBeforePivot ? { onBeforePivot: req.onBeforePivot } : {}),
        ...(req.stdio.console ? { onConsole: req.stdio.console } : {}),
      });
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
    runInContainer,
    dump: criuDump,
    restore: criuRestore,
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
