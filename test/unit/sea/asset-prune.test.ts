// Pruning the SEA's asset base (src/platform/assets.ts): trees of other versions go once no process
// maps a file from them, dead extractions' temporary trees after an hour; the current tree, trees
// in use, and anything not ours stay.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mappedPaths, pruneAssetDirs, STALE_TMP_MS, staleAssetDirs } from '../../../src/platform/assets';

const CUR = 'aaaaaaaaaaaaaaaa';
const OLD = 'bbbbbbbbbbbbbbbb';
const BUSY = 'cccccccccccccccc';

describe('staleAssetDirs', () => {
  it('picks unmapped trees of other versions and old temporary trees, nothing else', () => {
    const now = 10 * STALE_TMP_MS;
    const entries = [
      { name: CUR, ours: true, mtimeMs: 0 },
      { name: OLD, ours: true, mtimeMs: now },
      { name: BUSY, ours: true, mtimeMs: 0 },
      { name: 'dddddddddddddddd', ours: false, mtimeMs: 0 },
      { name: `.${OLD}.Ab12Cd`, ours: true, mtimeMs: 0 },
      { name: `.${OLD}.Xy34Zw`, ours: true, mtimeMs: now - 1000 },
      { name: 'notes', ours: true, mtimeMs: 0 },
    ];
    expect(staleAssetDirs(entries, CUR, now, (n) => n === BUSY)).toEqual([OLD, `.${OLD}.Ab12Cd`]);
  });
});

describe('pruneAssetDirs', () => {
  let base: string;
  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrun-prune-'));
    fs.chmodSync(base, 0o700);
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  const tree = (name: string): string => {
    const dir = path.join(base, name);
    fs.mkdirSync(dir, { mode: 0o700 });
    fs.writeFileSync(path.join(dir, 'libtsrun.so'), 'x');
    return dir;
  };

  it('removes unmapped old trees, keeps the current one and those a process maps', () => {
    tree(CUR);
    tree(OLD);
    const busy = tree(BUSY);
    const uid = process.getuid!();
    expect(pruneAssetDirs(base, CUR, uid, () => [path.join(busy, 'libtsrun.so'), '/usr/lib/x86_64-linux-gnu/libc.so.6'])).toEqual([OLD]);
    expect(fs.readdirSync(base).sort()).toEqual([CUR, BUSY]);
  });

  it('sees a running process that maps a file of a tree (its executable) through /proc', async () => {
    const busy = tree(BUSY);
    const exe = path.join(busy, 'sleep');
    fs.copyFileSync(fs.realpathSync('/bin/sleep'), exe);
    fs.chmodSync(exe, 0o700);
    const child = spawn(exe, ['1000'], { stdio: 'ignore' });
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', () => resolve());
        child.once('error', reject);
      });
      expect(mappedPaths()).toContain(exe);
      expect(pruneAssetDirs(base, CUR, process.getuid!())).toEqual([]);
      expect(fs.existsSync(exe)).toBe(true);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    expect(pruneAssetDirs(base, CUR, process.getuid!())).toEqual([BUSY]);
  });
});
