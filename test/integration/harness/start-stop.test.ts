// scripts/containerd/start.sh and stop.sh on their own: a containerd stopped with a container
// still running leaves nothing behind (task, shim, mounts, cgroups, its directory).
import * as fs from 'fs';
import * as path from 'path';
import { ctrOk, describeHarness, startContainerd, stopContainerd } from '../../helpers/containerd';
import { describeResult, run } from '../../helpers/exec';
import { scratchDir, testEnv, uniqueId } from '../../helpers/env';
import { importImage } from '../../helpers/image';
import { findLeaks, leakCount, listProcesses, mountsUnder } from '../../helpers/leaks';

describeHarness('start.sh and stop.sh', (h) => {
  it('stop.sh --remove cleans up after a daemon that still runs a container', async () => {
    const env = testEnv();
    const dir = path.join(scratchDir(), uniqueId('ctd'));
    const ns = uniqueId('ns');
    const own = await startContainerd(env.repo, h.version, dir, env.binDir, ns);
    let stopped = false;
    try {
      expect(own.fullVersion).toBe(h.fullVersion);
      await importImage(own, env.image);
      const id = uniqueId('running');
      await ctrOk(own, ['run', '-d', '--fifo-dir', path.join(dir, 'fifo'), env.image.ref, id, 'sleep', '600']);
      const tasks = await ctrOk(own, ['tasks', 'ls']);
      expect(tasks.stdout).toMatch(new RegExp(`^${id}\\s+\\d+\\s+RUNNING`, 'm'));
      expect(mountsUnder(dir).length).toBeGreaterThan(0); // the container's rootfs

      const r = await stopContainerd(env.repo, dir, true);
      stopped = true;
      expect({ code: r.code, out: describeResult(r) }).toEqual({ code: 0, out: expect.stringContaining(`removing leftover task ${ns}/${id}`) });
      expect(fs.existsSync(`/proc/${own.pid}`)).toBe(false);
      expect(fs.existsSync(dir)).toBe(false);
      expect(mountsUnder(dir)).toEqual([]);
      expect(listProcesses().filter((p) => p.cmdline.includes(dir) || p.cmdline.includes(id))).toEqual([]);
      const leaks = await findLeaks();
      expect(leaks.cgroups).toEqual([]);
      expect(leakCount(leaks)).toBe(0);
      // stop.sh also removed the namespace's (now empty) cgroup parents.
      for (const hier of ['pids', 'memory', 'cpu']) expect(fs.existsSync(`/sys/fs/cgroup/${hier}/${ns}`)).toBe(false);
    } finally {
      if (!stopped) await stopContainerd(env.repo, dir, true);
    }
  });

  it('start.sh rejects an unknown version and names the accepted ones', async () => {
    const r = await run(path.join(testEnv().repo, 'scripts/containerd/start.sh'), ['--version', '2.0', '--dir', path.join(scratchDir(), uniqueId('bad'))]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: "start: --version must be 1.6 or 1.7, not '2.0'\n" });
  });
});
