// The leak checker finds what a careless test leaves (a container, a mount, a cgroup, a process,
// a FIFO) and cleans it up, so one failing test cannot poison the rest of the run.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ctrOk } from '../../helpers/containerd';
import { runOk } from '../../helpers/exec';
import { scratchDir, testEnv, uniqueId } from '../../helpers/env';
import { assertNoLeaks, cleanupLeaks, findLeaks, leakCount } from '../../helpers/leaks';

describe('leak checks', () => {
  afterAll(async () => {
    await cleanupLeaks(await findLeaks());
  });

  it('start clean', async () => {
    await expect(assertNoLeaks()).resolves.toBeUndefined();
  });

  it('find leaked containers, mounts, cgroups, processes and FIFOs, then clean them up', async () => {
    const env = testEnv();
    const h = env.containerds[0]!;
    const containerId = uniqueId('leak');
    await ctrOk(h, ['containers', 'create', env.image.ref, containerId]);

    const mnt = path.join(scratchDir(), uniqueId('mnt'));
    fs.mkdirSync(mnt);
    await runOk('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tsrun-test', mnt]);

    // pids is a v1 controller on these machines; any mounted hierarchy would do.
    const cgroup = path.join(fs.existsSync('/sys/fs/cgroup/pids/cgroup.procs') ? '/sys/fs/cgroup/pids' : '/sys/fs/cgroup/unified', uniqueId('cg'));
    fs.mkdirSync(cgroup);

    const fifo = path.join(scratchDir(), 'leaked.fifo');
    await runOk('mkfifo', [fifo]);

    const child = spawn('sleep', ['600'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));

    const leaks = await findLeaks();
    expect(leaks.containers).toEqual([`${h.version}/${h.namespace}/${containerId}`]);
    expect(leaks.mounts).toEqual([mnt]);
    expect(leaks.cgroups).toEqual([cgroup]);
    expect(leaks.fifos).toEqual([fifo]);
    expect(leaks.processes.map((p) => p.pid)).toEqual([child.pid]);

    await expect(assertNoLeaks()).rejects.toThrow(/tests left 5 thing\(s\) behind[\s\S]*mount: [\s\S]*\(cleaned up now\)/);
    await exited;
    expect(leakCount(await findLeaks())).toBe(0);
    expect(fs.existsSync(cgroup)).toBe(false);
    fs.rmdirSync(mnt);
  });
});
