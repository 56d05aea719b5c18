// containerd-shim-tsrun-v1 driven by real containerd (1.6 and 1.7 from the harness) with ctr as
// the client: output, exit codes, detached tasks, events, stdin, the shim's lifetime, and cleanup
// by the `delete` action when the shim daemon was killed.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { containerdLogTail, ctr, ctrOk, ctrRun, describeHarness } from '../../helpers/containerd';
import { describeResult } from '../../helpers/exec';
import { testEnv, uniqueId } from '../../helpers/env';
import { listProcesses } from '../../helpers/leaks';
import type { ContainerdHandle } from '../../helpers/env';

const TSRUN = 'io.containerd.tsrun.v1';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll until `cond` holds (no timing assertion: the jest timeout bounds it). */
async function until(cond: () => boolean | Promise<boolean>, what: string, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await cond()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The shim daemon(s) serving container `id` (its argv carries `-id <id>` and `-socket`). */
function shimDaemons(id: string): number[] {
  return listProcesses()
    .filter((p) => p.cmdline.includes(` -id ${id} `) && p.cmdline.includes(' -socket '))
    .map((p) => p.pid);
}

async function taskStatus(h: ContainerdHandle, id: string): Promise<string | undefined> {
  const r = await ctrOk(h, ['task', 'ls']);
  const line = r.stdout.split('\n').find((l) => l.split(/\s+/)[0] === id);
  return line?.split(/\s+/)[2];
}

async function removeContainer(h: ContainerdHandle, id: string): Promise<void> {
  await ctr(h, ['task', 'kill', '-s', 'KILL', id]);
  await ctr(h, ['task', 'delete', '-f', id]);
  await ctr(h, ['container', 'rm', id]);
}

function tsrunRun(h: ContainerdHandle, id: string, args: string[], extra: { flags?: string[]; input?: string } = {}) {
  return ctrRun(h, { id, runtime: TSRUN, args, ...(extra.flags ? { flags: extra.flags } : {}) }, extra.input !== undefined ? { input: extra.input } : {});
}

describeHarness('shim with ctr', (h) => {
  it('ctr run --rm prints the container output (echo hello)', async () => {
    const r = await tsrunRun(h, uniqueId('echo'), ['echo', 'hello']);
    expect({ code: r.code, stdout: r.stdout, log: r.code === 0 ? '' : `${describeResult(r)}\n${containerdLogTail(h)}` }).toEqual({
      code: 0, stdout: 'hello\n', log: '',
    });
  });

  it('reports exit codes, stdout and stderr like runc', async () => {
    const script = 'echo out; echo err >&2; exit 3';
    const tsrun = await tsrunRun(h, uniqueId('exit'), ['sh', '-c', script]);
    const runc = await ctrRun(h, { id: uniqueId('exit-runc'), args: ['sh', '-c', script] });
    expect({ code: tsrun.code, out: tsrun.stdout, err: tsrun.stderr }).toEqual({ code: runc.code, out: runc.stdout, err: runc.stderr });
    expect(tsrun.code).toBe(3);
  });

  it('runs 20 containers in parallel, each with its own output', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => uniqueId(`par${i}`));
    const results = await Promise.all(ids.map((id, i) => tsrunRun(h, id, ['echo', `n${i}`], {})));
    expect(results.map((r) => `${r.code}:${r.stdout.trim()}`)).toEqual(ids.map((_, i) => `0:n${i}`));
  });

  it('feeds stdin piped into ctr run', async () => {
    const r = await tsrunRun(h, uniqueId('stdin'), ['sh', '-c', 'read line; echo "got $line"'], { input: 'abc\n' });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: 'got abc\n' });
  });

  it('a SIGKILLed task exits 137 and ctr run returns it', async () => {
    const id = uniqueId('kill');
    const running = tsrunRun(h, id, ['sleep', '1000']);
    await until(async () => (await taskStatus(h, id)) === 'RUNNING', `${id} running`);
    await ctrOk(h, ['task', 'kill', '-s', 'KILL', id]);
    const r = await running;
    expect(r.code).toBe(137);
  });

  it('detached run: task ls/ps/kill/delete, and the shim exits with its last container', async () => {
    const id = uniqueId('detached');
    try {
      await ctrOk(h, ['run', '-d', '--runtime', TSRUN, testEnv().image.ref, id, 'sh', '-c', 'sleep 1000 & sleep 1000']);
      expect(await taskStatus(h, id)).toBe('RUNNING');
      expect(shimDaemons(id)).toHaveLength(1);
      const ps = await ctrOk(h, ['task', 'ps', id]);
      const pids = ps.stdout.trim().split('\n').slice(1).map((l) => Number(l.split(/\s+/)[0]));
      expect(pids.length).toBeGreaterThanOrEqual(2);
      await ctrOk(h, ['task', 'kill', '-s', 'KILL', '--all', id]);
      await until(async () => (await taskStatus(h, id)) === 'STOPPED', `${id} stopped`);
      const del = await ctr(h, ['task', 'delete', id]);
      expect(del.code).toBe(0);
      expect(await taskStatus(h, id)).toBeUndefined();
      await until(() => shimDaemons(id).length === 0, 'the shim daemon to exit');
    } finally {
      await removeContainer(h, id);
    }
  });

  it('ctr events shows create, start, exit and delete for the task', async () => {
    const id = uniqueId('events');
    const events = spawn(h.ctr, ['--address', h.address, '--namespace', h.namespace, 'events'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    events.stdout.on('data', (b: Buffer) => (out += b.toString()));
    try {
      await sleep(200);
      const r = await tsrunRun(h, id, ['true']);
      expect(r.code).toBe(0);
      await until(() => /\/tasks\/delete/.test(out) && out.includes(id), 'the delete event');
      const topics = out.split('\n').filter((l) => l.includes(id) && l.includes('/tasks/')).map((l) => /\/tasks\/[a-z-]+/.exec(l)?.[0]);
      expect(topics).toEqual(['/tasks/create', '/tasks/start', '/tasks/exit', '/tasks/delete']);
    } finally {
      events.kill('SIGKILL');
    }
  });

  it('an OOM kill under --memory-limit exits 137 and publishes /tasks/oom', async () => {
    const id = uniqueId('oom');
    const events = spawn(h.ctr, ['--address', h.address, '--namespace', h.namespace, 'events'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    events.stdout.on('data', (b: Buffer) => (out += b.toString()));
    try {
      await sleep(200);
      // busybox tail keeps everything it reads from an endless line in memory.
      const r = await tsrunRun(h, id, ['tail', '/dev/zero'], { flags: ['--memory-limit', String(16 * 1024 * 1024)] });
      expect(r.code).toBe(137);
      await until(() => out.split('\n').some((l) => l.includes('/tasks/oom') && l.includes(id)), 'the oom event');
    } finally {
      events.kill('SIGKILL');
    }
  });

  it('containerd cleans up through the delete action when the shim daemon is killed', async () => {
    const id = uniqueId('shimkill');
    // ctr leaves a detached task's FIFOs behind when containerd (not ctr) deletes the task.
    const fifoDir = fs.mkdtempSync(path.join(testEnv().fifoDir, `${id}-`));
    try {
      await ctrOk(h, ['run', '-d', '--fifo-dir', fifoDir, '--runtime', TSRUN, testEnv().image.ref, id, 'sleep', '1000']);
      const [daemon] = shimDaemons(id);
      expect(daemon).toBeDefined();
      const taskPid = Number((await ctrOk(h, ['task', 'ls'])).stdout.split('\n').find((l) => l.startsWith(id))?.split(/\s+/)[1]);
      process.kill(daemon as number, 'SIGKILL');
      // containerd sees the connection drop, runs `delete` (kills the container) and forgets the task.
      await until(async () => (await taskStatus(h, id)) === undefined, 'containerd to drop the task');
      await until(() => !listProcesses().some((p) => p.pid === taskPid), 'the container process to be killed');
    } finally {
      await removeContainer(h, id);
      fs.rmSync(fifoDir, { recursive: true, force: true });
    }
  });

  it('rejects a bad config.json with a clear error and keeps serving', async () => {
    const id = uniqueId('badcwd');
    const r = await tsrunRun(h, id, ['true'], { flags: ['--cwd', 'relative/dir'] });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/cwd/);
    await ctr(h, ['container', 'rm', id]);
    const ok = await tsrunRun(h, uniqueId('after-bad'), ['echo', 'still fine']);
    expect(ok.stdout).toBe('still fine\n');
  });
});
