// Pure planning of CRIU invocations: external mounts from mountinfo, stdio keys, dump/restore argv,
// and the errors that name the field and the fix.
import { externalMounts, externalMountSources, parseMountInfo, planDump, planRestore, stdioKeys } from '../../../src/checkpoint/plan';
import { describeCriuFailure, resolveCriu } from '../../../src/checkpoint/criu';
import { checkpointOptionsOf } from '../../../src/shim/task-checkpoint';
import { CheckpointOptions as RuncCheckpointOptions } from '../../../src/gen/types/runc/options/oci';
import { FailedPreconditionError, InvalidArgumentError, UnimplementedError } from '../../../src/errors';
import type { Spec } from '../../../src/runtime/spec';

// A tsrun container on a hybrid host, as its init sees it (trimmed): rootfs bind, proc with a
// read-only /proc/sys bind, /dev tmpfs, /dev/null over /proc/kcore, v1 cgroup binds, a host file bind.
const MOUNTINFO = [
  '500 400 254:0 /tmp/b/rootfs / rw,relatime - ext4 /dev/vda rw',
  '501 500 0:90 / /proc rw,nosuid - proc proc rw',
  '502 501 0:90 /sys /proc/sys ro,nosuid - proc proc rw',
  '503 500 0:91 / /dev rw,nosuid - tmpfs tmpfs rw',
  '504 501 0:5 /null /proc/kcore rw - devtmpfs udev rw',
  '505 500 0:92 / /sys ro - sysfs sysfs ro',
  '506 505 0:93 / /sys/fs/cgroup rw - tmpfs tmpfs rw',
  '507 506 0:30 /tsrun/c1 /sys/fs/cgroup/cpu ro - cgroup cgroup rw,cpu',
  '508 506 0:31 /tsrun/c1 /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory',
  '509 500 254:0 /srv/data /data rw - ext4 /dev/vda rw',
  '510 500 254:0 /tmp/b/rootfs/etc/hosts /etc/hosts rw - ext4 /dev/vda rw',
  '511 500 0:94 / /dev/my\\040dir rw - mqueue mqueue rw',
].join('\n');

const spec: Spec = {
  ociVersion: '1.0.2',
  root: { path: 'rootfs' },
  process: { cwd: '/', args: ['sh'], user: { uid: 0, gid: 0 } },
  mounts: [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup' },
    { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind'] },
  ],
  linux: {
    maskedPaths: ['/proc/kcore'],
    namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'network', path: '/run/netns/pod' }, { type: 'ipc', path: '/proc/1/ns/ipc' }],
  },
};

describe('mountinfo and external mounts', () => {
  const mounts = parseMountInfo(MOUNTINFO);

  it('parses ids, devices, roots, mount points (unescaped) and fs types', () => {
    expect(mounts[0]).toEqual({ id: 500, dev: '254:0', root: '/tmp/b/rootfs', mountPoint: '/', fsType: 'ext4' });
    expect(mounts[11]!.mountPoint).toBe('/dev/my dir');
  });

  it('binds from outside are external; whole virtual filesystems and binds within the container are not', () => {
    expect(externalMounts(mounts)).toEqual(['/proc/kcore', '/sys/fs/cgroup/cpu', '/sys/fs/cgroup/memory', '/data']);
  });

  it('restore sources: the spec bind, /dev/null for a masked path, the cgroup dir per hierarchy', () => {
    const sources = externalMountSources(externalMounts(mounts), spec, '/tmp/b', new Map([['cpu', '/sys/fs/cgroup/cpu/tsrun/c1'], ['memory', '/sys/fs/cgroup/memory/tsrun/c1']]));
    expect([...sources]).toEqual([
      ['/proc/kcore', '/dev/null'],
      ['/sys/fs/cgroup/cpu', '/sys/fs/cgroup/cpu/tsrun/c1'],
      ['/sys/fs/cgroup/memory', '/sys/fs/cgroup/memory/tsrun/c1'],
      ['/data', '/srv/data'],
    ]);
  });

  it('an external mount the bundle cannot source is an InvalidArgument naming it', () => {
    expect(() => externalMountSources(['/etc/resolv.conf'], spec, '/tmp/b', new Map())).toThrow(/external mount \/etc\/resolv.conf has no source in config.json/);
  });

  it('stdio keys: pipes by inode, host files outside the container as external file[mnt:ino] (hex)', () => {
    expect(stdioKeys([
      { link: '/dev/null', mntId: 24, ino: 5n },
      { link: 'pipe:[123]' },
      { link: '/tmp/b/rootfs/log', mntId: 500, ino: 77n },
    ], mounts)).toEqual(['file[18:5]', 'pipe:[123]', null]);
  });
});

describe('planDump', () => {
  const input = {
    options: { imagePath: '/img', leaveRunning: true, tcpEstablished: true, fileLocks: true },
    spec, pid: 4242, rootfs: '/tmp/b/rootfs', mounts: parseMountInfo(MOUNTINFO), freezerDir: '/sys/fs/cgroup/freezer/tsrun/c1',
    externalNsInodes: { network: 4026532000n }, stdio: [{ link: '/dev/null', mntId: 24, ino: 5n }, { link: 'pipe:[9]' }, { link: 'pipe:[9]' }],
  };

  it('dumps the tree into the image dir with runc\'s options, external mounts, netns and stdio', () => {
    const p = planDump(input);
    expect(p.args).toEqual([
      'dump', '--tree', '4242', '--images-dir', '/img', '--work-dir', '/img', '--log-file', 'dump.log', '-v4',
      '--root', '/tmp/b/rootfs', '--manage-cgroups=soft', '--leave-running', '--tcp-established', '--file-locks',
      '--freeze-cgroup', '/sys/fs/cgroup/freezer/tsrun/c1',
      '--ext-mount-map', '/proc/kcore:/proc/kcore', '--ext-mount-map', '/sys/fs/cgroup/cpu:/sys/fs/cgroup/cpu',
      '--ext-mount-map', '/sys/fs/cgroup/memory:/sys/fs/cgroup/memory', '--ext-mount-map', '/data:/data',
      '--external', 'net[4026532000]:extRootNetNS', '--external', 'file[18:5]',
    ]);
    expect(p.logPath).toBe('/img/dump.log');
    expect(p.stdioKeys).toEqual(['file[18:5]', 'pipe:[9]', 'pipe:[9]']);
  });

  it('refuses a relative image path, a bad cgroups mode and a terminal, naming the field', () => {
    expect(() => planDump({ ...input, options: { imagePath: 'img' } })).toThrow(/image path img: must be absolute/);
    expect(() => planDump({ ...input, options: { imagePath: '' } })).toThrow(InvalidArgumentError);
    expect(() => planDump({ ...input, options: { imagePath: '/img', cgroupsMode: 'loose' as never } })).toThrow(/cgroups mode: "loose" must be one of soft, full, strict, ignore/);
    expect(() => planDump({ ...input, spec: { ...spec, process: { ...spec.process!, terminal: true } } })).toThrow(/process.terminal/);
  });
});

describe('planRestore', () => {
  const input = {
    options: { imagePath: '/img', workPath: '/work' }, spec, bundle: '/tmp/b', criuRoot: '/run/tsrun/c1/criu-root', pidFile: '/run/tsrun/c1/restore.pid',
    externalMounts: ['/data', '/proc/kcore'], cgroupBinds: new Map<string, string>(),
    cgroupRoots: new Map([['cpu,cpuacct', '/tsrun/c1'], ['memory', '/tsrun/c1'], ['', '/tsrun/c1']]),
    stdioKeys: ['file[18:5]', 'pipe:[9]', 'pipe:[9]'], stdio: [10, 11, 12] as [number, number, number], externalNsFds: { network: 20 },
  };

  it('restores detached as a sibling into the cgroup, binds external mounts, inherits stdio and the netns, joins ns by path', () => {
    const p = planRestore(input);
    expect(p.args).toEqual([
      'restore', '--images-dir', '/img', '--work-dir', '/work', '--log-file', 'restore.log', '-v4',
      '--root', '/run/tsrun/c1/criu-root', '--restore-detached', '--restore-sibling', '--pidfile', '/run/tsrun/c1/restore.pid',
      '--manage-cgroups=soft', '--evasive-devices', '--cgroup-root', '/tsrun/c1',
      '--ext-mount-map', '/data:/srv/data', '--ext-mount-map', '/proc/kcore:/dev/null',
      '--inherit-fd', 'fd[3]:file[18:5]', '--inherit-fd', 'fd[4]:pipe:[9]', '--inherit-fd', 'fd[5]:extRootNetNS',
      '--join-ns', 'ipc:/proc/1/ns/ipc',
    ]);
    expect(p.passFds).toEqual([10, 11, 20]);
    expect(p.logPath).toBe('/work/restore.log');
  });

  it('per-hierarchy cgroup roots when they differ', () => {
    const p = planRestore({ ...input, cgroupRoots: new Map([['cpu,cpuacct', '/a/c1'], ['', '/b/c1']]) });
    expect(p.args.join(' ')).toContain('--cgroup-root cpu:/a/c1 --cgroup-root /b/c1');
  });

  it('a cgroup namespace given by path cannot be joined by CRIU', () => {
    expect(() => planRestore({ ...input, spec: { ...spec, linux: { namespaces: [{ type: 'cgroup', path: '/proc/1/ns/cgroup' }] } } })).toThrow(/cgroup namespace/);
  });
});

describe('the criu binary', () => {
  it('an explicit path or TSRUN_CRIU that does not exist is FailedPrecondition naming where it came from', () => {
    expect(() => resolveCriu('/nonexistent/criu', {})).toThrow(FailedPreconditionError);
    expect(() => resolveCriu('/nonexistent/criu', {})).toThrow(/criu binary \/nonexistent\/criu \(from criu path option\)/);
    expect(() => resolveCriu(undefined, { TSRUN_CRIU: '/nonexistent/criu' })).toThrow(/\(from TSRUN_CRIU\)/);
    expect(() => resolveCriu('no-such-criu', { PATH: '/nonexistent' })).toThrow(/"no-such-criu" not found on PATH/);
  });

  it('a name is looked up on PATH', () => {
    expect(resolveCriu('sh', { PATH: '/bin' })).toBe('/bin/sh');
  });

  it("CRIU < 4.1 on a kernel >= 6.13 is explained with the cause and the fix", () => {
    const msg = describeCriuFailure('dump', '/usr/sbin/criu', { code: 1, signal: null, stdout: '', stderr: '' }, '/img/dump.log', [
      '(00.042379) Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds',
    ]);
    expect(msg).toMatch(/cannot run on this kernel .* kernels >= 6\.13/);
    expect(msg).toMatch(/install CRIU >= 4\.1/);
  });

  it('other failures quote criu\'s error lines and the log path', () => {
    const msg = describeCriuFailure('restore', 'criu', { code: 1, signal: null, stdout: '', stderr: '' }, '/img/restore.log', ['Error (x.c:1): boom']);
    expect(msg).toBe('criu restore failed (exit status 1); criu says:\n  Error (x.c:1): boom\nfull log: /img/restore.log');
  });
});

describe('Task.Checkpoint options', () => {
  const any = (o: Partial<RuncCheckpointOptions>) => ({
    typeUrl: 'containerd.runc.v1.CheckpointOptions', value: Buffer.from(RuncCheckpointOptions.encode(RuncCheckpointOptions.fromPartial(o)).finish()),
  });

  it('maps runc\'s CheckpointOptions: exit → not leave-running, the request path as image dir', () => {
    expect(checkpointOptionsOf({ id: 'c', path: '/ckpt', options: any({ exit: true, openTcp: true, workPath: '/w', cgroupsMode: 'full' }) }, '/opt/criu')).toEqual({
      imagePath: '/ckpt', workPath: '/w', leaveRunning: false, tcpEstablished: true, externalUnixSockets: false, fileLocks: false,
      shellJob: false, cgroupsMode: 'full', criuPath: '/opt/criu',
    });
    expect(checkpointOptionsOf({ id: 'c', path: '/ckpt', options: undefined }, undefined).leaveRunning).toBe(true);
  });

  it('refuses what tsrun does not do, by field', () => {
    expect(() => checkpointOptionsOf({ id: 'c', path: '', options: undefined }, undefined)).toThrow(/CheckpointTaskRequest.path: empty/);
    expect(() => checkpointOptionsOf({ id: 'c', path: '/x', options: any({ parentPath: '/p' }) }, undefined)).toThrow(UnimplementedError);
    expect(() => checkpointOptionsOf({ id: 'c', path: '/x', options: any({ emptyNamespaces: ['network'] }) }, undefined)).toThrow(/empty_namespaces/);
    expect(() => checkpointOptionsOf({ id: 'c', path: '/x', options: any({ cgroupsMode: 'bogus' }) }, undefined)).toThrow(/cgroups_mode "bogus"/);
  });
});
