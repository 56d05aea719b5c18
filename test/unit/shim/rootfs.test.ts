import { MS } from '../../../src/runtime/linux-constants';
import { planRootfsMounts, rootfsTarget } from '../../../src/shim/rootfs';

const m = (type: string, source: string, options: string[], target = '') => ({ type, source, target, options });

describe('planRootfsMounts', () => {
  it('mounts the overlay from the snapshotter on <bundle>/rootfs with its data', () => {
    const calls = planRootfsMounts('/b', [m('overlay', 'overlay', ['index=off', 'workdir=/s/4/work', 'upperdir=/s/4/fs', 'lowerdir=/s/1/fs'])]);
    expect(calls).toEqual([{ source: 'overlay', target: '/b/rootfs', fstype: 'overlay', flags: 0, data: 'index=off,workdir=/s/4/work,upperdir=/s/4/fs,lowerdir=/s/1/fs' }]);
  });
  it('binds a read-only view with a remount for ro', () => {
    const calls = planRootfsMounts('/b', [m('bind', '/s/1/fs', ['ro', 'rbind'])]);
    expect(calls).toEqual([
      { source: '/s/1/fs', target: '/b/rootfs', fstype: null, flags: MS.BIND | MS.REC, data: null },
      { source: null, target: '/b/rootfs', fstype: null, flags: MS.BIND | MS.REC | MS.RDONLY | MS.REMOUNT, data: null },
    ]);
  });
  it('keeps targets inside the rootfs', () => {
    expect(rootfsTarget('/b', '../../etc')).toBe('/b/rootfs/etc');
    expect(planRootfsMounts('/b', [m('tmpfs', 'tmpfs', [], '/tmp')])[0]!.target).toBe('/b/rootfs/tmp');
  });
  it('refuses options containerd should have consumed and ones not supported', () => {
    expect(() => planRootfsMounts('/b', [m('overlay', 'o', ['X-containerd.mkdir.path=/x'])])).toThrow(/rootfs\[0\].*X-containerd/);
    expect(() => planRootfsMounts('/b', [m('ext4', '/img', ['loop'])])).toThrow(/option loop is not supported/);
    expect(() => planRootfsMounts('/b', [m('overlay', 'o', [`lowerdir=${'x'.repeat(5000)}`])])).toThrow(/more than the 3584/);
  });
});
