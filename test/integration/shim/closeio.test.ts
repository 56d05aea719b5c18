// The shim daemon driven over ttrpc by our own client, playing containerd: a real container
// (`cat`) gets stdin through a FIFO; the client's EOF alone does not end it while the shim holds
// the stdin FIFO, CloseIO does. A ttrpc server plays containerd's events endpoint, so the events
// of the whole lifecycle are checked too.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { TaskExit } from '../../../src/gen/events/task';
import { EventsDefinition, type ForwardRequest } from '../../../src/gen/services/ttrpc/events/v1/events';
import { TaskDefinition as TaskV2 } from '../../../src/gen/runtime/task/v2/shim';
import { Status } from '../../../src/gen/types/task/task';
import { Client } from '../../../src/ttrpc/client';
import { Server } from '../../../src/ttrpc/server';
import { makeBusyboxBundle, defaultSpec } from '../../helpers/busybox-bundle';
import { testEnv, uniqueId } from '../../helpers/env';

const NS = 'tsrun-closeio-test';

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('shim daemon with our own client (stdin, CloseIO, events)', () => {
  it('delivers stdin, holds EOF until CloseIO, reports the exit and publishes the lifecycle events', async () => {
    const bundle = makeBusyboxBundle('tsrun-closeio-');
    const id = uniqueId('closeio');
    const sockets: net.Socket[] = [];
    const events: ForwardRequest[] = [];
    const eventsServer = new Server({ onConnection: (s) => void sockets.push(s) });
    eventsServer.register(EventsDefinition, { forward: async (req) => (events.push(req), {}) });
    let client: Client | undefined;
    let shimPid = 0;
    try {
      const spec = defaultSpec(['cat']);
      fs.writeFileSync(path.join(bundle.dir, 'config.json'), JSON.stringify(spec, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
      for (const f of ['log', 'in', 'out']) execFileSync('mkfifo', [path.join(bundle.dir, f)]);
      await eventsServer.listen(path.join(bundle.dir, 'containerd.sock.ttrpc'));
      const shim = path.join(testEnv().binDir, 'containerd-shim-tsrun-v1');
      const started = spawnSync(shim, ['-namespace', NS, '-address', path.join(bundle.dir, 'containerd.sock'), '-id', id, 'start'], {
        cwd: bundle.dir, input: Buffer.alloc(0), timeout: 30_000, env: { ...process.env, TTRPC_ADDRESS: path.join(bundle.dir, 'containerd.sock.ttrpc') },
      });
      expect({ code: started.status, stderr: started.stderr.toString() }).toEqual({ code: 0, stderr: '' });
      client = new Client(started.stdout.toString().slice('unix://'.length));
      const task = client.service(TaskV2);
      shimPid = (await task.connect({ id })).shimPid;

      const out = new net.Socket({ fd: fs.openSync(path.join(bundle.dir, 'out'), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK), readable: true, writable: false });
      let output = '';
      out.on('data', (b: Buffer) => (output += b.toString()));
      const stdio = { stdin: path.join(bundle.dir, 'in'), stdout: path.join(bundle.dir, 'out'), stderr: '' };
      const { pid } = await task.create({ id, bundle: bundle.dir, rootfs: [], terminal: false, ...stdio, checkpoint: '', parentCheckpoint: '', options: undefined });
      expect(pid).toBeGreaterThan(0);
      const waited = task.wait({ id, execId: '' });
      await task.start({ id, execId: '' });

      const writer = fs.openSync(stdio.stdin, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
      fs.writeSync(writer, 'hello through stdin\n');
      fs.closeSync(writer);
      await until(() => output === 'hello through stdin\n', 'cat to echo stdin');
      // Give cat every chance to see an EOF it must not get: the shim still holds the FIFO.
      await new Promise((r) => setTimeout(r, 300));
      const st = await task.state({ id, execId: '' });
      expect(st).toMatchObject({ status: Status.RUNNING, stdin: stdio.stdin, stdout: stdio.stdout, stderr: '', pid });
      expect((await task.pids({ id })).processes.map((p) => p.pid)).toContain(pid);

      await task.closeIO({ id, execId: '', stdin: true });
      const exit = await waited;
      expect(exit.exitStatus).toBe(0);
      const del = await task.delete({ id, execId: '' });
      expect(del).toMatchObject({ pid, exitStatus: 0 });
      out.destroy();

      await task.shutdown({ id, now: false });
      await until(() => !alive(shimPid), 'the daemon to exit after Shutdown');
      const topics = events.map((e) => e.envelope?.topic);
      expect(topics).toEqual(['/tasks/create', '/tasks/start', '/tasks/exit', '/tasks/delete']);
      expect(events.every((e) => e.envelope?.namespace === NS)).toBe(true);
      expect(TaskExit.decode(events[2]!.envelope!.event!.value)).toMatchObject({ containerId: id, id, pid, exitStatus: 0 });
    } finally {
      await client?.close();
      if (shimPid !== 0 && alive(shimPid)) process.kill(shimPid, 'SIGKILL');
      for (const s of sockets) s.destroy();
      await eventsServer.close({ graceMs: 0 });
      bundle.cleanup();
    }
  });
});
