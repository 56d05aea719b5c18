//! Output, exit codes, signals and stdin: what a `ctr run` user sees of a container's process.
import { ctr, ctrOk, ctrRun } from '../../../helpers/containerd';
import { testEnv } from '../../../helpers/env';
import { describeResult } from '../../../helpers/exec';
import { Status } from '../../../../src/gen/types/task/task';
import {
  ctrFifos,
  CtrProcess,
  FifoReader,
  nsCall,
  runFlags,
  ShimCase,
  shimTaskClient,
  taskList,
  waitForTask,
  writeFifo,
} from '../support';

export const IO_CASES: readonly ShimCase[] = [
  {
    name: 'echo prints on stdout and ctr run exits 0',
    run: async ({ h, runtime, res }) => {
      const r = await ctrRun(h, { id: res.container('echo'), runtime, args: ['echo', 'hello from a container'] });
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: 'hello from a container\n', stderr: '' });
    },
  },
  {
    name: 'stderr stays apart from stdout',
    run: async ({ h, runtime, res }) => {
      const r = await ctrRun(h, { id: res.container('stderr'), runtime, args: ['sh', '-c', 'echo out; echo err >&2'] });
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: 'out\n', stderr: 'err\n' });
    },
  },
  {
    name: 'exit 3 becomes the exit code of ctr run',
    run: async ({ h, runtime, res }) => {
      const r = await ctrRun(h, { id: res.container('exit3'), runtime, args: ['sh', '-c', 'exit 3'] });
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 3, stderr: '' });
    },
  },
  {
    name: 'a megabyte of output written just before exit arrives complete',
    run: async ({ h, runtime, res }) => {
      const r = await ctrRun(h, { id: res.container('bigout'), runtime, args: ['sh', '-c', 'head -c 1048576 /dev/zero | tr "\\0" x; echo; echo end'] });
      expect(r.code).toBe(0);
      expect(r.stdout.length).toBe(1048576 + '\nend\n'.length);
      expect(r.stdout.endsWith('x\nend\n')).toBe(true);
    },
  },
  {
    name: 'a process killed by SIGKILL exits with 137',
    run: async ({ h, runtime, res }) => {
      const id = res.container('sigkill');
      const run = new CtrProcess(h, ['run', '--rm', ...runFlags(runtime), testEnv().image.ref, id, 'sleep', '1000'], res);
      await waitForTask(h, id, 'RUNNING');
      await ctrOk(h, ['task', 'kill', '--signal', 'SIGKILL', id]);
      const r = await run.done;
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 137, stderr: '' });
    },
  },
  {
    name: 'SIGTERM from ctr task kill runs the trap of sh',
    run: async ({ h, runtime, res }) => {
      const id = res.container('sigterm');
      const script = 'trap "echo got TERM; exit 7" TERM; echo ready; sleep 1000 & wait';
      const run = new CtrProcess(h, ['run', '--rm', ...runFlags(runtime), testEnv().image.ref, id, 'sh', '-c', script], res);
      await run.waitForStdout(/ready\n/);
      await ctrOk(h, ['task', 'kill', id]); // SIGTERM is ctr's default
      const r = await run.done;
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 7, stdout: 'ready\ngot TERM\n', stderr: '' });
    },
  },
  {
    name: 'stdin piped into ctr run reaches the process',
    run: async ({ h, runtime, res }) => {
      // ctr never forwards EOF (the shim keeps its own write end until CloseIO), so the process
      // reads exactly what it needs and exits by itself.
      const r = await ctrRun(
        h,
        { id: res.container('stdin'), runtime, args: ['sh', '-c', 'read a; read b; echo "$b $a"'] },
        { input: 'alpha\nbeta\n' },
      );
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: 'beta alpha\n', stderr: '' });
    },
  },
  {
    name: 'stdin sees EOF only after CloseIO (own FIFO client and ttrpc CloseIO on the shim)',
    run: async ({ h, runtime, res }) => {
      const fifoDir = res.dir('fifos');
      const id = res.container('closeio');
      // Detached: ctr creates the FIFOs in fifoDir, hands them to the task and exits, closing
      // its ends; from here on this test is the only client of the FIFOs.
      await ctrOk(h, ['run', '-d', ...runFlags(runtime, fifoDir), testEnv().image.ref, id, 'cat']);
      await waitForTask(h, id, 'RUNNING');
      const fifos = ctrFifos(fifoDir, id);
      const stdout = new FifoReader(fifos.stdout, res);
      writeFifo(fifos.stdin, 'one\n');
      await stdout.waitFor(/^one\n$/);
      // The shim holds a write end of its own: our closing the FIFO is no EOF, so cat is still
      // reading when a second writer comes.
      writeFifo(fifos.stdin, 'two\n');
      await stdout.waitFor(/^one\ntwo\n$/);
      expect((await taskList(h)).get(id)?.status).toBe('RUNNING');

      const task = shimTaskClient(h, id, res);
      // State echoes the stdio paths as given (clients re-attach with them).
      const state = await task.state({ id, execId: '' }, nsCall(h));
      expect({ status: state.status, stdin: state.stdin, stdout: state.stdout, stderr: state.stderr, terminal: state.terminal }).toEqual({
        status: Status.RUNNING,
        ...fifos,
        terminal: false,
      });
      const waited = task.wait({ id, execId: '' }, nsCall(h, 60_000));
      await task.closeIO({ id, execId: '', stdin: true }, nsCall(h));
      expect((await waited).exitStatus).toBe(0);
      await waitForTask(h, id, 'STOPPED');
      const del = await ctr(h, ['task', 'rm', id]);
      expect({ code: del.code, stderr: del.stderr, all: describeResult(del) }).toEqual({ code: 0, stderr: '', all: expect.any(String) });
      expect(stdout.text).toBe('one\ntwo\n');
    },
  },
];
