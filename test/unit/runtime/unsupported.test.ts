import { UnimplementedError } from '../../../src/errors';
import { CURRENT_IMPLEMENTATION, type Implementation } from '../../../src/runtime/features';
import { assertImplemented, unsupportedFeatures } from '../../../src/runtime/unsupported';
import { validateSpec } from '../../../src/runtime/validate';
import { fixture, runcSpecWith } from './helpers';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const paths = (raw: Json, impl?: Implementation): string[] => unsupportedFeatures(validateSpec(raw), impl).map((i) => i.path);

test('runc and containerd default configs need nothing tsrun lacks', () => {
  for (const name of ['runc-spec.json', 'runc-spec-rootless.json', 'containerd-1.6-ctr-run.json', 'containerd-1.6-ctr-run-privileged.json', 'cri-guaranteed-userns.json']) {
    expect([name, paths(fixture(name))]).toEqual([name, []]);
  }
});

test('CRI RuntimeDefault seccomp is accepted, and refused with seccomp off', () => {
  expect(paths(fixture('cri-besteffort-container.json'))).toEqual([]);
  expect(paths(fixture('cri-besteffort-container.json'), { ...CURRENT_IMPLEMENTATION, seccomp: false })).toEqual(['linux.seccomp']);
});

test('SCMP_ACT_NOTIFY is refused while notify is not implemented', () => {
  const raw = runcSpecWith((s) => (s.linux.seccomp = {
    defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/agent.sock',
    syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }, { names: ['mount'], action: 'SCMP_ACT_NOTIFY' }],
  }));
  expect(paths(raw, { ...CURRENT_IMPLEMENTATION, seccompNotify: false })).toEqual(['linux.seccomp.syscalls[1].action']);
  expect(paths(raw, { ...CURRENT_IMPLEMENTATION, seccompNotify: true })).toEqual([]);
});

test('each unimplemented feature is named with its path', () => {
  const raw = runcSpecWith((s) => {
    s.process.apparmorProfile = 'docker-default';
    s.process.selinuxLabel = 'system_u:system_r:container_t:s0';
    s.process.scheduler = { policy: 'SCHED_BATCH' };
    s.process.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 7 };
    s.process.execCPUAffinity = { initial: '0' };
    s.mounts.push({ destination: '/x', source: '/y', type: 'bind', options: ['rbind'], uidMappings: [{ containerID: 0, hostID: 1, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1, size: 1 }] });
    s.linux.namespaces.push({ type: 'time' });
    s.linux.mountLabel = 'x';
    s.linux.intelRdt = { closID: 'g' };
    s.linux.netDevices = { eth1: {} };
    s.linux.memoryPolicy = { mode: 'MPOL_LOCAL' };
    s.linux.personality = { domain: 'LINUX32' };
    s.linux.resources.rdma = { mlx5_0: { hcaHandles: 1 } };
  });
  expect(paths(raw)).toEqual([
    'process.scheduler',
    'process.ioPriority',
    'process.execCPUAffinity',
    'linux.intelRdt',
    'linux.netDevices',
    'linux.memoryPolicy',
    'linux.personality',
    'linux.resources.rdma',
  ]);
});

test('assertImplemented throws UnimplementedError with the fix', () => {
  const spec = validateSpec(runcSpecWith((s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW' })));
  const off: Implementation = { ...CURRENT_IMPLEMENTATION, seccomp: false };
  expect(() => assertImplemented(spec)).not.toThrow();
  expect(() => assertImplemented(spec, off)).toThrow(UnimplementedError);
  expect(() => assertImplemented(spec, off)).toThrow('config.json: linux.seccomp: seccomp filtering is not implemented by tsrun yet; remove linux.seccomp (runs unconfined)');
  expect(() => assertImplemented(validateSpec(fixture('runc-spec.json')))).not.toThrow();
});

test('AppArmor profile "unconfined" (Docker\'s --privileged / apparmor=unconfined) needs nothing', () => {
  expect(paths(runcSpecWith((s) => (s.process.apparmorProfile = 'unconfined')))).toEqual([]);
  // a build without AppArmor support lists any other profile (this one applies them when the host has AppArmor)
  expect(paths(runcSpecWith((s) => (s.process.apparmorProfile = 'docker-default')), { ...CURRENT_IMPLEMENTATION, apparmor: false })).toEqual(['process.apparmorProfile']);
});

test('a disabled hook list is refused', () => {
  const impl: Implementation = { ...CURRENT_IMPLEMENTATION, hooks: { ...CURRENT_IMPLEMENTATION.hooks, prestart: false } };
  expect(paths(runcSpecWith((s) => (s.hooks = { prestart: [{ path: '/bin/true' }] })), impl)).toEqual(['hooks.prestart']);
});
