// process.apparmorProfile / selinuxLabel and linux.mountLabel: applied when the host has the LSM
// (a write to the process's own /proc/thread-self/attr before execve, context= on labelled mounts),
// refused naming the field when it has not (runc 1.1.5 fails those containers too: see
// test/integration/runtime/lsm.test.ts).
import { InvalidSpecError } from '../../../src/errors';
import { buildPlan, buildProcessPlan, type HostLsmState, type PlanContext } from '../../../src/runtime/plan';
import type { PlanOp } from '../../../src/runtime/plan-types';
import { validateSpec } from '../../../src/runtime/validate';
import { runcSpecWith } from './helpers';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const NONE: HostLsmState = { apparmor: false, selinux: false };
const BOTH: HostLsmState = { apparmor: true, selinux: true };
const ctx: PlanContext = { id: 'c', rootfs: '/b/rootfs', bundle: '/b', hostCapLast: 40, stdio: { stdin: -1, stdout: -1, stderr: -1 }, start: { kind: 'pipe' } };

const plan = (mutate: (s: Json) => void, lsm?: HostLsmState) => buildPlan(validateSpec(runcSpecWith(mutate)), { ...ctx, ...(lsm ? { lsm } : {}) });
function issues(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof InvalidSpecError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  return [];
}
const writes = (ops: readonly PlanOp[]) => ops.filter((o): o is Extract<PlanOp, { op: 'writeFile' }> => o.op === 'writeFile' && o.path.includes('/attr/'));

describe('on a host with AppArmor and SELinux', () => {
  it('sets the exec labels before the capabilities and the user change', () => {
    const ops = plan((s) => {
      s.process.apparmorProfile = 'docker-default';
      s.process.selinuxLabel = 'system_u:system_r:container_t:s0';
    }, BOTH).ops;
    expect(writes(ops).map((o) => [o.path, o.data])).toEqual([
      ['/proc/thread-self/attr/apparmor/exec', 'exec docker-default'],
      ['/proc/thread-self/attr/exec', 'system_u:system_r:container_t:s0'],
    ]);
    const last = ops.findIndex((o) => o.op === 'writeFile' && o.path === '/proc/thread-self/attr/exec');
    expect(last).toBeLessThan(ops.findIndex((o) => o.op === 'setresuid' && o.step === 'set uid 0'));
    expect(last).toBeGreaterThan(ops.findIndex((o) => o.op === 'pivotRoot'));
  });

  it('mounts tmpfs and devpts with the mount label as context=, not proc, sysfs, mqueue or binds', () => {
    const ops = plan((s) => {
      s.linux.mountLabel = 'system_u:object_r:container_file_t:s0';
      s.mounts.push({ destination: '/data', source: '/srv', type: 'bind', options: ['rbind'] });
    }, BOTH).ops;
    const data = Object.fromEntries(ops.filter((o): o is Extract<PlanOp, { op: 'mount' }> => o.op === 'mount' && o.fstype !== null).map((o) => [o.target, o.data]));
    expect(data['/dev']).toBe('mode=755,size=65536k,context="system_u:object_r:container_file_t:s0"');
    expect(data['/dev/pts']).toMatch(/,context="system_u:object_r:container_file_t:s0"$/);
    expect(data['/dev/shm']).toMatch(/,context=/);
    expect(data['/proc']).toBeNull();
    expect(data['/sys']).toBeNull();
    expect(data['/dev/mqueue']).toBeNull();
    expect(ops.find((o) => o.op === 'mount' && o.target === '/data')).toMatchObject({ data: null });
  });

  it('an exec gets its own process labels', () => {
    const p = buildProcessPlan({ ociVersion: '1.2.0', process: { ...validateSpec(runcSpecWith(() => {})).process!, apparmorProfile: 'p' } }, {
      id: 'e', initPid: 1, namespaceTypes: ['mount'], hostCapLast: 40, stdio: { stdin: -1, stdout: -1, stderr: -1 }, start: { kind: 'pipe' }, lsm: BOTH,
    });
    expect(writes(p.ops).map((o) => o.data)).toEqual(['exec p']);
  });
});

describe('on a host without them (this VM)', () => {
  it('refuses each field with the reason and the fix', () => {
    expect(issues(() => plan((s) => {
      s.process.apparmorProfile = 'docker-default';
      s.process.selinuxLabel = 'system_u:system_r:container_t:s0';
      s.linux.mountLabel = 'system_u:object_r:container_file_t:s0';
    }, NONE))).toEqual([
      'linux.mountLabel: cannot be applied to mounts[1] (tmpfs): SELinux is disabled or not supported on this host, and the kernel refuses the context= mount option; remove mountLabel or enable SELinux',
      'process.apparmorProfile: cannot be applied: AppArmor is not enabled on this host (/sys/module/apparmor/parameters/enabled); remove apparmorProfile or enable AppArmor',
      'process.selinuxLabel: cannot be applied: SELinux is disabled or not supported on this host; remove selinuxLabel or enable SELinux',
    ]);
  });

  it('"unconfined" needs no AppArmor (Docker\'s --privileged), and is applied where there is AppArmor', () => {
    expect(issues(() => plan((s) => {
      s.process.apparmorProfile = 'unconfined';
    }, NONE))).toEqual([]);
    expect(writes(plan((s) => {
      s.process.apparmorProfile = 'unconfined';
    }, BOTH).ops).map((o) => o.data)).toEqual(['exec unconfined']);
  });

  it('a context without lsm means neither; empty strings are no request', () => {
    expect(issues(() => plan((s) => {
      s.process.apparmorProfile = 'x';
    }))).toHaveLength(1);
    expect(issues(() => plan((s) => {
      s.process.apparmorProfile = '';
      s.process.selinuxLabel = '';
      s.linux.mountLabel = '';
    }, NONE))).toEqual([]);
  });

  it('a mount label with only unlabelled filesystems is harmless (runc mounts those without it)', () => {
    expect(issues(() => plan((s) => {
      s.mounts = s.mounts.filter((m: Json) => ['proc', 'sysfs', 'mqueue'].includes(m.type));
      s.linux.mountLabel = 'l';
    }, NONE))).toEqual([]);
  });
});
