// The shim daemon driven over ttrpc by our own client, playing a client that waits for the end of
// a terminal's output before it sends Delete (Docker does: `docker run -t` hung when the shim kept
// the stdout FIFO open until Delete). After the process exits, the stdout FIFO must reach EOF with
// everything the process wrote, while the task still exists; Delete then succeeds.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { EventsDefinition } from '../../../src/gen/services/ttrpc/events/v1/events';
import { TaskDefinition as TaskV2 } from '../../../src/gen/runtime/task/v2/shim';
import { Status } from '../../../src/gen/types/task/task';
import { Client } from '../../../src/ttrpc/client';
import { Server } from '../../../src/ttrpc/server';
import { makeBusyboxBundle, defaultSpec } from '../../helpers/busybox-bundle';
import { testEnv, uniqueId } from '../../helpers/env';

const NS = 'tsrun-terminal-eof-test';

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

describe('shim daemon: a terminal process\'s stdout FIFO ends when its output does', () => {
  it('EOF on the stdout FIFO after the exit, before Delete, with all the output', async () => {
    const bundle = makeBusyboxBundle('tsrun-ttyeof-');
    const id = uniqueId('ttyeof');
    const sockets: net.Socket[] = [];
    const eventsServer = new Server({ onConnection: (s) => void sockets.push(s) });
    eventsServer.register(EventsDefinition, { forward: async () => ({}) });
    let client: Client | undefined;
    let shimPid = 0;
    let out: net.Socket | undefined;
    try {
      const base = defaultSpec(['sh', '-c', 'echo via-tty; echo more-output']);
      const spec = { ...base, process: { ...base.process!, terminal: true } };
      fs.writeFileSync(path.join(bundle.dir, 'config.json'), JSON.stringify(spec, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
      for (const f of ['in', 'out']) execFileSync('mkfifo', [path.join(bundle.dir, f)]);
      await eventsServer.listen(path.join(bundle.dir, 'containerd.sock.ttrpc'));
      const shim = path.join(testEnv().binDir, 'containerd-shim-tsrun-v1');
      const started = spawnSync(shim, ['-namespace', NS, '-address', path.join(bundle.dir, 'containerd.sock'), '-id', id, 'start'], {
        cwd: bundle.dir, input: Buffer.alloc(0), timeout: 30_000, env: { ...process.env, TTRPC_ADDRESS: path.join(bundle.dir, 'containerd.sock.ttrpc') },
      });
      expect({ code: started.status, stderr: started.stderr.toString() }).toEqual({ code: 0, stderr: '' });
      client = new Client(started.stdout.toString().slice('unix://'.length));
      const task = client.service(TaskV2);
      shimPid = (await task.connect({ id })).shimPid;

      // opened before the shim's writer: a FIFO reader sees EOF only once a writer came and went
      out = new net.Socket({ fd: fs.openSync(path.join(bundle.dir, 'out'), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK), readable: true, writable: false });
      let output = '';
      let ended = false;
      out.on('data', (b: Buffer) => (output += b.toString()));
      out.on('end', () => (ended = true));
      const stdio = { stdin: path.join(bundle.dir, 'in'), stdout: path.join(bundle.dir, 'out'), stderr: '' };
      await task.create({ id, bundle: bundle.dir, rootfs: [], terminal: true, ...stdio, checkpoint: '', parentCheckpoint: '', options: undefined });
      const waited = task.wait({ id, execId: '' });
      await task.start({ id, execId: '' });
      expect((await waited).exitStatus).toBe(0);

      await until(() => ended, 'EOF on the stdout FIFO (the shim must close it once the output is copied)');
      expect(output).toBe('via-tty\r\nmore-output\r\n');
      expect((await task.state({ id, execId: '' })).status).toBe(Status.STOPPED);
      expect(await task.delete({ id, execId: '' })).toMatchObject({ exitStatus: 0 });
      await task.shutdown({ id, now: false });
      await until(() => !alive(shimPid), 'the daemon to exit after Shutdown');
    } finally {
      out?.destroy();
      await client?.close();
      if (shimPid !== 0 && alive(shimPid)) process.kill(shimPid, 'SIGKILL');
      for (const s of sockets) s.destroy();
      await eventsServer.close({ graceMs: 0 });
      bundle.cleanup();
    }
  });
});
