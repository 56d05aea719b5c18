// `tsrun spec` output against `runc spec` (runc 1.1.5, captured here into fixtures/runc-spec*.json):
// identical text except the documented differences in src/runtime/default-spec.ts.
import { defaultSpec, formatSpec } from '../../../src/runtime/default-spec';
import { validateSpec } from '../../../src/runtime/validate';
import { fixture, fixtureText } from './helpers';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** runc's output with tsrun's deliberate differences applied (assignment keeps key order). */
function expectedFrom(name: string): Json {
  const s = fixture(name) as Json;
  s.ociVersion = '1.3.0';
  s.hostname = 'tsrun';
  delete s.process.capabilities.ambient;
  return s;
}

test('matches runc spec except ociVersion, hostname and ambient capabilities', () => {
  expect(formatSpec(defaultSpec())).toBe(formatSpec(expectedFrom('runc-spec.json') as never));
});

test('rootless matches runc spec --rootless (host ids 0, as captured as root)', () => {
  expect(formatSpec(defaultSpec({ rootless: true, hostUid: 0, hostGid: 0 }))).toBe(formatSpec(expectedFrom('runc-spec-rootless.json') as never));
});

test('formatted like runc: tab indent, no trailing newline', () => {
  const runc = fixtureText('runc-spec.json');
  const ours = formatSpec(defaultSpec());
  expect(ours.split('\n')[1]).toBe(runc.split('\n')[1]!.replace('1.0.2-dev', '1.3.0'));
  expect(ours.endsWith('}')).toBe(true);
  expect(ours.split('\n')).toHaveLength(runc.split('\n').length - 5);
});

test('rootless maps the given host ids and drops network namespace and resources', () => {
  const spec = defaultSpec({ rootless: true, hostUid: 1000, hostGid: 1001 });
  expect(spec.linux?.uidMappings).toEqual([{ containerID: 0, hostID: 1000, size: 1 }]);
  expect(spec.linux?.gidMappings).toEqual([{ containerID: 0, hostID: 1001, size: 1 }]);
  expect(spec.linux?.namespaces?.map((n) => n.type)).toEqual(['pid', 'ipc', 'uts', 'mount', 'user']);
  expect(spec.linux?.resources).toBeUndefined();
  expect(spec.mounts?.find((m) => m.destination === '/dev/pts')?.options).not.toContain('gid=5');
});

test('cgroup namespace on request (runc adds it on cgroup v2 hosts)', () => {
  expect(defaultSpec({ cgroupNamespace: true }).linux?.namespaces?.at(-1)).toEqual({ type: 'cgroup' });
  expect(defaultSpec({ rootless: true, cgroupNamespace: true, hostUid: 0, hostGid: 0 }).linux?.namespaces?.map((n) => n.type)).toEqual(['pid', 'ipc', 'uts', 'mount', 'cgroup', 'user']);
});

test('the default specs validate', () => {
  expect(validateSpec(defaultSpec())).toEqual(defaultSpec());
  expect(() => validateSpec(defaultSpec({ rootless: true, hostUid: 1000, hostGid: 1000 }))).not.toThrow();
});

test('each call returns a fresh object', () => {
  const a = defaultSpec();
  (a.mounts as { destination: string }[])[0]!.destination = '/changed';
  expect(defaultSpec().mounts?.[0]?.destination).toBe('/proc');
});
