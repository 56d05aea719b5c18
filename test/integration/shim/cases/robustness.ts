//! The shim under stress and failure: many containers at once, containerd restarted under running
//! containers, the shim SIGKILLed, and bad input (a spec the runtime rejects, a rootfs mount that
//! fails, a missing FIFO) sent to a shim that serves other containers of the same pod.
import * as fs from 'fs';
import * as path from 'path';
import { ctr, ctrOk, ctrRun } from '../../../helpers/containerd';
import { ContainerdHandle, testEnv } from '../../../helpers/env';
import { describeResult } from '../../../helpers/exec';
import { findLeaks, mountsUnder } from '../../../helpers/leaks';
import { privateContainerd, restartContainerd, stopPrivateContainerd } from '../../../helpers/private-containerd';
import {
  alive,
  cgroupDir,
  cmdline,
  EventWatcher,
  nsCall,
  runFlags,
  RuntimeName,
  ShimCase,
  shimAddress,
  ShimTest,
  shimTaskClient,
  taskList,
  TSRUN,
  waitFor,
  waitForTask,
  writeSpec,
} from '../support';

/** The annotation both shims group containers by (one shim per group, like a Kubernetes pod). */
const GROUP = 'io.containerd.runc.v2.group';

interface Member {
  readonly id: string;
  readonly pid: number;
  readonly shimPid: number;
  readonly address: string;
}

/** Starts `sleep 1000` detached in pod `group`; the shim's pid from ttrpc Connect. */
async function startMember(t: ShimTest, group: string, label: string): Promise<Member> {
  const id = t.res.container(label);
  await ctrOk(t.h, ['run', '-d', ...runFlags(t.runtime), '--annotation', `${GROUP}=${group}`, testEnv().image.ref, id, 'sleep', '1000']);
  const pid = await waitForTask(t.h, id, 'RUNNING');
  const connect = await shimTaskClient(t.h, id, t.res).connect({ id }, nsCall(t.h));
  expect(connect.taskPid).toBe(pid);
  expect(alive(connect.shimPid)).toBe(true);
  return { id, pid, shimPid: connect.shimPid, address: shimAddress(t.h, id) };
}

/** The pod's shim still runs `member` and takes new containers into the same pod. */
async function expectPodServing(t: ShimTest, group: string, member: Member): Promise<void> {
  expect((await taskList(t.h)).get(member.id)).toEqual({ pid: member.pid, status: 'RUNNING' });
  expect(alive(member.shimPid)).toBe(true);
  const ps = await ctrOk(t.h, ['task', 'ps', member.id]);
  expect(ps.stdout).toContain(String(member.pid));
  const next = await startMember(t, group, 'pod-next');
  expect({ address: next.address, shimPid: next.shimPid }).toEqual({ address: member.address, shimPid: member.shimPid });
  await ctrOk(t.h, ['task', 'kill', '--signal', 'SIGKILL', next.id]);
  await waitForTask(t.h, next.id, 'STOPPED');
  expect((await ctrOk(t.h, ['task', 'rm', next.id])).stderr).toMatch(/exit code 137/);
}

/** Runs `bad` (which must fail with a message matching `expected`) next to a running pod member. */
async function badInputInPod(t: ShimTest, label: string, expected: RegExp, bad: (group: string) => Promise<{ id: string; code: number | null; stderr: string }>): Promise<void> {
  const group = `${t.res.container(`${label}-group`)}`;
  const member = await startMember(t, group, `${label}-member`);
  const r = await bad(group);
  expect({ code: r.code === 0 ? 0 : 'non-zero', stderr: r.stderr }).toEqual({ code: 'non-zero', stderr: expect.stringMatching(expected) });
  expect((await taskList(t.h)).has(r.id)).toBe(false);
  await expectPodServing(t, group, member);
}

/** The overlay work dir of the container's snapshot (from `ctr snapshots mounts`). */
async function snapshotWorkdir(h: ContainerdHandle, key: string): Promise<string> {
  const r = await ctrOk(h, ['snapshots', 'mounts', '/nonexistent-target', key]);
  const m = /workdir=([^,\s]+)/.exec(r.stdout);
  if (!m) throw new Error(`no workdir in ctr snapshots mounts output: ${r.stdout}`);
  return m[1]!;
}

function expectRuntimeOutput(runtime: RuntimeName, r: { code: number | null; stdout: string }, stdout: string): void {
  expect({ runtime, code: r.code, stdout: r.stdout }).toEqual({ runtime, code: 0, stdout });
}

export const ROBUSTNESS_CASES: readonly ShimCase[] = [
  {
    name: '20 containers run in parallel, each with its own output',
    timeoutMs: 240_000,
    run: async ({ h, runtime, res }) => {
      const ids = Array.from({ length: 20 }, (_, i) => res.container(`par${i}`));
      const results = await Promise.all(
        ids.map((id, i) => ctrRun(h, { id, runtime, args: ['sh', '-c', `echo container ${i}; exit ${i % 5}`] }, { timeoutMs: 200_000 })),
      );
      results.forEach((r, i) => expect({ i, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ i, code: i % 5, stdout: `container ${i}\n`, stderr: '' }));
    },
  },
  {
    name: 'containers keep running while containerd restarts, and are killed and waited afterwards',
    timeoutMs: 180_000,
    run: async (t) => {
      const { res, runtime } = t;
      // A containerd of this test's own: the shared ones serve other test files meanwhile.
      const h = await privateContainerd(t.h.version);
      res.defer('private containerd', () => stopPrivateContainerd(h));
      const a = res.container('restart-a', h);
      const b = res.container('restart-b', h);
      for (const id of [a, b]) await ctrOk(h, ['run', '-d', ...runFlags(runtime), testEnv().image.ref, id, 'sleep', '1000']);
      const pidA = await waitForTask(h, a, 'RUNNING');
      const pidB = await waitForTask(h, b, 'RUNNING');

      const h2 = await restartContainerd(h);
      expect(h2.pid).not.toBe(h.pid);
      const tasks = await taskList(h2);
      expect({ a: tasks.get(a), b: tasks.get(b) }).toEqual({ a: { pid: pidA, status: 'RUNNING' }, b: { pid: pidB, status: 'RUNNING' } });
      expect([alive(pidA), alive(pidB)]).toEqual([true, true]);

      // Waited through the shim's Task API, killed through the restarted containerd, whose event
      // stream gets the shim's exit event (the shim publishes to the new daemon).
      const events = await EventWatcher.start(h2, res);
      const waited = shimTaskClient(h2, a, res).wait({ id: a, execId: '' }, nsCall(h2, 60_000));
      await ctrOk(h2, ['task', 'kill', '--signal', 'SIGKILL', a]);
      expect((await waited).exitStatus).toBe(137);
      await waitForTask(h2, a, 'STOPPED');
      expect((await events.waitForTopic(a, '/tasks/exit')).event).toMatchObject({ container_id: a, pid: pidA, exit_status: 137 });
      expect((await ctrOk(h2, ['task', 'rm', a])).stderr).toMatch(/exit code 137/);
      await ctrOk(h2, ['task', 'kill', '--signal', 'SIGKILL', b]);
      await waitForTask(h2, b, 'STOPPED');
      expect((await ctrOk(h2, ['task', 'rm', b])).stderr).toMatch(/exit code 137/);

      // And the restarted daemon starts new containers with the runtime.
      const r = await ctrRun(h2, { id: res.container('restart-new', h2), runtime, args: ['echo', 'after restart'] });
      expectRuntimeOutput(runtime, r, 'after restart\n');
    },
  },
  {
    name: 'a SIGKILLed shim is cleaned up by containerd (delete): no process, mount, cgroup or socket left',
    timeoutMs: 120_000,
    run: async (t) => {
      const { h, runtime, res } = t;
      const events = await EventWatcher.start(h, res);
      const id = res.container('shimkill');
      // ctr's FIFOs go to a dir of this test: with the task deleted by containerd itself rather
      // than by `ctr task rm`, no client removes them (a ctr matter, not the shim's).
      const fifoDir = res.dir('fifos');
      await ctrOk(h, ['run', '-d', ...runFlags(runtime, fifoDir), testEnv().image.ref, id, 'sleep', '1000']);
      const pid = await waitForTask(h, id, 'RUNNING');
      const { shimPid } = await shimTaskClient(h, id, res).connect({ id }, nsCall(h));
      // A shim daemon started for this containerd (shims carry its address on their command line).
      expect(shimPid).not.toBe(pid);
      expect(cmdline(shimPid)).toContain(h.address);
      const socket = shimAddress(h, id).slice('unix://'.length);
      const bundle = path.join(h.dir, 'state', 'io.containerd.runtime.v2.task', h.namespace, id);
      const cgroups = ['memory', 'cpu', 'pids'].map((c) => cgroupDir(pid, c));
      expect(mountsUnder(bundle).length).toBeGreaterThan(0);

      process.kill(shimPid, 'SIGKILL');
      await waitFor(`container process ${pid} to be killed`, () => (alive(pid) || alive(shimPid) ? undefined : true));
      // containerd reports the task's end (exit 137 from the shim's delete command)...
      expect((await events.waitForTopic(id, '/tasks/exit')).event).toMatchObject({ container_id: id, exit_status: 137 });
      // ... and forgets the task: it is gone or stopped, and can be deleted.
      await waitFor('the task to be gone or stopped', async () => ((await taskList(h)).get(id)?.status ?? 'gone') !== 'RUNNING' || undefined);
      const rm = await ctr(h, ['task', 'rm', id]);
      expect(rm.code === 0 || /not found/.test(rm.stderr)).toBe(true);
      await ctrOk(h, ['container', 'rm', id]);

      await waitFor('the bundle to be removed', () => (fs.existsSync(bundle) ? undefined : true));
      expect(mountsUnder(bundle)).toEqual([]);
      expect(cgroups.filter((d) => fs.existsSync(d))).toEqual([]);
      // The leak checker, narrowed to this container (the test's own ctr events still runs, and
      // ctr's FIFOs in fifoDir are the client's).
      const leaks = await findLeaks();
      const mine = [...leaks.containers, ...leaks.mounts, ...leaks.cgroups, ...leaks.fifos, ...leaks.processes.map((p) => `${p.pid} ${p.cmdline}`)];
      expect(mine.filter((x) => x.includes(id) && !x.startsWith(fifoDir))).toEqual([]);
      if (runtime === TSRUN) {
        expect(fs.existsSync(socket)).toBe(false);
      } else if (fs.existsSync(socket)) {
        // containerd-shim-runc-v2 (1.6 and 1.7) leaves its socket file behind when SIGKILLed:
        // neither containerd nor its delete command removes it (its next start at the same
        // address would). The reference's known wart; tsrun must do better (checked above).
        fs.unlinkSync(socket);
      }
    },
  },
  {
    name: 'a spec the runtime rejects (relative cwd) fails clearly; the pod shim keeps serving',
    run: (t) =>
      badInputInPod(t, 'badspec', /cwd/i, async (group) => {
        const id = t.res.container('badspec');
        const spec = await writeSpec(t.h, id, t.res.dir('spec'), {
          args: ['true'],
          edit: (s) => {
            s.process.cwd = 'relative/dir';
            s.annotations = { [GROUP]: group };
          },
        });
        return { id, ...(await ctr(t.h, ['run', '--rm', ...runFlags(t.runtime), '--config', spec, id])) };
      }),
  },
  {
    name: 'a rootfs mount that fails is a clear error; the pod shim keeps serving',
    run: (t) =>
      badInputInPod(t, 'badmount', /mount/i, async (group) => {
        const id = t.res.container('badmount');
        await ctrOk(t.h, ['container', 'create', '--runtime', t.runtime, '--annotation', `${GROUP}=${group}`, testEnv().image.ref, id, 'true']);
        // Without its work dir the snapshot's overlay mount fails (ENOENT); put it back afterwards
        // so containerd can remove the snapshot.
        const work = await snapshotWorkdir(t.h, id);
        fs.renameSync(work, `${work}.moved`);
        t.res.defer(`restore ${work}`, () => fs.renameSync(`${work}.moved`, work));
        return { id, ...(await ctr(t.h, ['task', 'start', '--fifo-dir', testEnv().fifoDir, id])) };
      }),
  },
  {
    name: 'a missing stdout FIFO is a clear error naming it; the pod shim keeps serving',
    run: (t) => {
      const missing = path.join(t.res.dir('nofifo'), 'absent', 'stdout');
      return badInputInPod(t, 'nofifo', new RegExp(`${missing.replace(/[.]/g, '\\.')}.*(no such file|ENOENT)`, 'i'), async (group) => {
        const id = t.res.container('nofifo');
        const r = await ctr(t.h, ['run', '--rm', ...runFlags(t.runtime), '--log-uri', missing, '--annotation', `${GROUP}=${group}`, testEnv().image.ref, id, 'echo', 'lost']);
        if (r.stdout.includes('lost')) throw new Error(`the output went somewhere: ${describeResult(r)}`);
        return { id, ...r };
      });
    },
  },
];
