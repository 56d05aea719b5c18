//! cgroup v2 device filters through bpf(2) (native/bpf.c, bound in libc.ts): load a
//! BPF_PROG_TYPE_CGROUP_DEVICE program, attach it to a cgroup directory with BPF_F_ALLOW_MULTI
//! (as runc does), detach the programs attached there before, and list what is attached.
//! No GPL-only helper is called, so the license string is the project's own.

import { closeSync, constants, openSync } from 'node:fs';
import { errnoName } from './errno';
import { SyscallError } from './errors';
import { closeFd, rawBpf } from './libc';

export const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
export const BPF_CGROUP_DEVICE = 6;
export const BPF_F_ALLOW_MULTI = 2;
const EINVAL = 22;
const ENOSYS = 38;
const ENOSPC = 28;
const LICENSE = 'Apache-2.0';
const LOG_SIZE = 64 * 1024;

/** The kernel cannot run cgroup device programs (no bpf(2), or built without CONFIG_CGROUP_BPF). */
export class BpfUnsupportedError extends SyscallError {
  constructor(errno: number) {
    super('bpf(BPF_PROG_LOAD, BPF_PROG_TYPE_CGROUP_DEVICE)', errno);
    this.name = 'BpfUnsupportedError';
    this.message = `${this.message}: this kernel cannot load cgroup device programs (it needs CONFIG_BPF_SYSCALL and CONFIG_CGROUP_BPF)`;
  }
}

/** The verifier refused the program; `log` is its explanation. */
export class BpfVerifierError extends SyscallError {
  constructor(errno: number, readonly log: string) {
    super('bpf(BPF_PROG_LOAD, BPF_PROG_TYPE_CGROUP_DEVICE)', errno);
    this.name = 'BpfVerifierError';
    this.message = `${this.message}: the kernel's verifier refused the device filter:\n${log}`;
  }
}

function check(r: number, syscall: string, path?: string): number {
  if (r < 0) throw new SyscallError(syscall, -r, path);
  return r;
}

/** Load a cgroup device program (struct bpf_insn[] bytes); returns its fd (the caller closes it). */
export function loadDeviceProgram(insns: Buffer): number {
  if (insns.length === 0 || insns.length % 8 !== 0) throw new RangeError(`bpf: ${insns.length} bytes is not a program`);
  // First without a log (a log that overflows would itself fail the load), then again with one
  // to explain a refusal.
  const first = rawBpf().bpfProgLoad(BPF_PROG_TYPE_CGROUP_DEVICE, BPF_CGROUP_DEVICE, insns, insns.length / 8, LICENSE, Buffer.alloc(1), 0);
  if (first >= 0) return first;
  if (-first === ENOSYS) throw new BpfUnsupportedError(-first);
  const log = Buffer.alloc(LOG_SIZE);
  const r = rawBpf().bpfProgLoad(BPF_PROG_TYPE_CGROUP_DEVICE, BPF_CGROUP_DEVICE, insns, insns.length / 8, LICENSE, log, LOG_SIZE);
  if (r >= 0) return r;
  const text = log.subarray(0, Math.max(0, log.indexOf(0))).toString('utf8').trim();
  if (-r === ENOSYS || (-r === EINVAL && text === '')) throw new BpfUnsupportedError(-r);
  if (text !== '') throw new BpfVerifierError(-r, text);
  throw new SyscallError('bpf(BPF_PROG_LOAD, BPF_PROG_TYPE_CGROUP_DEVICE)', -r);
}

function openCgroupDir(dir: string): number {
  try {
    return openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new SyscallError('open', Math.abs(err.errno ?? EINVAL), dir);
  }
}

function queryFd(cgFd: number, dir: string): number[] {
  let ids = new Uint32Array(64);
  for (;;) {
    const r = rawBpf().bpfProgQuery(cgFd, BPF_CGROUP_DEVICE, ids, ids.length);
    if (r === -ENOSPC) {
      ids = new Uint32Array(ids.length * 4);
      continue;
    }
    const n = check(r, 'bpf(BPF_PROG_QUERY, BPF_CGROUP_DEVICE)', dir);
    if (n > ids.length) {
      ids = new Uint32Array(n);
      continue;
    }
    return [...ids.subarray(0, n)];
  }
}

/** Ids of the device programs attached directly to the cgroup at `dir` (BPF_PROG_QUERY). */
export function attachedDevicePrograms(dir: string): number[] {
  const fd = openCgroupDir(dir);
  try {
    return queryFd(fd, dir);
  } finally {
    closeSync(fd);
  }
}

/** Detach the attached device program `id` from the cgroup open as `cgFd`. */
function detachId(cgFd: number, id: number, dir: string): void {
  const progFd = check(rawBpf().bpfProgGetFdById(id), 'bpf(BPF_PROG_GET_FD_BY_ID)', String(id));
  try {
    const r = rawBpf().bpfProgDetach(cgFd, progFd, BPF_CGROUP_DEVICE);
    // ENOENT: it went away in between (another update of the same cgroup); that is what we wanted.
    if (r < 0 && errnoName(-r) !== 'ENOENT') check(r, 'bpf(BPF_PROG_DETACH, BPF_CGROUP_DEVICE)', dir);
  } finally {
    closeFd(progFd);
  }
}

/**
 * Make `insns` the device filter of the cgroup at `dir`: load it, attach it with BPF_F_ALLOW_MULTI,
 * then detach every device program that was attached there before (so an update replaces the
 * filter without a moment of unrestricted access). Returns the ids attached afterwards.
 */
export function installDeviceFilter(dir: string, insns: Buffer): number[] {
  const progFd = loadDeviceProgram(insns);
  try {
    const cgFd = openCgroupDir(dir);
    try {
      const before = queryFd(cgFd, dir);
      check(rawBpf().bpfProgAttach(cgFd, progFd, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI), 'bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE)', dir);
      for (const id of before) detachId(cgFd, id, dir);
      return queryFd(cgFd, dir);
    } finally {
      closeSync(cgFd);
    }
  } finally {
    closeFd(progFd);
  }
}

/** Detach every device program from the cgroup at `dir` (a filter that allows everything needs none). */
export function removeDeviceFilters(dir: string): void {
  const cgFd = openCgroupDir(dir);
  try {
    for (const id of queryFd(cgFd, dir)) detachId(cgFd, id, dir);
  } finally {
    closeSync(cgFd);
  }
}

/** Whether a BPF program with this id still exists (BPF_PROG_GET_FD_BY_ID; ENOENT: it was freed). */
export function bpfProgramExists(id: number): boolean {
  const r = rawBpf().bpfProgGetFdById(id);
  if (r >= 0) {
    closeFd(r);
    return true;
  }
  if (errnoName(-r) === 'ENOENT') return false;
  throw new SyscallError('bpf(BPF_PROG_GET_FD_BY_ID)', -r, String(id));
}
