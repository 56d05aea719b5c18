//! Edge cases of Exec/Start/ResizePty/CloseIO, driven on the shim's ttrpc socket next to containerd
//! (a second client, as in io.ts): exec into a paused task, an exec whose Start fails, ResizePty of
//! a process without a terminal, CloseIO of unknown or stdin-less processes. Each records what
//! happened (ttrpc code and message, events, state) so runc.v2 and tsrun can be held to the same.
import { ctrOk } from '../../../helpers/containerd';
import { testEnv } from '../../../helpers/env';
import { packJson } from '../../../../src/proto/any';
import { Status } from '../../../../src/gen/types/task/task';
import type { TaskDefinition } from '../../../../src/gen/runtime/task/v2/shim';
import type { ServiceClient } from '../../../../src/ttrpc';
import { EventWatcher, nsCall, runFlags, ShimCase, shimTaskClient, waitFor, waitForTask } from '../support';

type Task = ServiceClient<typeof TaskDefinition>;
const PROCESS_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Process';

/** The outcome of a ttrpc call: 'ok' or its status code name and message. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    const code = (e as { code?: number }).code;
    return `${CODE_NAMES[code ?? -1] ?? `code ${String(code)}`}: ${(e as Error).message}`;
  }
}

const CODE_NAMES: Record<number, string> = {
  2: 'Unknown', 3: 'InvalidArgument', 5: 'NotFound', 6: 'AlreadyExists', 9: 'FailedPrecondition', 12: 'Unimplemented', 13: 'Internal',
};

function execRequest(h: Parameters<ShimCase['run']>[0]['h'], id: string, execId: string, args: string[]) {
  void h;
  return {
    id, execId, terminal: false, stdin: '', stdout: '', stderr: '',
    spec: packJson(PROCESS_URL, { args, cwd: '/', env: ['PATH=/bin:/usr/bin'], user: { uid: 0, gid: 0 }, terminal: false }),
  };
}

async function runningTask(t: Parameters<ShimCase['run']>[0], label: string): Promise<{ id: string; task: Task }> {
  const id = t.res.container(label);
  await ctrOk(t.h, ['run', '-d', ...runFlags(t.runtime), testEnv().image.ref, id, 'sleep', '1000']);
  await waitForTask(t.h, id, 'RUNNING');
  return { id, task: shimTaskClient(t.h, id, t.res) };
}

function execTopics(events: EventWatcher, id: string): string[] {
  return events.eventsFor(id)
    .filter((e) => e.topic.startsWith('/tasks/exec') || (e.topic === '/tasks/exit' && e.event.id !== id))
    .map((e) => `${e.topic}:${String(e.event.exec_id ?? e.event.id)}`);
}

export const EDGE_CASES: readonly ShimCase[] = [
  {
    name: 'exec into a paused task: Exec and Start of an exec created before the pause, then after resume',
    run: async (t) => {
      const events = await EventWatcher.start(t.h, t.res);
      const { id, task } = await runningTask(t, 'exec-paused');
      const call = nsCall(t.h);
      await task.exec(execRequest(t.h, id, 'before', ['true']), call);
      await ctrOk(t.h, ['task', 'pause', id]);
      const execWhilePaused = await outcome(task.exec(execRequest(t.h, id, 'during', ['true']), call));
      const startWhilePaused = await outcome(task.start({ id, execId: 'before' }, call));
      const stateAfter = await task.state({ id, execId: 'before' }, call).then((s) => Status[s.status], (e: Error) => e.message);
      await ctrOk(t.h, ['task', 'resume', id]);
      const startAfterResume = await outcome(task.start({ id, execId: 'before' }, call));
      const deleted = await outcome(task.delete({ id, execId: 'before' }, call));
      process.stderr.write(`EDGE paused ${t.runtime} ${t.h.version}: ${JSON.stringify({ execWhilePaused, startWhilePaused, stateAfter, startAfterResume, deleted, topics: execTopics(events, id) })}\n`);
    },
  },
  {
    name: 'an exec whose Start fails (missing program, bad interpreter): Start\'s error, events, state, then Delete',
    run: async (t) => {
      const events = await EventWatcher.start(t.h, t.res);
      const { id, task } = await runningTask(t, 'exec-fail');
      const call = nsCall(t.h);
      const seen: Record<string, unknown> = {};
      await task.exec(execRequest(t.h, id, 'mk', ['sh', '-c', 'printf "#!/no/such/interpreter\\n" > /tmp/bad; chmod +x /tmp/bad']), call);
      await task.start({ id, execId: 'mk' }, call);
      await task.wait({ id, execId: 'mk' }, call);
      await task.delete({ id, execId: 'mk' }, call);
      for (const [execId, args] of [['missing', ['/no/such/program']], ['badinterp', ['/tmp/bad']]] as const) {
        await task.exec(execRequest(t.h, id, execId, [...args]), call);
        const start = await outcome(task.start({ id, execId }, call));
        const state = await task.state({ id, execId }, call).then((s) => `${Status[s.status]} pid=${s.pid > 0 ? 'set' : 0} exit=${s.exitStatus}`, (e: Error) => e.message);
        const waited = await task.wait({ id, execId }, nsCall(t.h, 5000)).then((w) => `exit=${w.exitStatus}`, (e: Error) => e.message);
        const del = await task.delete({ id, execId }, call).then((d) => `pid=${d.pid > 0 ? 'set' : 0} exit=${d.exitStatus}`, (e: Error) => e.message);
        seen[execId] = { start, state, waited, del };
      }
      await waitFor('events to settle', () => true);
      seen.topics = execTopics(events, id);
      process.stderr.write(`EDGE failstart ${t.runtime} ${t.h.version}: ${JSON.stringify(seen)}\n`);
    },
  },
  {
    name: 'ResizePty without a terminal, CloseIO and ResizePty of unknown or stdin-less processes',
    run: async (t) => {
      const { id, task } = await runningTask(t, 'edges-io');
      const call = nsCall(t.h);
      await task.exec(execRequest(t.h, id, 'plain', ['sleep', '1000']), call);
      await task.start({ id, execId: 'plain' }, call);
      const seen = {
        resizeInit: await outcome(task.resizePty({ id, execId: '', width: 80, height: 24 }, call)),
        resizeExec: await outcome(task.resizePty({ id, execId: 'plain', width: 80, height: 24 }, call)),
        resizeUnknownExec: await outcome(task.resizePty({ id, execId: 'nope', width: 80, height: 24 }, call)),
        closeInit: await outcome(task.closeIO({ id, execId: '', stdin: true }, call)),
        closeExec: await outcome(task.closeIO({ id, execId: 'plain', stdin: true }, call)),
        closeUnknownExec: await outcome(task.closeIO({ id, execId: 'nope', stdin: true }, call)),
        closeUnknownTask: await outcome(task.closeIO({ id: 'no-such-task', execId: '', stdin: true }, call)),
      };
      await task.kill({ id, execId: 'plain', signal: 9, all: false }, call);
      await task.wait({ id, execId: 'plain' }, call);
      process.stderr.write(`EDGE io ${t.runtime} ${t.h.version}: ${JSON.stringify(seen)}\n`);
    },
  },
];
