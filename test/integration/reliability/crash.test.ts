// Issue 9 item 2 (and item 6's SIGTERM): the shim daemon SIGKILLed — or SIGTERMed — while the
// containers of its pod run, through
// runc.v2 (the reference) and tsrun. containerd notices the closed connection and runs the
// shim binary's `delete` for each task; the outcome is recorded per runtime and must be the
// same: every container of the crashed shim is killed (exit 137 published by containerd), its
// bundle, rootfs mount, cgroups and processes are gone, a container of another shim is
// untouched, and a new container starts in the same pod (a new shim). One difference is
// allowed and checked: containerd-shim-runc-v2 leaves its socket file behind, tsrun does not.
// On SIGTERM tsrun's daemon itself kills its containers (SIGKILL), publishes their exits and
// leaves; runc.v2's daemon just leaves; both end with containerd's `delete` as above.
import * as fs from 'fs';
import { ctr, ctrOk, ctrRun, describeHarness } from '../../helpers/containerd';
import { runCase } from '../shim/suite';
import { alive, cgroupDir, EventWatcher, RUNC, RUNTIMES, runtimeLabel, taskList, TSRUN, waitFor } from '../shim/support';
import { bundleDir, bundleMounts, figure, leftovers, Member, startDetached, tsrunStateDirs } from './support';

describeHarness('reliability: shim SIGKILLed or SIGTERMed under its pod', (h) => {
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    for (const runtime of RUNTIMES) {
    it(`${signal}, ${runtimeLabel(runtime)}: the pod's containers are killed and cleaned up, others untouched, the pod restarts`, () =>
      runCase(h, runtime, {
        name: 'shim-crash',
        run: async ({ res }) => {
          const events = await EventWatcher.start(h, res);
          const fifoDir = res.dir('fifos');
          const group = res.container('crash-group');
          const pod: Member[] = [];
          for (let i = 0; i < 3; i++) pod.push(await startDetached(h, runtime, res, `crash${i}`, ['sleep', '1000'], { group, fifoDir }));
          const bystander = await startDetached(h, runtime, res, 'bystander', ['sleep', '1000'], { fifoDir });
          const shimPid = pod[0]!.shimPid;
          expect(pod.map((m) => m.shimPid)).toEqual([shimPid, shimPid, shimPid]);
          expect(bystander.shimPid).not.toBe(shimPid);
          const socket = pod[0]!.address.replace(/^unix:\/\//, '');
          const cgroups = pod.flatMap((m) => ['memory', 'cpu', 'pids'].map((c) => cgroupDir(m.pid, c)));
          const ids = pod.map((m) => m.id);
          expect(ids.map((id) => bundleMounts(h, id).length > 0)).toEqual([true, true, true]);
          const stateBefore = tsrunStateDirs(h).filter((d) => ids.includes(d));

          const t0 = Date.now();
          process.kill(shimPid, signal);
          await waitFor('the pod processes to end', () => (pod.some((m) => alive(m.pid)) || alive(shimPid) ? undefined : true), 60_000);
          const killedMs = Date.now() - t0;
          const exits = await Promise.all(ids.map((id) => events.waitForTopic(id, '/tasks/exit', 60_000)));
          const tasks = await taskList(h);
          const outcome = {
            processesKilled: pod.every((m) => !alive(m.pid)),
            exitStatuses: exits.map((e) => e.event.exit_status),
            taskStates: ids.map((id) => tasks.get(id)?.status ?? 'gone'),
            bystander: tasks.get(bystander.id),
          };
          for (const id of ids) {
            const rm = await ctr(h, ['task', 'rm', id]);
            if (rm.code !== 0 && !/not found/.test(rm.stderr)) throw new Error(`task rm ${id}: ${rm.stderr}`);
            await ctrOk(h, ['container', 'rm', id]);
          }
          await waitFor('the bundles to be removed', () => (ids.some((id) => fs.existsSync(bundleDir(h, id))) ? undefined : true));
          const after = {
            mounts: ids.flatMap((id) => bundleMounts(h, id)),
            cgroups: cgroups.filter((d) => fs.existsSync(d)),
            leftovers: await leftovers(ids, (x) => x.startsWith(fifoDir)),
            stateDirs: tsrunStateDirs(h).filter((d) => ids.includes(d)),
          };
          const socketLeft = fs.existsSync(socket);
          figure(`${runtimeLabel(runtime)} on containerd ${h.version} after shim ${signal}`, { ...outcome, ...after, socketLeft, stateDirsBefore: stateBefore.length, killedMs });

          expect(outcome).toEqual({
            processesKilled: true,
            exitStatuses: [137, 137, 137],
            taskStates: expect.arrayContaining([expect.stringMatching(/^(STOPPED|gone)$/)]),
            bystander: { pid: bystander.pid, status: 'RUNNING' },
          });
          expect(outcome.taskStates.filter((s) => s === 'RUNNING')).toEqual([]);
          expect(after).toEqual({ mounts: [], cgroups: [], leftovers: [], stateDirs: [] });
          if (runtime === TSRUN) {
            expect(stateBefore).toEqual([...ids].sort());
            expect(socketLeft).toBe(false);
          } else if (runtime === RUNC && socketLeft) {
            // The reference's known wart after SIGKILL (see the shim suite): its socket file stays.
            fs.unlinkSync(socket);
          }

          // The pod comes back under a new shim; the bystander still runs.
          const next = await startDetached(h, runtime, res, 'crash-next', ['sleep', '1000'], { group, fifoDir });
          expect(next.shimPid).not.toBe(shimPid);
          expect(alive(bystander.pid)).toBe(true);
          const r = await ctrRun(h, { id: res.container('crash-run'), runtime, args: ['echo', 'fine'] });
          expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: 'fine\n' });
        },
      }), 240_000);
    }
  }
});
