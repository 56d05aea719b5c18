//! Checkpoint/restore through containerd with CRIU, each case through runc.v2 (the reference) and
//! tsrun: `ctr task checkpoint` (an image; the task left running), Task.Checkpoint with runc's
//! CheckpointOptions (exit, image_path) on the shim socket, `ctr
//! container checkpoint --task` + `ctr container restore --live` of a counter that continues from
//! where it was, and bad input (checkpoint of a stopped task).
//!
//! CRIU: bookworm's 3.17.1 cannot run on kernels >= 6.13 ("vdso: Unexpected rt vDSO area bounds",
//! runc fails the same way with it); scripts/criu/fetch.sh unpacks trixie's 4.1 into build/ and
//! scripts/containerd/start.sh puts it first on the test containerds' PATH, where both runtimes
//! find it. These cases need it and fail loudly without it (the restore cannot work otherwise).
import * as fs from 'fs';
import * as path from 'path';
import { ctr, ctrOk } from '../../../helpers/containerd';
import { testEnv } from '../../../helpers/env';
import { CheckpointOptions } from '../../../../src/gen/types/runc/options/oci';
import { nsCall, runFlags, shimTaskClient, ShimCase, waitFor, waitForTask } from '../support';

/** runc's CheckpointOptions in an Any, as containerd's client sends it to runc.v2. */
function checkpointOptionsAny(o: Partial<CheckpointOptions>): { typeUrl: string; value: Buffer } {
  return { typeUrl: 'containerd.runc.v1.CheckpointOptions', value: Buffer.from(CheckpointOptions.encode(CheckpointOptions.fromPartial(o)).finish()) };
}

/** A counter writing an increasing number to /tmp/count (and stdout), a few times a second. */
export const COUNTER = ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i; echo $i > /tmp/count; sleep 0.05; done'];

/** The counter (0 while the file is missing or being rewritten: `echo > file` truncates first). */
export function counterOf(pid: number): number {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/root/tmp/count`, 'utf8').trim() || '0');
  } catch {
    return 0;
  }
}

/** The counter's current value, waiting out the instant the file is empty. */
export function readCounter(pid: number): Promise<number> {
  return waitFor(`the counter of ${pid}`, () => {
    const v = counterOf(pid);
    return v > 0 ? v : undefined;
  });
}

/** The criu the test containerds run (fails loudly when scripts/criu/fetch.sh has not run). */
export function requireCriu41(): void {
  const criu = path.join(testEnv().repo, 'build/criu-4.1/bin/criu');
  if (!fs.existsSync(criu)) throw new Error(`${criu} missing: run scripts/criu/fetch.sh (bookworm's CRIU 3.17 cannot checkpoint on kernel >= 6.13)`);
}

export const CHECKPOINT_CASES: readonly ShimCase[] = [
  {
    name: 'ctr task checkpoint makes a checkpoint image and leaves the task running',
    timeoutMs: 120_000,
    run: async ({ h, runtime, res }) => {
      requireCriu41();
      const id = res.container('ckpt');
      await ctrOk(h, ['run', '-d', ...runFlags(runtime), testEnv().image.ref, id, ...COUNTER]);
      const pid = await waitForTask(h, id, 'RUNNING');
      await waitFor('the counter to run', () => (counterOf(pid) > 5 ? true : undefined));
      // ctr passes --image-path/--work-path/--exit only to runtimes named io.containerd.runc.*: for
      // any other runtime containerd checkpoints into a temporary directory and stores an image.
      const out = await ctrOk(h, ['task', 'checkpoint', id], { timeoutMs: 60_000 });
      const image = out.stdout.trim().split('\n').pop()!.trim();
      res.defer(`image ${image}`, async () => {
        await ctr(h, ['image', 'rm', image]);
      });
      expect((await ctrOk(h, ['image', 'ls', '-q'])).stdout.split('\n')).toContain(image);
      const after = await readCounter(pid);
      await waitFor('the counter to go on after the checkpoint', () => (counterOf(pid) > after + 3 ? true : undefined));
      expect(await waitForTask(h, id, 'RUNNING')).toBe(pid);
    },
  },
  {
    name: 'Task.Checkpoint on the shim socket with CheckpointOptions{exit, image_path}: images in the path, the task stops',
    timeoutMs: 120_000,
    run: async ({ h, runtime, res }) => {
      requireCriu41();
      const id = res.container('ckptexit');
      await ctrOk(h, ['run', '-d', ...runFlags(runtime), testEnv().image.ref, id, ...COUNTER]);
      const pid = await waitForTask(h, id, 'RUNNING');
      await waitFor('the counter to run', () => (counterOf(pid) > 5 ? true : undefined));
      const images = res.dir('ckpt-exit');
      const task = shimTaskClient(h, id, res);
      await task.checkpoint({ id, path: images, options: checkpointOptionsAny({ exit: true, imagePath: images }) }, nsCall(h, 60_000));
      expect(fs.existsSync(path.join(images, 'inventory.img'))).toBe(true);
      expect(JSON.parse(fs.readFileSync(path.join(images, 'descriptors.json'), 'utf8'))).toHaveLength(3);
      await waitForTask(h, id, 'STOPPED');
    },
  },
  {
    name: 'ctr container checkpoint --task, then container restore --live: the counter continues from where it was',
    timeoutMs: 180_000,
    run: async ({ h, runtime, res }) => {
      requireCriu41();
      const id = res.container('restore');
      const ref = `localhost/tsrun-test/checkpoint-${id}:latest`;
      res.defer(`image ${ref}`, async () => {
        await ctr(h, ['image', 'rm', ref]);
      });
      await ctrOk(h, ['run', '-d', ...runFlags(runtime), testEnv().image.ref, id, ...COUNTER]);
      const pid = await waitForTask(h, id, 'RUNNING');
      await waitFor('the counter to pass 10', () => (counterOf(pid) > 10 ? true : undefined));
      const before = await readCounter(pid);
      await ctrOk(h, ['container', 'checkpoint', '--task', id, ref], { timeoutMs: 90_000 });
      const atCheckpoint = await readCounter(pid);
      expect(atCheckpoint).toBeGreaterThanOrEqual(before);
      await ctrOk(h, ['task', 'kill', '-s', 'SIGKILL', id]);
      await waitForTask(h, id, 'STOPPED');
      await ctrOk(h, ['task', 'rm', id]);
      await ctrOk(h, ['container', 'rm', id]);
      await ctrOk(h, ['container', 'restore', '--live', id, ref], { timeoutMs: 90_000 });
      const restored = await waitForTask(h, id, 'RUNNING');
      expect(restored).not.toBe(pid);
      // The restored loop goes on from the checkpointed value (a fresh start would count from 1).
      const first = await waitFor('the restored counter to write', () => {
        const v = counterOf(restored);
        return v > 0 ? v : undefined;
      });
      expect(first).toBeGreaterThanOrEqual(before);
      await waitFor('the restored counter to move on', () => (counterOf(restored) > first + 3 ? true : undefined));
    },
  },
  {
    name: 'ctr task checkpoint of a stopped task is an error; nothing is written',
    timeoutMs: 60_000,
    run: async ({ h, runtime, res }) => {
      requireCriu41();
      const id = res.container('ckptstopped');
      await ctrOk(h, ['run', '-d', ...runFlags(runtime), testEnv().image.ref, id, 'true']);
      await waitForTask(h, id, 'STOPPED');
      const images = res.dir('ckpt-stopped');
      const r = await ctr(h, ['task', 'checkpoint', '--image-path', images, id]);
      expect(r.code).not.toBe(0);
      expect(fs.existsSync(path.join(images, 'inventory.img'))).toBe(false);
    },
  },
];

/**
 * tsrun only: runc.v2 has no way to name a criu binary (containerd's shim ignores criu_path; runc
 * finds criu on PATH), so there is no reference to compare with.
 */
export const TSRUN_CHECKPOINT_CASES: readonly ShimCase[] = [
  {
    name: 'checkpoint with a criu binary that does not exist (runtime option CriuPath) is a clear FailedPrecondition; the task runs on',
    timeoutMs: 60_000,
    run: async ({ h, runtime, res }) => {
      const dir = res.dir('nocriu');
      const config = path.join(dir, 'tsrun.toml');
      fs.writeFileSync(config, 'CriuPath = "/nonexistent/criu"\n');
      const id = res.container('nocriu');
      await ctrOk(h, ['run', '-d', ...runFlags(runtime), '--runtime-config-path', config, testEnv().image.ref, id, ...COUNTER]);
      const pid = await waitForTask(h, id, 'RUNNING');
      const before = await readCounter(pid);
      const r = await ctr(h, ['task', 'checkpoint', id], { timeoutMs: 60_000 });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/failed precondition/i);
      expect(r.stderr).toMatch(/criu binary \/nonexistent\/criu \(from criu path option\): not found/);
      expect(await waitForTask(h, id, 'RUNNING')).toBe(pid);
      await waitFor('the counter to go on', () => (counterOf(pid) > before + 3 ? true : undefined));
    },
  },
];

