// CVE-2024-21626 as attacks from inside (and around) the container, through both front ends, runc
// as the reference: no host fd is open in the container's processes (/proc/self/fd shows 0, 1, 2
// and the lister's own), and a cwd that leads out of the rootfs through /proc/self/fd/N — given
// directly, through a symlink in the rootfs, or swapped in by a racing party between the runtime's
// create-time check and its chdir (a createRuntime hook plays the other container sharing the
// volume: it runs after the cwd was checked and before pivot_root) — never becomes the process's
// working directory. Escape = the process sees the runtime's state dir (state.json / exec.fifo).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { cgroupDirsFor, removeCgroupTree, rt, runtimes, type Result, type Runtime } from '../cli/side-by-side';
import { ctr, describeHarness } from '../../helpers/containerd';
import { scratchDir, workerScope } from '../../helpers/env';
import { RUNTIMES, Resources, runtimeLabel } from '../shim/support';
import { makeProbeRootfs, shimRun, shimRunDetached, writeCliConfig } from './support';

const FDS = [3, 4, 5, 6, 7, 8, 9, 10];
/** what the process prints: its cwd as the kernel names it, and what is in it */
const CWD_PROBE = ['sh', '-c', 'readlink /proc/self/cwd; ls'];

function escaped(r: { code: number | null; stdout: string }): boolean {
  return r.code === 0 && /state\.json|exec\.fifo/.test(r.stdout);
}

describe('CVE-2024-21626 through the CLI: tsrun vs runc', () => {
  let base: string;
  let both: Runtime[];
  let n = 0;
  const created: { r: Runtime; id: string }[] = [];

  beforeAll(() => {
    if (process.getuid?.() !== 0) throw new Error('the security tests need root');
    base = fs.mkdtempSync(path.join(scratchDir(), 'fd-'));
    both = runtimes(base);
  });

  afterEach(() => {
    for (const { r, id } of created.splice(0)) rt(r, ['delete', '--force', id]);
  });

  afterAll(() => {
    for (const d of cgroupDirsFor(`${workerScope()}fd`)) removeCgroupTree(d);
    if (base) fs.rmSync(base, { recursive: true, force: true });
  });

  function bundle(r: Runtime, edit: (c: Record<string, any>, rootfs: string) => void): { dir: string; id: string } { // eslint-disable-line @typescript-eslint/no-explicit-any
    n += 1;
    const dir = path.join(base, `${r.name}-${n}`);
    const rootfs = makeProbeRootfs(path.join(dir, 'rootfs'));
    writeCliConfig(dir, (c) => {
      c.root.readonly = false;
      c.linux.cgroupsPath = `/${workerScope()}fd/${r.name}-${n}`;
      edit(c, rootfs);
    });
    const id = `fd-${r.name}-${n}-${process.pid}`;
    created.push({ r, id });
    return { dir, id };
  }

  function runOnce(r: Runtime, edit: (c: Record<string, any>, rootfs: string) => void): Result { // eslint-disable-line @typescript-eslint/no-explicit-any
    const b = bundle(r, edit);
    const res = rt(r, ['run', '--bundle', b.dir, b.id]);
    rt(r, ['delete', '--force', b.id]);
    return res;
  }

  it('init and exec see only fds 0, 1, 2 (and ls its own directory fd)', () => {
    const seen: Record<string, unknown> = {};
    for (const r of both) {
      const init = runOnce(r, (c) => (c.process.args = ['ls', '/proc/self/fd']));
      const b = bundle(r, (c) => (c.process.args = ['sleep', '100']));
      const started = rt(r, ['run', '-d', '--bundle', b.dir, b.id]);
      if (started.code !== 0) throw new Error(`${r.name} run -d: ${started.stderr}`);
      const exec = rt(r, ['exec', b.id, 'ls', '/proc/self/fd']);
      // every fd but stdio, with its target: only the glob's own directory fd 3, closed by then
      const beyondStdio = rt(r, ['exec', b.id, 'sh', '-c', 'for f in /proc/self/fd/*; do case $f in */[012]) ;; *) echo "$f $(readlink $f)";; esac; done']);
      seen[r.name] = { init: init.stdout, exec: exec.stdout, beyondStdio: beyondStdio.stdout };
    }
    expect(seen.runc).toEqual({ init: '0\n1\n2\n3\n', exec: '0\n1\n2\n3\n', beyondStdio: '/proc/self/fd/3 \n' });
    expect(seen.tsrun).toEqual(seen.runc);
  });

  it('--preserve-fds 1: the preserved fd 3 is the only one beyond stdio', () => {
    const seen: Record<string, unknown> = {};
    for (const r of both) {
      const b = bundle(r, (c) => (c.process.args = ['sh', '-c', 'ls /proc/self/fd; cat <&3']));
      const outFile = path.join(base, `pf-${r.name}.out`);
      const extraFile = path.join(base, `pf-${r.name}.extra`);
      fs.writeFileSync(extraFile, 'preserved\n');
      const out = fs.openSync(outFile, 'w');
      const extra = fs.openSync(extraFile, 'r');
      try {
        const res = spawnSync(r.argv[0]!, [...r.argv.slice(1), 'run', '--preserve-fds', '1', '--bundle', b.dir, b.id], { stdio: ['ignore', out, 'inherit', extra], timeout: 30_000 });
        seen[r.name] = { code: res.status, stdout: fs.readFileSync(outFile, 'utf8') };
      } finally {
        fs.closeSync(out);
        fs.closeSync(extra);
      }
    }
    // 3 = the preserved file, 4 = ls's own directory fd
    expect(seen.runc).toEqual({ code: 0, stdout: '0\n1\n2\n3\n4\npreserved\n' });
    expect(seen.tsrun).toEqual(seen.runc);
  });

  it('process.cwd /proc/self/fd/N (directly and through a rootfs symlink) never leads out of the rootfs', () => {
    const seen: Record<string, { fd: number; how: string; code: number | null; escaped: boolean }[]> = {};
    for (const r of both) {
      seen[r.name] = [];
      for (const fd of FDS) {
        const direct = runOnce(r, (c) => {
          c.process.args = CWD_PROBE;
          c.process.cwd = `/proc/self/fd/${fd}`;
        });
        const viaLink = runOnce(r, (c, rootfs) => {
          fs.symlinkSync(`/proc/self/fd/${fd}`, path.join(rootfs, 'lnk'));
          c.process.args = CWD_PROBE;
          c.process.cwd = '/lnk';
        });
        seen[r.name]!.push({ fd, how: 'direct', code: direct.code, escaped: escaped(direct) }, { fd, how: 'symlink', code: viaLink.code, escaped: escaped(viaLink) });
      }
    }
    for (const r of both) expect({ runtime: r.name, escapes: seen[r.name]!.filter((s) => s.escaped) }).toEqual({ runtime: r.name, escapes: [] });
  });

  it('a cwd swapped for a /proc/self/fd/N symlink after the create-time check is refused at chdir', () => {
    // `create` (exec-fifo start): the init then holds an O_PATH fd of its state dir on the host —
    // the directory the attack wants as its cwd. Its number depends on the caller's open fds, so
    // every fd up to 48 is tried. Every create must fail: the init's fds are all host objects.
    const seen: Record<string, { fd: number; code: number | null; stderr: string }[]> = {};
    for (const r of both) {
      seen[r.name] = [];
      // runc refuses every N alike (it creates the cwd after its hooks): a few are enough there
      for (let fd = 3; fd <= (r.name === 'tsrun' ? 48 : 10); fd++) {
        const b = bundle(r, (c, rootfs) => {
          fs.mkdirSync(path.join(rootfs, 'work'));
          c.process.args = CWD_PROBE;
          c.process.cwd = '/work';
          // the racing party: replaces the checked directory by a magic-link symlink before pivot_root
          c.hooks = { createRuntime: [{ path: '/bin/sh', args: ['sh', '-c', `rmdir ${rootfs}/work && ln -s /proc/self/fd/${fd} ${rootfs}/work`] }] };
        });
        const res = rt(r, ['create', '--bundle', b.dir, b.id]);
        rt(r, ['delete', '--force', b.id]);
        seen[r.name]!.push({ fd, code: res.code, stderr: res.stderr.trim().replace(/^.*msg="/, '').slice(0, 160) });
      }
    }
    const refusedOutside = seen.tsrun!.filter((s) => /outside the container's root/.test(s.stderr)).map((s) => s.fd);
    process.stderr.write(`CVE-2024-21626 swapped cwd: tsrun refused as outside the root at fd ${refusedOutside.join(',')}; runc: ${[...new Set(seen.runc!.map((s) => s.stderr.replace(/^.*: /, '')))].join(' | ')}\n`);
    for (const r of both) expect({ runtime: r.name, created: seen[r.name]!.filter((s) => s.code === 0) }).toEqual({ runtime: r.name, created: [] });
    // the attack did reach a directory fd (the state dir), and the getcwd check refused it
    expect(refusedOutside.length).toBeGreaterThan(0);
  }, 300_000);

  it('exec --cwd /proc/self/fd/N and a symlink to it made inside the container never lead out', () => {
    const seen: Record<string, unknown[]> = {};
    for (const r of both) {
      const b = bundle(r, (c) => (c.process.args = ['sleep', '100']));
      const started = rt(r, ['run', '-d', '--bundle', b.dir, b.id]);
      if (started.code !== 0) throw new Error(`${r.name} run -d: ${started.stderr}`);
      seen[r.name] = [];
      for (const fd of FDS) {
        const direct = rt(r, ['exec', '--cwd', `/proc/self/fd/${fd}`, b.id, ...CWD_PROBE]);
        rt(r, ['exec', b.id, 'ln', '-sfn', `/proc/self/fd/${fd}`, '/lnk']);
        const viaLink = rt(r, ['exec', '--cwd', '/lnk', b.id, ...CWD_PROBE]);
        if (escaped(direct) || escaped(viaLink)) seen[r.name]!.push({ fd, direct: direct.stdout, viaLink: viaLink.stdout });
      }
    }
    expect(seen).toEqual({ tsrun: [], runc: [] });
  });
});

describeHarness('CVE-2024-21626 through the shim', (h) => {
  for (const runtime of RUNTIMES) {
    it(`${runtimeLabel(runtime)}: fds of init and exec, exec cwd through /proc/self/fd`, async () => {
      const res = new Resources(h);
      try {
        const t = { h, runtime, res };
        const rootfs = makeProbeRootfs(path.join(res.dir('fd-shim'), 'rootfs'));
        fs.symlinkSync('/proc/self/fd/7', path.join(rootfs, 'lnk7'));
        const init = await shimRun(t, 'fdinit', rootfs, ['ls', '/proc/self/fd']);
        expect({ code: init.code, stdout: init.stdout }).toEqual({ code: 0, stdout: '0\n1\n2\n3\n' });
        const id = await shimRunDetached(t, 'fdexec', rootfs, ['sleep', '100']);
        const exec = await ctr(h, ['task', 'exec', '--exec-id', 'ls', id, 'ls', '/proc/self/fd']);
        expect({ code: exec.code, stdout: exec.stdout }).toEqual({ code: 0, stdout: '0\n1\n2\n3\n' });
        const escapes: unknown[] = [];
        for (const fd of FDS) {
          const e = await ctr(h, ['task', 'exec', '--exec-id', `cwd${fd}`, '--cwd', `/proc/self/fd/${fd}`, id, ...CWD_PROBE]);
          if (escaped(e)) escapes.push({ fd, stdout: e.stdout });
        }
        const link = await ctr(h, ['task', 'exec', '--exec-id', 'lnk', '--cwd', '/lnk7', id, ...CWD_PROBE]);
        if (escaped(link)) escapes.push({ link: link.stdout });
        expect(escapes).toEqual([]);
      } finally {
        await res.release();
      }
    }, 120_000);
  }
});
