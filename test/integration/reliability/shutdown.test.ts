// Issue 9 item 6 (SIGTERM to the shim daemon is in crash.test.ts, next to SIGKILL):
// - Disk full: a 1 MiB tmpfs is the containers' state root (runtime option Root, through
//   `ctr run --runtime-config-path`). With it full, a new container fails with a clear error
//   naming ENOSPC and leaves nothing (task, bundle, mount, cgroup, process, state dir); a
//   container of the same pod started before keeps running and is killed and deleted with the
//   disk still full; once there is room again, containers start with that root.
// - Delete twice or concurrently: through containerd (`ctr task rm` ×2 at once) and directly on
//   the shim (ttrpc Delete ×2 at once, then once more): the Deletes running at once share one
//   deletion and all get its exit status (before that fix containerd 1.6 failed both `task rm`:
//   one NotFound, one "ttrpc: closed"); a Delete after it is NotFound; containerd, the shim and
//   the pod carry on.
import * as fs from 'fs';
import * as path from 'path';
import { ctr, ctrOk, ctrRun, describeHarness } from '../../helpers/containerd';
import { run } from '../../helpers/exec';
import { mountsUnder } from '../../helpers/leaks';
import { Client } from '../../../src/ttrpc';
import { Code, TtrpcError } from '../../../src/ttrpc/status';
import { TaskDefinition } from '../../../src/gen/runtime/task/v2/shim';
import { runCase } from '../shim/suite';
import { alive, nsCall, shimAddress, taskList, TSRUN, waitForTask } from '../shim/support';
import { bundleDir, bundles, figure, GROUP, leftovers, startDetached } from './support';

/** Fills the filesystem of `dir` with one file until ENOSPC; returns the file. */
function fill(dir: string): string {
  const file = path.join(dir, 'filler');
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

describeHarness('reliability: shutdown paths', (h) => {
  it('disk full under the state root: a clear ENOSPC, nothing left, the pod serves on', () =>
    runCase(h, TSRUN, {
      name: 'disk-full',
      run: async ({ res }) => {
        const root = res.dir('root');
        const mnt = await run('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0711', 'tsrun-test-full', root]);
        if (mnt.code !== 0) throw new Error(`mount tmpfs on ${root}: ${mnt.stderr}`);
        res.defer(`umount ${root}`, async () => {
          const u = await run('umount', [root]);
          if (u.code !== 0) throw new Error(`umount ${root}: ${u.stderr}`);
        });
        const config = path.join(res.dir('config'), 'tsrun.toml');
        fs.writeFileSync(config, `Root = "${root}"\n`);
        const opts = ['--runtime-config-path', config];
        const group = res.container('full-group');
        const member = await startDetached(h, TSRUN, res, 'full-member', ['sleep', '100000'], { group, flags: opts });
        // The runtime option reached the shim: the member's state lives on the tmpfs.
        expect(fs.readdirSync(root)).toContain(member.id);

        const filler = fill(root);
        const id = res.container('full-new');
        const before = bundles(h);
        const r = await ctrRun(h, { id, runtime: TSRUN, args: ['echo', 'no room'], flags: [...opts, '--annotation', `${GROUP}=${group}`] });
        figure(`disk full on containerd ${h.version}`, { code: r.code, stderr: r.stderr.trim() });
        // What was written, where, and the fix (the shim answers RESOURCE_EXHAUSTED).
        const escaped = (x: string): string => x.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
        expect({ code: r.code === 0 ? 0 : 'non-zero', stdout: r.stdout, stderr: r.stderr }).toEqual({
          code: 'non-zero',
          stdout: '',
          stderr: expect.stringMatching(new RegExp(
            `writing the (state|state directory|lock|start FIFO) of container "${id}".* ${escaped(root)}/\\S+: no space left on device \\(ENOSPC\\); ` +
              `free space on the filesystem of the state root ${escaped(root)} \\(.*runtime option Root.*\\) and retry`,
          )),
        });
        expect((await taskList(h)).has(id)).toBe(false);
        expect(bundles(h)).toEqual(before);
        expect(fs.readdirSync(root).sort()).toEqual(['filler', member.id].sort());
        expect(await leftovers([id])).toEqual([]);

        // The member runs on; it is killed and deleted with the disk still full.
        expect((await taskList(h)).get(member.id)).toEqual({ pid: member.pid, status: 'RUNNING' });
        await ctrOk(h, ['task', 'kill', '--signal', 'SIGKILL', member.id]);
        await waitForTask(h, member.id, 'STOPPED');
        expect((await ctrOk(h, ['task', 'rm', member.id])).stderr).toMatch(/exit code 137/);
        expect(fs.readdirSync(root)).toEqual(['filler']);

        fs.rmSync(filler);
        const ok = await ctrRun(h, { id: res.container('full-after'), runtime: TSRUN, args: ['echo', 'room again'], flags: opts });
        expect({ code: ok.code, stdout: ok.stdout }).toEqual({ code: 0, stdout: 'room again\n' });
        expect(fs.readdirSync(root)).toEqual([]);
      },
    }), 180_000);

  it('delete twice or concurrently: Deletes at once share the one result, a later one is NotFound', () =>
    runCase(h, TSRUN, {
      name: 'delete-twice',
      run: async ({ res }) => {
        const group = res.container('del-group');
        const anchor = await startDetached(h, TSRUN, res, 'del-anchor', ['sleep', '100000'], { group });

        // Through containerd: two `ctr task rm` at once.
        const a = await startDetached(h, TSRUN, res, 'del-a', ['sh', '-c', 'read x; exit 3'], { group });
        await ctrOk(h, ['task', 'kill', '--signal', 'SIGKILL', a.id]);
        await waitForTask(h, a.id, 'STOPPED');
        const both = await Promise.all([ctr(h, ['task', 'rm', a.id]), ctr(h, ['task', 'rm', a.id])]);
        const ctrOutcome = both.map((x) => (x.code === 0 ? x.stderr.trim() : `failed: ${x.stderr.trim()}`)).sort();
        figure(`concurrent ctr task rm on containerd ${h.version}`, ctrOutcome);
        // The shim joins the two Deletes (one deletion, one result for both), so neither sees the
        // connection torn down by the other; containerd may still answer the later one NotFound.
        const ok = both.filter((x) => x.code === 0);
        expect(ok.length).toBeGreaterThanOrEqual(1);
        for (const x of ok) expect(x.stderr).toMatch(/exit code 137/);
        for (const x of both.filter((y) => y.code !== 0)) expect(x.stderr).toMatch(/not found/i);
        expect(fs.existsSync(bundleDir(h, a.id))).toBe(false);
        const again = await ctr(h, ['task', 'rm', a.id]);
        expect({ code: again.code === 0 ? 0 : 'non-zero', stderr: again.stderr }).toEqual({ code: 'non-zero', stderr: expect.stringMatching(/not found/i) });

        // Directly on the shim: Delete ×2 at once, then once more.
        // ctr's FIFOs of b go to a dir of this test: no successful `ctr task rm` removes them.
        const fifoDir = res.dir('fifos');
        const b = await startDetached(h, TSRUN, res, 'del-b', ['sleep', '100000'], { group, fifoDir });
        const client = new Client(shimAddress(h, anchor.id).replace(/^unix:\/\//, ''));
        res.defer('client', () => client.close());
        const task = client.service(TaskDefinition);
        await ctrOk(h, ['task', 'kill', '--signal', 'SIGKILL', b.id]);
        expect((await task.wait({ id: b.id, execId: '' }, nsCall(h, 60_000))).exitStatus).toBe(137);
        // Two connections, as containerd's two `task rm` would come.
        const other = new Client(shimAddress(h, anchor.id).replace(/^unix:\/\//, ''));
        res.defer('client', () => other.close());
        const outcome = async (via = task): Promise<string> =>
          via.delete({ id: b.id, execId: '' }, nsCall(h)).then(
            (d) => `deleted: pid ${d.pid} exit ${d.exitStatus}`,
            (e: Error) => (e instanceof TtrpcError && e.code === Code.NOT_FOUND ? 'NotFound' : `other: ${e.message}`),
          );
        const concurrent = await Promise.all([outcome(), outcome(other.service(TaskDefinition))]);
        const third = await outcome();
        figure(`concurrent shim Delete on containerd ${h.version}`, [...concurrent, third]);
        // Overlapping Deletes share the result (the unit tests pin that down); one that arrives
        // after the deletion finished is NotFound. Either way: one deletion, nothing else.
        const deleted = `deleted: pid ${b.pid} exit 137`;
        expect(concurrent).toContain(deleted);
        expect(concurrent.filter((x) => x !== deleted && x !== 'NotFound')).toEqual([]);
        expect(third).toBe('NotFound');
        expect(mountsUnder(bundleDir(h, b.id))).toEqual([]);
        // containerd was bypassed: its `task rm` asks the shim, which no longer knows the task,
        // and says so (NotFound); containerd drops the record when the shim connection closes.
        const rm = await ctr(h, ['task', 'rm', b.id]);
        expect({ code: rm.code === 0 ? 0 : 'non-zero', stderr: rm.stderr }).toEqual({ code: 'non-zero', stderr: expect.stringMatching(/not found/) });
        expect((await taskList(h)).has(b.id)).toBe(false);
        expect(await leftovers([a.id, b.id], (x) => x.startsWith(fifoDir))).toEqual([]);

        // The pod's shim serves on.
        expect(alive(anchor.shimPid)).toBe(true);
        expect((await taskList(h)).get(anchor.id)).toEqual({ pid: anchor.pid, status: 'RUNNING' });
        const r = await ctrRun(h, { id: res.container('del-after'), runtime: TSRUN, args: ['echo', 'served'], flags: ['--annotation', `${GROUP}=${group}`] });
        expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: 'served\n' });
      },
    }), 180_000);
});
