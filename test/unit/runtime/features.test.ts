// The features document against `runc features` (runc 1.1.5 here, fixtures/runc-features.json): same
// shape and vocabulary, with values describing what tsrun implements.
import { CURRENT_IMPLEMENTATION, featuresDocument, formatFeatures, type Implementation } from '../../../src/runtime/features';
import { fixture } from './helpers';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const runc = fixture('runc-features.json') as Json;
const ours = featuresDocument({ version: '0.1.0', commit: 'abc' }) as Json;

test('version range covers runtime-spec 1.0.0 to 1.3.0', () => {
  expect(ours.ociVersionMin).toBe('1.0.0');
  expect(ours.ociVersionMax).toBe('1.3.0');
});

test('top-level and linux keys are the ones runc prints (plus 1.3 additions)', () => {
  for (const k of Object.keys(runc)) expect(ours).toHaveProperty(k);
  for (const k of Object.keys(runc.linux)) expect(ours.linux).toHaveProperty(k);
  expect(Object.keys(ours)).toEqual(['ociVersionMin', 'ociVersionMax', 'hooks', 'mountOptions', 'linux', 'annotations', 'potentiallyUnsafeConfigAnnotations']);
});

test('hooks and capabilities match runc', () => {
  expect(ours.hooks).toEqual(runc.hooks);
  expect(ours.linux.capabilities).toEqual(runc.linux.capabilities);
});

test('namespaces: runc order, with time (runc 1.2 added it; the fixture is runc 1.1.5)', () => {
  expect(ours.linux.namespaces).toEqual(['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts']);
  expect(ours.linux.namespaces.filter((n: string) => n !== 'time')).toEqual(runc.linux.namespaces);
});

test('mount options are a sorted subset of the names runc recognises', () => {
  expect(ours.mountOptions).toEqual([...ours.mountOptions].sort());
  // runc 1.2 added "idmap" and "ridmap" (id-mapped mounts); the fixture is runc 1.1.5's list
  for (const o of ours.mountOptions as string[]) if (o !== 'idmap' && o !== 'ridmap') expect(runc.mountOptions).toContain(o);
  expect(ours.mountOptions).toEqual(expect.arrayContaining(['idmap', 'ridmap']));
  expect(ours.mountOptions).toEqual(expect.arrayContaining(['ro', 'nosuid', 'bind', 'rbind', 'rprivate']));
});

test('what is not implemented says false, not absent', () => {
  expect((featuresDocument({}, { ...CURRENT_IMPLEMENTATION, seccomp: false }) as Json).linux.seccomp).toEqual({ enabled: false });
  // AppArmor/SELinux: supported (applied when the host has them), as runc reports it whatever the host
  expect(ours.linux.apparmor).toEqual({ enabled: true });
  expect(ours.linux.selinux).toEqual({ enabled: true });
  expect(featuresDocument({}, { ...CURRENT_IMPLEMENTATION, apparmor: false }).linux?.apparmor).toEqual({ enabled: false });
  expect(ours.linux.mountExtensions).toEqual({ idmap: { enabled: true } });
  expect(ours.linux.cgroup).toEqual({ v1: true, v2: true, systemd: false, systemdUser: false, rdma: false });
  expect(ours.potentiallyUnsafeConfigAnnotations).toEqual([]);
  expect(ours.annotations).toEqual({ 'org.tsrun.version': '0.1.0', 'org.tsrun.commit': 'abc', 'org.tsrun.checkpoint.enabled': 'true' });
});

test('flipping a flag changes the document', () => {
  const impl: Implementation = { ...CURRENT_IMPLEMENTATION, seccomp: true, seccompNotify: true, memoryPolicy: true, namespaces: { ...CURRENT_IMPLEMENTATION.namespaces, time: true } };
  const doc = featuresDocument({}, impl) as Json;
  expect(doc.linux.seccomp.enabled).toBe(true);
  expect(doc.linux.seccomp.actions).toEqual(runc.linux.seccomp.actions);
  expect(doc.linux.seccomp.operators).toEqual(runc.linux.seccomp.operators);
  for (const a of runc.linux.seccomp.archs as string[]) expect(doc.linux.seccomp.archs).toContain(a);
  expect(doc.linux.namespaces).toContain('time');
  expect(doc.linux.memoryPolicy.modes).toContain('MPOL_BIND');
});

test('seccomp: what libseccomp 2.5 and tsrun support; notify only when implemented', () => {
  const s = ours.linux.seccomp;
  expect(s.enabled).toBe(true);
  expect(s.actions).toEqual(runc.linux.seccomp.actions.filter((a: string) => CURRENT_IMPLEMENTATION.seccompNotify || a !== 'SCMP_ACT_NOTIFY'));
  expect(s.operators).toEqual(runc.linux.seccomp.operators);
  expect(s.archs).toEqual([...runc.linux.seccomp.archs, 'SCMP_ARCH_PARISC', 'SCMP_ARCH_PARISC64', 'SCMP_ARCH_RISCV64'].sort());
  expect(s.supportedFlags).toEqual(expect.arrayContaining(['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW']));
  for (const f of s.supportedFlags as string[]) expect(s.knownFlags).toContain(f);
});

test('printed like runc: 4-space indent and a newline', () => {
  const text = formatFeatures(featuresDocument());
  expect(text).toMatch(/^\{\n {4}"ociVersionMin": "1.0.0",\n/);
  expect(text.endsWith('}\n')).toBe(true);
});

test('the host\'s LSM state is an annotation: what this host will refuse', () => {
  expect(featuresDocument({ hostLsm: { apparmor: false, selinux: false } }).annotations).toMatchObject({
    'org.tsrun.host.apparmor': 'disabled (process.apparmorProfile is refused)',
    'org.tsrun.host.selinux': 'disabled (process.selinuxLabel and linux.mountLabel are refused)',
  });
  expect(featuresDocument({ hostLsm: { apparmor: true, selinux: false } }).annotations?.['org.tsrun.host.apparmor']).toBe('enabled');
});
