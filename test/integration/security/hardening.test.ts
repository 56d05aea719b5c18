// The hardening a container's own processes run into, probed from inside through both front ends,
// each result next to runc's for the same config (runc spec / ctr's default spec):
//   - linux.maskedPaths: files (/proc/kcore, /proc/keys…: /dev/null bound over them, so they read
//     empty and swallow writes, as with runc) and dirs (/proc/acpi, /sys/firmware…: an empty
//     read-only tmpfs); linux.readonlyPaths (/proc/sys, /proc/sysrq-trigger, /proc/bus…)
//     and the read-only /sys refuse writes (EROFS) without privileges;
//   - capabilities: CapInh/CapPrm/CapEff/CapBnd/CapAmb as runc sets them (root with the default
//     set, a reduced set, a non-root user with an ambient capability); `mount` fails without
//     CAP_SYS_ADMIN;
//   - noNewPrivileges: a setuid-root program run by uid 1000 gains euid 0 only without it.
// For init and for exec.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { cgroupDirsFor, removeCgroupTree, rt, runtimes, type Runtime } from '../cli/side-by-side';
import { ctr, describeHarness } from '../../helpers/containerd';
import { scratchDir, workerScope } from '../../helpers/env';
import { RUNC, Resources, type RuntimeName, TSRUN } from '../shim/support';
import { FIXTURES, makeProbeRootfs, shimRun, shimRunDetached, writeCliConfig, type Config } from './support';
import { execFileSync } from 'node:child_process';

/** One line per attempt: the path and WRITABLE or the error busybox sh reports. */
const WRITE_TARGETS = [
  '/proc/sys/kernel/hostname', '/proc/sys/vm/overcommit_memory', '/proc/sysrq-trigger', '/proc/bus/x', '/proc/fs/x', '/proc/irq/x',
  '/proc/acpi/x', '/proc/scsi/x', '/sys/firmware/x', '/sys/kernel/uevent_helper', '/sys/fs/x', '/sys/x',
];
const WRITE_PROBE = [
  `for p in ${WRITE_TARGETS.join(' ')}; do`,
  '  if [ -e "$p" ] || [ -d "$(dirname $p)" ]; then r=$(sh -c "echo 1 > $p" 2>&1) && echo "$p: WRITABLE" || echo "$p: ${r##*: }"; else echo "$p: absent"; fi',
  'done',
  'for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do [ -e $f ] && echo "$f bytes $(head -c 64 $f | wc -c)"; done',
  'for d in /proc/acpi /proc/scsi /sys/firmware; do [ -d $d ] && echo "$d entries $(ls -A $d | wc -l)"; done',
  // procfs answers ENOENT to a create before the mount's EROFS: the mount options say it plainly
  "grep -E ' /(proc/(sys|sysrq-trigger|bus|fs|irq|acpi|kcore|keys)|sys|sys/firmware) ' /proc/self/mountinfo | while read -r a b c d mp opts rest; do echo \"mount $mp ${opts%%,*}\"; done",
].join('\n');
const CAPS_PROBE = "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' /proc/self/status; mount -t tmpfs t /mnt 2>&1 || echo 'mount refused'";
const PROBE = `${WRITE_PROBE}\n${CAPS_PROBE}`;

const NET_BIND = ['CAP_NET_BIND_SERVICE'];

/** The config variants, applied to `runc spec` (CLI) or ctr's default spec (shim). */
const VARIANTS: Record<string, (c: Config) => void> = {
  'root, default capabilities': () => {},
  'root, reduced capabilities': (c) => {
    c.process.capabilities = { bounding: ['CAP_CHOWN', 'CAP_KILL'], effective: ['CAP_CHOWN'], permitted: ['CAP_CHOWN'], inheritable: [] };
  },
  'uid 1000 with an ambient capability': (c) => {
    c.process.user = { uid: 1000, gid: 1000 };
    c.process.capabilities = { bounding: NET_BIND, effective: NET_BIND, permitted: NET_BIND, inheritable: NET_BIND, ambient: NET_BIND };
  },
};

function suidRootfs(dir: string, probe: string): string {
  const rootfs = makeProbeRootfs(dir);
  const bin = path.join(rootfs, 'bin', 'suid-probe');
  fs.copyFileSync(probe, bin);
  fs.chownSync(bin, 0, 0);
  fs.chmodSync(bin, 0o4755);
  return rootfs;
}

function buildSuidProbe(out: string): string {
  execFileSync('gcc', ['-static', '-O1', '-Wall', '-Werror', '-o', out, path.join(FIXTURES, 'suid-probe.c')]);
  return out;
}

describe('hardening through the CLI: tsrun vs runc', () => {
  let base: string;
  let both: Runtime[];
  let n = 0;
  const created: { r: Runtime; id: string }[] = [];

  beforeAll(() => {
    if (process.getuid?.() !== 0) throw new Error('the security tests need root');
    base = fs.mkdtempSync(path.join(scratchDir(), 'hard-'));
    both = runtimes(base);
  });

  afterEach(() => {
    for (const { r, id } of created.splice(0)) rt(r, ['delete', '--force', id]);
  });

  afterAll(() => {
    for (const d of cgroupDirsFor(`${workerScope()}hard`)) removeCgroupTree(d);
    if (base) fs.rmSync(base, { recursive: true, force: true });
  });

  function bundle(r: Runtime, args: string[], edit: (c: Config) => void, rootfs?: (dir: string) => void): { dir: string; id: string } {
    n += 1;
    const dir = path.join(base, `${r.name}-${n}`);
    if (rootfs) rootfs(path.join(dir, 'rootfs'));
    else makeProbeRootfs(path.join(dir, 'rootfs'));
    writeCliConfig(dir, (c) => {
      c.process.args = args;
      c.linux.cgroupsPath = `/${workerScope()}hard/${r.name}-${n}`;
      edit(c);
    });
    const id = `hard-${r.name}-${n}-${process.pid}`;
    created.push({ r, id });
    return { dir, id };
  }

  for (const [name, edit] of Object.entries(VARIANTS)) {
    it(`${name}: masked and read-only paths, capabilities, mount — init and exec as runc`, () => {
      const seen: Record<string, { init: string; exec: string; execCode: number | null }> = {};
      for (const r of both) {
        const b = bundle(r, ['sh', '-c', PROBE], edit);
        const init = rt(r, ['run', '--bundle', b.dir, b.id]);
        rt(r, ['delete', '--force', b.id]);
        const d = bundle(r, ['sleep', '100'], edit);
        const started = rt(r, ['run', '-d', '--bundle', d.dir, d.id]);
        if (started.code !== 0) throw new Error(`${r.name} run -d: ${started.stderr}`);
        const exec = rt(r, ['exec', d.id, 'sh', '-c', PROBE]);
        seen[r.name] = { init: init.stdout + init.stderr, exec: exec.stdout + exec.stderr, execCode: exec.code };
      }
      process.stderr.write(`hardening CLI (${name}) runc:\n${seen.runc!.init}\n`);
      // what runc's behaviour pins down, then tsrun = runc
      expect(seen.runc!.init).toMatch(/\/proc\/sys\/kernel\/hostname: Read-only file system/);
      expect(seen.runc!.init).toMatch(/mount \/proc\/sys ro\n/);
      expect(seen.runc!.init).toMatch(/mount \/sys ro\n/);
      expect(seen.runc!.init).toMatch(/mount refused/);
      expect(seen.runc!.init).not.toMatch(/WRITABLE/);
      expect(seen.tsrun).toEqual(seen.runc);
    });
  }

  it('noNewPrivileges: a setuid-root program run by uid 1000 gains euid 0 only without it (init and exec)', () => {
    const probe = buildSuidProbe(path.join(base, 'suid-probe'));
    const seen: Record<string, Record<string, string>> = {};
    for (const r of both) {
      seen[r.name] = {};
      for (const nnp of [true, false]) {
        const edit = (c: Config) => {
          c.process.user = { uid: 1000, gid: 1000 };
          c.process.noNewPrivileges = nnp;
        };
        const b = bundle(r, ['/bin/suid-probe'], edit, (dir) => suidRootfs(dir, probe));
        const init = rt(r, ['run', '--bundle', b.dir, b.id]);
        rt(r, ['delete', '--force', b.id]);
        const d = bundle(r, ['sleep', '100'], edit, (dir) => suidRootfs(dir, probe));
        const started = rt(r, ['run', '-d', '--bundle', d.dir, d.id]);
        if (started.code !== 0) throw new Error(`${r.name} run -d: ${started.stderr}`);
        const exec = rt(r, ['exec', d.id, '/bin/suid-probe']);
        const execNoNewPrivs = rt(r, ['exec', '--no-new-privs', d.id, '/bin/suid-probe']);
        seen[r.name]![`nnp=${nnp}`] = `init ${init.stdout.trim()} | exec ${exec.stdout.trim()} | exec --no-new-privs ${execNoNewPrivs.stdout.trim()}`;
      }
    }
    expect(seen.runc).toEqual({
      'nnp=true': 'init resuid 1000 1000 1000 | exec resuid 1000 1000 1000 | exec --no-new-privs resuid 1000 1000 1000',
      'nnp=false': 'init resuid 1000 0 0 | exec resuid 1000 0 0 | exec --no-new-privs resuid 1000 1000 1000',
    });
    expect(seen.tsrun).toEqual(seen.runc);
  });
});

describeHarness('hardening through the shim: tsrun vs runc.v2', (h) => {
  it('masked/read-only paths, capabilities and mount as runc.v2 (ctr default spec and the variants; init and exec)', async () => {
    const res = new Resources(h);
    try {
      const rootfs = makeProbeRootfs(path.join(res.dir('hard-shim'), 'rootfs'));
      const seen: Record<string, { init: string; exec: string }> = {};
      for (const [variant, edit] of Object.entries({ 'ctr default spec': () => {}, ...VARIANTS }))
      for (const runtime of [RUNC, TSRUN] as RuntimeName[]) {
        const t = { h, runtime, res };
        const init = await shimRun(t, 'hardinit', rootfs, ['sh', '-c', PROBE], edit);
        const id = await shimRunDetached(t, 'hardexec', rootfs, ['sleep', '100'], edit);
        const exec = await ctr(h, ['task', 'exec', '--exec-id', 'probe', id, 'sh', '-c', PROBE], { timeoutMs: 30_000 });
        seen[`${variant} ${runtime}`] = { init: init.stdout + init.stderr, exec: exec.stdout + exec.stderr };
      }
      for (const variant of ['ctr default spec', ...Object.keys(VARIANTS)]) {
        const runc = seen[`${variant} ${RUNC}`]!;
        expect(runc.init).toMatch(/mount refused/);
        expect(runc.init).not.toMatch(/WRITABLE/);
        expect({ variant, ...seen[`${variant} ${TSRUN}`] }).toEqual({ variant, ...runc });
      }
    } finally {
      await res.release();
    }
  }, 300_000);

  it('noNewPrivileges and a setuid-root program as runc.v2 (ctr run --config, uid 1000)', async () => {
    const res = new Resources(h);
    try {
      const dir = res.dir('suid-shim');
      const rootfs = suidRootfs(path.join(dir, 'rootfs'), buildSuidProbe(path.join(dir, 'suid-probe')));
      const seen: Record<string, string[]> = {};
      for (const runtime of [RUNC, TSRUN] as RuntimeName[]) {
        seen[runtime] = [];
        for (const nnp of [true, false]) {
          const r = await shimRun({ h, runtime, res }, 'suid', rootfs, ['/bin/suid-probe'], (s) => {
            s.process.user = { uid: 1000, gid: 1000 };
            s.process.noNewPrivileges = nnp;
          });
          seen[runtime]!.push(`nnp=${nnp} ${r.stdout.trim()}`);
        }
      }
      expect(seen[RUNC]).toEqual(['nnp=true resuid 1000 1000 1000', 'nnp=false resuid 1000 0 0']);
      expect(seen[TSRUN]).toEqual(seen[RUNC]);
    } finally {
      await res.release();
    }
  }, 120_000);
});
