import { seccompAllowsExecveat } from '../../../src/runtime/exec-trampoline';
import { buildPlan } from '../../../src/runtime/plan';
import { opArgs } from '../../../src/runtime/encode';
import type { Seccomp } from '../../../src/runtime/spec';
import { defaultSpec } from '../../helpers/busybox-bundle';

const allow = (names: string[], action = 'SCMP_ACT_ALLOW', args?: Seccomp['syscalls']): Seccomp => ({
  defaultAction: 'SCMP_ACT_ERRNO',
  syscalls: [{ names, action }, ...(args ?? [])],
});

describe('seccompAllowsExecveat (whether the exec trampoline can run)', () => {
  it('no filter, or a default that lets it through', () => {
    expect(seccompAllowsExecveat(undefined)).toBe(true);
    expect(seccompAllowsExecveat({ defaultAction: 'SCMP_ACT_ALLOW' })).toBe(true);
    expect(seccompAllowsExecveat({ defaultAction: 'SCMP_ACT_LOG', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_ERRNO' }] })).toBe(true);
  });
  it('an allow-list naming execveat (containerd / Docker defaults)', () => {
    expect(seccompAllowsExecveat(allow(['execve', 'execveat', 'read']))).toBe(true);
  });
  it('not when the profile kills, refuses or only conditionally allows it', () => {
    expect(seccompAllowsExecveat(allow(['execve']))).toBe(false);
    expect(seccompAllowsExecveat({ defaultAction: 'SCMP_ACT_KILL', syscalls: [{ names: ['execve'], action: 'SCMP_ACT_ALLOW' }] })).toBe(false);
    expect(seccompAllowsExecveat({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['execveat'], action: 'SCMP_ACT_NOTIFY' }] })).toBe(false);
    expect(seccompAllowsExecveat(allow([], 'SCMP_ACT_ALLOW', [{ names: ['execveat'], action: 'SCMP_ACT_ALLOW', args: [{ index: 4, value: 0n, op: 'SCMP_CMP_EQ' }] }]))).toBe(false);
  });
});

describe('the exec op', () => {
  const ctx = { id: 'c', rootfs: '/r', bundle: '/b', hostCapLast: 40, stdio: { stdin: -1, stdout: -1, stderr: 2 }, start: { kind: 'pipe' as const } };
  it('goes through the trampoline by default and directly when the profile refuses execveat', () => {
    const plain = buildPlan(defaultSpec(['true']), ctx).ops.at(-1);
    expect(plain).toMatchObject({ op: 'exec', path: 'true' });
    expect(plain).not.toHaveProperty('direct');
    const spec = defaultSpec(['true']);
    const refusing = { ...spec, linux: { ...spec.linux, seccomp: allow(['execve', 'read']) } };
    const direct = buildPlan(refusing, ctx).ops.at(-1)!;
    expect(direct).toMatchObject({ op: 'exec', direct: true });
    // native/ reads int 1 of the exec op as "direct"
    expect(opArgs(direct).ints.map(Number)).toEqual([1, 1]);
    expect(opArgs(plain!).ints.map(Number)).toEqual([1]);
  });
});
