// CVE-2021-30465 as an attack from a container, through both front ends, runc as the reference:
// container A shares a volume V with container B and exchanges V/dir with a symlink to "/" in a loop
// while B is created again and again with mounts [V on /vol, a marked host dir on /vol/dir]. The
// runtime resolves /vol/dir while A swaps it; resolved outside B's rootfs (the host's "/"), the
// bind would land there and vanish from B at pivot_root. Outcomes per attempt:
//   inside   B runs and its mountinfo shows the marked mount (at /vol/dir, or wherever inside)
//   refused  B failed to start (e.g. the mount covered B's own root: the symlink resolved inside)
//   escaped  B runs and the marked mount is not in its tree — it went outside the rootfs
// Pass = no escape, for tsrun and runc alike.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { cgroupDirsFor, removeCgroupTree, rt, runtimes, type Runtime, waitFor as waitForSync } from '../cli/side-by-side';
import { describeHarness } from '../../helpers/containerd';
import { scratchDir, workerScope } from '../../helpers/env';
import { RUNTIMES, Resources, runtimeLabel, waitFor } from '../shim/support';
import { buildAttacker, makeProbeRootfs, shimRun, shimRunDetached, writeCliConfig, type Config } from './support';

// renameat2(RENAME_EXCHANGE) of V/dir and V/lnk (-> /) in a loop (fixtures/exe-attacker.c "swap"),
// as the original exploit: atomic, so nothing is ever missing (the runtime never creates a new
// dir) and nothing is deleted (a mount B got stays attached). A mv-based swapper is not usable:
// moving B's mountpoint "into" the symlink copies it out of the volume and deletes it, which
// detaches B's mount and looks like an escape.
const SWAPPER = 'ln -s / /vol/lnk && touch /vol/swapping && exec /attack swap /vol/dir /vol/lnk';

interface Tally {
  inside: number;
  refused: number;
  escaped: number;
}

/** B's probe: does its mount table hold the marked bind? */
function probeArgs(mark: string): string[] {
  return ['/bin/sh', '-c', `if grep -q ${mark} /proc/self/mountinfo; then echo INSIDE; else echo MISSING; grep -v ' - \\(proc\\|sysfs\\|tmpfs\\|devpts\\|mqueue\\) ' /proc/self/mountinfo; ls -la /vol; fi`];
}

function count(t: Tally, code: number | null, stdout: string, what: string): void {
  if (code !== 0) t.refused++;
  else if (stdout.includes('INSIDE')) t.inside++;
  else {
    t.escaped++;
    process.stderr.write(`CVE-2021-30465 ${what}: the marked mount is not in the container's tree:\n${stdout}\n`);
  }
}

/** The shared volume (with dir/) and the marked host dir B binds on /vol/dir. */
function volumes(base: string, label: string): { vol: string; mark: string; markDir: string } {
  const vol = path.join(base, `vol-${label}`);
  fs.mkdirSync(path.join(vol, 'dir'), { recursive: true });
  const mark = `esc-mark-${label}-${process.pid}`;
  const markDir = path.join(base, mark);
  fs.mkdirSync(markDir);
  fs.writeFileSync(path.join(markDir, 'MARK'), 'x');
  return { vol, mark, markDir };
}

function bMounts(c: Config, vol: string, markDir: string): void {
  c.mounts.push({ destination: '/vol', type: 'bind', source: vol, options: ['rbind', 'rw'] });
  c.mounts.push({ destination: '/vol/dir', type: 'bind', source: markDir, options: ['rbind', 'ro'] });
}

describe('CVE-2021-30465 through the CLI: tsrun vs runc', () => {
  let base: string;
  let both: Runtime[];
  const created: { r: Runtime; id: string }[] = [];

  beforeAll(() => {
    if (process.getuid?.() !== 0) throw new Error('the security tests need root');
    base = fs.mkdtempSync(path.join(scratchDir(), 'race-'));
    both = runtimes(base);
  });

  afterEach(() => {
    for (const { r, id } of created.splice(0)) rt(r, ['delete', '--force', id]);
  });

  afterAll(() => {
    for (const d of cgroupDirsFor(`${workerScope()}race`)) removeCgroupTree(d);
    if (base) fs.rmSync(base, { recursive: true, force: true });
  });

  it('a mount destination swapped with a symlink to / by another container never lands outside the rootfs', () => {
    const seen: Record<string, Tally> = {};
    for (const r of both) {
      const { vol, mark, markDir } = volumes(base, r.name);
      const aDir = path.join(base, `a-${r.name}`);
      buildAttacker(path.join(makeProbeRootfs(path.join(aDir, 'rootfs')), 'attack'));
      writeCliConfig(aDir, (c) => {
        c.process.args = ['/bin/sh', '-c', SWAPPER];
        c.mounts.push({ destination: '/vol', type: 'bind', source: vol, options: ['rbind', 'rw'] });
        c.linux.cgroupsPath = `/${workerScope()}race/${r.name}-a`;
      });
      const aId = `race-a-${r.name}-${process.pid}`;
      created.push({ r, id: aId });
      const a = rt(r, ['run', '-d', '--bundle', aDir, aId]);
      if (a.code !== 0) throw new Error(`${r.name} run -d (attacker): ${a.stderr}`);
      waitForSync('the swapper to start', () => fs.existsSync(path.join(vol, 'swapping')));

      const tally: Tally = { inside: 0, refused: 0, escaped: 0 };
      const bDir = path.join(base, `b-${r.name}`);
      makeProbeRootfs(path.join(bDir, 'rootfs'));
      writeCliConfig(bDir, (c) => {
        c.process.args = probeArgs(mark);
        bMounts(c, vol, markDir);
        c.linux.cgroupsPath = `/${workerScope()}race/${r.name}-b`;
      });
      for (let i = 0; i < 30; i++) {
        const id = `race-b-${r.name}-${i}-${process.pid}`;
        const res = rt(r, ['run', '--bundle', bDir, id]);
        rt(r, ['delete', '--force', id]);
        count(tally, res.code, res.stdout, `${r.name} CLI attempt ${i}`);
      }
      seen[r.name] = tally;
    }
    process.stderr.write(`CVE-2021-30465 CLI: ${JSON.stringify(seen)}\n`);
    expect({ tsrun: seen.tsrun!.escaped, runc: seen.runc!.escaped }).toEqual({ tsrun: 0, runc: 0 });
  }, 300_000);
});

describeHarness('CVE-2021-30465 through the shim', (h) => {
  for (const runtime of RUNTIMES) {
    it(`${runtimeLabel(runtime)}: a mount destination swapped by another container stays inside the rootfs`, async () => {
      const res = new Resources(h);
      try {
        const t = { h, runtime, res };
        const base = res.dir('race-shim');
        const { vol, mark, markDir } = volumes(base, 'shim');
        const rootfs = makeProbeRootfs(path.join(base, 'rootfs'));
        buildAttacker(path.join(rootfs, 'attack'));
        await shimRunDetached(t, 'racea', rootfs, ['/bin/sh', '-c', SWAPPER], (s) => {
          s.mounts.push({ destination: '/vol', type: 'bind', source: vol, options: ['rbind', 'rw'] });
        });
        await waitFor('the swapper to start', () => (fs.existsSync(path.join(vol, 'swapping')) ? true : undefined));
        const tally: Tally = { inside: 0, refused: 0, escaped: 0 };
        for (let i = 0; i < 12; i++) {
          const r = await shimRun(t, `raceb${i}`, rootfs, probeArgs(mark), (s) => bMounts(s, vol, markDir));
          count(tally, r.code, r.stdout, `${runtimeLabel(runtime)} shim attempt ${i}`);
        }
        process.stderr.write(`CVE-2021-30465 shim ${runtimeLabel(runtime)} ${h.version}: ${JSON.stringify(tally)}\n`);
        expect(tally.escaped).toBe(0);
      } finally {
        await res.release();
      }
    }, 300_000);
  }
});
