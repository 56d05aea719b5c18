//! Jest global setup of the integration project, once per run: builds the image, installs tsrun
//! into a temp prefix, starts the private containerds selected by TSRUN_CONTAINERD (1.6, 1.7 or
//! both; default both) with that prefix first on their PATH, imports the image, and writes the
//! environment file that testEnv() reads in the workers.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runOk } from './exec';
import { startContainerd, stopContainerd } from './containerd';
import { ContainerdHandle, ENV_FILE_VAR, selectedVersions, TestEnv } from './env';
import { buildImage, importImage } from './image';
import { installTsrun } from './install';
import { mountsUnder } from './leaks';
import { buildPauseImage, importCriImages } from './cri-images';

/** A fresh /tmp/tsrun-test-<runId> with a short lowercase runId (it is part of container ids). */
function makeRunDir(): { runId: string; tmpDir: string } {
  for (;;) {
    const runId = crypto.randomBytes(4).readUInt32BE(0).toString(36).padStart(6, '0').slice(-6);
    const tmpDir = path.join(os.tmpdir(), `tsrun-test-${runId}`);
    try {
      fs.mkdirSync(tmpDir, { mode: 0o755 });
      return { runId, tmpDir };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

export default async function globalSetup(): Promise<void> {
  const repo = path.resolve(__dirname, '../..');
  if (process.getuid?.() !== 0) {
    throw new Error('the integration tests need root (mounts, cgroups, containerd); run them as root or select --selectProjects unit');
  }
  for (const f of ['dist/main.js', 'dist/cli.js']) {
    if (!fs.existsSync(path.join(repo, f))) throw new Error(`${f} missing: run make build first (make test does)`);
  }
  const versions = selectedVersions(process.env.TSRUN_CONTAINERD);
  const { runId, tmpDir } = makeRunDir();
  const namespace = `tsrun-test-${runId}`;
  const prefix = path.join(tmpDir, 'prefix');
  const fifoDir = path.join(tmpDir, 'fifo');
  fs.mkdirSync(fifoDir);
  const started: ContainerdHandle[] = [];
  try {
    const image = await buildImage(repo);
    await installTsrun(repo, prefix, path.join(tmpDir, 'sea')); // TSRUN_INSTALL=launcher|sea
    const binDir = path.join(prefix, 'bin');
    const pauseTar = await buildPauseImage(repo);
    for (const v of versions) {
      if (v === '1.7') await runOk(path.join(repo, 'scripts/containerd/fetch.sh'), [], { timeoutMs: 300_000 });
      const h = await startContainerd(repo, v, path.join(tmpDir, `ctd-${v}`), binDir, namespace);
      started.push(h);
      await importImage(h, image);
      await importCriImages(h, [image.tar, pauseTar]);
    }
    const env: TestEnv = { repo, runId, tmpDir, prefix, binDir, fifoDir, image, containerds: started };
    const file = path.join(tmpDir, 'env.json');
    fs.writeFileSync(file, JSON.stringify(env, null, 2) + '\n');
    process.env[ENV_FILE_VAR] = file;
  } catch (e) {
    for (const h of started) await stopContainerd(repo, h.dir, true);
    if (mountsUnder(tmpDir).length === 0) fs.rmSync(tmpDir, { recursive: true, force: true });
    throw e;
  }
}
