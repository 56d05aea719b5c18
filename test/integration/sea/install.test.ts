// make install-sea (scripts/sea/install.sh) and make release (scripts/sea/release.sh): layouts.
// A small stand-in executable replaces the 100 MB binary where only the layout matters.
import * as fs from 'fs';
import * as path from 'path';
import { run, runOk } from '../../helpers/exec';
import { testEnv } from '../../helpers/env';

const repo = path.resolve(__dirname, '../../..');
let dir: string;
let fake: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(testEnv().tmpDir, 'sea-install-'));
  fake = path.join(dir, 'fake-sea');
  fs.writeFileSync(fake, '#!/bin/sh\necho "fake sea as $(basename "$0") $*"\n', { mode: 0o755 });
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('scripts/sea/install.sh', () => {
  it('replaces a launcher install with the binary and a tsrun link, removing lib/tsrun', async () => {
    const prefix = path.join(dir, 'prefix');
    await runOk(path.join(repo, 'scripts/install.sh'), [prefix], { timeoutMs: 120_000 });
    expect(fs.existsSync(path.join(prefix, 'lib/tsrun/bin/node'))).toBe(true);
    const r = await runOk(path.join(repo, 'scripts/sea/install.sh'), [prefix, fake]);
    expect(r.stdout).toMatch(/install-sea: .*containerd-shim-tsrun-v1 .*tsrun -> containerd-shim-tsrun-v1/);
    expect(fs.readdirSync(prefix)).toEqual(['bin']);
    expect(fs.readdirSync(path.join(prefix, 'bin')).sort()).toEqual(['containerd-shim-tsrun-v1', 'tsrun']);
    expect(fs.readlinkSync(path.join(prefix, 'bin/tsrun'))).toBe('containerd-shim-tsrun-v1');
    expect((await runOk(path.join(prefix, 'bin/tsrun'), ['x'])).stdout).toBe('fake sea as tsrun x\n');
    // and back: the launcher install replaces the link with its launcher
    await runOk(path.join(repo, 'scripts/install.sh'), [prefix], { timeoutMs: 120_000 });
    expect(fs.lstatSync(path.join(prefix, 'bin/tsrun')).isSymbolicLink()).toBe(false);
  });

  it('fails clearly without a built binary', async () => {
    const r = await run(path.join(repo, 'scripts/sea/install.sh'), [path.join(dir, 'p2'), path.join(dir, 'missing')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/missing; run make sea/);
  });
});

describe('scripts/sea/release.sh', () => {
  it('packs bin/ into a reproducible tsrun-VERSION-linux-x64.tar.zst', async () => {
    const version = (JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string }).version;
    const name = `tsrun-${version}-linux-x64`;
    const a = path.join(dir, 'rel-a');
    const b = path.join(dir, 'rel-b');
    await runOk(path.join(repo, 'scripts/sea/release.sh'), [fake, a]);
    await runOk(path.join(repo, 'scripts/sea/release.sh'), [fake, b]);
    const tarA = path.join(a, `${name}.tar.zst`);
    expect(fs.readdirSync(a)).toEqual([`${name}.tar.zst`]); // no staging dir left
    expect(fs.readFileSync(tarA).equals(fs.readFileSync(path.join(b, `${name}.tar.zst`)))).toBe(true);
    const list = await runOk('tar', ['--zstd', '-tvf', tarA]);
    const entries = list.stdout.trim().split('\n').map((l) => l.replace(/\s+\d{4}-\d\d-\d\d \d\d:\d\d/, '').replace(/\s+/g, ' '));
    expect(entries).toEqual([
      `drwxr-xr-x 0/0 0 ${name}/`,
      `drwxr-xr-x 0/0 0 ${name}/bin/`,
      `-rwxr-xr-x 0/0 ${fs.statSync(fake).size} ${name}/bin/containerd-shim-tsrun-v1`,
      `lrwxrwxrwx 0/0 0 ${name}/bin/tsrun -> containerd-shim-tsrun-v1`,
    ]);
  });
});
