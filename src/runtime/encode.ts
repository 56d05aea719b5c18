//! LaunchPlan → the flat little-endian format of native/plan-format.h. Pure.

import type { LaunchPlan, PlanOp, PathBase, MkTarget } from './plan-types';

export const PLAN_MAGIC = 0x50525354;
export const PLAN_VERSION = 1;
export const PLAN_HEADER_SIZE = 40;
export const OP_HEADER_SIZE = 16;

/** native/plan-format.h enum tsr_op_code */
export const OP_CODES: Readonly<Record<PlanOp['op'], number>> = {
  setns: 1, unshare: 2, writeFile: 3, mount: 4, makeParentPrivate: 5, mknod: 6, symlink: 7,
  pivotRoot: 8, moveRoot: 9, maskPath: 10, readonlyPath: 11, remountReadonly: 12, sethostname: 13,
  setdomainname: 14, setrlimit: 15, stdio: 16, capsBounding: 17, keepCaps: 18, setgroups: 19,
  setresgid: 20, setresuid: 21, capset: 22, capsAmbient: 23, noNewPrivs: 24, umask: 25, chdir: 26,
  mkdirAll: 27, syncIdmap: 28, prepareFifo: 29, waitStart: 30, exec: 31, seccomp: 32, setCtty: 33,
  pauseBeforePivot: 34, console: 35, fixStdio: 36, moveMount: 37,
};

const BASE: Readonly<Record<PathBase, number>> = { root: 0, abs: 1 };
const MK: Readonly<Record<MkTarget, number>> = { none: 0, dir: 1, file: 2, auto: 3 };

type Int = number | bigint;

/** ints and strings of one op, in the order native/ reads them */
export function opArgs(op: PlanOp): { ints: Int[]; strs: (string | null)[] } {
  switch (op.op) {
    case 'setns': return { ints: [op.nstype], strs: [op.path] };
    case 'unshare': return { ints: [op.flags], strs: [] };
    case 'writeFile': return { ints: [BASE[op.base]], strs: [op.path, op.data] };
    case 'mount': {
      // native/plan-format.h TSR_MOUNT_*: only present when set, so other mounts encode as before
      const extra = (op.copyUp === true ? 1 : 0) | (op.keepMode === true ? 2 : 0);
      return { ints: [op.flags, BASE[op.base], MK[op.mkTarget], ...(extra !== 0 ? [extra] : [])], strs: [op.source, op.target, op.fstype, op.data] };
    }
    case 'moveMount': return { ints: [moveMountFd(op), BASE[op.base], MK[op.mkTarget]], strs: [op.source, op.target] };
    case 'makeParentPrivate': return { ints: [], strs: [op.path] };
    case 'mknod': return { ints: [op.mode, op.major, op.minor, op.uid, op.gid], strs: [op.path] };
    case 'symlink': return { ints: [], strs: [op.target, op.path] };
    case 'pivotRoot': case 'moveRoot': return { ints: [], strs: [op.rootfs] };
    case 'maskPath': case 'readonlyPath': case 'remountReadonly': case 'chdir': case 'prepareFifo':
      return { ints: [], strs: [op.path] };
    case 'sethostname': case 'setdomainname': return { ints: [], strs: [op.name] };
    case 'setrlimit': return { ints: [op.resource, op.soft, op.hard], strs: [] };
    case 'stdio': return { ints: [...op.fds], strs: [] };
    case 'capsBounding': return { ints: [op.keep, op.lastCap], strs: [] };
    case 'keepCaps': return { ints: [op.on ? 1 : 0], strs: [] };
    case 'setgroups': return { ints: [...op.gids], strs: [] };
    case 'setresgid': return { ints: [op.gid], strs: [] };
    case 'setresuid': return { ints: [op.uid], strs: [] };
    case 'capset': return { ints: [op.effective, op.permitted, op.inheritable], strs: [] };
    case 'capsAmbient': return { ints: [op.caps, op.lastCap], strs: [] };
    case 'noNewPrivs': case 'syncIdmap': case 'waitStart': case 'pauseBeforePivot': return { ints: [], strs: [] };
    case 'umask': return { ints: [op.mask], strs: [] };
    case 'setCtty': return { ints: [op.fd], strs: [] };
    case 'console': return { ints: [op.mountConsole ? 1 : 0, op.rows, op.cols], strs: [] };
    case 'fixStdio': return { ints: [op.uid], strs: [] };
    case 'mkdirAll': return { ints: [op.mode], strs: [op.path] };
    case 'exec': return { ints: op.direct ? [op.argv.length, 1] : [op.argv.length], strs: [op.path, ...op.argv, ...op.env] };
    case 'seccomp': return { ints: [op.filter.flags, ...seccompInstructions(op)], strs: [] };
  }
}

function moveMountFd(op: Extract<PlanOp, { op: 'moveMount' }>): number {
  if (op.fd === undefined) throw new RangeError(`${op.step}: the id-mapped mount is not prepared (src/linux opens it before spawning)`);
  return op.fd;
}

/** BPF_MAXINSNS: the kernel loads no longer program */
export const SECCOMP_MAX_INSNS = 4096;

/** the program's struct sock_filter entries, each one int64 with the same 8 bytes (little-endian) */
function seccompInstructions(op: Extract<PlanOp, { op: 'seccomp' }>): bigint[] {
  const p = op.program;
  if (p === undefined) throw new RangeError(`${op.step}: the seccomp program is not compiled (src/linux compiles it before spawning)`);
  if (p.length === 0 || p.length % 8 !== 0) throw new RangeError(`${op.step}: a BPF program is a non-empty list of 8-byte instructions, got ${p.length} bytes`);
  if (p.length / 8 > SECCOMP_MAX_INSNS) throw new RangeError(`${op.step}: the BPF program has ${p.length / 8} instructions; the kernel loads at most ${SECCOMP_MAX_INSNS}`);
  const view = Buffer.from(p.buffer, p.byteOffset, p.length);
  const out: bigint[] = [];
  for (let off = 0; off < p.length; off += 8) out.push(view.readBigInt64LE(off));
  return out;
}

const pad8 = (n: number) => (n + 7) & ~7;

function checkString(s: string, op: PlanOp): Buffer {
  if (s.includes('\0')) throw new RangeError(`${op.step}: a string contains a NUL byte`);
  return Buffer.from(s, 'utf8');
}

function encodeOp(op: PlanOp, step: number): Buffer {
  const { ints, strs } = opArgs(op);
  const strBufs = strs.map((s) => (s === null ? null : checkString(s, op)));
  let size = OP_HEADER_SIZE + 8 * ints.length;
  for (const s of strBufs) size += 4 + (s === null ? 0 : s.length + 1);
  size = pad8(size);
  if (ints.length > 0xffff || strs.length > 0xffff) throw new RangeError(`${op.step}: too many arguments`);
  const buf = Buffer.alloc(size);
  buf.writeUInt16LE(OP_CODES[op.op], 0);
  buf.writeUInt16LE(ints.length, 2);
  buf.writeUInt16LE(strs.length, 4);
  buf.writeUInt32LE(size, 8);
  buf.writeUInt32LE(step, 12);
  let off = OP_HEADER_SIZE;
  for (const v of ints) {
    buf.writeBigInt64LE(BigInt.asIntN(64, BigInt(v)), off);
    off += 8;
  }
  for (const s of strBufs) {
    if (s === null) {
      buf.writeUInt32LE(0xffffffff, off);
      off += 4;
    } else {
      buf.writeUInt32LE(s.length, off);
      s.copy(buf, off + 4);
      off += 4 + s.length + 1;
    }
  }
  return buf;
}

/** Encode a plan for native/ (tsrun_spawn). */
export function encodePlan(plan: LaunchPlan): Buffer {
  const ops = plan.ops.map((op, i) => encodeOp(op, i));
  const cstr = (s: string | null) => (s === null ? null : Buffer.from(s + '\0', 'utf8'));
  const pidns = cstr(plan.joinPidNs);
  const rootfs = cstr(plan.rootfs);
  const pidnsOff = pidns === null ? 0 : PLAN_HEADER_SIZE;
  const rootfsOff = rootfs === null ? 0 : PLAN_HEADER_SIZE + (pidns === null ? 0 : pad8(pidns.length));
  const opsOff = rootfsOff === 0 ? (pidnsOff === 0 ? PLAN_HEADER_SIZE : PLAN_HEADER_SIZE + pad8((pidns as Buffer).length)) : rootfsOff + pad8((rootfs as Buffer).length);
  const total = opsOff + ops.reduce((n, b) => n + b.length, 0);
  const hdr = Buffer.alloc(opsOff);
  hdr.writeUInt32LE(PLAN_MAGIC, 0);
  hdr.writeUInt32LE(PLAN_VERSION, 4);
  hdr.writeUInt32LE(total, 8);
  hdr.writeUInt32LE(ops.length, 12);
  hdr.writeBigUInt64LE(BigInt(plan.cloneFlags >>> 0), 16);
  hdr.writeUInt32LE(plan.start.kind === 'fifo' ? 1 : 0, 24);
  hdr.writeUInt32LE(pidnsOff, 28);
  hdr.writeUInt32LE(opsOff, 32);
  hdr.writeUInt32LE(rootfsOff, 36);
  if (pidns !== null) pidns.copy(hdr, pidnsOff);
  if (rootfs !== null) rootfs.copy(hdr, rootfsOff);
  return Buffer.concat([hdr, ...ops], total);
}

export interface DecodedOp {
  readonly code: number;
  readonly step: number;
  readonly ints: bigint[];
  readonly strs: (string | null)[];
}

/** Decode (for tests and debugging): the inverse of encodePlan's op list. */
export function decodePlan(buf: Buffer): {
  cloneFlags: bigint;
  startKind: number;
  joinPidNs: string | null;
  rootfs: string | null;
  ops: DecodedOp[];
} {
  if (buf.readUInt32LE(0) !== PLAN_MAGIC) throw new RangeError('not a tsrun plan');
  const total = buf.readUInt32LE(8);
  const nops = buf.readUInt32LE(12);
  const pidnsOff = buf.readUInt32LE(28);
  let off = buf.readUInt32LE(32);
  const ops: DecodedOp[] = [];
  for (let i = 0; i < nops; i++) {
    const code = buf.readUInt16LE(off);
    const nint = buf.readUInt16LE(off + 2);
    const nstr = buf.readUInt16LE(off + 4);
    const size = buf.readUInt32LE(off + 8);
    const step = buf.readUInt32LE(off + 12);
    let p = off + OP_HEADER_SIZE;
    const ints: bigint[] = [];
    for (let k = 0; k < nint; k++, p += 8) ints.push(buf.readBigInt64LE(p));
    const strs: (string | null)[] = [];
    for (let k = 0; k < nstr; k++) {
      const len = buf.readUInt32LE(p);
      if (len === 0xffffffff) {
        strs.push(null);
        p += 4;
      } else {
        strs.push(buf.toString('utf8', p + 4, p + 4 + len));
        p += 4 + len + 1;
      }
    }
    ops.push({ code, step, ints, strs });
    off += size;
  }
  if (off !== total) throw new RangeError(`plan size mismatch: ${off} != ${total}`);
  const cstrAt = (o: number) => (o === 0 ? null : buf.toString('utf8', o, buf.indexOf(0, o)));
  const joinPidNs = cstrAt(pidnsOff);
  const rootfs = cstrAt(buf.readUInt32LE(36));
  return { cloneFlags: buf.readBigUInt64LE(16), startKind: buf.readUInt32LE(24), joinPidNs, rootfs, ops };
}
