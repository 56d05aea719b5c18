// containerd restarted while a tsrun container runs: the shim daemon and its container stay, the
// new containerd reconnects through the bundle's `address` file, and the task can still be killed,
// waited for and deleted. Uses its own private containerd per version, so the shared ones of this
// run are never restarted under other workers.
import * as fs from 'fs';
import * as path from 'path';
import { startContainerd, stopContainerd, ctr, ctrOk } from '../../helpers/containerd';
import { testEnv, uniqueId, workerId } from '../../helpers/env';
import type { ContainerdHandle } from '../../helpers/env';
import { importImage } from '../../helpers/image';
import { assertNoLeaks } from '../../helpers/leaks';

const TSRUN = 'io.containerd.tsrun.v1';

async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await cond()) return;
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

async function taskStatus(h: ContainerdHandle, id: string): Promise<string | undefined> {
  const r = await ctr(h, ['task', 'ls']);
  const line = r.stdout.split('\n').find((l) => l.split(/\s+/)[0] === id);
  return line?.split(/\s+/)[2];
}

for (const shared of testEnv().containerds) {
  describe(`shim across a containerd restart (containerd ${shared.version})`, () => {
    const env = testEnv();
    const dir = path.join(env.tmpDir, `restart-${shared.version}-${workerId()}`);
    let h: ContainerdHandle | undefined;

    afterAll(async () => {
      await stopContainerd(env.repo, dir, true);
      await assertNoLeaks();
    });

    it('keeps the container running and manageable after containerd restarts', async () => {
      h = await startContainerd(env.repo, shared.version, dir, env.binDir, shared.namespace);
      await importImage(h, env.image);
      const id = uniqueId('restart');
      const fifoDir = fs.mkdtempSync(path.join(env.fifoDir, `${id}-`));
      try {
        await ctrOk(h, ['run', '-d', '--fifo-dir', fifoDir, '--runtime', TSRUN, env.image.ref, id, 'sleep', '1000']);
        expect(await taskStatus(h, id)).toBe('RUNNING');
        process.kill(h.pid, 'SIGTERM');
        const old = h.pid;
        await until(() => !alive(old), 'containerd to exit');
        h = await startContainerd(env.repo, shared.version, dir, env.binDir, shared.namespace);
        await until(async () => (await taskStatus(h as ContainerdHandle, id)) === 'RUNNING', 'the task to be listed RUNNING again');
        await ctrOk(h, ['task', 'kill', '-s', 'KILL', id]);
        await until(async () => (await taskStatus(h as ContainerdHandle, id)) === 'STOPPED', 'the task to stop');
        await ctrOk(h, ['task', 'delete', id]);
        await ctrOk(h, ['container', 'rm', id]);
      } finally {
        if (h) {
          await ctr(h, ['task', 'delete', '-f', id]);
          await ctr(h, ['container', 'rm', id]);
        }
        fs.rmSync(fifoDir, { recursive: true, force: true });
      }
    });
  });
}
