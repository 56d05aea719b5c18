// The eBPF device filter on a real cgroup v2 cgroup: runs inside the cg2rig QEMU guest (started by
// test/integration/cgroups/v2.test.ts on v1/hybrid hosts) or directly on a pure v2 host. Processes
// in the cgroup open device nodes made with mknod in a temp dir; the kernel runs our program.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupV2Manager, detectCgroupHost, parseCgroupsPath, type CgroupLogger } from '../../src/cgroups';
import { attachedDevicePrograms, bpfProgramExists } from '../../src/linux';
import type { DeviceCgroupRule } from '../../src/runtime/spec';
import { hold, killStarted } from '../helpers/cgroup-procs';

const host = detectCgroupHost();
const warnings: string[] = [];
const logger: CgroupLogger = { warn: (_o, m) => void warnings.push(m) };
const base = `/tsrun-dev-${process.pid}-${randomBytes(3).toString('hex')}`;
const made: CgroupV2Manager[] = [];
let tmp: string;
let sda: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tsrun-dev-'));
  sda = join(tmp, 'sda');
  execFileSync('mknod', ['-m', '600', sda, 'b', '8', '0']);
});

afterAll(async () => {
  await killStarted();
  for (const cg of made.reverse()) await cg.destroy().catch(() => undefined);
  await new CgroupV2Manager(host, parseCgroupsPath(base, 'x', { systemd: false })).destroy();
  rmSync(tmp, { recursive: true, force: true });
});

function open(name: string): CgroupV2Manager {
  // CgroupV2Manager directly, so this file also runs on a hybrid host's cgroup2 mount during development.
  const cg = new CgroupV2Manager(host, parseCgroupsPath(`${base}/${name}`, name, { systemd: false }), { logger, devicePolicy: 'error' });
  made.push(cg);
  return cg;
}

/** Run `sh -c script` inside the cgroup; returns its exit code and stderr. */
async function runIn(cg: CgroupV2Manager, script: string): Promise<{ code: number | null; stderr: string }> {
  const p = hold(['/bin/sh', '-c', script]);
  let stderr = '';
  p.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await cg.addProcess(p.pid);
  p.release();
  const { code } = await p.exited;
  return { code, stderr };
}

/** The shell's error for opening `path` for reading, '' when it opened. */
async function openError(cg: CgroupV2Manager, path: string): Promise<string> {
  const r = await runIn(cg, `exec 3< '${path}' && echo opened >&2`);
  return r.stderr.includes('opened') ? '' : r.stderr;
}

const EPERM = /Operation not permitted/;
const DENY_ALL: DeviceCgroupRule = { allow: false, access: 'rwm' };
const NULL_RW: DeviceCgroupRule = { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' };

async function waitFreed(ids: number[]): Promise<number[]> {
  // Programs are freed after an RCU grace period: wait for it rather than assume a time.
  const deadline = Date.now() + 30_000;
  let alive = ids.filter(bpfProgramExists);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    alive = alive.filter(bpfProgramExists);
  }
  return alive;
}

describe('cgroup v2 eBPF device filter', () => {
  it('denies open() of a mknod-made block device and allows /dev/null', async () => {
    // Outside any filter the node opens or fails for lack of a disk, never with EPERM.
    const ctl = open('control');
    await ctl.create({});
    expect(await openError(ctl, sda)).not.toMatch(EPERM);
    expect(attachedDevicePrograms(ctl.dir)).toEqual([]);

    const cg = open('deny');
    await cg.create({ devices: [DENY_ALL, NULL_RW] });
    expect(attachedDevicePrograms(cg.dir)).toHaveLength(1);
    expect(await openError(cg, sda)).toMatch(EPERM);
    expect(await openError(cg, '/dev/null')).toBe('');
    const w = await runIn(cg, 'echo x > /dev/null && echo ok >&2');
    expect(w.stderr).toBe('ok\n');
    // mknod itself is checked too ("m" access)
    const m = await runIn(cg, `mknod '${join(tmp, 'zero')}' c 1 5`);
    expect(m.code).not.toBe(0);
    expect(m.stderr).toMatch(EPERM);
    expect(warnings).toEqual([]);
  });

  it('replaces the program on update and leaks none', async () => {
    const cg = open('update');
    await cg.create({ devices: [DENY_ALL, NULL_RW] });
    const first = attachedDevicePrograms(cg.dir);
    expect(first).toHaveLength(1);
    expect(await openError(cg, sda)).toMatch(EPERM);

    await cg.update({ devices: [DENY_ALL, NULL_RW, { allow: true, type: 'b', major: 8, minor: 0, access: 'r' }] });
    const second = attachedDevicePrograms(cg.dir);
    expect(second).toHaveLength(1);
    expect(second[0]).not.toBe(first[0]);
    expect(await openError(cg, sda)).not.toMatch(EPERM);
    expect(await waitFreed(first)).toEqual([]);

    // read-only access: opening for writing is denied
    const rw = await runIn(cg, `exec 3<> '${sda}'`);
    expect(rw.stderr).toMatch(EPERM);

    await cg.update({ devices: [DENY_ALL] });
    const third = attachedDevicePrograms(cg.dir);
    expect(third).toHaveLength(1);
    expect(await openError(cg, '/dev/null')).toMatch(EPERM);
    expect(await waitFreed(second)).toEqual([]);

    // updates without device rules leave the filter alone
    await cg.update({});
    expect(attachedDevicePrograms(cg.dir)).toEqual(third);

    await cg.destroy();
    expect(await waitFreed(third)).toEqual([]);
  });

  it('keeps the filter of a parent: a child cgroup cannot widen its access', async () => {
    const parent = open('nest');
    await parent.create({ devices: [DENY_ALL, NULL_RW] });
    const child = open('nest/child');
    await child.create({ devices: [{ allow: true, access: 'rwm' }] });
    expect(await openError(child, '/dev/null')).toBe('');
    expect(await openError(child, sda)).toMatch(EPERM);
  });
});
