// Device control with real containers on this host (root): the v1 devices cgroup (devices.allow /
// devices.deny written by the v1 manager) and linux.devices created in the container's /dev.
// The v2 eBPF filter is tested in the cgroup v2 guest (test/guest/devices-v2.guest.ts).
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { detectCgroupHost, openCgroup, withRuncDefaultDeviceRules, type CgroupManager } from '../../../src/cgroups';
import type { DeviceCgroupRule, Spec } from '../../../src/runtime/spec';
import { defaultSpec, makeBusyboxBundle, type Bundle } from '../../helpers/busybox-bundle';
import { runContainer } from '../../helpers/run-container';

const host = detectCgroupHost();
const base = `/tsrun-devices-${process.pid}-${randomBytes(3).toString('hex')}`;
const made: CgroupManager[] = [];
let bundle: Bundle;

beforeAll(() => {
  bundle = makeBusyboxBundle();
});
afterAll(async () => {
  for (const cg of made.reverse()) await cg.destroy().catch(() => undefined);
  await openCgroup(host, base).destroy();
  bundle.cleanup();
  expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(bundle.dir);
});

const CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_MKNOD'];
function sh(script: string, linux: Partial<NonNullable<Spec['linux']>> = {}): Spec {
  const s = defaultSpec(['sh', '-c', script]);
  return {
    ...s,
    process: { ...s.process!, capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS } },
    linux: { ...s.linux, ...linux },
  };
}

/** A cgroup with these device rules; the container joins every hierarchy of it. */
async function cgroupWith(name: string, devices: DeviceCgroupRule[]): Promise<string[]> {
  const cg = openCgroup(host, `${base}/${name}`);
  made.push(cg);
  await cg.create({ devices });
  return [...cg.dirs.values()];
}

const DENY_ALL: DeviceCgroupRule = { allow: false, access: 'rwm' };
const EPERM = /Operation not permitted/;

describe('v1 devices cgroup', () => {
  it('runs on a host with the v1 devices controller', () => {
    // This file's cgroup tests are for v1/hybrid hosts (this machine and CI); on a pure v2 host
    // the guest suite covers device control instead, and this expectation says where to look.
    expect(host.v1.some((m) => m.controllers.includes('devices'))).toBe(true);
  });

  it("denies opening a block device the container made with mknod, and allows /dev/null (runc's default rules)", async () => {
    const join = await cgroupWith('deny', withRuncDefaultDeviceRules([DENY_ALL]));
    const script = [
      'busybox mknod /dev/sdz b 8 0 && echo mknod-ok',
      'head -c1 /dev/sdz || echo sda-denied',
      'echo x > /dev/null && head -c0 /dev/null && echo null-ok',
      'head -c4 /dev/zero | wc -c',
    ].join('; ');
    const r = await runContainer(bundle, sh(script), { cgroup: { join } });
    expect(r.stdout).toBe('mknod-ok\nsda-denied\nnull-ok\n4\n');
    expect(r.stderr).toMatch(EPERM);
    expect(r.status).toBe(0);
  });

  it('denies mknod without "m" access, and a device outside the rules after all', async () => {
    const std = ([[1, 3], [1, 5], [1, 7], [1, 8], [1, 9], [5, 0]] as const).map(([major, minor]): DeviceCgroupRule => ({ allow: true, type: 'c', major, minor, access: 'rwm' }));
    const join = await cgroupWith('nomknod', [DENY_ALL, ...std]);
    const r = await runContainer(bundle, sh('busybox mknod /dev/sdz b 8 0 || echo mknod-denied; cat /dev/null && echo null-ok'), { cgroup: { join } });
    expect(r.stdout).toBe('mknod-denied\nnull-ok\n');
    expect(r.stderr).toMatch(EPERM);
  });

  it("needs runc's default rules for a `runc spec` config (deny-all only): without them stdio cannot open /dev/null", async () => {
    const bare = await cgroupWith('bare', [DENY_ALL]);
    await expect(runContainer(bundle, sh('echo hi'), { cgroup: { join: bare } })).rejects.toThrow(/set up stdio: EPERM/);
    const withDefaults = await cgroupWith('runc', withRuncDefaultDeviceRules([DENY_ALL]));
    const r = await runContainer(bundle, sh('echo hi'), { cgroup: { join: withDefaults } });
    expect(r).toMatchObject({ status: 0, stdout: 'hi\n' });
  });

  it('applies the last matching rule: a later deny of /dev/zero reads wins over an allow', async () => {
    const join = await cgroupWith('lastwins', withRuncDefaultDeviceRules([DENY_ALL]).concat([{ allow: false, type: 'c', major: 1, minor: 5, access: 'r' }]));
    const r = await runContainer(bundle, sh('head -c1 /dev/zero >/dev/null || echo zero-denied; echo x > /dev/zero && echo zero-write-ok'), { cgroup: { join } });
    expect(r.stdout).toBe('zero-denied\nzero-write-ok\n');
  });
});

describe('linux.devices', () => {
  const devices: NonNullable<NonNullable<Spec['linux']>['devices']> = [
    { path: '/dev/xvdz', type: 'b', major: 8, minor: 0, fileMode: 0o640, uid: 1000, gid: 1001 },
    { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 },
    { path: '/dev/net/tun', type: 'c', major: 10, minor: 200, fileMode: 0o600 },
    { path: '/dev/kfifo', type: 'p', fileMode: 0o620, uid: 7, gid: 8 },
  ];
  const STAT = 'stat -c "%n %F %t:%T %a %u:%g" /dev/xvdz /dev/fuse /dev/net/tun /dev/kfifo';

  it('creates them with the right type, major/minor, mode and owner', async () => {
    const r = await runContainer(bundle, sh(STAT, { devices }));
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual([
      '/dev/xvdz block special file 8:0 640 1000:1001',
      '/dev/fuse character special file a:e5 666 0:0',
      '/dev/net/tun character special file a:c8 600 0:0',
      '/dev/kfifo fifo 0:0 620 7:8',
      '',
    ]);
  });

  it('binds them from the host in a user namespace, where mknod is not allowed', async () => {
    fs.chmodSync(bundle.dir, 0o755);
    const spec = sh('stat -c "%n %t:%T" /dev/full /dev/null; echo x > /dev/null && echo null-ok; grep -c " /dev/full " /proc/self/mountinfo', {
      devices: [{ path: '/dev/full', type: 'c', major: 1, minor: 7, fileMode: 0o666 }],
      namespaces: [...defaultSpec([]).linux!.namespaces!, { type: 'user' }],
      uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
      gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
    });
    const r = await runContainer(bundle, spec);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('/dev/full 1:7\n/dev/null 1:3\nnull-ok\n1\n');
  });
});
