// A process holding a user namespace (0 → 100000, 65536 ids): what a pod's sandbox is to the
// containers that join its user namespace by path.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

export const HOLDER_MAP = { containerID: 0, hostID: 100000, size: 65536 };

export interface UsernsHolder {
  readonly pid: number;
  /** /proc/<pid>/ns/user */
  readonly nsPath: string;
  /** kill the holder and await its exit */
  stop(): Promise<void>;
}

export async function userNamespaceHolder(): Promise<UsernsHolder> {
  const child = spawn('unshare', ['--user', 'sleep', 'infinity'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGKILL');
    await exited;
  };
  try {
    const pid = child.pid;
    if (pid === undefined) throw new Error('unshare --user did not start (is util-linux installed?)');
    // unshare(CLONE_NEWUSER) comes right after the fork: wait until the process is in its own
    for (let i = 0; fs.readlinkSync(`/proc/${pid}/ns/user`) === fs.readlinkSync('/proc/self/ns/user'); i++) {
      if (i > 1000) throw new Error('unshare --user: the process never entered a new user namespace');
      await new Promise((r) => setTimeout(r, 10));
    }
    const map = `${HOLDER_MAP.containerID} ${HOLDER_MAP.hostID} ${HOLDER_MAP.size}\n`;
    fs.writeFileSync(`/proc/${pid}/uid_map`, map);
    fs.writeFileSync(`/proc/${pid}/gid_map`, map);
    return { pid, nsPath: `/proc/${pid}/ns/user`, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
