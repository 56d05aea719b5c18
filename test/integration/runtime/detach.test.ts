// `tsrun create` / `tsrun start` in two processes: the creator exits while the container waits on
// its exec FIFO; this (other) process releases it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { mkfifo, releaseExecFifo } from '../../../src/linux';
import { makeBusyboxBundle } from '../../helpers/busybox-bundle';

const top = path.resolve(__dirname, '../../..');

async function gone(pid: number): Promise<void> {
  // not our child (re-parented to init once the creator exited): wait until it has been reaped
  for (;;) {
    let state: string | undefined;
    try {
      state = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    } catch {
      return;
    }
    if (state === 'Z' || state === 'X') return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('keeps waiting on the exec fifo after the creating process exited', async () => {
  const bundle = makeBusyboxBundle('tsrun-detach-');
  try {
    const out = path.join(bundle.dir, 'create-detach.cjs');
    execFileSync(require.resolve('esbuild/bin/esbuild'), [
      path.join(__dirname, 'fixtures', 'create-detach.ts'), '--bundle', '--platform=node', '--format=cjs', '--external:koffi', `--outfile=${out}`, '--log-level=warning',
    ], { stdio: 'inherit' });
    const fifo = path.join(bundle.dir, 'exec.fifo');
    mkfifo(fifo, 0o622);
    const pid = Number(execFileSync(process.execPath, [out, bundle.dir, fifo], {
      env: { ...process.env, TSRUN_LIBTSRUN: path.join(top, 'build', 'libtsrun.so'), NODE_PATH: path.join(top, 'node_modules') },
      encoding: 'utf8', timeout: 30_000,
    }).trim());
    expect(pid).toBeGreaterThan(1);
    // the creator is gone; the container still waits, not yet running the program
    expect(fs.existsSync(`/proc/${pid}`)).toBe(true);
    expect(fs.existsSync(path.join(bundle.rootfs, 'tmp', 'out'))).toBe(false);
    await releaseExecFifo(fifo);
    await gone(pid);
    expect(fs.readFileSync(path.join(bundle.rootfs, 'tmp', 'out'), 'utf8')).toBe('started-1\n');
  } finally {
    bundle.cleanup();
  }
});
