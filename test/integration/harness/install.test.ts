// What the global setup installed into the run's prefix: by default `make install PREFIX=DIR`
// (scripts/sea/install.sh), the single executable and the tsrun link; with TSRUN_INSTALL=launcher
// `make install-launcher` (scripts/install.sh): both executables, a self-contained runtime tree, and
// launchers immune to NODE_OPTIONS.
import * as fs from 'fs';
import * as path from 'path';
import { run } from '../../helpers/exec';
import { testEnv } from '../../helpers/env';
import { installKind } from '../../helpers/install';

describe('installed tsrun', () => {
  const sea = installKind() === 'sea';
  // One of the two layouts is installed per run (TSRUN_INSTALL); the other's checks do not apply.
  const launcherIt = sea ? () => undefined : it;

  if (sea) {
    it('is the single executable plus a tsrun link, and nothing else', () => {
      const { prefix } = testEnv();
      expect(fs.statSync(path.join(prefix, 'bin', 'containerd-shim-tsrun-v1')).mode & 0o111).toBe(0o111);
      expect(fs.readlinkSync(path.join(prefix, 'bin', 'tsrun'))).toBe('containerd-shim-tsrun-v1');
      expect(fs.existsSync(path.join(prefix, 'lib'))).toBe(false);
    });
  }

  launcherIt('has both executables and the runtime tree under PREFIX', () => {
    const { prefix } = testEnv();
    for (const bin of ['containerd-shim-tsrun-v1', 'tsrun']) {
      expect(fs.statSync(path.join(prefix, 'bin', bin)).mode & 0o111).toBe(0o111);
    }
    const lib = path.join(prefix, 'lib/tsrun');
    for (const f of ['bin/node', 'dist/main.js', 'dist/cli.js', 'build/libtsrun.so', 'package.json', 'node_modules/koffi/package.json', 'node_modules/pino/package.json']) {
      expect(fs.existsSync(path.join(lib, f))).toBe(true);
    }
    // Development packages stay out.
    expect(fs.existsSync(path.join(lib, 'node_modules/jest'))).toBe(false);
    expect(fs.existsSync(path.join(lib, 'node_modules/typescript'))).toBe(false);
  });

  launcherIt('runs the pinned Node 24', async () => {
    const r = await run(path.join(testEnv().prefix, 'lib/tsrun/bin/node'), ['--version']);
    expect(r.stdout.trim()).toBe('v24.21.0');
  });

  it.each([
    ['containerd-shim-tsrun-v1', '-v', /^containerd-shim-tsrun-v1:\n  Version:  \d+\.\d+\.\d+/],
    ['tsrun', '--version', /^tsrun version \d+\.\d+\.\d+/],
  ])('%s %s works and ignores the caller\'s NODE_OPTIONS', async (bin, flag, want) => {
    const env = { PATH: process.env.PATH, NODE_OPTIONS: '--require /nonexistent/tsrun-poison.js', NODE_PATH: '/nonexistent' };
    const r = await run(path.join(testEnv().binDir, bin), [flag], { env });
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: expect.stringMatching(want), stderr: '' });
  });
});
