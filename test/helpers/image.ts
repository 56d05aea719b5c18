//! The test image localhost/tsrun/busybox:latest, built locally from Debian's busybox-static by
//! scripts/build-image.sh (no network images), and its import into a private containerd.
import * as fs from 'fs';
import * as path from 'path';
import { run, runOk } from './exec';
import { ContainerdHandle, ImageInfo } from './env';

export const IMAGE_REF = 'localhost/tsrun/busybox:latest';

/** Builds (or finds up to date) the image under OUTDIR, default <repo>/build/image. */
export async function buildImage(repo: string, outDir = path.join(repo, 'build/image')): Promise<ImageInfo> {
  await runOk(path.join(repo, 'scripts/build-image.sh'), [outDir], { timeoutMs: 120_000 });
  return {
    ref: fs.readFileSync(path.join(outDir, 'ref'), 'utf8').trim(),
    tar: path.join(outDir, 'busybox-oci.tar'),
    rootfs: path.join(outDir, 'rootfs'),
    digest: fs.readFileSync(path.join(outDir, 'digest'), 'utf8').trim(),
  };
}

/** `ctr images import` of the image tar into the handle's namespace. */
export async function importImage(h: ContainerdHandle, image: ImageInfo): Promise<void> {
  await runOk(h.ctr, ['--address', h.address, '--namespace', h.namespace, 'images', 'import', image.tar], {
    timeoutMs: 120_000,
  });
}

/** The digest containerd holds for `ref` in the handle's namespace, or undefined. */
export async function importedDigest(h: ContainerdHandle, ref: string): Promise<string | undefined> {
  const r = await run(h.ctr, ['--address', h.address, '--namespace', h.namespace, 'images', 'ls'], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`ctr images ls on containerd ${h.version}: ${r.stderr.trim()}`);
  for (const line of r.stdout.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[0] === ref) return f[2];
  }
  return undefined;
}
