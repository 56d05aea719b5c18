// Issue 9 item 1: containerd restarted under 20 running tsrun containers of mixed kinds —
// detached with a log file, detached with stdin open (FIFOs this test holds), and members of two
// pods (one shim each). Afterwards all are still listed with the same pids and shims (none
// restarted, none lost), their output still reaches the same files and FIFOs, and each is
// waited (ttrpc Wait on its shim), stopped (SIGKILL, or EOF on stdin through CloseIO) and deleted.
// No tty kind: tsrun's Create rejects terminal=true today (UnimplementedError, terminals issue).
import * as fs from 'fs';
import * as path from 'path';
import { ctrOk } from '../../helpers/containerd';
import { describeHarness } from '../../helpers/containerd';
import { privateContainerd, restartContainerd, stopPrivateContainerd } from '../../helpers/private-containerd';
import { runCase } from '../shim/suite';
import { ctrFifos, FifoReader, nsCall, shimTaskClient, taskList, TSRUN, waitFor, waitForTask, writeFifo } from '../shim/support';
import { figure, Member, startDetached } from './support';

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
        for (let i = 0; i < 8; i++) {
          const m = await startDetached(h, TSRUN, res, `cat${i}`, ['cat'], { fifoDir });
          const fifos = ctrFifos(fifoDir, m.id);
          const reader = new FifoReader(fifos.stdout, res);
          writeFifo(fifos.stdin, `before ${i}\n`);
          await reader.waitFor(new RegExp(`^before ${i}\\n$`));
          stdin.push({ ...m, reader, stdin: fifos.stdin });
        }
        const all: Member[] = [...logged, ...stdin];
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

        // Waited through each shim, stopped through the restarted containerd and the shim.
        const waits = all.map((m) => shimTaskClient(h2, m.id, res).wait({ id: m.id, execId: '' }, nsCall(h2, 120_000)));
        for (const m of logged) await ctrOk(h2, ['task', 'kill', '--signal', 'SIGKILL', m.id]);
        for (const m of stdin) await shimTaskClient(h2, m.id, res).closeIO({ id: m.id, execId: '', stdin: true }, nsCall(h2));
        const statuses = (await Promise.all(waits)).map((w) => w.exitStatus);
        expect(statuses).toEqual([...logged.map(() => 137), ...stdin.map(() => 0)]);
        for (const m of all) {
          await waitForTask(h2, m.id, 'STOPPED');
          await ctrOk(h2, ['task', 'rm', m.id]);
        }
        expect([...(await taskList(h2)).keys()].filter((id) => all.some((m) => m.id === id))).toEqual([]);
        figure(`containerd ${shared.version} restart`, { containers: all.length, survived: statuses.length, restartMs, totalMs: Date.now() - t0 });
      },
    }), 600_000);
});
