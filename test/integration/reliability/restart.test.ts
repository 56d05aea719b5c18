// Issue 9 item 1: containerd restarted under 20 running tsrun containers of mixed kinds —
// detached with a log file, detached with stdin open (FIFOs this test holds), detached with a
// terminal (`ctr run -d -t`: stdin and the pty's output on FIFOs this test holds), and members of
// two pods (one shim each). Afterwards all are still listed with the same pids and shims (none
// restarted, none lost), their output still reaches the same files and FIFOs, and each is
// waited (ttrpc Wait on its shim), stopped (SIGKILL, EOF on stdin through CloseIO, or a line typed
// at the terminal) and deleted.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { closeFd, openpty } from '../../../src/linux';
import { ctrOk } from '../../helpers/containerd';
import { ContainerdHandle, testEnv } from '../../helpers/env';
import { describeHarness } from '../../helpers/containerd';
import { privateContainerd, restartContainerd, stopPrivateContainerd } from '../../helpers/private-containerd';
import { runCase } from '../shim/suite';
import { alive, ctrFifos, FifoReader, nsCall, Resources, runFlags, shimAddress, shimTaskClient, taskList, TSRUN, waitFor, waitForTask, writeFifo } from '../shim/support';
import { figure, Member, startDetached } from './support';

/** A terminal container: answers each line typed at it, exits 7 on "quit". */
const TTY_LOOP = ['sh', '-c', 'stty -echo; echo ready; while read l; do [ "$l" = quit ] && exit 7; echo "got $l"; done'];

/** `ctr run -d -t` (ctr insists on a terminal as its own stdin, so it runs on a pty of ours and
 * exits once the task started); the container's terminal is then reached through the stdin and
 * stdout FIFOs ctr left in `fifoDir`. */
async function startTty(h: ContainerdHandle, res: Resources, label: string, fifoDir: string): Promise<Member> {
  const id = res.container(label, h);
  const pty = openpty();
  const child = spawn(h.ctr, ['--address', h.address, '--namespace', h.namespace, 'run', '-d', '-t', ...runFlags(TSRUN, fifoDir), testEnv().image.ref, id, ...TTY_LOOP], {
    stdio: [pty.slave, pty.slave, pty.slave],
  });
  res.process(child);
  closeFd(pty.slave);
  try {
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    if (code !== 0) throw new Error(`ctr run -d -t ${id}: exit ${code}`);
  } finally {
    closeFd(pty.master);
    closeFd(pty.masterDup);
  }
  const pid = await waitForTask(h, id, 'RUNNING', 60_000);
  const connect = await shimTaskClient(h, id, res).connect({ id }, nsCall(h));
  if (connect.taskPid !== pid || !alive(connect.shimPid)) throw new Error(`shim of ${id}: Connect says task ${connect.taskPid}, shim ${connect.shimPid}; ctr says ${pid}`);
  return { id, pid, shimPid: connect.shimPid, address: shimAddress(h, id) };
}

const TICKER = ['sh', '-c', 'i=0; while :; do echo "tick $i"; i=$((i+1)); sleep 1; done'];

/** The highest tick number in a log file (-1 before the first). */
function lastTick(file: string): number {
  const m = [...fs.readFileSync(file, 'utf8').matchAll(/^tick (\d+)$/gm)];
  return m.length === 0 ? -1 : Number(m[m.length - 1]![1]);
}

describeHarness('reliability: containerd restart under 20 running containers', (shared) => {
  it('all 20 survive: listed, same pids and shims, output flowing, killable, waitable', () =>
    runCase(shared, TSRUN, {
      name: 'restart-20',
      run: async ({ res }) => {
        const t0 = Date.now();
        const h = await privateContainerd(shared.version);
        res.defer('private containerd', () => stopPrivateContainerd(h));
        const logs = res.dir('logs');
        const fifoDir = res.dir('fifos');
        const logged: Array<Member & { log: string }> = [];
        const stdin: Array<Member & { reader: FifoReader; stdin: string }> = [];
        for (let i = 0; i < 6; i++) {
          const log = path.join(logs, `solo${i}.log`);
          logged.push({ ...(await startDetached(h, TSRUN, res, `solo${i}`, TICKER, { flags: ['--log-uri', `file://${log}`] })), log });
        }
        for (let p = 0; p < 2; p++) {
          for (let i = 0; i < 3; i++) {
            const log = path.join(logs, `pod${p}-${i}.log`);
            const group = `pod${p}-${shared.version}-${process.pid}`;
            logged.push({ ...(await startDetached(h, TSRUN, res, `pod${p}m${i}`, TICKER, { group, flags: ['--log-uri', `file://${log}`] })), log });
          }
        }
        for (let i = 0; i < 4; i++) {
          const m = await startDetached(h, TSRUN, res, `cat${i}`, ['cat'], { fifoDir });
          const fifos = ctrFifos(fifoDir, m.id);
          const reader = new FifoReader(fifos.stdout, res);
          writeFifo(fifos.stdin, `before ${i}\n`);
          await reader.waitFor(new RegExp(`^before ${i}\\n$`));
          stdin.push({ ...m, reader, stdin: fifos.stdin });
        }
        const ttys: Array<Member & { reader: FifoReader; stdin: string }> = [];
        for (let i = 0; i < 4; i++) {
          const m = await startTty(h, res, `tty${i}`, fifoDir);
          const fifos = ctrFifos(fifoDir, m.id);
          // ctr copied the terminal's output until it exited (maybe "ready", maybe not); what it
          // prints from now on waits in the stdout FIFO (the shim holds it O_RDWR) for this reader.
          const reader = new FifoReader(fifos.stdout, res);
          writeFifo(fifos.stdin, `before ${i}\n`);
          await reader.waitFor(new RegExp(`got before ${i}\\r?\\n$`));
          ttys.push({ ...m, reader, stdin: fifos.stdin });
        }
        const all: Member[] = [...logged, ...stdin, ...ttys];
        expect(all).toHaveLength(20);
        // The two pods have one shim each, shared by their members.
        expect(new Set(logged.slice(6, 9).map((m) => m.shimPid)).size).toBe(1);
        expect(new Set(logged.slice(9, 12).map((m) => m.shimPid)).size).toBe(1);
        for (const m of logged) await waitFor(`first tick of ${m.id}`, () => (lastTick(m.log) >= 0 ? true : undefined));
        const ticksBefore = logged.map((m) => lastTick(m.log));

        const tRestart = Date.now();
        const h2 = await restartContainerd(h);
        const restartMs = Date.now() - tRestart;
        expect(h2.pid).not.toBe(h.pid);

        // All listed, same pids, running; their shims are the same processes.
        const tasks = await taskList(h2);
        expect(all.map((m) => ({ id: m.id, task: tasks.get(m.id) }))).toEqual(all.map((m) => ({ id: m.id, task: { pid: m.pid, status: 'RUNNING' } })));
        for (const m of all) {
          const c = await shimTaskClient(h2, m.id, res).connect({ id: m.id }, nsCall(h2));
          expect({ id: m.id, shimPid: c.shimPid, taskPid: c.taskPid }).toEqual({ id: m.id, shimPid: m.shimPid, taskPid: m.pid });
        }
        // Output keeps flowing to the same log files and FIFOs.
        for (const [i, m] of logged.entries()) {
          await waitFor(`${m.id} to tick on after the restart`, () => (lastTick(m.log) > ticksBefore[i]! ? true : undefined));
        }
        for (const [i, m] of stdin.entries()) {
          writeFifo(m.stdin, `after ${i}\n`);
          await m.reader.waitFor(new RegExp(`^before ${i}\\nafter ${i}\\n$`));
        }
        for (const [i, m] of ttys.entries()) {
          writeFifo(m.stdin, `after ${i}\n`);
          await m.reader.waitFor(new RegExp(`got before ${i}\\r?\\ngot after ${i}\\r?\\n$`));
        }

        // Waited through each shim, stopped through the restarted containerd and the shim.
        const waits = all.map((m) => shimTaskClient(h2, m.id, res).wait({ id: m.id, execId: '' }, nsCall(h2, 120_000)));
        for (const m of logged) await ctrOk(h2, ['task', 'kill', '--signal', 'SIGKILL', m.id]);
        for (const m of stdin) await shimTaskClient(h2, m.id, res).closeIO({ id: m.id, execId: '', stdin: true }, nsCall(h2));
        // Terminals: half typed "quit" at (exit 7), half SIGKILLed through containerd.
        for (const [i, m] of ttys.entries()) {
          if (i % 2 === 0) writeFifo(m.stdin, 'quit\n');
          else await ctrOk(h2, ['task', 'kill', '--signal', 'SIGKILL', m.id]);
        }
        const statuses = (await Promise.all(waits)).map((w) => w.exitStatus);
        expect(statuses).toEqual([...logged.map(() => 137), ...stdin.map(() => 0), ...ttys.map((_, i) => (i % 2 === 0 ? 7 : 137))]);
        for (const m of all) {
          await waitForTask(h2, m.id, 'STOPPED');
          await ctrOk(h2, ['task', 'rm', m.id]);
        }
        expect([...(await taskList(h2)).keys()].filter((id) => all.some((m) => m.id === id))).toEqual([]);
        figure(`containerd ${shared.version} restart`, { containers: all.length, ttys: ttys.length, survived: statuses.length, restartMs, totalMs: Date.now() - t0 });
      },
    }), 600_000);
});
