// Issue 9 item 5: slow and hostile clients of a tsrun pod shim.
// - A client opens a container's stdout FIFO and never reads; another container's stdout FIFO is
//   never opened by anybody (passed as fifo:// to the shim, which alone opens it, O_RDWR). Both
//   containers print a counter without pause. Buffering is bounded by the kernel: the FIFO
//   (64 KiB), the shim's copy (a net.Socket pipe: the source pauses once the FIFO write would
//   block, so at most one read chunk is held) and the container's own pipe (64 KiB); then the
//   container blocks in write(2) (pipe_write, anon_pipe_write on newer kernels). The shim stays responsive, its other containers
//   run, its RSS stays flat, and when a reader comes everything arrives, nothing lost (the
//   counter is contiguous from 0).
// - Wait requests whose connection closes before the container exits: no fd stays behind in the
//   shim, and the exit is still delivered to later Waits.
// - 1000 concurrent State calls on one connection, and 1000 spread over 20 connections.
import * as fs from 'fs';
import * as path from 'path';
import { ctrOk, ctrRun, describeHarness } from '../../helpers/containerd';
import { run } from '../../helpers/exec';
import { Client } from '../../../src/ttrpc';
import { TaskDefinition } from '../../../src/gen/runtime/task/v2/shim';
import { Status } from '../../../src/gen/types/task/task';
import { runCase } from '../shim/suite';
import { alive, ctrFifos, FifoReader, nsCall, shimAddress, sleep, taskList, TSRUN, waitFor, waitForTask } from '../shim/support';
import { fds, figure, GROUP, rssKiB, startDetached } from './support';

const COUNTER = ['sh', '-c', 'i=0; while :; do echo $i; i=$((i+1)); done'];

function wchan(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/wchan`, 'utf8');
  } catch {
    return '';
  }
}

/** Waits until the process sleeps in pipe_write (its output is full) and stays there. */
async function waitBlockedInWrite(pid: number, shim: number): Promise<void> {
  const seen = new Set<string>();
  await waitFor(`pid ${pid} to block writing its output`, async () => {
    seen.add(wchan(pid));
    if (seen.size > 20) throw new Error(`pid ${pid} never blocks in (anon_)pipe_write: wchan ${[...seen].join(' ')}; shim RSS ${rssKiB(shim)} KiB`);
    if (!/pipe_write$/.test(wchan(pid))) return undefined;
    await sleep(300);
    return /pipe_write$/.test(wchan(pid)) ? true : undefined;
  }, 60_000).catch((e: Error) => {
    throw new Error(`${e.message}; wchan seen: ${[...seen].join(' ')}; shim RSS ${rssKiB(shim)} KiB`);
  });
}

/** The counter lines read so far are first..first+n-1 with nothing missing; returns n. */
function contiguous(text: string, first: number | 'any'): number {
  const lines = text.split('\n');
  lines.pop(); // a partial last line
  const from = first === 'any' ? Number(lines[0] ?? 0) : first;
  lines.forEach((l, i) => {
    if (l !== String(from + i)) throw new Error(`line ${i} is ${JSON.stringify(l)}, not ${from + i}: output lost or reordered`);
  });
  return lines.length;
}

describeHarness('reliability: slow and hostile clients of a pod shim', (h) => {
  it('a stdout FIFO nobody reads blocks only its own container (bounded, nothing lost)', () =>
    runCase(h, TSRUN, {
      name: 'no-reader',
      run: async ({ res }) => {
        const group = res.container('hostile-group');
        const fifoDir = res.dir('fifos');
        const anchor = await startDetached(h, TSRUN, res, 'anchor', ['sleep', '100000'], { group });
        const shim = anchor.shimPid;
        const rssBefore = rssKiB(shim);
        // 1: a client that opens stdout and never reads.
        const slow = await startDetached(h, TSRUN, res, 'slowread', COUNTER, { group, fifoDir });
        const slowFifos = ctrFifos(fifoDir, slow.id);
        const hostileFd = fs.openSync(slowFifos.stdout, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
        res.defer('hostile reader fd', () => fs.closeSync(hostileFd));
        // 2: FIFOs nobody but the shim ever opens.
        const own = res.dir('own-fifo');
        const lonely = path.join(own, 'stdout');
        const mk = await run('mkfifo', [lonely]);
        if (mk.code !== 0) throw new Error(`mkfifo: ${mk.stderr}`);
        const unopened = await startDetached(h, TSRUN, res, 'noreader', COUNTER, { group, flags: ['--log-uri', `fifo://${lonely}`] });
        expect([slow.shimPid, unopened.shimPid]).toEqual([shim, shim]);

        await waitBlockedInWrite(slow.pid, shim);
        await waitBlockedInWrite(unopened.pid, shim);
        // The shim serves on: State of the blocked ones, a new container in the same pod.
        const client = new Client(shimAddress(h, anchor.id).replace(/^unix:\/\//, ''));
        res.defer('client', () => client.close());
        const task = client.service(TaskDefinition);
        for (const m of [slow, unopened, anchor]) expect((await task.state({ id: m.id, execId: '' }, nsCall(h))).status).toBe(Status.RUNNING);
        const r = await ctrRun(h, { id: res.container('meanwhile'), runtime: TSRUN, args: ['echo', 'still served'], flags: ['--annotation', `${GROUP}=${group}`] });
        expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: 'still served\n' });
        await sleep(1000);
        const rssBlocked = rssKiB(shim);
        // Bounded: two streams held up cost the shim no more than a few pipe buffers, not a
        // growing queue (32 MiB is far above the ~200 KiB per stream the design allows).
        expect(rssBlocked - rssBefore).toBeLessThan(32 * 1024);

        // A reader comes: the output resumes where it stopped, nothing lost.
        // (`ctr run -d` itself read and printed the slow one's first lines until it exited: that
        // stream continues from where ctr stopped; the unopened FIFO's starts at 0.)
        const readers = [
          { reader: new FifoReader(slowFifos.stdout, res), first: 'any' as const },
          { reader: new FifoReader(lonely, res), first: 0 },
        ];
        for (const { reader, first } of readers) {
          await waitFor('50000 counter lines', () => (contiguous(reader.text, first) >= 50_000 ? true : undefined), 120_000);
        }
        const counts = readers.map(({ reader, first }) => contiguous(reader.text, first));
        figure(`no-reader on containerd ${h.version}`, { rssKiB: { before: rssBefore, blocked: rssBlocked }, linesAfterUnblock: counts });
        for (const m of [slow, unopened]) {
          await ctrOk(h, ['task', 'kill', '--signal', 'SIGKILL', m.id]);
          await waitForTask(h, m.id, 'STOPPED');
          await ctrOk(h, ['task', 'rm', m.id]);
        }
        expect((await taskList(h)).get(anchor.id)).toEqual({ pid: anchor.pid, status: 'RUNNING' });
      },
    }), 300_000);

  it('Waits whose connections close first leave nothing behind; 1000 concurrent State calls', () =>
    runCase(h, TSRUN, {
      name: 'wait-state',
      run: async ({ res }) => {
        const group = res.container('wait-group');
        const anchor = await startDetached(h, TSRUN, res, 'anchor', ['sleep', '100000'], { group });
        const target = await startDetached(h, TSRUN, res, 'target', ['sleep', '100000'], { group });
        const shim = anchor.shimPid;
        const socket = shimAddress(h, anchor.id).replace(/^unix:\/\//, '');
        const fdsBefore = fds(shim).length;

        // 20 connections, each with a Wait on the running target, all closed before it exits.
        const clients = Array.from({ length: 20 }, () => new Client(socket));
        for (const c of clients) res.defer('client', () => c.close());
        const waits = clients.map((c) => c.service(TaskDefinition).wait({ id: target.id, execId: '' }, nsCall(h, 120_000)).then(
          () => 'exited',
          (e: Error) => e.constructor.name,
        ));
        await Promise.all(clients.map((c) => c.service(TaskDefinition).connect({ id: target.id }, nsCall(h))));
        expect(fds(shim).length).toBe(fdsBefore + 20);
        await Promise.all(clients.map((c) => c.close()));
        expect(new Set(await Promise.all(waits)).has('exited')).toBe(false);
        await waitFor('the shim to close the 20 connections', () => (fds(shim).length === fdsBefore ? true : undefined));

        // 1000 State calls at once on one connection, then 1000 over 20 connections.
        const one = new Client(socket);
        res.defer('client', () => one.close());
        const t0 = Date.now();
        const states = await Promise.all(Array.from({ length: 1000 }, () => one.service(TaskDefinition).state({ id: target.id, execId: '' }, nsCall(h, 120_000))));
        const oneMs = Date.now() - t0;
        expect(states.filter((s) => s.status !== Status.RUNNING || s.pid !== target.pid)).toEqual([]);
        const many = Array.from({ length: 20 }, () => new Client(socket));
        for (const c of many) res.defer('client', () => c.close());
        const t1 = Date.now();
        const spread = await Promise.all(Array.from({ length: 1000 }, (_, i) => many[i % 20]!.service(TaskDefinition).state({ id: target.id, execId: '' }, nsCall(h, 120_000))));
        const manyMs = Date.now() - t1;
        expect(spread.filter((s) => s.status !== Status.RUNNING || s.pid !== target.pid)).toEqual([]);
        await Promise.all([one, ...many].map((c) => c.close()));
        await waitFor('the shim to close the State connections', () => (fds(shim).length === fdsBefore ? true : undefined));

        // The exit still reaches a Wait on a fresh connection and containerd.
        const fresh = new Client(socket);
        res.defer('client', () => fresh.close());
        const waited = fresh.service(TaskDefinition).wait({ id: target.id, execId: '' }, nsCall(h, 120_000));
        await ctrOk(h, ['task', 'kill', '--signal', 'SIGKILL', target.id]);
        expect((await waited).exitStatus).toBe(137);
        await waitForTask(h, target.id, 'STOPPED');
        expect((await ctrOk(h, ['task', 'rm', target.id])).stderr).toMatch(/exit code 137/);
        expect(alive(shim)).toBe(true);
        figure(`state calls on containerd ${h.version}`, { oneConnectionMs: oneMs, twentyConnectionsMs: manyMs });
      },
    }), 300_000);
});
