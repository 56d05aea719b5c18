//! Spawning containers and processes from a launch plan (runtime/plan.ts) through native/.

import fs from 'node:fs';
import net from 'node:net';
import type { LaunchPlan, PlanOp, ProcessPlan } from '../runtime/plan-types';
import { encodePlan } from '../runtime/encode';
import { FailedPreconditionError } from '../errors';
import * as libc from './libc';
import { ContainerSetupError, SyscallError } from './errors';
import { Errno } from './errno';
import { reaper } from './reaper';
import { compileSeccomp } from './libseccomp';
import { MSG, ReportReader, type ReportMessage } from './report-reader';
import type { ExitStatus, SpawnOptions, SpawnedProcess } from './spawn-types';

export type { ContainerStateInfo, ExitStatus, SpawnOptions, SpawnedProcess } from './spawn-types';

function setupError(plan: LaunchPlan, m: ReportMessage): ContainerSetupError {
  const op = m.step >= 0 ? plan.ops[m.step] : undefined;
  const step = m.step >= 0 ? (op?.step ?? `step ${m.step}`) : `${m.syscall} ${m.path}`.trim();
  const err = new ContainerSetupError(step, m.step, m.syscall, m.path, m.value);
  // native/executor.c TSR_OP_CHDIR: getcwd says the cwd is not under the root (CVE-2024-21626)
  if (m.syscall === 'chdir-outside-root') return err.withDetail(`the directory is outside the container's root (a symlink or /proc/self/fd link leading out of it): refused`);
  return op?.op === 'exec' ? withExecDetail(err, op.path) : err;
}

/**
 * An exec that failed says so in runc's words too: clients read them (Docker gives exit code 127
 * for "executable file not found" / "no such file or directory", 126 for "permission denied").
 */
function withExecDetail(err: ContainerSetupError, program: string): ContainerSetupError {
  const words =
    err.errno === Errno.ENOENT ? (program.includes('/') ? 'no such file or directory' : 'executable file not found in $PATH')
      : err.errno === Errno.EACCES ? 'permission denied'
        : undefined;
  return words === undefined ? err : err.withDetail(`${words} (${err.code})`);
}

function closeQuietly(fd: number): void {
  if (fd < 0) return;
  try {
    libc.closeFd(fd);
  } catch {
    // already closed
  }
}

/** The seccomp notify handoff (runc's): the child loaded its filter and waits; take its listener
 *  fd and send it with the container's state to the agent at listener.path. */
function sendSeccompListener(plan: LaunchPlan, m: ReportMessage, pid: number, pidfd: number, options: SpawnOptions): void {
  const op = plan.ops[m.step];
  const step = op?.step ?? `step ${m.step}`;
  if (op?.op !== 'seccomp' || op.listener === undefined) {
    throw new ContainerSetupError(step, m.step, 'seccomp', '', Errno.EINVAL).withDetail('the child sent a seccomp listener the plan has no listenerPath for');
  }
  const st = options.containerState;
  const state = {
    ociVersion: st?.ociVersion ?? '1.3.0',
    fds: ['seccompFd'],
    pid,
    ...(op.listener.metadata !== '' ? { metadata: op.listener.metadata } : {}),
    state: {
      ociVersion: st?.ociVersion ?? '1.3.0',
      id: plan.id,
      status: 'creating',
      pid: st?.pid ?? pid,
      bundle: st?.bundle ?? '',
      ...(st?.annotations !== undefined && Object.keys(st.annotations).length > 0 ? { annotations: st.annotations } : {}),
    },
  };
  let fd: number;
  try {
    fd = libc.pidfdGetfd(pidfd, m.value);
  } catch (e) {
    const err = e as SyscallError;
    throw new ContainerSetupError(step, m.step, 'pidfd_getfd', '', err.errno).withDetail(`taking the seccomp listener fd: ${err.code}`);
  }
  try {
    libc.sendFd(op.listener.path, fd, Buffer.from(JSON.stringify(state)));
  } catch (e) {
    const err = e as SyscallError;
    throw new ContainerSetupError(step, m.step, 'sendmsg', op.listener.path, err.errno)
      .withDetail(`sending the seccomp listener to linux.seccomp.listenerPath ${op.listener.path}: ${err.code}; is the agent listening there?`);
  } finally {
    closeQuietly(fd);
  }
}

/** CAP_SETGID in a /proc/<pid>/status CapEff line's mask */
const CAP_SETGID = 6n;

/** Whether gid_map can only be written after "deny" went to /proc/<pid>/setgroups: a writer
 *  without CAP_SETGID (the kernel's rule since 3.19; runc writes "deny" for rootless containers). */
export function needsSetgroupsDeny(status: string): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
  return m === null || ((BigInt(`0x${m[1]}`) >> CAP_SETGID) & 1n) === 0n;
}

/** The console handoff (runc's console socket, inside tsrun): the child opened a pty in its
 *  container's devpts and waits; take the master out of it and give it to options.onConsole. */
async function takeConsole(plan: LaunchPlan, m: ReportMessage, pidfd: number, options: SpawnOptions): Promise<void> {
  const step = plan.ops[m.step]?.step ?? `step ${m.step}`;
  if (options.onConsole === undefined) {
    throw new ContainerSetupError(step, m.step, 'pidfd_getfd', '', Errno.EINVAL).withDetail('process.terminal is set but the caller takes no terminal (SpawnOptions.onConsole)');
  }
  let fd: number;
  try {
    fd = libc.pidfdGetfd(pidfd, m.value);
  } catch (e) {
    const err = e as SyscallError;
    throw new ContainerSetupError(step, m.step, 'pidfd_getfd', '', err.errno).withDetail(`taking the pty master: ${err.code}`);
  }
  try {
    await options.onConsole(fd);
  } catch (e) {
    closeQuietly(fd);
    throw e;
  }
}

function writeIdMaps(plan: LaunchPlan, pid: number): void {
  const fmt = (maps: LaunchPlan['uidMappings']) => maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
  fs.writeFileSync(`/proc/${pid}/uid_map`, fmt(plan.uidMappings));
  if (needsSetgroupsDeny(fs.readFileSync('/proc/thread-self/status', 'utf8'))) fs.writeFileSync(`/proc/${pid}/setgroups`, 'deny');
  fs.writeFileSync(`/proc/${pid}/gid_map`, fmt(plan.gidMappings));
}

class Spawned implements SpawnedProcess {
  private pidfdOpen = true;
  private hasExited = false;
  private startPromise: Promise<void> | null = null;
  readonly exited: Promise<ExitStatus>;

  constructor(
    private readonly plan: LaunchPlan,
    readonly pid: number,
    readonly pidfd: number,
    exited: Promise<ExitStatus>,
    private readonly reader: ReportReader,
    private syncW: number,
  ) {
    this.exited = exited.then((s) => {
      this.hasExited = true;
      this.closePidfd();
      return s;
    });
  }

  private closePidfd(): void {
    if (this.pidfdOpen) {
      this.pidfdOpen = false;
      closeQuietly(this.pidfd);
    }
  }

  kill(signal: number): void {
    if (!this.pidfdOpen) throw new SyscallError('pidfd_send_signal', Errno.ESRCH, String(this.pid));
    libc.pidfdSendSignal(this.pidfd, signal);
  }

  start(): Promise<void> {
    this.startPromise ??= this.doStart();
    return this.startPromise;
  }

  private async doStart(): Promise<void> {
    // Known dead: say so without touching the sync pipe (another process cloned while it was open
    // may still hold its read end, so a write would not fail with EPIPE).
    if (this.hasExited) throw new FailedPreconditionError(`container ${this.plan.id}: its process exited before it was started`);
    if (this.plan.start.kind === 'pipe') {
      if (this.syncW < 0) throw new FailedPreconditionError(`container ${this.plan.id}: detached, cannot start it`);
      try {
        fs.writeSync(this.syncW, Buffer.from([1]));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
        // the process is gone: nothing more will come on the report pipe
        this.reader.close();
        closeQuietly(this.syncW);
        this.syncW = -1;
        throw new FailedPreconditionError(`container ${this.plan.id}: its process exited before it was started`);
      }
    } else {
      await releaseExecFifo(this.plan.start.path);
    }
    let released = false;
    for (;;) {
      const m = await this.reader.next();
      if (m === null) {
        // EOF: execve succeeded (the report fd is close-on-exec) or the child died; an exit
        // before any error message means it was killed
        closeQuietly(this.syncW);
        this.syncW = -1;
        this.reader.close();
        return;
      }
      if (m.type === MSG.STARTED) released = true;
      if (m.type === MSG.ERROR) {
        this.reader.close();
        const err = setupError(this.plan, m);
        err.afterStart = released;
        throw err;
      }
    }
  }

  detach(): void {
    this.reader.close();
    closeQuietly(this.syncW);
    this.syncW = -1;
    reaper().unwatch(this.pid);
    this.closePidfd();
  }
}

/** `plan` with every seccomp op's BPF program compiled (libseccomp, here in the parent). */
export function compilePlanSeccomp(plan: LaunchPlan): LaunchPlan {
  if (!plan.ops.some((op) => op.op === 'seccomp' && op.program === undefined)) return plan;
  const ops = plan.ops.map((op): PlanOp => (op.op === 'seccomp' && op.program === undefined ? { ...op, program: compileSeccomp(op.filter).program } : op));
  return { ...plan, ops };
}

/** `plan` with every moveMount op's detached id-mapped tree opened (native/idmap.c, in this
 *  process's mount namespace with the host's privileges); `fds` lists them for the caller to close
 *  once the child has copied them (it has after its PID message). */
export function openIdmapTrees(plan: LaunchPlan): { plan: LaunchPlan; fds: number[] } {
  if (!plan.ops.some((op) => op.op === 'moveMount' && op.fd === undefined)) return { plan, fds: [] };
  const fds: number[] = [];
  const fmt = (maps: readonly { containerID: number; hostID: number; size: number }[]) => maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
  try {
    const ops = plan.ops.map((op, i): PlanOp => {
      if (op.op !== 'moveMount' || op.fd !== undefined) return op;
      let fd: number;
      try {
        fd = libc.idmapTree({
          source: op.source,
          recursiveTree: op.idmap.recursiveTree,
          recursiveIdmap: op.idmap.recursiveIdmap,
          uidMap: fmt(op.idmap.uidMappings),
          gidMap: fmt(op.idmap.gidMappings),
          ...(op.idmap.usernsPath !== undefined ? { usernsPath: op.idmap.usernsPath } : {}),
        });
      } catch (e) {
        if (!(e instanceof SyscallError)) throw e;
        const hint = e.syscall.startsWith('mount_setattr') && e.errno === Errno.EINVAL
          ? ' (does the filesystem of the source support id-mapped mounts on this kernel?)' : '';
        throw new ContainerSetupError(op.step, i, e.syscall, e.path ?? op.source, e.errno).withDetail(`${e.message}${hint}`);
      }
      fds.push(fd);
      return { ...op, fd };
    });
    return { plan: { ...plan, ops }, fds };
  } catch (e) {
    for (const fd of fds) closeQuietly(fd);
    throw e;
  }
}

/** Spawn a container's init from `plan`. Resolves when the child waits at its start barrier
 *  (runc's "created"); rejects with ContainerSetupError when a step failed (the child is reaped).
 *  Stdio/extra fds named in the plan may be closed by the caller once this resolves. */
export async function spawnContainer(plan: LaunchPlan, options: SpawnOptions = {}): Promise<SpawnedProcess> {
  const trees = openIdmapTrees(compilePlanSeccomp(plan));
  try {
    return await spawnPrepared(trees.plan, options, () => {
      for (const fd of trees.fds.splice(0)) closeQuietly(fd);
    });
  } finally {
    for (const fd of trees.fds) closeQuietly(fd);
  }
}

/** spawnContainer of a plan whose seccomp programs and id-mapped trees are ready; `childHasFds`
 *  runs once the child exists (it holds its own copies of every fd from then on). */
async function spawnPrepared(plan: LaunchPlan, options: SpawnOptions, childHasFds: () => void): Promise<SpawnedProcess> {
  const encoded = encodePlan(plan);
  const [reportR, reportW] = libc.pipe2(libc.O_CLOEXEC);
  let syncR: number;
  let syncW: number;
  try {
    [syncR, syncW] = libc.pipe2(libc.O_CLOEXEC);
  } catch (e) {
    closeQuietly(reportR);
    closeQuietly(reportW);
    throw e;
  }
  const r = reaper();
  r.beginSpawn();
  try {
    libc.nativeSpawn(encoded, reportW, syncR); // native/ owns reportW and syncR from here
  } catch (e) {
    r.endSpawn();
    for (const fd of [reportR, reportW, syncR, syncW]) closeQuietly(fd);
    throw e;
  }
  const reader = new ReportReader(reportR);
  let pid = 0;
  let pidfd = -1;
  let exited: Promise<ExitStatus> | null = null;
  let spawnEnded = false;
  const endSpawn = () => {
    if (!spawnEnded) {
      spawnEnded = true;
      r.endSpawn();
    }
  };
  const abort = async (err: Error): Promise<never> => {
    endSpawn();
    reader.close();
    closeQuietly(syncW);
    if (exited !== null) {
      try {
        libc.pidfdSendSignal(pidfd, 9);
      } catch {
        // already gone
      }
      await exited;
      closeQuietly(pidfd);
    }
    throw err;
  };
  try {
    for (;;) {
      const m = await reader.next();
      if (m === null) {
        const status = exited === null ? null : await exited;
        return await abort(new ContainerSetupError(
          `spawn container ${plan.id}`, -1, 'clone', '', status === null ? Errno.ECHILD : Errno.EINTR,
        ).withDetail(status === null ? 'the child never reported its pid' : `the child exited (status ${status.status}) before it was ready`));
      }
      switch (m.type) {
        case MSG.PID:
          childHasFds();
          pid = m.value;
          pidfd = libc.pidfdOpen(pid);
          exited = r.watch(pid, pidfd, { reap: options.reap !== false });
          endSpawn();
          await options.onPid?.(pid);
          break;
        case MSG.NEED_IDMAP:
          writeIdMaps(plan, pid);
          fs.writeSync(syncW, Buffer.from([1]));
          break;
        case MSG.SECCOMP_FD:
          try {
            sendSeccompListener(plan, m, pid, pidfd, options);
          } catch (e) {
            return await abort(e as Error);
          }
          fs.writeSync(syncW, Buffer.from([1]));
          break;
        case MSG.CONSOLE_FD:
          try {
            await takeConsole(plan, m, pidfd, options);
          } catch (e) {
            return await abort(e as Error);
          }
          fs.writeSync(syncW, Buffer.from([1]));
          break;
        case MSG.BEFORE_PIVOT:
          try {
            await options.onBeforePivot?.(pid);
          } catch (e) {
            return await abort(e as Error);
          }
          fs.writeSync(syncW, Buffer.from([1]));
          break;
        case MSG.READY: {
          const p = new Spawned(plan, pid, pidfd, exited as Promise<ExitStatus>, reader, syncW);
          await options.onCreated?.(pid);
          return p;
        }
        case MSG.ERROR:
          return await abort(setupError(plan, m));
        default:
          break;
      }
    }
  } catch (e) {
    if (e instanceof ContainerSetupError) throw e;
    return abort(e as Error);
  }
}

/** Spawn a process into an existing container (exec) from a ProcessPlan (buildProcessPlan). */
export function spawnProcess(plan: ProcessPlan, options: SpawnOptions = {}): Promise<SpawnedProcess> {
  return spawnContainer(plan, options);
}

/** Release a container waiting on its exec FIFO (tsrun `start`): opens the FIFO for reading, takes
 *  the byte the container wrote, removes the FIFO. Rejects after `timeoutMs` when nobody waits. */
export function releaseExecFifo(path: string, options: { timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | libc.O_CLOEXEC);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') return Promise.reject(new FailedPreconditionError(`exec fifo ${path} does not exist: the container was started already or never created`));
    return Promise.reject(e);
  }
  const socket = new net.Socket({ fd, readable: true, writable: false });
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => finish(new FailedPreconditionError(`exec fifo ${path}: no container is waiting on it (${timeoutMs} ms)`)), timeoutMs);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (err !== undefined) return reject(err);
      fs.rm(path, { force: true }, () => resolve());
    };
    socket.once('data', () => finish());
    socket.once('end', () => finish(new FailedPreconditionError(`exec fifo ${path}: the container closed it without starting`)));
    socket.once('error', (e) => finish(e));
  });
}
