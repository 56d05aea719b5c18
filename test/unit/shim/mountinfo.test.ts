import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isMountPoint, mountinfoHasTarget } from '../../../src/shim/mountinfo';

const SAMPLE = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
  '98 22 0:50 / /run/containerd/io.containerd.runtime.v2.task/default/c1/rootfs rw shared:60 - overlay overlay rw,lowerdir=/a',
  '99 22 0:51 / /tmp/with\\040space/rootfs rw - tmpfs tmpfs rw',
  '',
].join('\n');

describe('mountinfoHasTarget', () => {
  it('finds a mount point by its exact path', () => {
    expect(mountinfoHasTarget(SAMPLE, '/run/containerd/io.containerd.runtime.v2.task/default/c1/rootfs')).toBe(true);
    expect(mountinfoHasTarget(SAMPLE, '/')).toBe(true);
  });

  it('does not match prefixes, parents or absent paths', () => {
    expect(mountinfoHasTarget(SAMPLE, '/run/containerd/io.containerd.runtime.v2.task/default/c1')).toBe(false);
    expect(mountinfoHasTarget(SAMPLE, '/run/containerd/io.containerd.runtime.v2.task/default/c1/rootfs/x')).toBe(false);
    expect(mountinfoHasTarget(SAMPLE, '/nowhere')).toBe(false);
  });

  it('unescapes octal escapes (space as \\040)', () => {
    expect(mountinfoHasTarget(SAMPLE, '/tmp/with space/rootfs')).toBe(true);
    expect(mountinfoHasTarget(SAMPLE, '/tmp/with\\040space/rootfs')).toBe(false);
  });
});

describe('isMountPoint', () => {
  it('is false for a missing path and for a plain directory, true for /', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-mountinfo-'));
    try {
      expect(isMountPoint(path.join(dir, 'rootfs'))).toBe(false);
      fs.mkdirSync(path.join(dir, 'rootfs'));
      expect(isMountPoint(path.join(dir, 'rootfs'))).toBe(false);
      expect(isMountPoint('/')).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
