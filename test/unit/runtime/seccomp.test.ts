// linux.seccomp → SeccompFilter (pure mapping), where the seccomp op goes in a plan, and how it is
// encoded for native/.
import { InvalidSpecError } from '../../../src/errors';
import { decodePlan, encodePlan, OP_CODES, SECCOMP_MAX_INSNS } from '../../../src/runtime/encode';
import { buildPlan, buildProcessPlan, type PlanContext } from '../../../src/runtime/plan';
import type { LaunchPlan, PlanOp } from '../../../src/runtime/plan-types';
import { SCMP_ACTION, SCMP_ARCH_NAME, SCMP_CMP, SECCOMP_FILTER_FLAG, seccompFilter } from '../../../src/runtime/seccomp';
import type { Seccomp, Spec } from '../../../src/runtime/spec';
import { SECCOMP_ACTIONS, SECCOMP_ARCHES, SECCOMP_FLAGS, SECCOMP_OPERATORS } from '../../../src/runtime/validate-seccomp';
import { defaultSpec } from '../../helpers/busybox-bundle';

function issues(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof InvalidSpecError) return e.issues.map((i) => i.path);
    throw e;
  }
  throw new Error('expected InvalidSpecError');
}

describe('seccompFilter', () => {
  it('knows every action and operator the validator accepts, and libseccomp names for the bookworm arches', () => {
    for (const a of SECCOMP_ACTIONS) expect(SCMP_ACTION[a]).toBeDefined();
    for (const o of SECCOMP_OPERATORS) expect(SCMP_CMP[o]).toBeDefined();
    const newer = ['SCMP_ARCH_LOONGARCH64', 'SCMP_ARCH_M68K', 'SCMP_ARCH_SH', 'SCMP_ARCH_SHEB'];
    expect(Object.keys(SCMP_ARCH_NAME).sort()).toEqual(SECCOMP_ARCHES.filter((a) => !newer.includes(a)).sort());
    expect(SECCOMP_FLAGS.length).toBe(4);
  });

  it('takes no prototype key ("constructor", "toString"…) for an action, operator, arch or flag', () => {
    const proto = (n: string) => n as never;
    expect(issues(() => seccompFilter({
      defaultAction: proto('constructor'),
      architectures: [proto('toString')],
      flags: [proto('__proto__')],
      syscalls: [{ names: ['read'], action: proto('valueOf') }],
    }))).toEqual(['linux.seccomp.defaultAction', 'linux.seccomp.architectures[0]', 'linux.seccomp.flags[0]', 'linux.seccomp.syscalls[0].action']);
    expect(issues(() => seccompFilter({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['read'], action: 'SCMP_ACT_KILL', args: [{ index: 0, value: 1n, op: proto('hasOwnProperty') }] }],
    }))).toEqual(['linux.seccomp.syscalls[0].args[0].op']);
  });

  it('maps actions with their errno (EPERM when unset), operators, arches and flags', () => {
    const f = seccompFilter({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X86'],
      flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_TSYNC'],
      syscalls: [
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
        { names: ['mkdir'], action: 'SCMP_ACT_ERRNO' },
        { names: ['kill'], action: 'SCMP_ACT_KILL_PROCESS', args: [{ index: 1, value: 9n, op: 'SCMP_CMP_EQ' }] },
        { names: ['clone'], action: 'SCMP_ACT_TRACE', args: [{ index: 0, value: 0x7e020000n, valueTwo: 0n, op: 'SCMP_CMP_MASKED_EQ' }] },
      ],
    });
    expect(f.defaultAction).toBe(0x00050026);
    expect(f.arches).toEqual(['x86_64', 'x86']);
    expect(f.flags).toBe(SECCOMP_FILTER_FLAG.LOG | SECCOMP_FILTER_FLAG.SPEC_ALLOW); // TSYNC dropped
    expect(f.notify).toBe(false);
    expect(f.rules).toEqual([
      { syscall: 'read', action: 0x7fff0000, conditions: [] },
      { syscall: 'write', action: 0x7fff0000, conditions: [] },
      { syscall: 'mkdir', action: 0x00050001, conditions: [] },
      { syscall: 'kill', action: 0x80000000, conditions: [{ index: 1, op: 4, value: 9n, valueTwo: 0n }] },
      { syscall: 'clone', action: 0x7ff00001, conditions: [{ index: 0, op: 7, value: 0x7e020000n, valueTwo: 0n }] },
    ]);
  });

  it('drops rules whose action is the default, splits same-argument conditions into rules', () => {
    const f = seccompFilter({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['getpid'], action: 'SCMP_ACT_ALLOW' },
        { names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1n, op: 'SCMP_CMP_EQ' }, { index: 0, value: 2n, op: 'SCMP_CMP_EQ' }] },
        { names: ['chmod'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1n, op: 'SCMP_CMP_NE' }, { index: 1, value: 2n, op: 'SCMP_CMP_LT' }] },
      ],
    });
    expect(f.rules.map((r) => [r.syscall, r.conditions.map((c) => c.index)])).toEqual([['personality', [0]], ['personality', [0]], ['chmod', [0, 1]]]);
  });

  it('KILL and KILL_THREAD are the same action; NOTIFY asks for a listener', () => {
    expect(seccompFilter({ defaultAction: 'SCMP_ACT_KILL' }).defaultAction).toBe(seccompFilter({ defaultAction: 'SCMP_ACT_KILL_THREAD' }).defaultAction);
    const f = seccompFilter({ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/a.sock', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_NOTIFY' }] });
    expect(f.notify).toBe(true);
    expect(f.flags & SECCOMP_FILTER_FLAG.NEW_LISTENER).toBe(SECCOMP_FILTER_FLAG.NEW_LISTENER);
  });

  it('names the fields it cannot express', () => {
    expect(issues(() => seccompFilter({
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_VAX'],
      flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV', 'NOPE'],
      syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 70000 }, { names: ['x'], action: 'SCMP_ACT_LOG', args: [{ index: 0, value: 0n, op: 'SCMP_CMP_XX' }] }],
    }))).toEqual([
      'linux.seccomp.architectures[0]', 'linux.seccomp.flags[1]', 'linux.seccomp.syscalls[0].action', 'linux.seccomp.syscalls[1].args[0].op', 'linux.seccomp.flags',
    ]);
  });
});

const ctx: PlanContext = {
  id: 'c1', rootfs: '/b/rootfs', bundle: '/b', hostCapLast: 40, stdio: { stdin: -1, stdout: -1, stderr: -1 }, start: { kind: 'pipe' },
};
const profile: Seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] };
const withSeccomp = (nnp: boolean): Spec => {
  const s = defaultSpec(['sh']);
  return { ...s, process: { ...s.process!, noNewPrivileges: nnp }, linux: { ...s.linux, seccomp: profile } };
};
const names = (ops: readonly PlanOp[]) => ops.map((o) => o.op);

describe('the seccomp op in a plan', () => {
  it('with no_new_privs: after it, the cwd and umask, right before the start barrier', () => {
    expect(names(buildPlan(withSeccomp(true), ctx).ops).slice(-6)).toEqual(['noNewPrivs', 'chdir', 'umask', 'seccomp', 'waitStart', 'exec']);
  });

  it('without no_new_privs: before capabilities are dropped and the user is switched (needs CAP_SYS_ADMIN)', () => {
    const ops = names(buildPlan(withSeccomp(false), ctx).ops);
    expect(ops.indexOf('seccomp')).toBe(ops.indexOf('capsBounding') - 1);
    expect(ops.indexOf('seccomp')).toBeGreaterThan(ops.lastIndexOf('setrlimit'));
    expect(ops).not.toContain('noNewPrivs');
  });

  it('carries the mapped filter and is absent without linux.seccomp', () => {
    const op = buildPlan(withSeccomp(true), ctx).ops.find((o) => o.op === 'seccomp');
    expect(op).toMatchObject({ filter: { defaultAction: 0x7fff0000, rules: [{ syscall: 'mkdir' }] } });
    expect(op?.step).toBe('load seccomp filter (default SCMP_ACT_ALLOW, 1 rules)');
    expect(names(buildPlan(defaultSpec(['sh']), ctx).ops)).not.toContain('seccomp');
  });

  it('an exec gets the container\'s filter', () => {
    const spec: Spec = { ociVersion: '1.2.0', process: defaultSpec(['sh']).process };
    const plan = buildProcessPlan(spec, {
      id: 'c1', initPid: 42, namespaceTypes: ['mount', 'pid'], hostCapLast: 40, stdio: { stdin: -1, stdout: -1, stderr: -1 }, start: { kind: 'pipe' }, seccomp: profile,
    });
    expect(names(plan.ops).slice(-3)).toEqual(['seccomp', 'waitStart', 'exec']);
  });

  it('an inexpressible profile is an InvalidSpecError of the plan', () => {
    const spec = withSeccomp(true);
    const bad = { ...spec, linux: { ...spec.linux, seccomp: { ...profile, flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] } } };
    expect(issues(() => buildPlan(bad, ctx))).toEqual(['linux.seccomp.flags']);
  });
});

describe('encoding the seccomp op', () => {
  const base: Omit<LaunchPlan, 'ops'> = { id: 'c1', cloneFlags: 0, joinPidNs: null, rootfs: null, namespaces: [], uidMappings: [], gidMappings: [], start: { kind: 'pipe' } };
  const filter = seccompFilter(profile);

  it('flags, then each 8-byte instruction as one int with the same bytes', () => {
    // ld [4] (arch); ret ALLOW
    const full = Buffer.from('2000000004000000' + '060000000000ff7f', 'hex');
    const d = decodePlan(encodePlan({ ...base, ops: [{ op: 'seccomp', step: 's', filter: { ...filter, flags: 6 }, program: full }] }));
    expect(d.ops[0]?.code).toBe(OP_CODES.seccomp);
    expect(d.ops[0]?.code).toBe(32);
    const back = Buffer.alloc(16);
    d.ops[0]?.ints.slice(1).forEach((v, i) => back.writeBigInt64LE(v, i * 8));
    expect(d.ops[0]?.ints[0]).toBe(6n);
    expect(back.equals(full)).toBe(true);
  });

  it('refuses an uncompiled, ragged or oversized program', () => {
    const enc = (program?: Uint8Array) => () => encodePlan({ ...base, ops: [{ op: 'seccomp', step: 'load', filter, ...(program ? { program } : {}) }] });
    expect(enc()).toThrow(/load: the seccomp program is not compiled/);
    expect(enc(Buffer.alloc(12))).toThrow(/8-byte instructions/);
    expect(enc(Buffer.alloc(8 * (SECCOMP_MAX_INSNS + 1)))).toThrow(/at most 4096/);
  });
});
