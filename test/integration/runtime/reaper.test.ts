// The reaper as a child subreaper, in its own process (setting PR_SET_CHILD_SUBREAPER on the jest
// worker would change what every other test's orphans do).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const top = path.resolve(__dirname, '../../..');

it('reaps adopted orphans and leaves child_process children to libuv, also when both exit under one SIGCHLD', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-reaper-'));
  try {
    const out = path.join(dir, 'subreaper.cjs');
    execFileSync(require.resolve('esbuild/bin/esbuild'), [
      path.join(__dirname, 'fixtures', 'subreaper.ts'), '--bundle', '--platform=node', '--format=cjs', '--external:koffi', `--outfile=${out}`, '--log-level=warning',
    ], { stdio: 'inherit' });
    const line = execFileSync(process.execPath, [out], {
      env: { ...process.env, TSRUN_LIBTSRUN: path.join(top, 'build', 'libtsrun.so'), NODE_PATH: path.join(top, 'node_modules') },
      encoding: 'utf8', timeout: 120_000, // generous: a loaded machine; the fixture itself waits for nothing timed
    });
    // (A reaper that stopped at libuv's child and waited for another SIGCHLD leaves the orphan a
    // zombie: the fixture's loop then empties and it exits without printing.)
    const r = JSON.parse(line.trim()) as { init: { status: number }; initPid: number; orphanPid: number; orphans: { pid: number; status: number }[]; cpCode: number };
    expect(r.init).toEqual({ status: 3 });
    expect(r.orphans).toEqual([{ pid: r.orphanPid, status: 0 }]);
    expect(r.orphanPid).not.toBe(r.initPid);
    expect(r.cpCode).toBe(0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
