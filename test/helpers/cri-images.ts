//! Images for the CRI tests: the pod sandbox image localhost/tsrun/pause:latest (built from
//! native/pause/pause.c by scripts/build-pause-image.sh; start.sh names it as sandbox_image) and the
//! busybox test image, both imported into the k8s.io namespace, where the CRI plugin looks.
import * as path from 'path';
import { runOk } from './exec';
import { ContainerdHandle } from './env';

export const PAUSE_IMAGE_REF = 'localhost/tsrun/pause:latest';
export const CRI_IMAGE_NAMESPACE = 'k8s.io';

/** Builds (or finds up to date) the pause image; returns its OCI tar. */
export async function buildPauseImage(repo: string, outDir = path.join(repo, 'build/pause-image')): Promise<string> {
  await runOk(path.join(repo, 'scripts/build-pause-image.sh'), [outDir], { timeoutMs: 120_000 });
  return path.join(outDir, 'pause-oci.tar');
}

/** `ctr -n k8s.io images import` of each tar (unpacked for the default snapshotter, as CRI needs). */
export async function importCriImages(h: ContainerdHandle, tars: readonly string[]): Promise<void> {
  for (const tar of tars) {
    await runOk(h.ctr, ['--address', h.address, '--namespace', CRI_IMAGE_NAMESPACE, 'images', 'import', tar], {
      timeoutMs: 120_000,
    });
  }
}
