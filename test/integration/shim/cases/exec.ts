//! Exec through `ctr task exec`: output and exit code, the container's env/cwd/user with overrides,
//! duplicate exec ids, exec into a stopped container, a background child holding stdout, and the
//! event order (the init's /tasks/exit after its execs').
import { ctr, ctrOk } from '../../../helpers/containerd';
import { testEnv } from '../../../helpers/env';
import { CtrProcess, EventWatcher, runFlags, ShimCase, waitFor, waitForTask } from '../support';

async function runningContainer(t: Parameters<ShimCase['run']>[0], label: string, env: string[] = []): Promise<string> {
  const id = t.res.container(label);
  await ctrOk(t.h, ['run', '-d', ...runFlags(t.runtime), ...env.flatMap((e) => ['--env', e]), testEnv().image.ref, id, 'sleep', '1000']);
  await waitForTask(t.h, id, 'RUNNING');
  return id;
}

function exec(t: Parameters<ShimCase['run']>[0], id: string, execId: string, args: string[], flags: string[] = []) {
  return ctr(t.h, ['task', 'exec', '--fifo-dir', testEnv().fifoDir, '--exec-id', execId, ...flags, id, ...args]);
}

export const EXEC_CASES: readonly ShimCase[] = [
  {
    name: 'exec prints its output, returns its exit code and sees the container env, cwd and user',
    run: async (t) => {
      const id = await runningContainer(t, 'exec-out', ['FOO=bar']);
      const r = await exec(t, id, 'e1', ['sh', '-c', 'echo out; echo err >&2; exit 7']);
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 7, stdout: 'out\n', stderr: 'err\n' });
      const env = await exec(t, id, 'e2', ['sh', '-c', 'echo $FOO; pwd; id -u; id -g']);
      expect({ code: env.code, stdout: env.stdout }).toEqual({ code: 0, stdout: 'bar\n/\n0\n0\n' });
      const other = await exec(t, id, 'e3', ['sh', '-c', 'pwd; id -u; id -g'], ['--cwd', '/tmp', '--user', '1000:1001']);
      expect({ code: other.code, stdout: other.stdout }).toEqual({ code: 0, stdout: '/tmp\n1000\n1001\n' });
      // same namespaces as the init: the init (sleep) is visible as pid 1
      const ns = await exec(t, id, 'e4', ['cat', '/proc/1/cmdline']);
      expect(ns.stdout).toBe('sleep\x001000\x00');
      const missing = await exec(t, id, 'e5', ['/no/such/program']);
      expect(missing.code).not.toBe(0);
    },
  },
  {
    name: 'a duplicate exec id is refused while the first runs; exec into a stopped container fails',
    run: async (t) => {
      const id = await runningContainer(t, 'exec-dup');
      const first = new CtrProcess(t.h, ['task', 'exec', '--fifo-dir', testEnv().fifoDir, '--exec-id', 'same', id, 'sh', '-c', 'echo ready; sleep 1000'], t.res);
      await first.waitForStdout(/ready/);
      const dup = await exec(t, id, 'same', ['true']);
      expect(dup.code).not.toBe(0);
      expect(dup.stderr).toMatch(/already exists/);
      const ps = await ctrOk(t.h, ['task', 'ps', id]);
      expect(ps.stdout).toMatch(/\bsame\b/);
      await ctrOk(t.h, ['task', 'kill', '--exec-id', 'same', '--signal', 'SIGKILL', id]);
      expect((await first.done).code).toBe(137);
      await ctrOk(t.h, ['task', 'kill', '--signal', 'SIGKILL', id]);
      await waitForTask(t.h, id, 'STOPPED');
      const stopped = await exec(t, id, 'late', ['true']);
      expect(stopped.code).not.toBe(0);
    },
  },
  {
    name: 'a background child keeping stdout open does not hang the exec',
    run: async (t) => {
      const id = await runningContainer(t, 'exec-bg');
      const r = await exec(t, id, 'bg', ['sh', '-c', 'sleep 1000 & echo started']);
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: 'started\n' });
    },
  },
  {
    name: 'exec events: exec-added, exec-started, the exec exit, and the init exit only after its execs',
    run: async (t) => {
      const events = await EventWatcher.start(t.h, t.res);
      const id = await runningContainer(t, 'exec-events');
      const r = await exec(t, id, 'quick', ['true']);
      expect(r.code).toBe(0);
      const long = new CtrProcess(t.h, ['task', 'exec', '--fifo-dir', testEnv().fifoDir, '--exec-id', 'long', id, 'sh', '-c', 'echo ready; sleep 1000'], t.res);
      await long.waitForStdout(/ready/);
      await ctrOk(t.h, ['task', 'kill', '--signal', 'SIGKILL', id]);
      await waitForTask(t.h, id, 'STOPPED');
      await long.done;
      await waitFor('both exits', () => (events.eventsFor(id).filter((e) => e.topic === '/tasks/exit').length >= 3 ? true : undefined));
      const seen = events.eventsFor(id).filter((e) => e.topic.startsWith('/tasks/'))
        .map((e) => `${e.topic}${e.event.exec_id !== undefined ? `:${String(e.event.exec_id)}` : ''}${e.topic === '/tasks/exit' ? `:${String(e.event.id)}` : ''}`);
      expect(seen).toEqual([
        '/tasks/create', '/tasks/start',
        '/tasks/exec-added:quick', '/tasks/exec-started:quick', '/tasks/exit:quick',
        '/tasks/exec-added:long', '/tasks/exec-started:long', '/tasks/exit:long', `/tasks/exit:${id}`,
      ]);
    },
  },
];
