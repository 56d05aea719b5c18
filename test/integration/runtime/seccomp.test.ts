// Seccomp filters in real busybox containers: linux.seccomp → libseccomp (parent) → BPF program in
// the plan → seccomp(2) in the child (root).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { ContainerSetupError, hostCapLast, spawnContainer, spawnProcess } from '../../../src/linux';
import { parseSpecJson } from '../../../src/runtime/json';
import { buildProcessPlan } from '../../../src/runtime/plan';
import type { Seccomp, Spec } from '../../../src/runtime/spec';
import { defaultSpec, makeBusyboxBundle, type Bundle } from '../../helpers/busybox-bundle';
import { Capture, planFor, runContainer } from '../../helpers/run-container';

let bundle: Bundle;
beforeAll(() => {
  bundle = makeBusyboxBundle('tsrun-seccomp-');
});
afterAll(() => {
  bundle.cleanup();
  expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(bundle.dir);
});

const containerdDefault = parseSpecJson(readFileSync(path.join(__dirname, '../../unit/runtime/fixtures/containerd-default-seccomp-amd64.json'), 'utf8')) as Seccomp;

function sh(script: string, seccomp: Seccomp, nnp = true): Spec {
  const s = defaultSpec(['sh', '-c', script]);
  return { ...s, process: { ...s.process!, noNewPrivileges: nnp }, linux: { ...s.linux, seccomp } };
}
const allowBut = (...syscalls: Seccomp['syscalls'] & object): Seccomp => ({ defaultAction: 'SCMP_ACT_ALLOW', syscalls });

describe('seccomp in busybox containers', () => {
  it('denies mkdir with EPERM; the rest of the shell works (with the LOG, SPEC_ALLOW, TSYNC flags)', async () => {
    const r = await runContainer(bundle, sh('mkdir /dev/shm/d; echo status=$?; echo ok > /dev/shm/f; cat /dev/shm/f; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status',
      { ...allowBut({ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }), flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_TSYNC'] }));
    expect(r.stderr).toMatch(/mkdir: can't create directory '\/dev\/shm\/d': Operation not permitted/);
    expect(r.stdout.split('\n')).toEqual(['status=1', 'ok', 'NoNewPrivs:\t1', 'Seccomp:\t2', '']);
    expect(r.status).toBe(0);
  });

  it('returns errnoRet (chmod → ENOSYS) and defaultErrnoRet', async () => {
    const r = await runContainer(bundle, sh('touch /dev/shm/f; busybox chmod 600 /dev/shm/f; echo chmod=$?',
      allowBut({ names: ['chmod', 'fchmodat'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 })));
    expect(r.stderr).toMatch(/Function not implemented/);
    expect(r.stdout).toBe('chmod=1\n');
    // default ERRNO(EXDEV) for everything containerd's profile does not allow, chmod taken out of it
    const d = containerdDefault.syscalls!;
    const noChmod: Seccomp = { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 18, syscalls: d.map((c) => ({ ...c, names: c.names.filter((n) => n !== 'chmod' && n !== 'fchmodat') })) };
    const u = await runContainer(bundle, sh('touch /dev/shm/f; busybox chmod 600 /dev/shm/f; echo chmod=$?', noChmod));
    expect(u.stdout).toBe('chmod=1\n');
    expect(u.stderr).toMatch(/Invalid cross-device link/);
  });

  it("containerd's default profile allows ordinary shell work and denies mount", async () => {
    const script = [
      'mkdir -p /dev/shm/a/b && echo hi > /dev/shm/a/b/f && cat /dev/shm/a/b/f',
      'ls /dev/shm/a | wc -l',
      'sleep 0.01 & wait $!; echo bg=$?',
      'id -u',
      'echo $(hostname)',
      'mount -t tmpfs none /mnt; echo mount=$?',
    ].join('; ');
    const r = await runContainer(bundle, sh(script, containerdDefault));
    expect(r.stdout.split('\n')).toEqual(['hi', '1', 'bg=0', '0', 'tsrun', 'mount=1', '']);
    expect(r.stderr).toBe('mount: permission denied (are you root?)\n'); // busybox's words for EPERM
    expect(r.status).toBe(0);
  });

  it('works without no_new_privs: loaded before the capabilities are dropped', async () => {
    const r = await runContainer(bundle, sh('grep -E "^(Seccomp|NoNewPrivs|CapEff):" /proc/self/status; mkdir /dev/shm/x || echo denied', allowBut({ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }), false));
    const [capEff, ...rest] = r.stdout.split('\n');
    expect(rest).toEqual(['NoNewPrivs:\t0', 'Seccomp:\t2', 'denied', '']);
    // it runs with the container's capabilities: CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE
    expect(capEff).toBe('CapEff:\t0000000020000420');
    const d = await runContainer(bundle, sh('echo works', containerdDefault, false));
    expect(d).toMatchObject({ status: 0, stdout: 'works\n' });
  });

  it('SCMP_ACT_KILL kills with SIGSYS (exit 159); KILL_PROCESS too', async () => {
    const r = await runContainer(bundle, sh('(mkdir /dev/shm/k); echo status=$?', allowBut({ names: ['mkdir'], action: 'SCMP_ACT_KILL' })));
    expect(r.stdout).toBe('status=159\n');
    const init = await runContainer(bundle, { ...sh('', allowBut({ names: ['mkdir'], action: 'SCMP_ACT_KILL_PROCESS' })), process: { ...defaultSpec(['mkdir', '/dev/shm/k']).process! } });
    expect(init).toMatchObject({ status: 159, signal: 31 });
  });

  it('filters on arguments: kill only for SIGUSR1, chmod only world-writable modes (MASKED_EQ)', async () => {
    const r = await runContainer(bundle, sh([
      'trap "echo got-usr2" USR2', 'kill -USR1 $$; echo usr1=$?', 'kill -USR2 $$; echo usr2=$?',
      'touch /dev/shm/f', 'busybox chmod 644 /dev/shm/f; echo chmod644=$?', 'busybox chmod 666 /dev/shm/f; echo chmod666=$?',
    ].join('; '), allowBut(
      { names: ['kill'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 10n, op: 'SCMP_CMP_EQ' }] },
      { names: ['chmod'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 1, value: 0o002n, valueTwo: 0o002n, op: 'SCMP_CMP_MASKED_EQ' }] },
    )));
    expect(r.stdout.split('\n')).toEqual(['usr1=1', 'got-usr2', 'usr2=0', 'chmod644=0', 'chmod666=1', '']);
    expect(r.stderr).toMatch(/Permission denied/);
  });

  it('ignores syscall names libseccomp does not know', async () => {
    const r = await runContainer(bundle, sh('mkdir /dev/shm/u || echo denied; echo fine', allowBut(
      { names: ['no_such_syscall', 'mkdir'], action: 'SCMP_ACT_ERRNO' }, { names: ['another_made_up_one'], action: 'SCMP_ACT_KILL' },
    )));
    expect(r).toMatchObject({ status: 0, stdout: 'denied\nfine\n' });
  });

  it('a filter that denies what the runtime needs after loading is reported', async () => {
    // with no_new_privs the filter is loaded before the start barrier, whose read() is denied here
    const out = new Capture();
    const err = new Capture();
    try {
      const p = await spawnContainer(planFor(bundle, sh('true', allowBut({ names: ['read'], action: 'SCMP_ACT_KILL' })), out, err));
      out.closeWrite();
      err.closeWrite();
      // the start barrier's read kills the child: start() sees EPIPE (a FailedPreconditionError)
      // or EOF, depending on who is first
      await p.start().catch((e: Error) => expect(e.message).toBe('container test: its process exited before it was started'));
      expect(await p.exited).toMatchObject({ signal: 31 });
    } finally {
      out.closeWrite();
      err.closeWrite();
    }
    // without no_new_privs, capset after the load is denied: reported as that step
    const e = await runContainer(bundle, sh('true', allowBut({ names: ['capset'], action: 'SCMP_ACT_ERRNO' }), false)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ContainerSetupError);
    expect((e as Error).message).toBe('set capabilities: EPERM');
  });

  it('an exec into the container gets the container\'s filter', async () => {
    const profile = allowBut({ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
    const initOut = new Capture();
    const initErr = new Capture();
    const init = await spawnContainer(planFor(bundle, sh('exec sleep 100', profile), initOut, initErr));
    initOut.closeWrite();
    initErr.closeWrite();
    try {
      await init.start();
      const out = new Capture();
      const err = new Capture();
      const spec: Spec = { ociVersion: '1.2.0', process: sh('mkdir /dev/shm/e; grep Seccomp: /proc/self/status', profile).process };
      const plan = buildProcessPlan(spec, {
        id: 'exec1', initPid: init.pid, namespaceTypes: ['pid', 'mount', 'ipc', 'uts', 'network'], hostCapLast: hostCapLast(),
        stdio: { stdin: -1, stdout: out.writeFd, stderr: err.writeFd }, start: { kind: 'pipe' }, seccomp: profile,
      });
      const p = await spawnProcess(plan);
      out.closeWrite();
      err.closeWrite();
      await p.start();
      expect(await p.exited).toEqual({ status: 0 });
      expect(await out.text).toBe('Seccomp:\t2\n');
      expect(await err.text).toMatch(/Function not implemented/);
    } finally {
      init.kill(9);
      await init.exited;
    }
  });

  describe('SCMP_ACT_NOTIFY', () => {
    let agentBin: string;
    beforeAll(() => {
      agentBin = path.join(bundle.dir, 'seccomp-agent');
      execFileSync('gcc', ['-O1', '-Wall', '-o', agentBin, path.join(__dirname, 'fixtures', 'seccomp-agent.c')]);
    });

    interface Agent {
      readonly proc: ChildProcess;
      readonly lines: string[];
      readonly socket: string;
      readonly stateFile: string;
      waitFor(line: string): Promise<void>;
      stop(): Promise<void>;
    }

    /** the test agent, listening on a socket in the bundle and answering -errno to every notification */
    async function startAgent(name: string, errno: number): Promise<Agent> {
      const socket = path.join(bundle.dir, `${name}.sock`);
      const stateFile = path.join(bundle.dir, `${name}.state.json`);
      const proc = spawn(agentBin, [socket, stateFile, String(errno)], { stdio: ['ignore', 'pipe', 'inherit'] });
      const lines: string[] = [];
      const waiters: (() => void)[] = [];
      readline.createInterface({ input: proc.stdout! }).on('line', (l) => {
        lines.push(l);
        waiters.splice(0).forEach((w) => w());
      });
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      const waitFor = async (line: string): Promise<void> => {
        while (!lines.includes(line)) {
          if (proc.exitCode !== null) throw new Error(`seccomp agent exited (${proc.exitCode}) before "${line}": ${lines.join(' | ')}`);
          await Promise.race([new Promise<void>((r) => waiters.push(r)), exited]);
        }
      };
      await waitFor('ready');
      return {
        proc, lines, socket, stateFile, waitFor,
        stop: async () => {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
          await exited;
          fs.rmSync(socket, { force: true });
          fs.rmSync(stateFile, { force: true });
        },
      };
    }

    const notifyProfile = (socket: string): Seccomp => ({
      defaultAction: 'SCMP_ACT_ALLOW', listenerPath: socket, listenerMetadata: 'test-metadata', flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],
      syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }, { names: ['chmod'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }],
    });

    it('hands the listener and the container state to the agent, which answers the notified syscalls', async () => {
      const agent = await startAgent('agent1', 18);
      const out = new Capture();
      const err = new Capture();
      try {
        const spec = sh('mkdir /dev/shm/n; echo mkdir=$?; test -d /dev/shm/n || echo not-created', notifyProfile(agent.socket));
        const p = await spawnContainer(planFor(bundle, { ...spec, annotations: { a: 'b' } }, out, err), { containerState: { ociVersion: '1.2.0', bundle: bundle.dir, annotations: { a: 'b' } } });
        out.closeWrite();
        err.closeWrite();
        // the agent has the listener before the container is created
        await agent.waitFor('state');
        const state = JSON.parse(fs.readFileSync(agent.stateFile, 'utf8'));
        expect(state).toEqual({
          ociVersion: '1.2.0', fds: ['seccompFd'], pid: p.pid, metadata: 'test-metadata',
          state: { ociVersion: '1.2.0', id: 'test', status: 'creating', pid: p.pid, bundle: bundle.dir, annotations: { a: 'b' } },
        });
        await p.start();
        expect(await p.exited).toEqual({ status: 0 });
        expect(await out.text).toBe('mkdir=1\nnot-created\n');
        expect(await err.text).toMatch(/Invalid cross-device link/);
        await agent.waitFor('done'); // the listener hung up when the container died
        expect(agent.lines).toContain('notify 83'); // mkdir on x86_64
      } finally {
        out.closeWrite();
        err.closeWrite();
        await agent.stop();
      }
    });

    it('fails to create, naming listenerPath, when no agent listens; nothing is left behind', async () => {
      const out = new Capture();
      const err = new Capture();
      const socket = path.join(bundle.dir, 'nobody.sock');
      try {
        const e = await spawnContainer(planFor(bundle, sh('true', notifyProfile(socket)), out, err)).catch((x: unknown) => x);
        expect(e).toBeInstanceOf(ContainerSetupError);
        expect((e as Error).message).toBe(`load seccomp filter (default SCMP_ACT_ALLOW, 3 rules): sending the seccomp listener to linux.seccomp.listenerPath ${socket}: ENOENT; is the agent listening there?`);
      } finally {
        out.closeWrite();
        err.closeWrite();
      }
      expect(await out.text).toBe('');
    });
  });

  it('leaves no file descriptors behind (the reaper\'s own fds exist after the first spawn)', async () => {
    await runContainer(bundle, sh('true', containerdDefault));
    const fds = () => fs.readdirSync('/proc/self/fd').map((f) => { try { return `${f} ${fs.readlinkSync(`/proc/self/fd/${f}`)}`; } catch { return f; } });
    const before = fds();
    for (let i = 0; i < 5; i++) await runContainer(bundle, sh('true', containerdDefault));
    // killed at the start barrier: start() may see EPIPE or EOF, either way nothing stays open
    const out = new Capture();
    const err = new Capture();
    const p = await spawnContainer(planFor(bundle, sh('true', allowBut({ names: ['read'], action: 'SCMP_ACT_KILL' })), out, err));
    out.closeWrite();
    err.closeWrite();
    await p.start().catch(() => undefined);
    await p.exited;
    await out.text;
    await err.text;
    expect(fds()).toEqual(before);
  });
});
