//! Task lifecycle through `ctr`: detached runs, `ctr task ls/ps/kill/delete/start`, and the
//! events containerd publishes for a container's task.
import { ctr, ctrOk, ctrRun } from '../../../helpers/containerd';
import { testEnv } from '../../../helpers/env';
import { alive, EventWatcher, runFlags, ShimCase, taskList, waitFor, waitForTask } from '../support';

export const LIFECYCLE_CASES: readonly ShimCase[] = [
  {
    name: 'a detached container is listed, shows its processes, is killed and deleted',
    run: async ({ h, runtime, res }) => {
      const id = res.container('detached');
      const r = await ctrOk(h, ['run', '-d', ...runFlags(runtime), testEnv().image.ref, id, 'sleep', '1000']);
      expect(r.stdout).toBe('');
      const pid = await waitForTask(h, id, 'RUNNING');
      expect(pid).toBeGreaterThan(0);
      expect(alive(pid)).toBe(true);

      const ps = await ctrOk(h, ['task', 'ps', id]);
      const pids = ps.stdout.split('\n').slice(1).map((l) => Number(l.trim().split(/\s+/)[0])).filter((n) => n > 0);
      expect(pids).toEqual([pid]);

      // A running task cannot be deleted.
      const early = await ctr(h, ['task', 'rm', id]);
      expect(early.code).not.toBe(0);
      expect(early.stderr).toMatch(/must be stopped/);

      await ctrOk(h, ['task', 'kill', '--signal', 'SIGKILL', id]);
      expect(await waitForTask(h, id, 'STOPPED')).toBe(pid);
      await waitFor(`pid ${pid} to be gone`, () => (alive(pid) ? undefined : true));
      const del = await ctrOk(h, ['task', 'rm', id]);
      expect(del.stderr).toMatch(/exit code 137/);
      expect((await taskList(h)).has(id)).toBe(false);
      await ctrOk(h, ['container', 'rm', id]);
    },
  },
  {
    name: 'a created container starts with ctr task start and reports its exit code',
    run: async ({ h, runtime, res }) => {
      const id = res.container('created');
      // ctr 1.6's container create reads a -c after the id as its own --config unless a -- comes
      // first; ctr 1.7 parses it right and would pass the -- on as the command.
      const command = ['sh', '-c', 'echo started; exit 5'];
      await ctrOk(h, ['container', 'create', '--runtime', runtime, testEnv().image.ref, id, ...(h.version === '1.6' ? ['--'] : []), ...command]);
      const r = await ctr(h, ['task', 'start', '--fifo-dir', testEnv().fifoDir, id]);
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 5, stdout: 'started\n' });
      // ctr task start removed the task after it exited; the container remains.
      expect((await taskList(h)).has(id)).toBe(false);
      await ctrOk(h, ['container', 'rm', id]);
    },
  },
  {
    name: 'ctr events sees /tasks/create, /tasks/start, /tasks/exit, /tasks/delete with id and status',
    run: async ({ h, runtime, res }) => {
      const events = await EventWatcher.start(h, res);
      const id = res.container('events');
      const r = await ctrRun(h, { id, runtime, args: ['sh', '-c', 'exit 4'] });
      expect(r.code).toBe(4);
      await events.waitForTopic(id, '/tasks/delete');
      const seen = events.eventsFor(id).filter((e) => e.topic.startsWith('/tasks/'));
      expect(seen.map((e) => e.topic)).toEqual(['/tasks/create', '/tasks/start', '/tasks/exit', '/tasks/delete']);
      const [create, start, exit, del] = seen.map((e) => e.event);
      const pid = create!.pid as number;
      expect(pid).toBeGreaterThan(0);
      expect(create).toMatchObject({ container_id: id, bundle: expect.stringContaining(`/${id}`) });
      expect(start).toEqual({ container_id: id, pid });
      expect(exit).toMatchObject({ container_id: id, id, pid, exit_status: 4, exited_at: expect.anything() });
      expect(del).toMatchObject({ container_id: id, pid, exit_status: 4 });
      expect(seen.every((e) => e.namespace === h.namespace)).toBe(true);
    },
  },
];
