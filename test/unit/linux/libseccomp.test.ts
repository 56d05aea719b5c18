// Compiling linux.seccomp with the host's libseccomp (no root: nothing is loaded into the kernel);
// the programs are run by a small BPF interpreter (test/helpers/bpf.ts) to check what they return.
import fs from 'node:fs';
import { FailedPreconditionError } from '../../../src/errors';
import { compileSeccomp, libseccompVersion, resolveSyscall } from '../../../src/linux/libseccomp';
import { SECCOMP_MAX_INSNS } from '../../../src/runtime/encode';
import { seccompFilter } from '../../../src/runtime/seccomp';
import type { Seccomp } from '../../../src/runtime/spec';
import { validateSpec } from '../../../src/runtime/validate';
import { AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, runSeccompBpf, type SeccompData } from '../../helpers/bpf';
import { fixture, runcSpecWith } from '../runtime/helpers';

const ALLOW = 0x7fff0000;
const errno = (e: number) => 0x00050000 | e;
const X32 = 0x40000000;
// x86_64 and i386 numbers, pinned (resolveSyscall is checked against them below)
const NR = { mkdir: 83, chmod: 90, kill: 62, getpid: 39, mount: 165, personality: 135, clone: 56, ptrace: 101, reboot: 169 };
const NR_I386 = { mkdir: 39, mount: 21 };

/** validate like config.json does, then map and compile */
function compile(s: Record<string, unknown>) {
  const spec = validateSpec(runcSpecWith((c) => (c.linux.seccomp = s)));
  return compileSeccomp(seccompFilter(spec.linux?.seccomp as Seccomp));
}
const run = (p: Buffer, nr: number, args: bigint[] = [], arch = AUDIT_ARCH_X86_64) => runSeccompBpf(p, { nr, arch, args } satisfies SeccompData);

test('libseccomp is Debian bookworm\'s 2.5 (or newer) and resolves x86_64 syscall names', () => {
  expect(libseccompVersion()).toMatch(/^2\.([5-9]|\d\d)\./);
  for (const [name, nr] of Object.entries(NR)) expect([name, resolveSyscall(name)]).toEqual([name, nr]);
  expect(resolveSyscall('no_such_syscall')).toBeUndefined();
});

describe("containerd's default profile (amd64, default capabilities)", () => {
  const profile = fixture('containerd-default-seccomp-amd64.json');
  const { program, unknownSyscalls } = compile(profile);

  test('compiles to a program the kernel accepts in size, every name known', () => {
    expect(program.length % 8).toBe(0);
    expect(program.length / 8).toBeGreaterThan(100);
    expect(program.length / 8).toBeLessThanOrEqual(SECCOMP_MAX_INSNS);
    expect(unknownSyscalls).toEqual([]);
  });

  test('allows ordinary syscalls on x86_64, i386 and x32, denies the privileged ones with EPERM', () => {
    for (const nr of [NR.getpid, NR.mkdir, NR.chmod, NR.kill]) expect(run(program, nr)).toBe(ALLOW);
    expect(run(program, NR.getpid | X32)).toBe(ALLOW);
    expect(run(program, NR_I386.mkdir, [], AUDIT_ARCH_I386)).toBe(ALLOW);
    for (const nr of [NR.mount, NR.ptrace, NR.reboot]) expect(run(program, nr)).toBe(errno(1));
    expect(run(program, NR_I386.mount, [], AUDIT_ARCH_I386)).toBe(errno(1));
  });

  test('argument rules: personality by value, clone without namespace flags (MASKED_EQ)', () => {
    expect(run(program, NR.personality, [0n])).toBe(ALLOW);
    expect(run(program, NR.personality, [0xffffffffn])).toBe(ALLOW);
    expect(run(program, NR.personality, [4n])).toBe(errno(1));
    expect(run(program, NR.clone, [0x01200011n])).toBe(ALLOW); // fork()'s flags
    expect(run(program, NR.clone, [0x01200011n | 0x20000n])).toBe(errno(1)); // + CLONE_NEWNS
    expect(run(program, NR.clone, [0x10000000n])).toBe(errno(1)); // CLONE_NEWUSER
  });

  test('an architecture not in the profile is killed', () => {
    expect(run(program, 0, [], 0xc00000b7 /* aarch64 */)).toBe(0);
  });
});

test('a deny profile: every action maps to its libseccomp value', () => {
  const { program } = compile({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [
      { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' },
      { names: ['chmod'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
      { names: ['kill'], action: 'SCMP_ACT_KILL' },
      { names: ['mount'], action: 'SCMP_ACT_KILL_PROCESS' },
      { names: ['reboot'], action: 'SCMP_ACT_KILL_THREAD' },
      { names: ['ptrace'], action: 'SCMP_ACT_TRAP' },
      { names: ['personality'], action: 'SCMP_ACT_LOG' },
      { names: ['clone'], action: 'SCMP_ACT_TRACE', errnoRet: 12 },
    ],
  });
  expect(run(program, NR.getpid)).toBe(ALLOW);
  expect(run(program, NR.mkdir)).toBe(errno(1));
  expect(run(program, NR.chmod)).toBe(errno(38));
  expect(run(program, NR.kill)).toBe(0);
  expect(run(program, NR.mount)).toBe(0x80000000);
  expect(run(program, NR.reboot)).toBe(0);
  expect(run(program, NR.ptrace)).toBe(0x00030000);
  expect(run(program, NR.personality)).toBe(0x7ffc0000);
  expect(run(program, NR.clone)).toBe(0x7ff00000 | 12);
});

test('defaultErrnoRet; a rule with the default action is dropped, not an error', () => {
  const { program } = compile({
    defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38,
    syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ALLOW' }, { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }],
  });
  expect(run(program, NR.getpid)).toBe(ALLOW);
  expect(run(program, NR.mkdir)).toBe(errno(38));
  expect(run(program, NR.chmod)).toBe(errno(38));
});

test('conditions on different arguments are ANDed; on the same argument, ORed (as runc does)', () => {
  const { program } = compile({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [
      { names: ['kill'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 10, op: 'SCMP_CMP_EQ' }, { index: 1, value: 12, op: 'SCMP_CMP_EQ' }] },
      { names: ['chmod'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 0o002, valueTwo: 0o002, op: 'SCMP_CMP_MASKED_EQ' }, { index: 0, value: 0, op: 'SCMP_CMP_NE' }] },
      { names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 100, op: 'SCMP_CMP_GT' }] },
      { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 0x1_0000_0000n, op: 'SCMP_CMP_GE' }] },
    ],
  });
  expect(run(program, NR.kill, [1n, 10n])).toBe(errno(1));
  expect(run(program, NR.kill, [1n, 12n])).toBe(errno(1));
  expect(run(program, NR.kill, [1n, 15n])).toBe(ALLOW);
  expect(run(program, NR.chmod, [0x1000n, 0o666n])).toBe(errno(1));
  expect(run(program, NR.chmod, [0x1000n, 0o644n])).toBe(ALLOW);
  expect(run(program, NR.chmod, [0n, 0o666n])).toBe(ALLOW);
  expect(run(program, NR.personality, [101n])).toBe(errno(1));
  expect(run(program, NR.personality, [100n])).toBe(ALLOW);
  // 64-bit comparisons look at both halves
  expect(run(program, NR.mkdir, [0n, 0xffffffffn])).toBe(ALLOW);
  expect(run(program, NR.mkdir, [0n, 0x1_0000_0000n])).toBe(errno(1));
});

test('unknown syscall names are skipped (like runc), the rest of the rule applies', () => {
  const { program, unknownSyscalls } = compile({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [{ names: ['no_such_syscall', 'mkdir'], action: 'SCMP_ACT_ERRNO' }, { names: ['another_unknown_one'], action: 'SCMP_ACT_KILL' }],
  });
  expect(unknownSyscalls).toEqual(['no_such_syscall', 'another_unknown_one']);
  expect(run(program, NR.mkdir)).toBe(errno(1));
  expect(run(program, NR.getpid)).toBe(ALLOW);
});

test('compiling leaves no file descriptors behind', () => {
  const profile = fixture('containerd-default-seccomp-amd64.json');
  compile(profile);
  const before = fs.readdirSync('/proc/self/fd').length;
  // a different errno each time: every one is compiled, none comes from the cache
  for (let i = 0; i < 20; i++) compile({ ...profile, defaultErrnoRet: 100 + i });
  expect(fs.readdirSync('/proc/self/fd').length).toBe(before);
});

test('the same filter is compiled once (cached), a different one is not confused with it', () => {
  const a = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 5 }] });
  const b = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 5 }] });
  const c = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 6 }] });
  expect(b.program).toBe(a.program);
  expect(run(c.program, NR.mkdir)).toBe(errno(6));
  expect(run(a.program, NR.mkdir)).toBe(errno(5));
});

test('a host without libseccomp fails only when seccomp is asked for, naming the package', () => {
  const saved = process.env.TSRUN_LIBSECCOMP;
  process.env.TSRUN_LIBSECCOMP = '/nonexistent/libseccomp.so.2';
  try {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const m = require('../../../src/linux/libseccomp') as typeof import('../../../src/linux/libseccomp');
      const filter = seccompFilter({ defaultAction: 'SCMP_ACT_ALLOW' });
      // the isolated module registry has its own copy of src/errors: compare by name
      let err: unknown;
      try {
        m.compileSeccomp(filter);
      } catch (e) {
        err = e;
      }
      expect((err as Error).constructor.name).toBe(FailedPreconditionError.name);
      expect((err as Error).message).toMatch(/^linux\.seccomp: cannot load \/nonexistent\/libseccomp\.so\.2 .*apt-get install libseccomp2/);
    });
  } finally {
    if (saved === undefined) delete process.env.TSRUN_LIBSECCOMP;
    else process.env.TSRUN_LIBSECCOMP = saved;
  }
});
