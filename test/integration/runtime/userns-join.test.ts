// A container that joins a user namespace by path and creates its other namespaces (Kubernetes
// pods with user namespaces: the containers join the sandbox's). native/ clones twice (docs/userns.md):
// the process the runtime gets (pid, pidfd, exit) must be the container's, our child, pid 1 of
// its new pid namespace, and the first process must be reaped.
import fs from 'node:fs';
import { spawnContainer } from '../../../src/linux';
import type { Spec } from '../../../src/runtime/spec';
import { defaultSpec, makeBusyboxBundle, type Bundle } from '../../helpers/busybox-bundle';
import { Capture, planFor, runContainer } from '../../helpers/run-container';
import { userNamespaceHolder, type UsernsHolder } from '../../helpers/userns-holder';

let bundle: Bundle;
let holder: UsernsHolder;
beforeAll(async () => {
  bundle = makeBusyboxBundle('tsrun-userns-join-');
  // mkdtemp's 0700: the joined namespace's root (host uid 100000) must reach the rootfs
  fs.chmodSync(bundle.dir, 0o755);
  holder = await userNamespaceHolder();
});
afterAll(async () => {
  await holder?.stop();
  bundle?.cleanup();
});

function joinSpec(args: string[], userPath: string): Spec {
  const spec = defaultSpec(args);
  return { ...spec, linux: { ...spec.linux, namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'cgroup' }, { type: 'user', path: userPath }] } };
}

/** our children that are zombies (a first process nobody reaped would be one) */
function zombieChildren(): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
    } catch {
      continue;
    }
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state === 'Z' && Number(ppid) === process.pid) out.push(Number(e));
  }
  return out;
}

async function noZombieChildren(): Promise<number[]> {
  // the first process exits once the container's has exec'd; the helper thread reaps it then
  for (let i = 0; i < 500 && zombieChildren().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
  return zombieChildren();
}

describe('joining a user namespace by path while creating the other namespaces', () => {
  it('runs in the joined user namespace as its root, pid 1 of a new pid namespace, with a devpts and sysfs of its own', async () => {
    const r = await runContainer(bundle, joinSpec(['sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map; echo pid=$$; readlink /proc/self/ns/user; id; hostname; stat -c "%u:%g" /dev/pts/ptmx; ls /sys/class/net'], holder.nsPath));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => l.trim().replace(/\s+/g, ' '));
    expect(lines).toEqual(['0 100000 65536', '0 100000 65536', 'pid=1', fs.readlinkSync(holder.nsPath), 'uid=0(root) gid=0(root)', 'tsrun', '0:0', 'lo']);
    expect(await noZombieChildren()).toEqual([]);
  });

  it('reports the container\'s process: our child, pidfd and exit are its own', async () => {
    const out = new Capture();
    const err = new Capture();
    const p = await spawnContainer(planFor(bundle, joinSpec(['sh', '-c', 'exit 7'], holder.nsPath), out, err));
    out.closeWrite();
    err.closeWrite();
    try {
      const status = fs.readFileSync(`/proc/${p.pid}/status`, 'utf8');
      expect(/^PPid:\s+(\d+)$/m.exec(status)?.[1]).toBe(String(process.pid));
      expect(/^NSpid:\s+\d+\s+(\d+)$/m.exec(status)?.[1]).toBe('1');
      expect(fs.readlinkSync(`/proc/${p.pid}/ns/user`)).toBe(fs.readlinkSync(holder.nsPath));
      await p.start();
      expect(await p.exited).toEqual({ status: 7 });
    } finally {
      try {
        p.kill(9);
      } catch {
        // exited
      }
      await p.exited;
    }
    expect(await err.text).toBe('');
    expect(await noZombieChildren()).toEqual([]);
  });

  it('a join that fails (before the second clone) names the step and leaves no process behind', async () => {
    await expect(runContainer(bundle, joinSpec(['true'], '/proc/self/ns/nonexistent')))
      .rejects.toThrow('join user namespace /proc/self/ns/nonexistent: ENOENT');
    expect(await noZombieChildren()).toEqual([]);
  });
});
