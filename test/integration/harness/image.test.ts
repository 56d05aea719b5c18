// The locally built busybox image: reproducible, and a usable root filesystem.
import * as fs from 'fs';
import * as path from 'path';
import { testEnv, scratchDir, uniqueId } from '../../helpers/env';
import { buildImage } from '../../helpers/image';
import { assertNoLeaks } from '../../helpers/leaks';

afterAll(async () => {
  await assertNoLeaks();
});

describe('busybox test image', () => {
  it('is reproducible: a second build elsewhere gives the same bytes and digest', async () => {
    const { repo, image } = testEnv();
    const out = path.join(scratchDir(), uniqueId('image'));
    try {
      const again = await buildImage(repo, out);
      expect(again.digest).toBe(image.digest);
      expect(again.ref).toBe('localhost/tsrun/busybox:latest');
      expect(fs.readFileSync(again.tar).equals(fs.readFileSync(image.tar))).toBe(true);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('has busybox, its applet links, /etc/passwd and /etc/group in the rootfs', () => {
    const { rootfs } = testEnv().image;
    expect(fs.statSync(path.join(rootfs, 'bin/busybox')).mode & 0o111).toBe(0o111);
    expect(fs.readlinkSync(path.join(rootfs, 'bin/sh'))).toBe('busybox');
    expect(fs.readlinkSync(path.join(rootfs, 'usr/bin/env'))).toBe('../../bin/busybox');
    expect(fs.realpathSync(path.join(rootfs, 'sbin/ifconfig'))).toBe(fs.realpathSync(path.join(rootfs, 'bin/busybox')));
    expect(fs.readFileSync(path.join(rootfs, 'etc/passwd'), 'utf8')).toMatch(/^root:x:0:0:root:\/root:\/bin\/sh$/m);
    expect(fs.readFileSync(path.join(rootfs, 'etc/group'), 'utf8')).toMatch(/^root:x:0:$/m);
    expect(fs.statSync(path.join(rootfs, 'tmp')).mode & 0o7777).toBe(0o1777);
    for (const d of ['proc', 'sys', 'dev', 'etc', 'root']) expect(fs.statSync(path.join(rootfs, d)).isDirectory()).toBe(true);
  });
});
