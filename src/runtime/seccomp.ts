//! linux.seccomp → a SeccompFilter: the OCI profile with every name mapped to the numbers
//! libseccomp and the seccomp(2) syscall take (actions, comparison operators, filter flags) and the
//! rules laid out the way runc hands them to libseccomp. Pure: src/linux/libseccomp.ts compiles
//! the result to a BPF program, native/seccomp.c loads it.

import { InvalidSpecError, type SpecIssue } from '../errors';
import type { Seccomp, SeccompArg } from './spec';

/** libseccomp's action values (seccomp.h SCMP_ACT_*); ERRNO and TRACE carry 16 bits of data. */
export const SCMP_ACTION: Readonly<Record<string, number>> = {
  SCMP_ACT_KILL: 0x00000000, // = KILL_THREAD
  SCMP_ACT_KILL_THREAD: 0x00000000,
  SCMP_ACT_KILL_PROCESS: 0x80000000,
  SCMP_ACT_TRAP: 0x00030000,
  SCMP_ACT_ERRNO: 0x00050000,
  SCMP_ACT_TRACE: 0x7ff00000,
  SCMP_ACT_LOG: 0x7ffc0000,
  SCMP_ACT_ALLOW: 0x7fff0000,
  SCMP_ACT_NOTIFY: 0x7fc00000,
};

/** libseccomp's enum scmp_compare */
export const SCMP_CMP: Readonly<Record<string, number>> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

/** OCI architecture → libseccomp's architecture name (seccomp_arch_resolve_name). The ones
 *  libseccomp 2.5 (Debian bookworm) knows; newer ones fail at compile time with libseccomp's
 *  version in the message. */
export const SCMP_ARCH_NAME: Readonly<Record<string, string>> = {
  SCMP_ARCH_X86: 'x86',
  SCMP_ARCH_X86_64: 'x86_64',
  SCMP_ARCH_X32: 'x32',
  SCMP_ARCH_ARM: 'arm',
  SCMP_ARCH_AARCH64: 'aarch64',
  SCMP_ARCH_MIPS: 'mips',
  SCMP_ARCH_MIPS64: 'mips64',
  SCMP_ARCH_MIPS64N32: 'mips64n32',
  SCMP_ARCH_MIPSEL: 'mipsel',
  SCMP_ARCH_MIPSEL64: 'mipsel64',
  SCMP_ARCH_MIPSEL64N32: 'mipsel64n32',
  SCMP_ARCH_PPC: 'ppc',
  SCMP_ARCH_PPC64: 'ppc64',
  SCMP_ARCH_PPC64LE: 'ppc64le',
  SCMP_ARCH_S390: 's390',
  SCMP_ARCH_S390X: 's390x',
  SCMP_ARCH_PARISC: 'parisc',
  SCMP_ARCH_PARISC64: 'parisc64',
  SCMP_ARCH_RISCV64: 'riscv64',
};

/** Architectures named in OCI whose support needs libseccomp ≥ 2.6 (not in bookworm). */
export const SCMP_ARCH_NAME_NEWER: Readonly<Record<string, string>> = {
  SCMP_ARCH_LOONGARCH64: 'loongarch64',
  SCMP_ARCH_M68K: 'm68k',
  SCMP_ARCH_SH: 'sh',
  SCMP_ARCH_SHEB: 'sheb',
};

/** seccomp(2) SECCOMP_FILTER_FLAG_* */
export const SECCOMP_FILTER_FLAG = {
  TSYNC: 1,
  LOG: 2,
  SPEC_ALLOW: 4,
  NEW_LISTENER: 8,
  TSYNC_ESRCH: 16,
  WAIT_KILLABLE_RECV: 32,
} as const;

/** OCI flags tsrun passes to the kernel. TSYNC is accepted and dropped: the container process is
 *  single-threaded when the filter is loaded (and TSYNC cannot be combined with NEW_LISTENER). */
const FLAG_VALUE: Readonly<Record<string, number>> = {
  SECCOMP_FILTER_FLAG_TSYNC: 0,
  SECCOMP_FILTER_FLAG_LOG: SECCOMP_FILTER_FLAG.LOG,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: SECCOMP_FILTER_FLAG.SPEC_ALLOW,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: SECCOMP_FILTER_FLAG.WAIT_KILLABLE_RECV,
};

/** The seccomp vocabulary this build supports (the features document lists these). */
export const SUPPORTED_SECCOMP = {
  actions: Object.keys(SCMP_ACTION),
  operators: Object.keys(SCMP_CMP),
  archs: Object.keys(SCMP_ARCH_NAME),
  flags: Object.keys(FLAG_VALUE),
} as const;

const EPERM = 1;
/** the kernel's SECCOMP_RET_DATA is 16 bits */
const ERRNO_MAX = 0xffff;

export interface SeccompCondition {
  readonly index: number;
  /** SCMP_CMP value */
  readonly op: number;
  readonly value: bigint;
  readonly valueTwo: bigint;
}

/** One libseccomp rule: seccomp_rule_add_array(ctx, action, resolve(syscall), conditions). */
export interface SeccompRule {
  readonly syscall: string;
  readonly action: number;
  /** all must hold (AND); at most one per argument index */
  readonly conditions: readonly SeccompCondition[];
}

export interface SeccompFilter {
  /** libseccomp action of seccomp_init */
  readonly defaultAction: number;
  /** libseccomp architecture names added besides the native one */
  readonly arches: readonly string[];
  readonly rules: readonly SeccompRule[];
  /** SECCOMP_FILTER_FLAG_* for seccomp(SECCOMP_SET_MODE_FILTER) (NEW_LISTENER when a rule notifies) */
  readonly flags: number;
  /** a rule uses SCMP_ACT_NOTIFY: the listener fd goes to listenerPath */
  readonly notify: boolean;
}

/** `table[name]` for own keys only ("constructor", "__proto__"… are no seccomp names). */
function own<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

function actionValue(name: string, errnoRet: number | undefined, path: string, issues: SpecIssue[]): number {
  const base = own(SCMP_ACTION, name);
  if (base === undefined) {
    issues.push({ path, message: `"${name}" is not a seccomp action; use one of ${SUPPORTED_SECCOMP.actions.join(', ')}` });
    return 0;
  }
  if (name !== 'SCMP_ACT_ERRNO' && name !== 'SCMP_ACT_TRACE') return base;
  // like runc: no errnoRet means EPERM
  const errno = errnoRet ?? EPERM;
  if (errno > ERRNO_MAX) {
    issues.push({ path, message: `errno ${errno} does not fit the 16 bits seccomp returns; use a value up to ${ERRNO_MAX}` });
    return base;
  }
  return (base | errno) >>> 0;
}

function condition(a: SeccompArg, path: string, issues: SpecIssue[]): SeccompCondition {
  const op = own(SCMP_CMP, a.op);
  if (op === undefined) issues.push({ path: `${path}.op`, message: `"${a.op}" is not a seccomp operator; use one of ${SUPPORTED_SECCOMP.operators.join(', ')}` });
  return { index: a.index, op: op ?? 0, value: BigInt(a.value), valueTwo: BigInt(a.valueTwo ?? 0) };
}

/**
 * Map a validated linux.seccomp to a SeccompFilter, with runc's semantics: a syscall rule whose
 * action equals the default action is dropped (libseccomp refuses it); conditions on distinct
 * arguments form one rule (AND); when two conditions name the same argument, each becomes a rule
 * of its own (OR), as runc does. Unknown syscall names are kept here and skipped by the compiler.
 * @throws InvalidSpecError naming the field (linux.seccomp.*) that cannot be expressed.
 */
export function seccompFilter(s: Seccomp): SeccompFilter {
  const issues: SpecIssue[] = [];
  const base = 'linux.seccomp';
  const defaultAction = actionValue(s.defaultAction, s.defaultErrnoRet, `${base}.defaultAction`, issues);
  const arches: string[] = [];
  (s.architectures ?? []).forEach((a, i) => {
    const name = own(SCMP_ARCH_NAME, a) ?? own(SCMP_ARCH_NAME_NEWER, a);
    if (name === undefined) issues.push({ path: `${base}.architectures[${i}]`, message: `"${a}" is not a seccomp architecture; use one of ${SUPPORTED_SECCOMP.archs.join(', ')}` });
    else if (!arches.includes(name)) arches.push(name);
  });
  let flags = 0;
  (s.flags ?? []).forEach((f, i) => {
    const v = own(FLAG_VALUE, f);
    if (v === undefined) issues.push({ path: `${base}.flags[${i}]`, message: `"${f}" is not a seccomp filter flag; use one of ${SUPPORTED_SECCOMP.flags.join(', ')}` });
    else flags |= v;
  });
  const rules: SeccompRule[] = [];
  let notify = false;
  (s.syscalls ?? []).forEach((c, i) => {
    const path = `${base}.syscalls[${i}]`;
    const action = actionValue(c.action, c.errnoRet, `${path}.action`, issues);
    if (c.action === 'SCMP_ACT_NOTIFY') notify = true;
    if (action === defaultAction) return;
    const conds = (c.args ?? []).map((a, k) => condition(a, `${path}.args[${k}]`, issues));
    const indexes = new Set(conds.map((x) => x.index));
    const groups = indexes.size === conds.length ? [conds] : conds.map((x) => [x]);
    for (const name of c.names) for (const conditions of groups) rules.push({ syscall: name, action, conditions });
  });
  if (notify) flags |= SECCOMP_FILTER_FLAG.NEW_LISTENER;
  if ((flags & SECCOMP_FILTER_FLAG.WAIT_KILLABLE_RECV) !== 0 && !notify) {
    issues.push({ path: `${base}.flags`, message: 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV applies only to filters with SCMP_ACT_NOTIFY rules; remove it' });
  }
  if (issues.length > 0) throw new InvalidSpecError(issues);
  return { defaultAction, arches, rules, flags, notify };
}
