// CVE-2019-5736 as an attack from inside the container, through both front ends, runc as the
// reference: the container's init (/attack watch, fixtures/exe-attacker.c) scans /proc/<pid>/exe
// of every process entering it and tries to reopen what it finds for writing once the runtime
// has exited; the rootfs also holds `/bin/evil` = "#!/proc/self/exe" and a fake dynamic loader
// (the same attacker), so an exec of /bin/evil or of /proc/self/exe that runs the runtime's own
// binary inside the container hands that binary to the attacker. Pass = every host runtime
// binary keeps its hash and the attacker logged no successful write.
//
// The CLI runs from a private install (scripts/install.sh into the test's dir) and runc from a
// private copy: nothing else executes them, so once the runtime exits nothing but the defence
// stops the write (a shared binary would be protected by ETXTBSY alone).
import * as fs from 'node:fs';
import * as path from 'node:path';

import { cgroupDirsFor, REPO, removeCgroupTree, rt, runtimes, type Runtime, waitFor as waitForSync } from '../cli/side-by-side';
import { ctr, describeHarness } from '../../helpers/containerd';
import { scratchDir, workerScope } from '../../helpers/env';
import { runOk } from '../../helpers/exec';
import { RUNTIMES, Resources, runtimeLabel, taskList, waitFor } from '../shim/support';
import { buildAttacker, hashesOf, makeProbeRootfs, shimBinaries, shimRunDetached, writeCliConfig } from './support';

const WATCH_SECONDS = '6';

/** A rootfs armed for the attack; `out` (host dir, bound at /out) receives the attacker's log. */
function attackRootfs(dir: string, attacker: string): { rootfs: string; out: string } {
  const rootfs = makeProbeRootfs(path.join(dir, 'rootfs'));
  fs.copyFileSync(attacker, path.join(rootfs, 'attack'));
  fs.mkdirSync(path.join(rootfs, 'lib64'), { recursive: true });
  fs.copyFileSync(attacker, path.join(rootfs, 'lib64', 'ld-linux-x86-64.so.2'));
  fs.chmodSync(path.join(rootfs, 'attack'), 0o755);
  fs.chmodSync(path.join(rootfs, 'lib64', 'ld-linux-x86-64.so.2'), 0o755);
  fs.writeFileSync(path.join(rootfs, 'bin', 'evil'), '#!/proc/self/exe\n', { mode: 0o755 });
  const out = path.join(dir, 'out');
  fs.mkdirSync(out);
  return { rootfs, out };
}

function logOf(out: string): string[] {
  try {
    return fs.readFileSync(path.join(out, 'log'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** What the attack achieved: lines naming an exe outside the container, and whether any write worked. */
function verdict(lines: string[]): { wrote: boolean; exes: string[] } {
  const exes = [...new Set(lines.map((l) => /exe=(.*) (?:write|open)=/.exec(l)?.[1]).filter((x): x is string => x !== undefined))];
  return { wrote: lines.some((l) => l.endsWith('write=ok')), exes };
}

describe('CVE-2019-5736 through the CLI: tsrun vs runc', () => {
  let base: string;
  let both: Runtime[];
  let attacker: string;
  const created: { r: Runtime; id: string }[] = [];

  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error('the security tests need root');
    base = fs.mkdtempSync(path.join(scratchDir(), 'exe-'));
    attacker = buildAttacker(path.join(base, 'exe-attacker'));
    await runOk(path.join(REPO, 'scripts/install.sh'), [path.join(base, 'prefix')], { timeoutMs: 120_000 });
    fs.mkdirSync(path.join(base, 'runc-bin'));
    fs.copyFileSync('/usr/sbin/runc', path.join(base, 'runc-bin', 'runc'));
    fs.chmodSync(path.join(base, 'runc-bin', 'runc'), 0o755);
    const [tsrun, runc] = runtimes(base);
    both = [
      { ...tsrun!, argv: [path.join(base, 'prefix', 'bin', 'tsrun'), '--root', tsrun!.root] },
      { ...runc!, argv: [path.join(base, 'runc-bin', 'runc'), '--root', runc!.root] },
    ];
  }, 180_000);

  afterEach(() => {
    for (const { r, id } of created.splice(0)) rt(r, ['delete', '--force', id]);
  });

  afterAll(() => {
    for (const d of cgroupDirsFor(`${workerScope()}exe`)) removeCgroupTree(d);
    if (base) fs.rmSync(base, { recursive: true, force: true });
  });

  it('exec of #!/proc/self/exe, of /proc/self/exe and plain execs: the host binary stays intact', () => {
    const seen: Record<string, unknown> = {};
    for (const r of both) {
      const binaries = r.name === 'tsrun' ? [path.join(base, 'prefix', 'lib', 'tsrun', 'bin', 'node'), path.join(base, 'prefix', 'lib', 'tsrun', 'build', 'libtsrun.so')] : [r.argv[0]!];
      const before = hashesOf(binaries);
      const dir = path.join(base, `b-${r.name}`);
      const { out } = attackRootfs(dir, attacker);
      writeCliConfig(dir, (c) => {
        c.process.args = ['/attack', 'watch', WATCH_SECONDS];
        c.mounts.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
        c.linux.cgroupsPath = `/${workerScope()}exe/${r.name}`;
      });
      const id = `exe-${r.name}-${process.pid}`;
      created.push({ r, id });
      const run = rt(r, ['run', '-d', '--bundle', dir, id]);
      if (run.code !== 0) throw new Error(`${r.name} run -d: ${run.stderr}`);
      waitForSync('the attacker to start', () => logOf(out).includes('watch ready'));
      const execs = ['/bin/evil', '/proc/self/exe', 'true'].map((p) => {
        const e = rt(r, ['exec', id, p]);
        return { program: p, code: e.code };
      });
      waitForSync('the attacker to finish', () => logOf(out).some((l) => l.startsWith('watch done')), 60_000);
      const lines = logOf(out);
      seen[r.name] = { execs, ...verdict(lines), intact: [...hashesOf(binaries)].every(([f, h]) => before.get(f) === h) };
      process.stderr.write(`CVE-2019-5736 ${r.name}: ${JSON.stringify(seen[r.name])}\n  ${lines.join('\n  ')}\n`);
    }
    expect(seen.runc).toMatchObject({ wrote: false, intact: true });
    // tsrun: the trampoline refuses to run as /proc/self/exe (127); nothing the attacker reached
    // is a host file (at most the sealed memfd); the plain exec works.
    expect(seen.tsrun).toMatchObject({ wrote: false, intact: true, execs: [{ program: '/bin/evil', code: 127 }, { program: '/proc/self/exe', code: 127 }, { program: 'true', code: 0 }] });
    for (const exe of (seen.tsrun as { exes: string[] }).exes) expect(exe).toMatch(/^\/memfd:tsrun-exec/);
  }, 180_000);
});

describe('CVE-2019-5736 as the container\'s init, through the CLI: tsrun vs runc', () => {
  let base: string;
  let both: Runtime[];
  const created: { r: Runtime; id: string }[] = [];

  beforeAll(async () => {
    base = fs.mkdtempSync(path.join(scratchDir(), 'exeinit-'));
    await runOk(path.join(REPO, 'scripts/install.sh'), [path.join(base, 'prefix')], { timeoutMs: 120_000 });
    fs.mkdirSync(path.join(base, 'runc-bin'));
    fs.copyFileSync('/usr/sbin/runc', path.join(base, 'runc-bin', 'runc'));
    fs.chmodSync(path.join(base, 'runc-bin', 'runc'), 0o755);
    const [tsrun, runc] = runtimes(base);
    both = [
      { ...tsrun!, argv: [path.join(base, 'prefix', 'bin', 'tsrun'), '--root', tsrun!.root] },
      { ...runc!, argv: [path.join(base, 'runc-bin', 'runc'), '--root', runc!.root] },
    ];
  }, 180_000);

  afterEach(() => {
    for (const { r, id } of created.splice(0)) rt(r, ['delete', '--force', id]);
  });

  afterAll(() => {
    for (const d of cgroupDirsFor(`${workerScope()}exeinit`)) removeCgroupTree(d);
    if (base) fs.rmSync(base, { recursive: true, force: true });
  });

  it('process.args = #!/proc/self/exe: the init never gets the host binary (it stays intact)', () => {
    const seen: Record<string, unknown> = {};
    for (const r of both) {
      const binaries = r.name === 'tsrun' ? [path.join(base, 'prefix', 'lib', 'tsrun', 'bin', 'node')] : [r.argv[0]!];
      const before = hashesOf(binaries);
      const dir = path.join(base, `b-${r.name}`);
      const { out } = attackRootfs(dir, buildAttacker(path.join(base, `attacker-${r.name}`)));
      writeCliConfig(dir, (c) => {
        c.process.args = ['/bin/evil'];
        c.mounts.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
        c.linux.cgroupsPath = `/${workerScope()}exeinit/${r.name}`;
      });
      const id = `exeinit-${r.name}-${process.pid}`;
      created.push({ r, id });
      const run = rt(r, ['run', '-d', '--bundle', dir, id]);
      // the attacker (if it ran) becomes a watcher that logs "watch done" once its child gave up
      waitForSync('the init to finish', () => logOf(out).some((l) => l.startsWith('watch done')) || rt(r, ['state', id]).stdout.includes('"stopped"'), 60_000);
      const lines = logOf(out);
      seen[r.name] = { run: run.code, ...verdict(lines), intact: [...hashesOf(binaries)].every(([f, h]) => before.get(f) === h) };
      process.stderr.write(`CVE-2019-5736 init ${r.name}: ${JSON.stringify(seen[r.name])}\n  ${lines.join('\n  ')}\n`);
    }
    expect(seen.runc).toMatchObject({ wrote: false, intact: true });
    expect(seen.tsrun).toMatchObject({ wrote: false, intact: true });
    for (const exe of (seen.tsrun as { exes: string[] }).exes) expect(exe).toMatch(/^\/memfd:tsrun-exec/);
  }, 180_000);
});

describe('the exec trampoline and seccomp', () => {
  let base: string;
  afterAll(() => {
    for (const d of cgroupDirsFor(`${workerScope()}tramp`)) removeCgroupTree(d);
    if (base) fs.rmSync(base, { recursive: true, force: true });
  });

  it('a profile that kills on execveat still runs the container (direct exec), as runc does', () => {
    base = fs.mkdtempSync(path.join(scratchDir(), 'tramp-'));
    const out: Record<string, unknown> = {};
    for (const r of runtimes(base)) {
      const dir = path.join(base, r.name);
      makeProbeRootfs(path.join(dir, 'rootfs'));
      writeCliConfig(dir, (c) => {
        c.process.args = ['sh', '-c', 'echo ran'];
        c.linux.cgroupsPath = `/${workerScope()}tramp/${r.name}`;
        c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['execveat'], action: 'SCMP_ACT_KILL_PROCESS' }] };
      });
      const id = `tramp-${r.name}-${process.pid}`;
      const res = rt(r, ['run', '--bundle', dir, id]);
      rt(r, ['delete', '--force', id]);
      out[r.name] = { code: res.code, stdout: res.stdout };
    }
    expect(out).toEqual({ tsrun: { code: 0, stdout: 'ran\n' }, runc: { code: 0, stdout: 'ran\n' } });
  });
});

describeHarness('CVE-2019-5736 through the shim (ctr task exec)', (h) => {
  for (const runtime of RUNTIMES) {
    it(`${runtimeLabel(runtime)}: exec of #!/proc/self/exe, of /proc/self/exe and plain execs leave the shim's binaries intact`, async () => {
      const res = new Resources(h);
      try {
        const before = shimBinaries(h, runtime);
        const dir = res.dir('exe-shim');
        const { rootfs, out } = attackRootfs(dir, buildAttacker(path.join(dir, 'exe-attacker')));
        const id = await shimRunDetached({ h, runtime, res }, 'exe', rootfs, ['/attack', 'watch', WATCH_SECONDS], (s) => {
          s.mounts.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
        });
        await waitFor('the attacker to start', () => (logOf(out).includes('watch ready') ? true : undefined));
        const execs: { program: string; code: number | null }[] = [];
        for (const [i, p] of ['/bin/evil', '/proc/self/exe', 'true'].entries()) {
          const e = await ctr(h, ['task', 'exec', '--exec-id', `x${i}`, id, p], { timeoutMs: 30_000 });
          execs.push({ program: p, code: e.code });
        }
        await waitFor('the attacker to finish', () => (logOf(out).some((l) => l.startsWith('watch done')) ? true : undefined), 60_000);
        const lines = logOf(out);
        const after = shimBinaries(h, runtime);
        const got = { ...verdict(lines), intact: [...before].every(([f, hash]) => after.get(f) === hash) };
        process.stderr.write(`CVE-2019-5736 shim ${runtimeLabel(runtime)} ${h.version}: ${JSON.stringify({ execs, ...got })}\n  ${lines.join('\n  ')}\n`);
        expect(got).toMatchObject({ wrote: false, intact: true });
        if (runtime !== 'io.containerd.runc.v2') {
          expect(execs.map((e) => e.code === 0)).toEqual([false, false, true]);
          for (const exe of got.exes) expect(exe).toMatch(/^\/memfd:tsrun-exec/);
        }
      } finally {
        await res.release();
      }
    }, 180_000);

    it(`${runtimeLabel(runtime)}: an init that is #!/proc/self/exe leaves the shim's binaries intact`, async () => {
      const res = new Resources(h);
      try {
        const before = shimBinaries(h, runtime);
        const dir = res.dir('exeinit-shim');
        const { rootfs, out } = attackRootfs(dir, buildAttacker(path.join(dir, 'exe-attacker')));
        const id = await shimRunDetached({ h, runtime, res }, 'exeinit', rootfs, ['/bin/evil'], (s) => {
          s.mounts.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
        });
        await waitFor('the init to finish', async () => {
          if (logOf(out).some((l) => l.startsWith('watch done'))) return true;
          return (await taskList(h)).get(id)?.status === 'STOPPED' ? true : undefined;
        }, 60_000);
        const lines = logOf(out);
        const after = shimBinaries(h, runtime);
        const got = { ...verdict(lines), intact: [...before].every(([f, hash]) => after.get(f) === hash) };
        process.stderr.write(`CVE-2019-5736 shim init ${runtimeLabel(runtime)} ${h.version}: ${JSON.stringify(got)}\n  ${lines.join('\n  ')}\n`);
        expect(got).toMatchObject({ wrote: false, intact: true });
        if (runtime !== 'io.containerd.runc.v2') for (const exe of got.exes) expect(exe).toMatch(/^\/memfd:tsrun-exec/);
      } finally {
        await res.release();
      }
    }, 180_000);
  }
});
