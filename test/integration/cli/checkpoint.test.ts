// tsrun checkpoint/restore against runc, side by side on identical busybox bundles: a counter is
// checkpointed and restored and goes on from where it was; --leave-running; bad input (a criu
// path that does not exist, a stopped container, an empty or missing image directory) is a clear
// error that leaves nothing behind. Root only; everything created is removed.
//
// CRIU: bookworm's 3.17.1 cannot run on kernels >= 6.13 (see scripts/criu/fetch.sh), so both
// runtimes get trixie's 4.1 from build/criu-4.1 (tsrun --criu, runc --criu); the Debian binary is
// checked separately: where its `criu check` fails with the vDSO error, tsrun must say so clearly.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

import { O_CLOEXEC, pipe2 } from '../../../src/linux';

import { cgroupDirsFor, makeBundle, parseState, REPO, removeCgroupTree, rt, runtimes, type Runtime, sleepMs, waitFor } from './side-by-side';
import { scratchDir, workerScope } from '../../helpers/env';
import { assertNoLeaks } from '../../helpers/leaks';

const CRIU = path.join(REPO, 'build/criu-4.1/bin/criu');
const COUNTER = ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i; echo $i > /tmp/count; sleep 0.05; done'];

let CG_PARENT: string;
let base: string;
let both: Runtime[];
const created: { r: Runtime; id: string }[] = [];
const streams: net.Socket[] = [];

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('the CLI integration tests need root');
  if (!fs.existsSync(CRIU)) throw new Error(`${CRIU} missing: run scripts/criu/fetch.sh (bookworm's CRIU 3.17 cannot checkpoint on kernel >= 6.13)`);
  CG_PARENT = `${workerScope()}clickpt`;
  base = fs.mkdtempSync(path.join(scratchDir(), 'clickpt-'));
  // both runtimes with the CRIU 4.1 binary
  both = runtimes(base).map((r) => ({ ...r, argv: [...r.argv.slice(0, 1), ...r.argv.slice(1), '--criu', CRIU] }));
});

afterEach(() => {
  for (const { r, id } of created.splice(0)) rt(r, ['delete', '--force', id]);
  for (const s of streams.splice(0)) s.destroy();
});

afterAll(async () => {
  for (const dir of cgroupDirsFor(CG_PARENT)) removeCgroupTree(dir);
  if (base) fs.rmSync(base, { recursive: true, force: true });
  await assertNoLeaks();
});

const cid = (name: string): string => `${name}-${process.pid}`;

function counterFile(bundle: string): number {
  try {
    return Number(fs.readFileSync(path.join(bundle, 'rootfs/tmp/count'), 'utf8').trim() || '0');
  } catch {
    return 0;
  }
}

/** The counter's value, waiting out the instant `echo > file` has truncated it. */
function counter(bundle: string): number {
  let v = 0;
  waitFor('the counter file to hold a number', () => (v = counterFile(bundle)) > 0);
  return v;
}

/**
 * `argv…` whose stdout/stderr are pipes this test reads (CRIU dumps a container's stdio pipes as
 * such; runc cannot dump a host file given as stdout). Resolves once the runtime itself exited;
 * the pipes stay open while the detached container writes to them.
 */
interface Detached {
  readonly code: number | null;
  out(): string;
  err(): string;
  /** Resolves when every writer of the stdout pipe is gone (the container ended). */
  readonly outClosed: Promise<void>;
}

function detached(r: Runtime, args: readonly string[]): Promise<Detached> {
  // real pipes (node's 'pipe' stdio is a socketpair, which CRIU treats as an external unix socket)
  const [outR, outW] = pipe2(O_CLOEXEC);
  const [errR, errW] = pipe2(O_CLOEXEC);
  let child: ChildProcess;
  try {
    child = spawn(r.argv[0]!, [...r.argv.slice(1), ...args], { stdio: ['ignore', outW, errW] });
  } finally {
    fs.closeSync(outW);
    fs.closeSync(errW);
  }
  let out = '';
  let err = '';
  const outS = new net.Socket({ fd: outR, readable: true, writable: false });
  const errS = new net.Socket({ fd: errR, readable: true, writable: false });
  streams.push(outS, errS);
  outS.on('data', (b: Buffer) => (out += b.toString('utf8')));
  const outClosed = new Promise<void>((resolve) => outS.once('close', () => resolve()));
  errS.on('data', (b: Buffer) => (err += b.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    // the runtime's own exit (the detached container keeps the pipes open); let its last words arrive
    child.once('exit', (code) => setTimeout(() => resolve({ code, out: () => out, err: () => err, outClosed }), 100));
  });
}

function bundleFor(name: string, args: string[] = COUNTER): string {
  return makeBundle(path.join(base, name), (c) => {
    c.process.args = args;
    c.root.readonly = false;
    c.linux.cgroupsPath = `/${CG_PARENT}/${name}`;
  });
}

async function runCounter(r: Runtime, name: string): Promise<{ id: string; bundle: string; out: () => string; outClosed: Promise<void> }> {
  const bundle = bundleFor(`${r.name}-${name}`);
  const id = cid(`${r.name}-${name}`);
  created.push({ r, id });
  const res = await detached(r, ['run', '-d', '--bundle', bundle, id]);
  if (res.code !== 0) throw new Error(`${r.name} run -d ${id} failed (${res.code}): ${res.err()}`);
  waitFor('the counter to pass 5', () => counterFile(bundle) > 5);
  return { id, bundle, out: res.out, outClosed: res.outClosed };
}

/** Poll `fn` without blocking the event loop (the pipes are read meanwhile). */
async function waitAsync(what: string, fn: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const status = (r: Runtime, id: string): unknown => parseState(rt(r, ['state', id])).status;

function cgroupExists(name: string): boolean {
  return cgroupDirsFor(`${CG_PARENT}/${name}`).length > 0;
}

function mountsUnder(dir: string): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(dir));
}

describe('checkpoint and restore a counter', () => {
  it.each([['tsrun'], ['runc']])('%s: checkpoint stops the container, restore -d brings it back counting on from where it was', async (name) => {
    const r = both.find((x) => x.name === name)!;
    const { id, bundle, out, outClosed } = await runCounter(r, 'counter');
    const images = path.join(base, `${name}-images`);
    const before = counter(bundle);
    const ck = rt(r, ['checkpoint', '--image-path', images, id], { timeoutMs: 60_000 });
    expect([ck.code, ck.stderr]).toEqual([0, '']);
    expect(fs.existsSync(path.join(images, 'inventory.img'))).toBe(true);
    // gone after the checkpoint (runc destroys the container too)
    expect(rt(r, ['state', id]).code).not.toBe(0);
    // The dump ended the processes: their stdout pipe closes, and what they printed last is where
    // the checkpoint caught them (the file may even be caught empty, between truncate and write).
    await outClosed;
    const printed = out().trim().split('\n').map(Number);
    const atCheckpoint = printed[printed.length - 1]!;
    expect(atCheckpoint).toBeGreaterThanOrEqual(before);
    const frozen = fs.readFileSync(path.join(bundle, 'rootfs/tmp/count'), 'utf8');
    sleepMs(300);
    expect(fs.readFileSync(path.join(bundle, 'rootfs/tmp/count'), 'utf8')).toBe(frozen); // nothing runs any more

    const rs = await detached(r, ['restore', '-d', '--image-path', images, '--bundle', bundle, id]);
    expect([rs.code, rs.err()]).toEqual([0, '']);
    expect(status(r, id)).toBe('running');
    waitFor('the restored counter to move on', () => counterFile(bundle) > atCheckpoint + 3);
    // The restored loop prints to the restore's stdout, starting right after the last number printed before.
    await waitAsync('the restored output', () => rs.out().trim().split('\n').length > 2);
    const restoredOut = rs.out().trim().split('\n').map(Number);
    expect(restoredOut[0]).toBe(atCheckpoint + 1);
    expect(rt(r, ['delete', '--force', id]).code).toBe(0);
  }, 120_000);

  it.each([['tsrun'], ['runc']])('%s: checkpoint --leave-running (with --work-path, --file-locks, --tcp-established) keeps the container running', async (name) => {
    const r = both.find((x) => x.name === name)!;
    const { id, bundle } = await runCounter(r, 'leave');
    const images = path.join(base, `${name}-leave-images`);
    const work = path.join(base, `${name}-leave-work`);
    const ck = rt(r, ['checkpoint', '--leave-running', '--file-locks', '--tcp-established', '--image-path', images, '--work-path', work, id], { timeoutMs: 60_000 });
    expect([ck.code, ck.stderr]).toEqual([0, '']);
    // CRIU's log goes to the work path, the images to the image path
    expect([fs.existsSync(path.join(work, 'dump.log')), fs.existsSync(path.join(images, 'inventory.img'))]).toEqual([true, true]);
    expect(status(r, id)).toBe('running');
    const after = counter(bundle);
    waitFor('the counter to go on', () => counterFile(bundle) > after + 3);
  }, 120_000);
});

describe('bad input', () => {
  it('tsrun: a criu path (--criu or TSRUN_CRIU) that does not exist is a clear error; the container runs on', async () => {
    const r = both.find((x) => x.name === 'tsrun')!;
    const { id, bundle } = await runCounter(r, 'nocriu');
    const images = path.join(base, 'nocriu-images');
    const plain = r.argv.slice(0, r.argv.indexOf('--criu'));
    const viaFlag = spawnSync(plain[0]!, [...plain.slice(1), '--criu', '/nonexistent/criu', 'checkpoint', '--image-path', images, id], { encoding: 'utf8' });
    expect(viaFlag.status).not.toBe(0);
    expect(viaFlag.stderr).toMatch(/criu binary \/nonexistent\/criu \(from criu path option\): not found/);
    const viaEnv = spawnSync(plain[0]!, [...plain.slice(1), 'checkpoint', '--image-path', images, id], {
      encoding: 'utf8', env: { ...process.env, TSRUN_CRIU: '/nonexistent/criu' },
    });
    expect(viaEnv.status).not.toBe(0);
    expect(viaEnv.stderr).toMatch(/criu binary \/nonexistent\/criu \(from TSRUN_CRIU\): not found/);
    expect(fs.existsSync(path.join(images, 'inventory.img'))).toBe(false);
    expect(status(r, id)).toBe('running');
    const v = counter(bundle);
    waitFor('the counter to go on', () => counterFile(bundle) > v + 3);
  }, 60_000);

  it.each([['tsrun'], ['runc']])('%s: checkpoint of a stopped container is an error', async (name) => {
    const r = both.find((x) => x.name === name)!;
    const bundle = bundleFor(`${name}-stopped`, ['true']);
    const id = cid(`${name}-stopped`);
    created.push({ r, id });
    expect(rt(r, ['run', '-d', '--bundle', bundle, id]).code).toBe(0);
    waitFor('the container to stop', () => status(r, id) === 'stopped');
    const images = path.join(base, `${name}-stopped-images`);
    const ck = rt(r, ['checkpoint', '--image-path', images, id]);
    expect(ck.code).not.toBe(0);
    if (name === 'tsrun') expect(ck.stderr).toMatch(/cannot checkpoint container .* it is stopped/);
    expect(fs.existsSync(path.join(images, 'inventory.img'))).toBe(false);
  });

  it.each([['tsrun'], ['runc']])('%s: restore from an empty or a missing image directory is an error and leaves nothing behind', (name) => {
    const r = both.find((x) => x.name === name)!;
    const bundle = bundleFor(`${name}-empty`);
    const id = cid(`${name}-empty`);
    created.push({ r, id });
    const empty = fs.mkdtempSync(path.join(base, 'empty-'));
    for (const dir of [empty, path.join(base, 'no-such-dir')]) {
      const rs = rt(r, ['restore', '-d', '--image-path', dir, '--bundle', bundle, id]);
      expect(rs.code).not.toBe(0);
      if (name === 'tsrun') expect(rs.stderr).toMatch(dir === empty ? /holds no CRIU checkpoint \(inventory\.img missing\)/ : /no such directory/);
      expect(rt(r, ['state', id]).code).not.toBe(0);
      expect(fs.existsSync(path.join(r.root, id))).toBe(false);
      if (name === 'tsrun') expect(cgroupExists(`${name}-empty`)).toBe(false);
      expect(mountsUnder(base)).toEqual([]);
    }
  });

  it("tsrun: with Debian's CRIU 3.17 on a kernel it cannot handle, the error names the cause and the fix (runc fails too)", async () => {
    const debian = '/usr/sbin/criu';
    if (!fs.existsSync(debian)) throw new Error(`${debian} missing: apt-get install criu`);
    const check = spawnSync(debian, ['check'], { encoding: 'utf8' });
    const broken = /Unexpected rt vDSO area bounds/.test(`${check.stdout}${check.stderr}`);
    const [tsrun, runc] = ['tsrun', 'runc'].map((n) => {
      const r = both.find((x) => x.name === n)!;
      const argv = [...r.argv.slice(0, r.argv.indexOf('--criu')), '--criu', debian];
      return { ...r, argv };
    }) as unknown as [Runtime, Runtime];
    for (const r of [tsrun, runc]) {
      const { id } = await runCounter(r, 'debcriu');
      const images = path.join(base, `${r.name}-debcriu-images`);
      const ck = rt(r, ['checkpoint', '--image-path', images, id], { timeoutMs: 60_000 });
      if (!broken) {
        // an older kernel: Debian's CRIU works and so does the checkpoint
        expect(ck.code).toBe(0);
        continue;
      }
      expect(ck.code).not.toBe(0);
      if (r === tsrun) {
        expect(ck.stderr).toMatch(/cannot run on this kernel .*vDSO .*kernels >= 6\.13/);
        expect(ck.stderr).toMatch(/install CRIU >= 4\.1/);
        expect(status(r, id)).toBe('running'); // a failed dump leaves the container as it was
      } else {
        expect(`${ck.stderr}`).toMatch(/criu failed/);
      }
    }
  }, 120_000);
});
