// Node-wide mode (docs/node-wide.md) through ctr against the real containerd 1.6 and 1.7: the
// runtime options file (`ctr run --runtime-config-path`, what CRI's `options.ConfigPath` sends)
// says `NodeWide = true`, so every container of the namespace is served by one shim daemon. Checked:
// one daemon for several containers while a per-pod container still gets its own; a container's
// Delete + Shutdown leaves the daemon serving the others; the daemon leaves once idle; a SIGKILLed
// daemon takes every container with it, containerd cleans all of them up through the `delete`
// action, and the next container starts a fresh daemon.
import * as fs from 'fs';
import * as path from 'path';
import { containerdLogTail, ctr, ctrOk, ctrRun, describeHarness } from '../../helpers/containerd';
import { describeResult } from '../../helpers/exec';
import { scratchDir, testEnv, uniqueId } from '../../helpers/env';
import type { ContainerdHandle } from '../../helpers/env';
import { alive, cmdline, parentPid, taskList, waitFor, waitForTask } from '../shim/support';

const TSRUN = 'io.containerd.tsrun.v1';

/** The options file: node-wide, and an idle daemon leaves after 1 s (plus the 10 s handout grace). */
function optionsFile(): string {
  const file = path.join(scratchDir(), 'tsrun-node-wide.toml');
  fs.writeFileSync(file, '# tsrun runtime options (test)\nNodeWide = true\nNodeWideIdleSeconds = 1\n');
  return file;
}

function nodeWideFlags(fifoDir: string): string[] {
  return ['--fifo-dir', fifoDir, '--runtime', TSRUN, '--runtime-config-path', optionsFile()];
}

async function runDetached(h: ContainerdHandle, id: string, fifoDir: string, nodeWide = true): Promise<number> {
  const flags = nodeWide ? nodeWideFlags(fifoDir) : ['--fifo-dir', fifoDir, '--runtime', TSRUN];
  await ctrOk(h, ['run', '-d', ...flags, testEnv().image.ref, id, 'sleep', '1000']);
  return waitForTask(h, id, 'RUNNING');
}

async function removeAll(h: ContainerdHandle, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    await ctr(h, ['task', 'kill', '-s', 'KILL', id]);
    await waitFor(`task ${id} to stop`, async () => ((await taskList(h)).get(id)?.status ?? 'gone') !== 'RUNNING' || undefined);
    await ctr(h, ['task', 'rm', '-f', id]);
    await ctr(h, ['container', 'rm', id]);
  }
}

/** Wait until the idle node-wide daemon `pid` has left and its socket is gone. */
async function waitForIdleExit(pid: number, socket: string): Promise<void> {
  await waitFor(`node-wide daemon ${pid} to leave after idling`, () => (alive(pid) || fs.existsSync(socket) ? undefined : true), 60_000);
  // The lock file stays for the next `start` (removing a lock file in use breaks flock); this
  // test's namespace has no other node-wide user, so it goes now.
  fs.rmSync(`${socket}.lock`, { force: true });
}

function socketOf(daemon: number): string {
  const args = cmdline(daemon).split(' ');
  return args[args.indexOf('-socket') + 1] ?? '';
}

describeHarness('node-wide shim mode', (h) => {
  it('serves several containers from one daemon; Shutdown of one leaves it serving; it leaves when idle', async () => {
    const fifoDir = path.join(scratchDir(), 'fifo-nw-1');
    const ids = [uniqueId('nw-a'), uniqueId('nw-b'), uniqueId('nw-c')];
    const solo = uniqueId('nw-solo');
    try {
      const pids: number[] = [];
      for (const id of ids) pids.push(await runDetached(h, id, fifoDir));
      const daemons = pids.map(parentPid);
      expect(new Set(daemons).size).toBe(1);
      const daemon = daemons[0] as number;
      expect(cmdline(daemon)).toContain(h.address);
      const socket = socketOf(daemon);
      expect(fs.existsSync(`${socket}.lock`)).toBe(true);

      // Without the option a container still gets a daemon of its own.
      const soloPid = await runDetached(h, solo, fifoDir, false);
      expect(parentPid(soloPid)).not.toBe(daemon);

      // ctr run --rm through the same daemon: output, then Delete + Shutdown for that container only.
      const r = await ctrRun(h, { id: uniqueId('nw-rm'), runtime: TSRUN, args: ['echo', 'node-wide'], flags: ['--runtime-config-path', optionsFile()] });
      expect({ code: r.code, stdout: r.stdout, log: r.code === 0 ? '' : `${describeResult(r)}\n${containerdLogTail(h)}` }).toEqual({
        code: 0, stdout: 'node-wide\n', log: '',
      });
      expect(alive(daemon)).toBe(true);
      // The others are still served: exec into one, kill another and see its exit status.
      const ex = await ctr(h, ['task', 'exec', '--exec-id', 'probe', ids[0] as string, 'echo', 'still here']);
      expect({ code: ex.code, stdout: ex.stdout }).toEqual({ code: 0, stdout: 'still here\n' });
      await ctrOk(h, ['task', 'kill', '-s', 'KILL', ids[1] as string]);
      await waitForTask(h, ids[1] as string, 'STOPPED');
      await ctrOk(h, ['task', 'rm', ids[1] as string]);
      expect(alive(daemon)).toBe(true);
      expect((await taskList(h)).get(ids[2] as string)?.status).toBe('RUNNING');

      await removeAll(h, [...ids, solo]);
      await waitForIdleExit(daemon, socket);
    } finally {
      await removeAll(h, [...ids, solo]);
    }
  }, 180_000);

  it('a SIGKILLed node-wide daemon takes all its containers; containerd cleans them up; new containers start', async () => {
    const fifoDir = path.join(scratchDir(), 'fifo-nw-2');
    const ids = [uniqueId('nw-k1'), uniqueId('nw-k2'), uniqueId('nw-k3'), uniqueId('nw-k4')];
    const after = uniqueId('nw-after');
    try {
      const pids: number[] = [];
      for (const id of ids) pids.push(await runDetached(h, id, fifoDir));
      const daemon = parentPid(pids[0] as number);
      expect(pids.map(parentPid)).toEqual(pids.map(() => daemon));
      const bundles = ids.map((id) => path.join(h.dir, 'state', 'io.containerd.runtime.v2.task', h.namespace, id));

      process.kill(daemon, 'SIGKILL');
      // Every container dies with it (the `delete` action kills what is left) ...
      await waitFor('all containers of the killed daemon to be gone', () => (pids.some(alive) || alive(daemon) ? undefined : true), 60_000);
      // ... and containerd forgets each task and removes each bundle.
      await waitFor('every task to be gone or stopped', async () => {
        const tasks = await taskList(h);
        return ids.every((id) => (tasks.get(id)?.status ?? 'gone') !== 'RUNNING') || undefined;
      }, 60_000);
      for (const id of ids) {
        const rm = await ctr(h, ['task', 'rm', id]);
        expect(rm.code === 0 || /not found/.test(rm.stderr)).toBe(true);
        await ctrOk(h, ['container', 'rm', id]);
      }
      await waitFor('the bundles to be removed', () => (bundles.some((b) => fs.existsSync(b)) ? undefined : true));

      // The next node-wide container starts a new daemon on the same socket.
      const pid = await runDetached(h, after, fifoDir);
      const fresh = parentPid(pid);
      expect(fresh).not.toBe(daemon);
      const socket = socketOf(fresh);
      await removeAll(h, [after]);
      await waitForIdleExit(fresh, socket);
    } finally {
      await removeAll(h, [...ids, after]);
      // ctr's FIFOs of tasks containerd deleted itself: no client removes them (a ctr matter).
      fs.rmSync(fifoDir, { recursive: true, force: true });
    }
  }, 240_000);

  it('a bad node-wide option fails `start` with a message naming it', async () => {
    const file = path.join(scratchDir(), 'tsrun-bad.toml');
    fs.writeFileSync(file, 'NodeWide = "yes"\n');
    const id = uniqueId('nw-bad');
    const r = await ctr(h, ['run', '--rm', '--fifo-dir', path.join(scratchDir(), 'fifo-nw-3'), '--runtime', TSRUN, '--runtime-config-path', file,
      testEnv().image.ref, id, 'true']);
    await ctr(h, ['container', 'rm', id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/NodeWide must be true or false/);
  });
});
