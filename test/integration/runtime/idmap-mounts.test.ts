// Id-mapped bind mounts (runtime-spec 1.2 mounts[].uidMappings/gidMappings, "idmap"/"ridmap")
// through buildPlan → native/ → the kernel (root). Debian bookworm's runc is 1.1.5, which predates
// id-mapped mounts (runc 1.2): the expectations here come from the runtime-spec and the kernel's
// idmappings documentation, not from a side-by-side run.
import fs from 'node:fs';
import path from 'node:path';
import { ContainerSetupError, spawnContainer } from '../../../src/linux';
import { closeFd, idmapTree, mount, umount2 } from '../../../src/linux/libc';
import type { Mount, Spec } from '../../../src/runtime/spec';
import { defaultSpec, makeBusyboxBundle, type Bundle } from '../../helpers/busybox-bundle';
import { Capture, planFor, runContainer } from '../../helpers/run-container';

/** this process's fds from 256 up, where native/idmap.c puts the id-mapped copies */
const highFds = (): string[] => fs.readdirSync('/proc/self/fd').filter((fd) => Number(fd) >= 256).sort();

let bundle: Bundle;
let fdsBefore: string[];
beforeAll(() => {
  fdsBefore = highFds();
  bundle = makeBusyboxBundle('tsrun-idmap-');
  fs.chmodSync(bundle.dir, 0o755);
});
afterAll(() => {
  // nothing of the id-mapped copies stays open here (their fds are >= 256), no throwaway user
  // namespace process is left, nothing is mounted in the host's namespace
  expect(highFds()).toEqual(fdsBefore);
  const children = fs.readdirSync('/proc/self/task').flatMap((t) => fs.readFileSync(`/proc/self/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean));
  expect(children).toEqual([]);
  bundle.cleanup();
  expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(bundle.dir);
});

const sh = (script: string, mounts: Mount[], linux: Partial<NonNullable<Spec['linux']>> = {}): Spec => {
  const spec = defaultSpec(['sh', '-c', script], { mounts: [...defaultSpec([]).mounts!, ...mounts] });
  return { ...spec, linux: { ...spec.linux, ...linux } };
};
const USERNS = {
  namespaces: [...defaultSpec([]).linux!.namespaces!, { type: 'user' as const }],
  uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
  gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
};
/** on-disk id 1000 seen as 0 through the mount (and 0 written as 1000) */
const ONE_THOUSAND_AS_ROOT = { uidMappings: [{ containerID: 1000, hostID: 0, size: 1 }], gidMappings: [{ containerID: 1000, hostID: 0, size: 1 }] };

/** a fresh host directory (mode 0755) owned by uid:gid with one file in it */
function hostDir(name: string, uid: number, gid: number): string {
  const d = path.join(bundle.dir, name);
  fs.mkdirSync(d, { mode: 0o755 });
  fs.chmodSync(d, 0o755);
  fs.writeFileSync(path.join(d, 'f'), 'hello\n');
  fs.chownSync(path.join(d, 'f'), uid, gid);
  fs.chownSync(d, uid, gid);
  return d;
}
const owner = (p: string): string => {
  const st = fs.statSync(p);
  return `${st.uid}:${st.gid}`;
};

describe('id-mapped bind mounts', () => {
  it('shows a directory owned by uid 1000 as root, and files root creates land as 1000 on the host', async () => {
    const d = hostDir('thousand', 1000, 1000);
    const r = await runContainer(bundle, sh(
      "stat -c '%u:%g' /mnt /mnt/f; touch /mnt/new && echo created; grep ' /mnt ' /proc/self/mountinfo | grep -c idmapped",
      [{ destination: '/mnt', type: 'bind', source: d, options: ['bind'], ...ONE_THOUSAND_AS_ROOT }],
    ));
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('0:0\n0:0\ncreated\n1\n');
    expect(owner(path.join(d, 'new'))).toBe('1000:1000');
    expect(owner(path.join(d, 'f'))).toBe('1000:1000');
  });

  it('without the mapping the same directory shows its host ids (the reference)', async () => {
    const d = hostDir('plain', 1000, 1000);
    const r = await runContainer(bundle, sh("stat -c '%u:%g' /mnt; grep ' /mnt ' /proc/self/mountinfo | grep -c idmapped", [
      { destination: '/mnt', type: 'bind', source: d, options: ['bind'] },
    ]));
    expect(r.stdout).toBe('1000:1000\n0\n');
  });

  it('"idmap" alone uses the container\'s user namespace mappings: host root\'s files are the container root\'s', async () => {
    const d = hostDir('userns-idmap', 0, 0);
    const r = await runContainer(bundle, sh(
      "id -u; stat -c '%u:%g' /mnt /mnt/f; touch /mnt/new && echo created",
      [{ destination: '/mnt', type: 'bind', source: d, options: ['bind', 'idmap'] }],
      USERNS,
    ));
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('0\n0:0\n0:0\ncreated\n');
    // the container's root is host uid 100000; through the mount it writes as on-disk uid 0
    expect(owner(path.join(d, 'new'))).toBe('0:0');
  });

  it('in a user namespace without "idmap" host root\'s files are nobody\'s and not writable (the reference)', async () => {
    const d = hostDir('userns-plain', 0, 0);
    const r = await runContainer(bundle, sh(
      "stat -c '%u:%g' /mnt; touch /mnt/new 2>/dev/null || echo refused",
      [{ destination: '/mnt', type: 'bind', source: d, options: ['bind'] }],
      USERNS,
    ));
    expect(r.stdout).toBe('65534:65534\nrefused\n');
    expect(fs.existsSync(path.join(d, 'new'))).toBe(false);
  });

  it('mount mappings and the container\'s differ: the mount\'s own ones win', async () => {
    // on-disk 1000 → host uid 100000 = the container's root
    const d = hostDir('userns-own', 1000, 1000);
    const maps = { uidMappings: [{ containerID: 1000, hostID: 100000, size: 1 }], gidMappings: [{ containerID: 1000, hostID: 100000, size: 1 }] };
    const r = await runContainer(bundle, sh("stat -c '%u:%g' /mnt/f; touch /mnt/new && echo created", [
      { destination: '/mnt', type: 'bind', source: d, options: ['bind', 'ro'], ...maps },
    ], USERNS));
    expect(r.stdout).toBe('0:0\n');
    expect(r.stderr).toMatch(/Read-only file system/);
  });

  it('the mapping of a user namespace given by path (a joined one) applies to the copy', async () => {
    // native/idmap.c with a userns path: a container holds a user namespace (0 → 100000); the
    // detached copy of a root-owned directory shows its files as host uid 100000 (that
    // namespace's root). A whole container joining a user namespace by path is not possible yet
    // (docs/userns.md), so the copy is looked at through its fd.
    const holderOut = new Capture();
    const holderErr = new Capture();
    const holder = await spawnContainer(planFor(bundle, sh('exec sleep 100', [], USERNS), holderOut, holderErr));
    holderOut.closeWrite();
    holderErr.closeWrite();
    try {
      await holder.start();
      const d = hostDir('joined-idmap', 0, 0);
      const fd = idmapTree({ source: d, recursiveTree: false, recursiveIdmap: false, uidMap: '', gidMap: '', usernsPath: `/proc/${holder.pid}/ns/user` });
      try {
        expect(fd).toBeGreaterThanOrEqual(256);
        expect(owner(`/proc/self/fd/${fd}/f`)).toBe('100000:100000');
      } finally {
        closeFd(fd);
      }
      expect(() => idmapTree({ source: d, recursiveTree: false, recursiveIdmap: false, uidMap: '', gidMap: '', usernsPath: '/proc/self/ns/user' }))
        .toThrow(`mount_setattr(MOUNT_ATTR_IDMAP) ${d}: EPERM`); // the host's own user namespace cannot be an id mapping
    } finally {
      holder.kill(9);
      await holder.exited;
    }
  });

  describe('rbind with a submount: "ridmap" maps every mount, "idmap" only the top one', () => {
    let d: string;
    let sub: string;
    beforeAll(() => {
      d = hostDir('tree', 1000, 1000);
      sub = path.join(d, 'sub');
      fs.mkdirSync(sub);
      mount('tmpfs', sub, 'tmpfs', 0, 'mode=755,uid=1000,gid=1000,size=64k');
    });
    afterAll(() => {
      umount2(sub, 2 /* MNT_DETACH */);
    });

    it.each([
      ['ridmap', '0:0\n0:0\n'],
      ['idmap', '0:0\n1000:1000\n'],
    ])('%s', async (option, expected) => {
      const r = await runContainer(bundle, sh("stat -c '%u:%g' /mnt /mnt/sub", [
        { destination: '/mnt', type: 'bind', source: d, options: ['rbind', option], ...ONE_THOUSAND_AS_ROOT },
      ]));
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(expected);
    });
  });

  it('a filesystem without id-mapped mount support fails create with the step and a hint', async () => {
    const err = await runContainer(bundle, sh('true', [
      { destination: '/mnt', type: 'bind', source: '/sys/kernel', options: ['rbind'], ...ONE_THOUSAND_AS_ROOT },
    ])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainerSetupError);
    expect((err as Error).message).toBe('mount bind /sys/kernel on /mnt (id-mapped): mount_setattr(MOUNT_ATTR_IDMAP) /sys/kernel: EINVAL (does the filesystem of the source support id-mapped mounts on this kernel?)');
  });

  it('a missing source fails create naming open_tree and the source', async () => {
    const err = await runContainer(bundle, sh('true', [
      { destination: '/mnt', type: 'bind', source: path.join(bundle.dir, 'nope'), options: ['bind'], ...ONE_THOUSAND_AS_ROOT },
    ])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainerSetupError);
    expect((err as Error).message).toBe(`mount bind ${path.join(bundle.dir, 'nope')} on /mnt (id-mapped): open_tree ${path.join(bundle.dir, 'nope')}: ENOENT`);
  });
});
