//! The Docker suite, once per runtime: runc.test.ts (Docker's default runtime, the reference) and
//! tsrun.test.ts (`"runtimes": {"tsrun": {"runtimeType": "io.containerd.tsrun.v1"}}`). Each file
//! starts its own containerd 1.7 and Docker 26 (test/helpers/docker.ts), loads the busybox image
//! with `docker load`, and drives `docker run --runtime <name>` the way users do: -i, -t, -d + logs,
//! exec, stop, restart policy, memory limit, ps/inspect, bad input. Both files assert the same
//! behaviour, so tsrun must match runc.
import * as fs from 'fs';
import * as path from 'path';
import { testEnv, uniqueId } from '../../helpers/env';
import { describeResult, RunResult } from '../../helpers/exec';
import { assertNoLeaks, listProcesses } from '../../helpers/leaks';
import {
  docker,
  dockerdLogTail,
  DockerHandle,
  dockerOk,
  dockerOnPty,
  inspect,
  restartDockerd,
  startDocker,
  stopDocker,
  waitInspect,
  waitLogs,
} from '../../helpers/docker';

export interface RuntimeExpectations {
  /** `docker run --runtime <name>` */
  readonly runtime: 'runc' | 'tsrun';
  /** Matches the command line of the shim that serves its containers. */
  readonly shimCommand: RegExp;
}

/** Starting containerd + dockerd and loading the image take a while on a loaded machine. */
const DAEMON_TIMEOUT_MS = 300_000;

/** Per test: several docker commands (each a client, dockerd, containerd and a shim) on a loaded machine. */
const TEST_TIMEOUT_MS = 180_000;

export function describeDocker(x: RuntimeExpectations): void {
  jest.setTimeout(TEST_TIMEOUT_MS);
  describe(`Docker 26 with --runtime ${x.runtime}`, () => {
    const image = testEnv().image.ref;
    let h: DockerHandle | undefined;
    const d = (): DockerHandle => {
      if (h === undefined) throw new Error('the private docker did not start (see beforeAll)');
      return h;
    };
    /** Names of containers a test created; afterEach removes them whatever happened. */
    const created: string[] = [];
    const name = (label: string): string => {
      const n = uniqueId(`${x.runtime}-${label}`);
      created.push(n);
      return n;
    };
    const base = (): string[] => ['--runtime', x.runtime, '--network', 'none'];
    const expectCode = (r: RunResult, code: number): void => {
      if (r.code !== code) throw new Error(`expected exit ${code}: ${describeResult(r)}\ndockerd log:\n${dockerdLogTail(d())}`);
    };

    beforeAll(async () => {
      h = await startDocker({ liveRestore: true });
    }, DAEMON_TIMEOUT_MS);

    afterEach(async () => {
      const names = created.splice(0);
      if (h !== undefined && names.length > 0) await docker(h, ['rm', '-f', ...names]);
    });

    afterAll(async () => {
      await stopDocker(h);
      await assertNoLeaks();
    }, DAEMON_TIMEOUT_MS);

    it('the daemon lists the runtime and the image is loaded', async () => {
      const info = JSON.parse((await dockerOk(d(), ['info', '--format', '{{json .}}'])).stdout) as { Runtimes: Record<string, unknown>; ServerVersion: string };
      expect(info.ServerVersion).toMatch(/^26\./);
      expect(Object.keys(info.Runtimes)).toEqual(expect.arrayContaining(['runc', 'tsrun']));
      const images = await dockerOk(d(), ['images', '--format', '{{.Repository}}:{{.Tag}}']);
      expect(images.stdout.split('\n')).toContain(image);
    });

    it('run --rm: stdout and stderr apart, exit code 0', async () => {
      const r = await docker(d(), ['run', '--rm', ...base(), image, 'sh', '-c', 'echo out; echo err >&2']);
      expectCode(r, 0);
      expect({ out: r.stdout, err: r.stderr }).toEqual({ out: 'out\n', err: 'err\n' });
    });

    it('run: the exit code is docker run\'s, and ps -a / inspect show it', async () => {
      const n = name('exit3');
      const r = await docker(d(), ['run', '--name', n, ...base(), image, 'sh', '-c', 'exit 3']);
      expectCode(r, 3);
      const i = await inspect(d(), n);
      expect({ status: i.State.Status, code: i.State.ExitCode, runtime: i.HostConfig.Runtime }).toEqual({ status: 'exited', code: 3, runtime: x.runtime });
      const ps = await dockerOk(d(), ['ps', '-a', '--filter', `name=^${n}$`, '--format', '{{.Status}}']);
      expect(ps.stdout).toMatch(/^Exited \(3\)/);
    });

    it('-i: stdin piped into the container, EOF ends it', async () => {
      const r = await docker(d(), ['run', '--rm', '-i', ...base(), image, 'cat'], { input: 'one\ntwo\n' });
      expectCode(r, 0);
      expect(r.stdout).toBe('one\ntwo\n');
      const wc = await docker(d(), ['run', '--rm', '-i', ...base(), image, 'wc', '-l'], { input: 'a\nb\nc\n' });
      expectCode(wc, 0);
      expect(wc.stdout.trim()).toBe('3');
    });

    it('-t: the process runs on a terminal; its exit code comes back and the run ends', async () => {
      const r = await dockerOnPty(d(), ['run', '--rm', '-t', ...base(), image, 'sh', '-c', 'test -t 0 && test -t 1 && test -t 2 && echo is-a-tty; exit 5']);
      expectCode(r, 5);
      expect(r.stdout).toMatch(/is-a-tty\r+\n/); // CR from the container's terminal (and from script's, not raw without -i)
    });

    it('-it: what is typed reaches the shell on the terminal', async () => {
      const r = await dockerOnPty(d(), ['run', '--rm', '-it', ...base(), image, 'sh'], { input: 'echo from-stdin-$((6*7))\nexit 4\n' });
      expectCode(r, 4);
      expect(r.stdout).toContain('from-stdin-42\r\n');
    });

    it('-d + logs; ps and inspect show it running under the runtime\'s shim; rm -f removes it', async () => {
      const n = name('detached');
      const id = (await dockerOk(d(), ['run', '-d', '--name', n, ...base(), image, 'sh', '-c', 'echo out-line; echo err-line >&2; exec sleep 1000'])).stdout.trim();
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      const logs = await waitLogs(d(), n, (out, err) => out.includes('out-line') && err.includes('err-line'));
      expect(logs).toEqual({ out: 'out-line\n', err: 'err-line\n' });
      const i = await inspect(d(), n);
      expect({ status: i.State.Status, running: i.State.Running, runtime: i.HostConfig.Runtime }).toEqual({ status: 'running', running: true, runtime: x.runtime });
      expect(i.State.Pid).toBeGreaterThan(0);
      expect(fs.readFileSync(`/proc/${i.State.Pid}/cmdline`, 'utf8').split('\0')[0]).toBe('sleep');
      const ps = await dockerOk(d(), ['ps', '--filter', `name=^${n}$`, '--format', '{{.ID}} {{.Status}}']);
      expect(ps.stdout).toMatch(new RegExp(`^${id.slice(0, 12)} Up `));
      // the shim containerd started for it (its command line carries the container id)
      const shims = listProcesses().filter((p) => p.cmdline.includes(`-id ${id}`));
      expect(shims.map((p) => p.cmdline)).toEqual([expect.stringMatching(x.shimCommand)]);
      await dockerOk(d(), ['rm', '-f', n]);
      const after = await dockerOk(d(), ['ps', '-a', '--filter', `name=^${n}$`, '--format', '{{.ID}}']);
      expect(after.stdout).toBe('');
    });

    describe('exec', () => {
      let n = '';
      beforeAll(async () => {
        n = uniqueId(`${x.runtime}-exec`);
        await dockerOk(d(), ['run', '-d', '--name', n, ...base(), image, 'sleep', '1000']);
      });
      afterAll(async () => {
        if (h !== undefined) await docker(h, ['rm', '-f', n]);
      });

      it('runs a command in the container; its output and exit code come back', async () => {
        const r = await docker(d(), ['exec', n, 'sh', '-c', 'echo in-exec; echo exec-err >&2; exit 5']);
        expectCode(r, 5);
        expect({ out: r.stdout, err: r.stderr }).toEqual({ out: 'in-exec\n', err: 'exec-err\n' });
      });

      it('sees the container: its pid 1, hostname, user, workdir and env flags', async () => {
        const i = await inspect(d(), n);
        const r = await docker(d(), ['exec', '-u', '65534', '-w', '/tmp', '-e', 'FOO=bar', n, 'sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "; echo; hostname; id -u; pwd; echo $FOO']);
        expectCode(r, 0);
        expect(r.stdout.split('\n')).toEqual(['sleep 1000 ', i.Id.slice(0, 12), '65534', '/tmp', 'bar', '']);
      });

      it('-i: stdin piped into the exec', async () => {
        const r = await docker(d(), ['exec', '-i', n, 'cat'], { input: 'piped\n' });
        expectCode(r, 0);
        expect(r.stdout).toBe('piped\n');
      });

      it('-t: the exec runs on a terminal and ends', async () => {
        const r = await dockerOnPty(d(), ['exec', '-t', n, 'sh', '-c', 'test -t 0 && test -t 1 && echo exec-tty; exit 6']);
        expectCode(r, 6);
        expect(r.stdout).toMatch(/exec-tty\r+\n/);
      });

      it('a command that does not exist: exit 126, the error names it; the container keeps running', async () => {
        const r = await docker(d(), ['exec', n, 'no-such-command']);
        expectCode(r, 126);
        expect(r.stdout + r.stderr).toMatch(/no-such-command.*executable file not found/);
        expect((await inspect(d(), n)).State.Running).toBe(true);
      });
    });

    it('stop: SIGTERM first (a trap runs, exit 0), SIGKILL after -t for a process that ignores it (137)', async () => {
      const trapper = name('trap');
      await dockerOk(d(), ['run', '-d', '--name', trapper, ...base(), image, 'sh', '-c', 'trap "echo got-term; exit 0" TERM; echo ready; while :; do sleep 0.1; done']);
      await waitLogs(d(), trapper, (out) => out.includes('ready'));
      await dockerOk(d(), ['stop', '-t', '30', trapper]);
      const t = await inspect(d(), trapper);
      expect({ status: t.State.Status, code: t.State.ExitCode }).toEqual({ status: 'exited', code: 0 });
      expect((await dockerOk(d(), ['logs', trapper])).stdout).toBe('ready\ngot-term\n');

      // sleep as pid 1 of its pid namespace has no SIGTERM handler: the kernel ignores the signal
      const ignorer = name('ignore');
      await dockerOk(d(), ['run', '-d', '--name', ignorer, ...base(), image, 'sleep', '1000']);
      await dockerOk(d(), ['stop', '-t', '1', ignorer]);
      const i = await inspect(d(), ignorer);
      expect({ status: i.State.Status, code: i.State.ExitCode, running: i.State.Running }).toEqual({ status: 'exited', code: 137, running: false });
      // start again after a stop: a new task of the same container
      await dockerOk(d(), ['start', ignorer]);
      expect((await inspect(d(), ignorer)).State.Running).toBe(true);
      await dockerOk(d(), ['kill', ignorer]);
      expect((await waitInspect(d(), ignorer, (s) => !s.State.Running, 'stopped')).State.ExitCode).toBe(137);
    });

    it('--restart on-failure:2: a container exiting non-zero is restarted twice; the count is in inspect', async () => {
      const n = name('restart');
      await dockerOk(d(), ['run', '-d', '--name', n, '--restart', 'on-failure:2', ...base(), image, 'sh', '-c', 'echo run; exit 3']);
      const i = await waitInspect(d(), n, (s) => s.RestartCount === 2 && s.State.Status === 'exited', 'exited after 2 restarts');
      expect({ code: i.State.ExitCode, restarts: i.RestartCount }).toEqual({ code: 3, restarts: 2 });
      expect((await dockerOk(d(), ['logs', n])).stdout).toBe('run\nrun\nrun\n');
    });

    it('--memory: the limit is in the container\'s memory cgroup (inside and on the host)', async () => {
      const inside = await docker(d(), ['run', '--rm', '--memory', '64m', ...base(), image, 'sh', '-c',
        'if [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then cat /sys/fs/cgroup/memory/memory.limit_in_bytes; else cat /sys/fs/cgroup/memory.max; fi']);
      expectCode(inside, 0);
      expect(inside.stdout.trim()).toBe(String(64 * 1024 * 1024));
      const n = name('memory');
      const id = (await dockerOk(d(), ['run', '-d', '--name', n, '--memory', '48m', ...base(), image, 'sleep', '1000'])).stdout.trim();
      const i = await inspect(d(), n);
      expect(i.HostConfig.Memory).toBe(48 * 1024 * 1024);
      const v1 = path.join('/sys/fs/cgroup/memory', d().cgroupParent, id, 'memory.limit_in_bytes');
      const v2 = path.join('/sys/fs/cgroup', d().cgroupParent, id, 'memory.max');
      const file = fs.existsSync(v1) ? v1 : v2;
      expect(fs.readFileSync(file, 'utf8').trim()).toBe(String(48 * 1024 * 1024));
      const procs = fs.readFileSync(path.join(path.dirname(file), 'cgroup.procs'), 'utf8').trim().split('\n');
      expect(procs).toContain(String(i.State.Pid));
    });

    it('live-restore: a running container survives a dockerd restart (same pid, logs flow, exec, stop)', async () => {
      const n = name('live');
      await dockerOk(d(), ['run', '-d', '--name', n, ...base(), image, 'sh', '-c', 'i=0; while :; do echo n$i; i=$((i+1)); sleep 0.2; done']);
      await waitLogs(d(), n, (out) => out.includes('n3\n'));
      const before = await inspect(d(), n);
      h = await restartDockerd(d());
      const after = await inspect(d(), n);
      expect({ running: after.State.Running, pid: after.State.Pid }).toEqual({ running: true, pid: before.State.Pid });
      // output keeps reaching the log: numbers beyond what was there at the restart
      const seen = (await dockerOk(d(), ['logs', n])).stdout.trim().split('\n').length;
      await waitLogs(d(), n, (out) => out.trim().split('\n').length > seen + 3);
      const ex = await docker(d(), ['exec', n, 'echo', 'exec-after-restart']);
      expectCode(ex, 0);
      expect(ex.stdout).toBe('exec-after-restart\n');
      await dockerOk(d(), ['stop', '-t', '1', n]);
      expect((await inspect(d(), n)).State).toMatchObject({ Status: 'exited', ExitCode: 137 });
    });

    describe('bad input', () => {
      it('an unknown --runtime: exit 125, the daemon names it, no container left', async () => {
        const n = name('noruntime');
        const r = await docker(d(), ['run', '--name', n, '--runtime', 'no-such-runtime', '--network', 'none', image, 'true']);
        expectCode(r, 125);
        expect(r.stderr).toMatch(/unknown or invalid runtime name: no-such-runtime/);
        expect((await dockerOk(d(), ['ps', '-a', '--filter', `name=^${n}$`, '--format', '{{.ID}}'])).stdout).toBe('');
      });

      it('a command that does not exist: exit 127 (as runc); the container stays created with exit code 127', async () => {
        const n = name('nocmd');
        const r = await docker(d(), ['run', '--name', n, ...base(), image, 'no-such-command']);
        expectCode(r, 127);
        expect(r.stderr).toMatch(/no-such-command.*executable file not found in \$PATH/);
        const i = await inspect(d(), n);
        expect({ status: i.State.Status, code: i.State.ExitCode }).toEqual({ status: 'created', code: 127 });
        expect(i.State.Error).toMatch(/executable file not found/);
        const abs = await docker(d(), ['run', '--rm', ...base(), image, '/no/such/program']);
        expectCode(abs, 127);
        expect(abs.stderr).toMatch(/\/no\/such\/program.*no such file or directory/);
      });

      it('a file that is not executable: exit 126 (as runc)', async () => {
        const r = await docker(d(), ['run', '--rm', ...base(), image, '/etc/passwd']);
        expectCode(r, 126);
        expect(r.stderr).toMatch(/\/etc\/passwd.*permission denied/);
      });

      it('the daemon still serves after the failures', async () => {
        const r = await docker(d(), ['run', '--rm', ...base(), image, 'echo', 'still-fine']);
        expectCode(r, 0);
        expect(r.stdout).toBe('still-fine\n');
      });
    });
  });
}
