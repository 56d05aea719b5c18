// Real-world configs: runc's example specs, configs containerd 1.6 wrote for `ctr run` (captured from a
// private containerd with runc), and hand-written CRI-style ones. All must validate; checks on
// what comes out (bigint 64-bit fields, unknown fields dropped, normalisations).
import { validateSpec } from '../../../src/runtime/validate';
import { fixture, issuesOf } from './helpers';

const CONFIGS = [
  'runc-spec.json',
  'runc-spec-rootless.json',
  'containerd-1.6-ctr-run.json',
  'containerd-1.6-ctr-run-privileged.json',
  'cri-besteffort-container.json',
  'cri-guaranteed-userns.json',
];

describe('real-world configs validate', () => {
  test.each(CONFIGS)('%s', (name) => {
    expect(issuesOf(fixture(name))).toEqual([]);
  });
});

describe('validated output', () => {
  test('runc spec keeps every field it sets', () => {
    const spec = validateSpec(fixture('runc-spec.json'));
    expect(spec.ociVersion).toBe('1.0.2-dev');
    expect(spec.process?.args).toEqual(['sh']);
    expect(spec.process?.rlimits).toEqual([{ type: 'RLIMIT_NOFILE', hard: 1024n, soft: 1024n }]);
    expect(spec.root).toEqual({ path: 'rootfs', readonly: true });
    expect(spec.mounts).toHaveLength(7);
    expect(spec.mounts?.[0]).toEqual({ destination: '/proc', type: 'proc', source: 'proc' });
    expect(spec.linux?.namespaces?.map((n) => n.type)).toEqual(['pid', 'network', 'ipc', 'uts', 'mount']);
    expect(spec.linux?.resources?.devices).toEqual([{ allow: false, access: 'rwm' }]);
  });

  test('CRI memory "unlimited" and uint64 values stay exact as bigint', () => {
    const spec = validateSpec(fixture('cri-besteffort-container.json'));
    expect(spec.linux?.resources?.memory?.limit).toBe(9223372036854771712n);
    expect(spec.linux?.resources?.cpu).toEqual({ shares: 2n, quota: -1n, period: 100000n });
    expect(spec.linux?.resources?.pids?.limit).toBe(4096n);
    expect(spec.linux?.seccomp?.syscalls?.[1]?.args?.[0]?.value).toBe(4294967295n);
    expect(spec.linux?.cgroupsPath).toBe('kubepods-besteffort-pod0f1e.slice:cri-containerd:def');
    expect(spec.linux?.namespaces?.[4]).toEqual({ type: 'network', path: '/var/run/netns/cni-1234-5678' });
    expect(spec.linux?.sysctl?.['net/ipv4/ping_group_range']).toBe('0 2147483647');
  });

  test('RLIM_INFINITY survives', () => {
    const spec = validateSpec(fixture('cri-guaranteed-userns.json'));
    expect(spec.process?.rlimits?.[1]).toEqual({ type: 'RLIMIT_CORE', hard: 18446744073709551615n, soft: 0n });
    expect(spec.linux?.devices?.[0]).toEqual({ path: '/dev/net/tun', type: 'c', major: 10, minor: 200, fileMode: 438, uid: 0, gid: 0 });
    expect(spec.hooks?.createRuntime?.[0]?.timeout).toBe(5);
  });

  test('unknown fields are dropped, null counts as absent', () => {
    const raw = fixture('runc-spec.json') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    raw.windows = { layerFolders: [] };
    raw.process.futureField = 1;
    raw.linux.seccomp = null;
    raw.hooks = null;
    const spec = validateSpec(raw);
    expect(spec).not.toHaveProperty('windows');
    expect(spec.process).not.toHaveProperty('futureField');
    expect(spec.linux).not.toHaveProperty('seccomp');
    expect(spec).not.toHaveProperty('hooks');
  });

  test('plain JSON.parse numbers are accepted and converted to bigint', () => {
    const spec = validateSpec(JSON.parse(JSON.stringify(fixture('runc-spec.json'), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))));
    expect(spec.process?.rlimits?.[0]?.hard).toBe(1024n);
  });

  test('device rule major/minor -1 means any and is normalised away', () => {
    const raw = fixture('runc-spec.json') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    raw.linux.resources.devices.push({ allow: true, type: 'c', major: -1, minor: -1, access: 'm' });
    expect(validateSpec(raw).linux?.resources?.devices?.[1]).toEqual({ allow: true, type: 'c', access: 'm' });
  });
});
