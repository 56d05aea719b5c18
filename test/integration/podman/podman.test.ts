//! Podman (Debian's podman 4.3 + conmon) driving tsrun through the runc-compatible CLI:
//! `podman --runtime <installed tsrun> …`. Every case runs with tsrun and with Debian's runc as the
//! reference, with the same expectations; a few compare the two directly. Podman runs privately
//! (test/helpers/podman.ts): its storage, run and tmp dirs under this worker's scratch dir, the
//! cgroupfs manager, no network.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tty from 'node:tty';
import { closeFd, openpty, setWinsize } from '../../../src/linux';
import { describeResult, RunResult } from '../../helpers/exec';
import { uniqueId } from '../../helpers/env';
import { assertNoLeaks } from '../../helpers/leaks';
import { hostCgroupDir, PODMAN_RUNTIMES, PodmanRig, PodmanRuntime, requireCriu41, runtimePath, runtimeStateRoot, startPodmanRig } from '../../helpers/podman';

jest.setTimeout(180_000);

let rig: PodmanRig;
/** container ids (full) each runtime was given: none may be left in its state root */
const created: Record<PodmanRuntime, string[]> = { tsrun: [], runc: [] };

beforeAll(async () => {
  rig = await startPodmanRig();
});

afterAll(async () => {
  try {
    await rig?.cleanup();
    for (const r of PODMAN_RUNTIMES) {
      const left = created[r].filter((id) => fs.existsSync(path.join(runtimeStateRoot(r), id)));
      expect({ runtime: r, stateLeft: left }).toEqual({ runtime: r, stateLeft: [] });
    }
  } finally {
    await assertNoLeaks();
  }
});

const sh = (script: string): string[] => ['sh', '-c', script];

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `podman run -d` of `args` named `name` (in our cgroup parent); returns the full id. */
async function runDetached(r: PodmanRuntime, name: string, args: readonly string[], flags: readonly string[] = []): Promise<string> {
  const res = await rig.podmanOk(r, ['run', '-d', '--name', name, '--cgroup-parent', rig.cgroupParent, ...flags, rig.image, ...args]);
  const id = res.stdout.trim();
  created[r].push(id);
  return id;
}

/** `podman run --rm` (not detached); the result whatever the status. */
async function runRm(r: PodmanRuntime, args: readonly string[], flags: readonly string[] = [], input?: string): Promise<RunResult> {
  const name = uniqueId('pm');
  const res = await rig.podman(r, ['run', '--rm', '--name', name, '--cgroup-parent', rig.cgroupParent, ...flags, rig.image, ...args], input !== undefined ? { input } : {});
  return res;
}

async function inspect(r: PodmanRuntime, name: string, format: string): Promise<string> {
  return (await rig.podmanOk(r, ['inspect', '--format', format, name])).stdout.trim();
}

async function removeForce(r: PodmanRuntime, name: string): Promise<void> {
  await rig.podmanOk(r, ['rm', '-f', '-t', '0', name]);
}

/** `p`, or `fallback` after `ms` (the timer is cleared either way) */
async function within<T, F>(p: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<F>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs podman on a fresh pty of rows×cols (podman -t insists on a terminal); `input` is typed
 *  once `ready` shows. */
async function podmanOnPty(r: PodmanRuntime, args: readonly string[], rows: number, cols: number, input?: string): Promise<{ code: number | null; out: string }> {
  const c = rig.command(r, args);
  const pty = openpty();
  setWinsize(pty.master, rows, cols);
  const child = spawn(c.cmd, c.args, { env: c.env, cwd: rig.dir, stdio: [pty.slave, pty.slave, pty.slave] });
  closeFd(pty.slave);
  let out = '';
  const reader = new tty.ReadStream(pty.master);
  const readerDone = new Promise<void>((resolve) => reader.once('close', () => resolve()));
  reader.on('data', (b: Buffer) => (out += b.toString('utf8')));
  reader.on('error', () => reader.destroy()); // EIO: every slave fd is closed
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    if (input !== undefined) {
      await until(`"ready" on the terminal (so far: ${JSON.stringify(out)})`, () => (/ready/.test(out) ? true : undefined));
      fs.writeSync(pty.masterDup, input);
    }
    const code = await within(exited, 60_000, null);
    if (code === null && child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    await within(readerDone, 5_000, undefined);
    return { code, out: out.replace(/\r/g, '') };
  } finally {
    reader.destroy();
    closeFd(pty.masterDup);
  }
}

/** sh that waits until its terminal has a size (conmon resizes it after start). */
const WAIT_SIZED = "until stty size 2>/dev/null | grep -q '^[1-9]'; do sleep 0.05; done; ";

describe.each(PODMAN_RUNTIMES)('podman --runtime %s', (r) => {
  it('run --rm: prints stdout and stderr, propagates the exit status, removes the container', async () => {
    const name = uniqueId('pm-rm');
    const res = await rig.podman(r, ['run', '--rm', '--name', name, '--cgroup-parent', rig.cgroupParent, rig.image, ...sh('echo out; echo err >&2; exit 7')]);
    expect({ code: res.code, stdout: res.stdout, stderr: res.stderr }).toEqual({ code: 7, stdout: 'out\n', stderr: 'err\n' });
    expect((await rig.podman(r, ['ps', '-a', '--filter', `name=${name}`, '--format', '{{.Names}}'])).stdout.trim()).toBe('');
  });

  it('run -i: stdin reaches the container', async () => {
    const res = await runRm(r, sh('read a; read b; echo "got $a $b"'), ['-i'], 'one\ntwo\n');
    expect(res.stdout).toBe('got one two\n');
    expect(res.code).toBe(0);
  });

  it('run -it: a sized controlling terminal through the console socket; typed input; exit status', async () => {
    const name = uniqueId('pm-tty');
    const script = WAIT_SIZED + '[ -t 0 ] && [ -t 1 ] && echo tty-yes; stty size; echo ready; read line; echo "got $line"; exit 5';
    const res = await podmanOnPty(r, ['run', '--rm', '-it', '--name', name, '--cgroup-parent', rig.cgroupParent, rig.image, ...sh(script)], 33, 77, 'hello\r');
    expect(res.out).toContain('tty-yes\n33 77\n');
    expect(res.out).toContain('got hello\n');
    expect(res.code).toBe(5);
  });

  it('run -d: logs, ps and inspect states, the host pid in our cgroup parent', async () => {
    const name = uniqueId('pm-d');
    const id = await runDetached(r, name, sh('echo started; exec sleep 1000'));
    const logs = await until('the log line', async () => {
      const l = await rig.podman(r, ['logs', name]);
      return l.stdout.includes('started') ? l : undefined;
    });
    expect(logs.stdout).toBe('started\n');
    expect(await inspect(r, name, '{{.State.Status}} {{.State.Running}}')).toBe('running true');
    const ps = await rig.podmanOk(r, ['ps', '--filter', `name=${name}`, '--format', '{{.ID}} {{.Status}}']);
    expect(ps.stdout).toMatch(new RegExp(`^${id.slice(0, 12)} Up `));
    const pid = Number(await inspect(r, name, '{{.State.Pid}}'));
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toBe('sleep\x001000\x00');
    expect(hostCgroupDir(pid, 'memory')).toContain(`${rig.cgroupParent}/libpod-${id}`);
    await removeForce(r, name);
    expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
  });

  it('exec: output, exit status, -i, -t, --user, --workdir, --env; a detached exec', async () => {
    const name = uniqueId('pm-exec');
    await runDetached(r, name, ['sleep', '1000']);
    const out = await rig.podman(r, ['exec', name, ...sh('echo in-exec; echo to-err >&2; exit 3')]);
    expect({ code: out.code, stdout: out.stdout, stderr: out.stderr }).toEqual({ code: 3, stdout: 'in-exec\n', stderr: 'to-err\n' });
    // exits that come before the runtime has returned: conmon (a subreaper) must still get them
    for (let i = 0; i < 5; i++) expect((await rig.podman(r, ['exec', name, ...sh(`exit ${10 + i}`)])).code).toBe(10 + i);
    const stdin = await rig.podman(r, ['exec', '-i', name, 'cat'], { input: 'piped\n' });
    expect(stdin.stdout).toBe('piped\n');
    const as = await rig.podmanOk(r, ['exec', '--user', '1000:1001', '--workdir', '/tmp', '--env', 'X=y', name, ...sh('echo $(id -u):$(id -g) $(pwd) $X')]);
    expect(as.stdout).toBe('1000:1001 /tmp y\n');
    const t = await podmanOnPty(r, ['exec', '-it', name, ...sh(WAIT_SIZED + '[ -t 0 ] && echo tty-yes; stty size; exit 4')], 20, 50);
    expect(t.out).toContain('tty-yes\n20 50\n');
    expect(t.code).toBe(4);
    await rig.podmanOk(r, ['exec', '-d', name, ...sh('echo detached > /tmp/marker')]);
    await until('the detached exec', async () => ((await rig.podman(r, ['exec', name, 'cat', '/tmp/marker'])).stdout === 'detached\n' ? true : undefined));
    await removeForce(r, name);
  });

  it('a command that does not exist is 127, one that is not executable 126 (run and exec); nothing is left', async () => {
    const missing = await runRm(r, ['no-such-command']);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/not found|no such file/i);
    expect((await runRm(r, ['/etc'])).code).toBe(126);
    expect((await runRm(r, ['/no/such/path'])).code).toBe(127);
    const name = uniqueId('pm-bad');
    await runDetached(r, name, ['sleep', '1000']);
    expect((await rig.podman(r, ['exec', name, 'no-such-command'])).code).toBe(127);
    expect((await rig.podman(r, ['exec', name, '/etc'])).code).toBe(126);
    // the container is unharmed
    expect((await rig.podmanOk(r, ['exec', name, 'echo', 'still-here'])).stdout).toBe('still-here\n');
    await removeForce(r, name);
  });

  it('stop: SIGTERM (a trap exits 42), or SIGKILL after -t when it is ignored (137)', async () => {
    const trapper = uniqueId('pm-trap');
    await runDetached(r, trapper, sh('trap "echo got-term; exit 42" TERM; echo ready; while true; do sleep 0.1; done'));
    await until('the trap', async () => ((await rig.podman(r, ['logs', trapper])).stdout.includes('ready') ? true : undefined));
    await rig.podmanOk(r, ['stop', '-t', '30', trapper]);
    expect(await inspect(r, trapper, '{{.State.Status}} {{.State.ExitCode}}')).toBe('exited 42');
    expect((await rig.podmanOk(r, ['logs', trapper])).stdout).toBe('ready\ngot-term\n');
    // pid 1 without a handler ignores SIGTERM: podman kills it after the timeout
    const sleeper = uniqueId('pm-ign');
    await runDetached(r, sleeper, ['sleep', '1000']);
    await rig.podmanOk(r, ['stop', '-t', '1', sleeper]);
    expect(await inspect(r, sleeper, '{{.State.Status}} {{.State.ExitCode}}')).toBe('exited 137');
    // a stopped container starts again (a new create + start)
    await rig.podmanOk(r, ['start', trapper]);
    expect(await inspect(r, trapper, '{{.State.Status}}')).toBe('running');
    await removeForce(r, trapper);
    await removeForce(r, sleeper);
  });

  it('kill -s delivers the signal; pause and unpause freeze and thaw', async () => {
    const name = uniqueId('pm-sig');
    await runDetached(r, name, sh('trap "echo got-usr1" USR1; echo ready; while true; do sleep 0.1; done'));
    await until('the trap', async () => ((await rig.podman(r, ['logs', name])).stdout.includes('ready') ? true : undefined));
    await rig.podmanOk(r, ['kill', '-s', 'USR1', name]);
    await until('the USR1 trap', async () => ((await rig.podman(r, ['logs', name])).stdout.includes('got-usr1') ? true : undefined));
    await rig.podmanOk(r, ['pause', name]);
    expect(await inspect(r, name, '{{.State.Status}}')).toBe('paused');
    const pid = Number(await inspect(r, name, '{{.State.Pid}}'));
    expect(fs.readFileSync(path.join(hostCgroupDir(pid, 'freezer')!, 'freezer.state'), 'utf8').trim()).toBe('FROZEN');
    await rig.podmanOk(r, ['unpause', name]);
    expect(await inspect(r, name, '{{.State.Status}}')).toBe('running');
    expect((await rig.podmanOk(r, ['exec', name, 'echo', 'thawed'])).stdout).toBe('thawed\n');
    await removeForce(r, name);
  });

  it('--memory is the v1 memory limit (inside and on the host); update changes it; an OOM kill is 137', async () => {
    const limit = await runRm(r, ['cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes'], ['--memory', '64m']);
    expect({ code: limit.code, stdout: limit.stdout }).toEqual({ code: 0, stdout: `${64 * 1024 * 1024}\n` });
    const name = uniqueId('pm-mem');
    await runDetached(r, name, ['sleep', '1000'], ['--memory', '48m', '--pids-limit', '77', '--cpu-shares', '512']);
    const pid = Number(await inspect(r, name, '{{.State.Pid}}'));
    const host = (c: string, f: string) => fs.readFileSync(path.join(hostCgroupDir(pid, c)!, f), 'utf8').trim();
    expect([host('memory', 'memory.limit_in_bytes'), host('pids', 'pids.max'), host('cpu', 'cpu.shares')]).toEqual([String(48 * 1024 * 1024), '77', '512']);
    await rig.podmanOk(r, ['update', '--memory', '32m', '--cpu-shares', '256', name]);
    expect([host('memory', 'memory.limit_in_bytes'), host('cpu', 'cpu.shares')]).toEqual([String(32 * 1024 * 1024), '256']);
    await removeForce(r, name);
    const oom = await runRm(r, ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'], ['--memory', '8m', '--memory-swap', '8m']);
    expect(oom.code).toBe(137);
  });

  it('an invalid --memory is refused before the runtime runs (125)', async () => {
    const bad = await runRm(r, ['true'], ['--memory', 'lots']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/invalid.*memory|memory.*invalid/i);
  });

  it('rm -f of a running container: gone with its processes and cgroup', async () => {
    const name = uniqueId('pm-rmf');
    const id = await runDetached(r, name, ['sleep', '1000']);
    const pid = Number(await inspect(r, name, '{{.State.Pid}}'));
    const cg = hostCgroupDir(pid, 'memory')!;
    await removeForce(r, name);
    expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
    expect(fs.existsSync(cg)).toBe(false);
    expect(fs.existsSync(path.join(runtimeStateRoot(r), id))).toBe(false);
    expect((await rig.podman(r, ['ps', '-a', '--filter', `name=${name}`, '--format', '{{.Names}}'])).stdout.trim()).toBe('');
  });

  it('container checkpoint and restore (CRIU 4.1): the same process goes on from where it was', async () => {
    requireCriu41();
    const name = uniqueId('pm-ckpt');
    // a fresh start would add a line to /tmp/starts and count from 1 again
    await runDetached(r, name, sh('echo started >> /tmp/starts; i=0; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 0.1; done'));
    const read = async (): Promise<{ starts: string; count: number }> => {
      const out = (await rig.podmanOk(r, ['exec', name, 'sh', '-c', 'cat /tmp/starts; cat /tmp/count'])).stdout.trim().split('\n');
      return { starts: out.slice(0, -1).join('\n'), count: Number(out.at(-1)) };
    };
    await until('the counter', async () => ((await read()).count >= 5 ? true : undefined));
    const before = await read();
    await rig.podmanOk(r, ['container', 'checkpoint', name]);
    expect(await inspect(r, name, '{{.State.Status}}')).toBe('exited');
    await rig.podmanOk(r, ['container', 'restore', name]);
    expect(await inspect(r, name, '{{.State.Status}}')).toBe('running');
    const after = await read();
    expect(after.starts).toBe('started');
    expect(after.count).toBeGreaterThanOrEqual(before.count);
    await removeForce(r, name);
  });

  it('restart gives a new process; --read-only with tmpfs mounts (tmpcopyup) works', async () => {
    const name = uniqueId('pm-restart');
    await runDetached(r, name, ['sleep', '1000']);
    const before = await inspect(r, name, '{{.State.Pid}}');
    await rig.podmanOk(r, ['restart', '-t', '0', name]);
    expect(await inspect(r, name, '{{.State.Status}}')).toBe('running');
    expect(await inspect(r, name, '{{.State.Pid}}')).not.toBe(before);
    await removeForce(r, name);
    const ro = await runRm(r, sh('touch /x 2>/dev/null || echo root-ro; echo ok > /tmp/t && cat /tmp/t; echo ok > /run/t && cat /run/t; ls /extra'), ['--read-only', '--tmpfs', '/extra']);
    expect({ code: ro.code, stdout: ro.stdout }).toEqual({ code: 0, stdout: 'root-ro\nok\nok\n' });
  });
});

describe('podman with tsrun named in containers.conf', () => {
  it('[engine] runtime = "tsrun" and [engine.runtimes] tsrun = [path]: podman info reports it, run uses it', async () => {
    const conf = `runtime = "tsrun"\n[engine.runtimes]\ntsrun = ["${runtimePath('tsrun')}"]\n`;
    const info = await rig.podmanWithConf(conf, ['info', '--format', '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}} {{.Host.OCIRuntime.Version}}']);
    expect(info.stdout).toMatch(new RegExp(`^tsrun ${runtimePath('tsrun')} tsrun version \\d+\\.\\d+\\.\\d+\nspec: 1\\.`));
    const name = uniqueId('pm-conf');
    const res = await rig.podmanWithConf(conf, ['run', '-d', '--name', name, '--cgroup-parent', rig.cgroupParent, rig.image, 'sleep', '1000']);
    expect(res.code).toBe(0);
    const id = res.stdout.trim();
    created.tsrun.push(id);
    // the container is tsrun's: its state is in tsrun's root
    expect(fs.existsSync(path.join(runtimeStateRoot('tsrun'), id, 'state.json'))).toBe(true);
    expect((await rig.podmanWithConf(conf, ['rm', '-f', '-t', '0', name])).code).toBe(0);
    expect(fs.existsSync(path.join(runtimeStateRoot('tsrun'), id))).toBe(false);
  });
});

describe('podman: tsrun and runc side by side', () => {
  /** what a container sees of itself: identity, limits, capabilities, mounts, devices, cgroup limits */
  const PROBE = [
    'id', 'hostname', 'pwd', 'echo $FOO', 'ulimit -n', 'grep -E "^(Cap|NoNewPrivs|Seccomp)" /proc/self/status',
    'awk \'{print $5, $6, $9}\' /proc/self/mountinfo | sort', 'ls -la /dev | awk \'{print $1, $NF}\'',
    'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us',
    'stat -c "%n %a" /tmp /run /var/tmp /extra', 'touch /x 2>&1', 'echo done',
  ].join('; ');
  const FLAGS = ['--hostname', 'h1', '-e', 'FOO=bar', '-w', '/tmp', '--memory', '64m', '--pids-limit', '77', '--cpus', '0.5', '--cap-drop', 'NET_RAW', '--read-only', '--tmpfs', '/extra'];

  /** known differences (docs/clients/podman.md): tsrun remounts the cgroup tmpfs read-only when
   *  the mount asks for ro (runc 1.1 leaves it writable), and binds the hybrid host's cgroup2
   *  hierarchy too */
  const normalize = (s: string): string => s.split('\n')
    .filter((l) => !l.startsWith('/sys/fs/cgroup/unified '))
    .map((l) => (l.startsWith('/sys/fs/cgroup ') ? l.replace(/^\/sys\/fs\/cgroup r[ow],/, '/sys/fs/cgroup <ro-or-rw>,') : l))
    .join('\n');

  it('a container sees the same (ids, limits, capabilities, seccomp, mounts, devices, tmpfs modes)', async () => {
    const [tsrun, runc] = await Promise.all([runRm('tsrun', sh(PROBE), FLAGS), runRm('runc', sh(PROBE), FLAGS)]);
    expect(runc.code).toBe(0);
    expect(tsrun.code).toBe(0);
    expect(normalize(tsrun.stdout)).toBe(normalize(runc.stdout));
    expect(tsrun.stdout).toContain('touch: /x: Read-only file system');
  });

  it.each([
    ['--privileged', ['--privileged'], 'grep -E "^Cap(Eff|Bnd)" /proc/self/status; ls /dev | wc -l; ls -ln /dev/null /dev/kmsg | cut -c1-10'],
    ['--user, --group-add, --cap-add', ['--user', '1000:1000', '--group-add', '44', '--cap-add', 'SYS_ADMIN'], 'id; grep ^Cap /proc/self/status'],
    ['--device', ['--device', '/dev/null:/dev/mynull'], 'ls -ln /dev/mynull | cut -c1-10; echo hi > /dev/mynull && echo written'],
    ['-v (read-only bind), --tmpfs with options, --shm-size, --sysctl, --oom-score-adj', ['-v', '/etc/os-release:/data/os-release:ro', '--tmpfs', '/t:size=1m,mode=700', '--shm-size', '1m', '--sysctl', 'kernel.msgmax=65536', '--oom-score-adj', '100'],
      'head -1 /data/os-release; touch /data/x 2>&1; stat -c %a /t; grep -E " /(t|dev/shm) " /proc/self/mountinfo | cut -d" " -f5,6,9-; cat /proc/sys/kernel/msgmax /proc/self/oom_score_adj'],
    ['cgroup v1 resources, --ulimit, --cgroupns private', ['--memory', '64m', '--memory-reservation', '32m', '--memory-swappiness', '10', '--cpu-period', '50000', '--cpu-quota', '25000', '--cpuset-cpus', '0', '--cpuset-mems', '0', '--pids-limit', '-1', '--ulimit', 'nofile=100:200', '--ulimit', 'nproc=1000:1000', '--cgroupns', 'private'],
      'cat /proc/self/cgroup; cd /sys/fs/cgroup; cat memory/memory.limit_in_bytes memory/memory.soft_limit_in_bytes memory/memory.swappiness cpu/cpu.cfs_period_us cpu/cpu.cfs_quota_us cpuset/cpuset.cpus cpuset/cpuset.mems pids/pids.max; ulimit -n; ulimit -Hn; ulimit -u'],
    ['--network host, --pid host, --ipc host, --uts host', ['--network', 'host', '--pid', 'host', '--ipc', 'host', '--uts', 'host'], `hostname; ls /sys/class/net | wc -l; cat /proc/1/comm; [ "$(ls /proc 2>/dev/null | grep -c '^[0-9]')" -gt 10 ] && echo many-pids`],
  ])('%s: the same inside', async (_label, flags, script) => {
    const [tsrun, runc] = await Promise.all([runRm('tsrun', sh(script), flags), runRm('runc', sh(script), flags)]);
    expect({ code: tsrun.code, stdout: tsrun.stdout, stderr: tsrun.stderr }).toEqual({ code: runc.code, stdout: runc.stdout, stderr: runc.stderr });
    expect(runc.code).toBe(0);
  });

  it('the same runtime errors, classified the same by podman', async () => {
    for (const args of [['no-such-command'], ['/etc'], ['/no/such/path']]) {
      const [tsrun, runc] = [await runRm('tsrun', args), await runRm('runc', args)];
      // podman's class of the runtime's message: what follows the last ": "
      const klass = (res: RunResult): string | undefined => res.stderr.trim().split(': ').pop();
      expect({ args, code: tsrun.code, class: klass(tsrun) }).toEqual({ args, code: runc.code, class: klass(runc) });
      expect(runc.code === 126 || runc.code === 127).toBe(true);
      if (tsrun.code !== runc.code) throw new Error(`${describeResult(tsrun)}\n${describeResult(runc)}`);
    }
  });
});
