//! Validation of linux.seccomp: actions, architectures, flags, operators, per-syscall rules and the
//! notify listener (SCMP_ACT_NOTIFY needs listenerPath and vice versa).

import type { Seccomp, SeccompArg, SeccompSyscall } from './spec';
import { childPath, compact, isAbsolutePath, type Obj, show, SpecReader, U32_MAX, U64_MAX } from './validate-read';

export const SECCOMP_ACTIONS = [
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
  'SCMP_ACT_NOTIFY',
] as const;

export const SECCOMP_OPERATORS = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'] as const;

export const SECCOMP_ARCHES = [
  'SCMP_ARCH_X86',
  'SCMP_ARCH_X86_64',
  'SCMP_ARCH_X32',
  'SCMP_ARCH_ARM',
  'SCMP_ARCH_AARCH64',
  'SCMP_ARCH_MIPS',
  'SCMP_ARCH_MIPS64',
  'SCMP_ARCH_MIPS64N32',
  'SCMP_ARCH_MIPSEL',
  'SCMP_ARCH_MIPSEL64',
  'SCMP_ARCH_MIPSEL64N32',
  'SCMP_ARCH_PPC',
  'SCMP_ARCH_PPC64',
  'SCMP_ARCH_PPC64LE',
  'SCMP_ARCH_S390',
  'SCMP_ARCH_S390X',
  'SCMP_ARCH_PARISC',
  'SCMP_ARCH_PARISC64',
  'SCMP_ARCH_RISCV64',
  'SCMP_ARCH_LOONGARCH64',
  'SCMP_ARCH_M68K',
  'SCMP_ARCH_SH',
  'SCMP_ARCH_SHEB',
] as const;

export const SECCOMP_FLAGS = ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] as const;

const ERRNO_ACTIONS: readonly string[] = ['SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE'];
const ERRNO = { min: 0, max: U32_MAX };

export function readSeccomp(r: SpecReader, linux: Obj): Seccomp | undefined {
  const path = 'linux.seccomp';
  const s = r.objectField(linux, 'seccomp', 'linux');
  if (s === undefined) return undefined;
  const defaultAction = r.oneOf(s, 'defaultAction', path, SECCOMP_ACTIONS, 'a seccomp action', { required: 'e.g. "SCMP_ACT_ERRNO"' });
  if (defaultAction === 'SCMP_ACT_NOTIFY') r.issue(childPath(path, 'defaultAction'), 'cannot be SCMP_ACT_NOTIFY (every syscall, including the notify ones, would block); use it on listed syscalls only');
  const defaultErrnoRet = r.int(s, 'defaultErrnoRet', path, ERRNO);
  if (defaultErrnoRet !== undefined && defaultAction !== undefined && !ERRNO_ACTIONS.includes(defaultAction)) {
    r.issue(childPath(path, 'defaultErrnoRet'), `applies only to SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not ${defaultAction}; remove it`);
  }
  const architectures = r.array(s, 'architectures', path, (item, p) => oneOfValue(r, item, p, SECCOMP_ARCHES, 'a seccomp architecture'));
  const flags = r.array(s, 'flags', path, (item, p) => oneOfValue(r, item, p, SECCOMP_FLAGS, 'a seccomp filter flag'));
  const listenerPath = r.string(s, 'listenerPath', path);
  if (listenerPath !== undefined && listenerPath !== '' && !isAbsolutePath(listenerPath)) {
    r.issue(childPath(path, 'listenerPath'), `${show(listenerPath)} is not an absolute path; give the agent's unix socket path`);
  }
  const listenerMetadata = r.string(s, 'listenerMetadata', path);
  if (listenerMetadata && !listenerPath) r.issue(childPath(path, 'listenerMetadata'), 'is set without listenerPath; set listenerPath or remove it');
  const syscalls = r.array(s, 'syscalls', path, (item, p) => readSyscall(r, item, p));
  const notifies = syscalls?.some((c) => c.action === 'SCMP_ACT_NOTIFY') ?? false;
  if (notifies && !listenerPath) r.issue(childPath(path, 'listenerPath'), 'is required by SCMP_ACT_NOTIFY; give the agent\'s unix socket path');
  if (!notifies && listenerPath) r.issue(childPath(path, 'listenerPath'), 'is set but no syscall uses SCMP_ACT_NOTIFY; remove it or add a notify rule');
  if (defaultAction === undefined) return undefined;
  return compact<Seccomp>({
    defaultAction,
    defaultErrnoRet,
    architectures,
    flags,
    listenerPath: listenerPath || undefined,
    listenerMetadata: listenerMetadata || undefined,
    syscalls,
  });
}

function oneOfValue<T extends string>(r: SpecReader, item: unknown, path: string, values: readonly T[], what: string): T | undefined {
  const v = r.stringValue(item, path, { required: `use one of ${values.join(', ')}` });
  if (v === undefined || (values as readonly string[]).includes(v)) return v as T | undefined;
  return r.issue(path, `${show(v)} is not ${what}; use one of ${values.join(', ')}`);
}

function readSyscall(r: SpecReader, item: unknown, path: string): SeccompSyscall | undefined {
  const c = r.object(item, path);
  if (c === undefined) return undefined;
  const names = r.stringArray(c, 'names', path, { required: 'list at least one syscall name' });
  if (names !== undefined && names.length === 0) r.issue(childPath(path, 'names'), 'must list at least one syscall name');
  names?.forEach((n, i) => {
    if (!/^[a-z0-9_]+$/.test(n)) r.issue(`${path}.names[${i}]`, `${show(n)} is not a syscall name; use the kernel's name, e.g. "mount"`);
  });
  const action = r.oneOf(c, 'action', path, SECCOMP_ACTIONS, 'a seccomp action', { required: 'e.g. "SCMP_ACT_ALLOW"' });
  const errnoRet = r.int(c, 'errnoRet', path, ERRNO);
  if (errnoRet !== undefined && action !== undefined && !ERRNO_ACTIONS.includes(action)) {
    r.issue(childPath(path, 'errnoRet'), `applies only to SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not ${action}; remove it`);
  }
  if (action === 'SCMP_ACT_NOTIFY' && names?.includes('write')) {
    r.issue(childPath(path, 'action'), 'SCMP_ACT_NOTIFY on "write" would deadlock the runtime sending the notify fd; use another action for write');
  }
  const args = r.array(c, 'args', path, (a, p) => readArg(r, a, p));
  if (args !== undefined && args.length > 6) r.issue(childPath(path, 'args'), `has ${args.length} conditions; a syscall has at most 6 arguments`);
  if (names === undefined || action === undefined) return undefined;
  return compact<SeccompSyscall>({ names, action, errnoRet, args });
}

function readArg(r: SpecReader, item: unknown, path: string): SeccompArg | undefined {
  const a = r.object(item, path);
  if (a === undefined) return undefined;
  const index = r.int(a, 'index', path, { min: 0, max: 5, required: 'give the argument position, 0 to 5' });
  const value = r.int64(a, 'value', path, { min: 0n, max: U64_MAX, required: 'give the value to compare with' });
  const valueTwo = r.int64(a, 'valueTwo', path, { min: 0n, max: U64_MAX });
  const op = r.oneOf(a, 'op', path, SECCOMP_OPERATORS, 'a seccomp operator', { required: 'e.g. "SCMP_CMP_EQ"' });
  if (index === undefined || value === undefined || op === undefined) return undefined;
  return compact<SeccompArg>({ index, value, valueTwo, op });
}
