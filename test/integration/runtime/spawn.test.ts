// Real containers from a busybox rootfs through buildPlan → native/ → the kernel (root).
import fs from 'node:fs';
import path from 'node:path';
import { ContainerSetupError, mkfifo, reaper, spawnContainer, releaseExecFifo } from '../../../src/linux';
import type { Spec } from '../../../src/runtime/spec';
import { defaultSpec, makeBusyboxBundle, type Bundle } from '../../helpers/busybox-bundle';
import { Capture, planFor, runContainer } from '../../helpers/run-container';
import { P_PID, waitid, WEXITED, WNOHANG } from '../../../src/linux/libc';

let bundle: Bundle;
beforeAll(() => {
  bundle = makeBusyboxBundle();
});
afterAll(() => {
  bundle.cleanup();
  // nothing of ours is left mounted in the host's namespace
  expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(bundle.dir);
});

const sh = (script: string, overrides: Partial<Spec> = {}) => defaultSpec(['sh', '-c', script], overrides);
const withProcess = (spec: Spec, p: Partial<NonNullable<Spec['process']>>): Spec => ({ ...spec, process: { ...spec.process!, ...p } });
const withLinux = (spec: Spec, l: Partial<NonNullable<Spec['linux']>>): Spec => ({ ...spec, linux: { ...spec.linux, ...l } });

function myChildren(): number[] {
  const out: number[] = [];
  for (const t of fs.readdirSync('/proc/self/task')) {
    const c = fs.readFileSync(`/proc/self/task/${t}/children`, 'utf8').trim();
    if (c !== '') out.push(...c.split(/\s+/).map(Number));
  }
  return out;
}

describe('containers from a busybox rootfs', () => {
  it('runs as pid 1 with its own hostname and returns the exit code', async () => {
    const r = await runContainer(bundle, sh('echo pid=$$ host=$(hostname); exit 7', { hostname: 'box' }));
    expect(r).toMatchObject({ status: 7, stdout: 'pid=1 host=box\n' });
    expect(r.signal).toBeUndefined();
  });

  it('sets the domainname', async () => {
    const r = await runContainer(bundle, sh('cat /proc/sys/kernel/domainname', { domainname: 'example.org' }));
    expect(r.stdout).toBe('example.org\n');
  });

  it('mounts proc, a tmpfs with its options and a read-only bind', async () => {
    const data = path.join(bundle.dir, 'data');
    fs.mkdirSync(data, { recursive: true });
    fs.writeFileSync(path.join(data, 'hello'), 'from the host\n');
    const spec = sh('cat /data/hello; grep -E " /(scratch|data) " /proc/self/mountinfo; echo x > /data/new || echo ro-ok; ls /proc/1/status', {
      mounts: [
        ...defaultSpec([]).mounts!,
        { destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'noexec', 'nodev', 'size=1m', 'mode=700'] },
        { destination: '/data', type: 'bind', source: data, options: ['rbind', 'ro'] },
      ],
    });
    const r = await runContainer(bundle, spec);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('from the host');
    expect(r.stdout).toMatch(/ \/scratch rw,nosuid,nodev,noexec[^ ]* - tmpfs tmpfs rw,size=1024k,mode=700/);
    expect(r.stdout).toMatch(/ \/data ro,[^ ]* - /);
    expect(r.stdout).toContain('ro-ok');
    expect(r.stderr).toMatch(/Read-only file system/);
    expect(r.stdout).toContain('/proc/1/status');
    expect(fs.existsSync(path.join(data, 'new'))).toBe(false);
  });

  it('copies the directory under a tmpcopyup tmpfs into it (podman --read-only, --tmpfs)', async () => {
    const seed = path.join(bundle.rootfs, 'seed');
    fs.rmSync(seed, { recursive: true, force: true });
    fs.mkdirSync(path.join(seed, 'sub', 'deeper'), { recursive: true });
    fs.writeFileSync(path.join(seed, 'file'), 'from the image\n', { mode: 0o604 });
    fs.chownSync(path.join(seed, 'file'), 1000, 1001);
    fs.writeFileSync(path.join(seed, 'sub', 'deeper', 'inner'), 'x'.repeat(100_000));
    fs.chmodSync(path.join(seed, 'sub'), 0o711);
    fs.symlinkSync('/etc/passwd', path.join(seed, 'link'));
    mkfifo(path.join(seed, 'fifo'), 0o600);
    fs.utimesSync(path.join(seed, 'file'), new Date('2001-02-03T04:05:06Z'), new Date('2001-02-03T04:05:06Z'));
    fs.chmodSync(seed, 0o751);
    const roSeed = path.join(bundle.rootfs, 'ro-seed');
    fs.rmSync(roSeed, { recursive: true, force: true });
    fs.mkdirSync(roSeed, { mode: 0o750 });
    fs.chmodSync(roSeed, 0o750);
    fs.writeFileSync(path.join(roSeed, 'f'), 'ro\n');
    try {
      const spec = sh('cat /ro-seed/f; touch /ro-seed/x 2>/dev/null || echo ro-ok; stat -c "%n %a" /seed /ro-seed; cd /seed && stat -c "%n %a %u:%g %F %Y" file sub link fifo && readlink link && cat file && wc -c < sub/deeper/inner && grep -c " /seed .* - tmpfs " /proc/self/mountinfo && echo new > new && cat new', {
        mounts: [
          ...defaultSpec([]).mounts!,
          // mode=755: runc gives the root the covered directory's mode (751) all the same
          { destination: '/seed', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'tmpcopyup', 'mode=755'] },
          // read-only: copied while writable, then remounted read-only
          { destination: '/ro-seed', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'tmpcopyup'] },
        ],
      });
      const r = await runContainer(bundle, spec);
      expect(r).toMatchObject({ status: 0, stderr: '' });
      expect(r.stdout.split('\n')).toEqual([
        'ro', 'ro-ok', '/seed 751', '/ro-seed 750',
        'file 604 1000:1001 regular file 981173106',
        `sub 711 0:0 directory ${Math.floor(fs.statSync(path.join(seed, 'sub')).mtimeMs / 1000)}`,
        expect.stringMatching(/^link 777 0:0 symbolic link \d+$/),
        expect.stringMatching(/^fifo 600 0:0 fifo \d+$/),
        '/etc/passwd', 'from the image', '100000', '1', 'new', '',
      ]);
      // the copy is the container's: the image's directory is untouched
      expect(fs.readdirSync(seed).sort()).toEqual(['fifo', 'file', 'link', 'sub']);
    } finally {
      fs.rmSync(seed, { recursive: true, force: true });
      fs.rmSync(roSeed, { recursive: true, force: true });
    }
  });

  it('masks and write-protects paths, and mounts the rootfs read-only', async () => {
    const r = await runContainer(bundle, sh('wc -c < /proc/keys; ls /sys/firmware | wc -l; echo 1 > /proc/sys/kernel/domainname || echo sys-ro; touch /newfile || echo root-ro'));
    expect(r.stdout.split('\n')).toEqual(['0', '0', 'sys-ro', 'root-ro', '']);
  });

  it('creates the default devices and /dev symlinks', async () => {
    const r = await runContainer(bundle, sh('stat -c "%n %t:%T %a" /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; readlink /dev/fd; readlink /dev/ptmx; test -e /dev/console || echo no-console'));
    expect(r.stdout).toBe([
      '/dev/null 1:3 666', '/dev/zero 1:5 666', '/dev/full 1:7 666', '/dev/random 1:8 666', '/dev/urandom 1:9 666', '/dev/tty 5:0 666',
      '/proc/self/fd', 'pts/ptmx', 'no-console', '',
    ].join('\n'));
  });

  it('applies the capability sets', async () => {
    const r = await runContainer(bundle, sh('grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb)" /proc/self/status'));
    // CAP_KILL(5) | CAP_NET_BIND_SERVICE(10) | CAP_AUDIT_WRITE(29)
    expect(r.stdout).toBe('CapInh:\t0000000000000000\nCapPrm:\t0000000020000420\nCapEff:\t0000000020000420\nCapBnd:\t0000000020000420\nCapAmb:\t0000000000000000\n');
  });

  it('keeps ambient capabilities for a non-root user', async () => {
    const caps = ['CAP_NET_BIND_SERVICE'];
    const spec = withProcess(sh('grep -E "^Cap(Prm|Eff|Amb)" /proc/self/status; grep NoNewPrivs /proc/self/status'), {
      user: { uid: 1000, gid: 1000 }, capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: caps, ambient: caps },
    });
    const r = await runContainer(bundle, spec);
    expect(r.stdout).toBe('CapPrm:\t0000000000000400\nCapEff:\t0000000000000400\nCapAmb:\t0000000000000400\nNoNewPrivs:\t1\n');
  });

  it('switches to the user, group and additional groups', async () => {
    const spec = withProcess(sh('id -u; id -g; id -G'), { user: { uid: 1000, gid: 1001, additionalGids: [5, 6] } });
    const r = await runContainer(bundle, spec);
    expect(r.stdout).toBe('1000\n1001\n1001 5 6\n');
  });

  it('sets rlimits and the umask', async () => {
    const spec = withProcess(sh('ulimit -n; ulimit -Hn; umask'), { rlimits: [{ type: 'RLIMIT_NOFILE', soft: 123n, hard: 456n }], user: { uid: 0, gid: 0, umask: 0o027 } });
    const r = await runContainer(bundle, spec);
    expect(r.stdout).toBe('123\n456\n0027\n');
  });

  it('passes env, creates and enters cwd, and searches PATH', async () => {
    const spec = withProcess(defaultSpec(['env']), { env: ['PATH=/bin', 'FOO=bar baz'], cwd: '/work/dir' });
    const r = await runContainer(bundle, spec);
    // HOME comes from the rootfs's /etc/passwd (root's entry) when the spec has none, as with runc
    expect(r.stdout).toBe('PATH=/bin\nFOO=bar baz\nHOME=/root\n');
    const pwd = await runContainer(bundle, withProcess(defaultSpec(['pwd']), { cwd: '/work/dir' }));
    expect(pwd.stdout).toBe('/work/dir\n');
  });

  it('writes sysctls in the container namespaces', async () => {
    const r = await runContainer(bundle, withLinux(sh('cat /proc/sys/net/ipv4/ip_forward'), { sysctl: { 'net.ipv4.ip_forward': '1' } }));
    expect(r.stdout).toBe('1\n');
  });

  it('reports a signal death as 128+signal', async () => {
    const r = await runContainer(bundle, defaultSpec(['sleep', '100']), {}, (p) => p.kill(9));
    expect(r).toMatchObject({ status: 137, signal: 9 });
  });

  it('delivers SIGTERM to a process that is not a pid-namespace init', async () => {
    const spec = withLinux(defaultSpec(['sleep', '100']), { namespaces: [{ type: 'mount' }, { type: 'uts' }] });
    const r = await runContainer(bundle, spec, {}, (p) => p.kill(15));
    expect(r).toMatchObject({ status: 143, signal: 15 });
  });

  it('works without pivot_root (MS_MOVE + chroot)', async () => {
    const r = await runContainer(bundle, sh('cat /proc/self/mountinfo | head -1; ls /bin/busybox'), { noPivot: true });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('/bin/busybox');
  });

  it('reports a failing mount as a structured error', async () => {
    const out = new Capture();
    const err = new Capture();
    const spec = sh('true', { mounts: [{ destination: '/x', type: 'bind', source: '/nonexistent-tsrun', options: ['bind'] }] });
    const e = await spawnContainer(planFor(bundle, spec, out, err)).catch((x: unknown) => x);
    out.closeWrite();
    err.closeWrite();
    expect(e).toBeInstanceOf(ContainerSetupError);
    expect(e).toMatchObject({ message: 'mount bind /nonexistent-tsrun on /x: ENOENT', syscall: 'mount', path: '/x', code: 'ENOENT' });
  });

  it('pauses before pivot_root: the callback sees the new namespaces and the host root', async () => {
    const seen: string[] = [];
    const out = new Capture();
    const err = new Capture();
    const p = await spawnContainer(planFor(bundle, sh('echo ran'), out, err, { pauseBeforePivot: true }), {
      onBeforePivot: (pid) => {
        seen.push(fs.readlinkSync(`/proc/${pid}/ns/uts`) !== fs.readlinkSync('/proc/self/ns/uts') ? 'own uts' : 'host uts');
        seen.push(fs.readlinkSync(`/proc/${pid}/ns/mnt`) !== fs.readlinkSync('/proc/self/ns/mnt') ? 'own mnt' : 'host mnt');
        seen.push(`root ${fs.readlinkSync(`/proc/${pid}/root`)}`);
        seen.push(fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8').includes(` ${bundle.rootfs}/proc `) ? 'proc mounted' : 'no proc');
      },
    });
    out.closeWrite();
    err.closeWrite();
    await p.start();
    expect(await p.exited).toMatchObject({ status: 0 });
    expect(await out.text).toBe('ran\n');
    expect(seen).toEqual(['own uts', 'own mnt', 'root /', 'proc mounted']);
  });

  it('a failing onBeforePivot kills the child and rejects with its error', async () => {
    let child = 0;
    const out = new Capture();
    const err = new Capture();
    const e = await spawnContainer(planFor(bundle, sh('echo never'), out, err, { pauseBeforePivot: true }), {
      onBeforePivot: (pid) => {
        child = pid;
        throw new Error('error running createContainer hook #0 (/x): exit status 1');
      },
    }).catch((x: unknown) => x);
    out.closeWrite();
    err.closeWrite();
    expect((e as Error).message).toBe('error running createContainer hook #0 (/x): exit status 1');
    expect(child).toBeGreaterThan(0);
    expect(myChildren()).not.toContain(child);
    expect(await out.text).toBe('');
  });

  it('reports a failing proc mount with its step', async () => {
    // proc cannot be mounted on a file: ENOTDIR
    fs.writeFileSync(path.join(bundle.rootfs, 'notadir'), '');
    const out = new Capture();
    const err = new Capture();
    const spec = sh('true', { mounts: [{ destination: '/notadir', type: 'proc', source: 'proc' }] });
    const e = await spawnContainer(planFor(bundle, spec, out, err)).catch((x: unknown) => x);
    out.closeWrite();
    err.closeWrite();
    expect((e as Error).message).toBe('mount proc on /notadir: ENOTDIR');
  });

  it('reports a missing executable before the start barrier (as runc does at create)', async () => {
    const out = new Capture();
    const err = new Capture();
    const e = await spawnContainer(planFor(bundle, defaultSpec(['/nope']), out, err)).catch((x: unknown) => x);
    out.closeWrite();
    err.closeWrite();
    expect(e).toBeInstanceOf(ContainerSetupError);
    expect((e as Error).message).toBe('exec "/nope": no such file or directory (ENOENT)');
    expect(e).toMatchObject({ code: 'ENOENT' });
    const viaPath = await runContainer(bundle, defaultSpec(['no-such-program'])).catch((x: unknown) => x);
    // runc's words: Docker turns them into exit code 127
    expect((viaPath as Error).message).toBe('exec "no-such-program": executable file not found in $PATH (ENOENT)');
    const notExecutable = await runContainer(bundle, defaultSpec(['/etc/passwd'])).catch((x: unknown) => x);
    expect((notExecutable as Error).message).toBe('exec "/etc/passwd": permission denied (EACCES)');
  });

  it('surfaces the kernel error for oomScoreAdj, or applies it', async () => {
    const raised = await runContainer(bundle, withProcess(sh('cat /proc/self/oom_score_adj'), { oomScoreAdj: 500 }));
    expect(raised.stdout).toBe('500\n');
    // lowering needs CAP_SYS_RESOURCE and may be denied by the VM: then the error names the step
    const lowered = await runContainer(bundle, withProcess(sh('cat /proc/self/oom_score_adj'), { oomScoreAdj: -500 })).catch((x: unknown) => x);
    if (lowered instanceof Error) expect(lowered.message).toMatch(/^set oom_score_adj to -500: E[A-Z]+$/);
    else expect(lowered).toMatchObject({ stdout: '-500\n' });
  });

  it('waits on an exec fifo that another caller releases, also after detach', async () => {
    const fifo = path.join(bundle.dir, 'exec.fifo');
    mkfifo(fifo, 0o622);
    const out = new Capture();
    const err = new Capture();
    const p = await spawnContainer(planFor(bundle, sh('echo started'), out, err, { start: { kind: 'fifo', path: fifo } }));
    out.closeWrite();
    err.closeWrite();
    p.detach(); // like `tsrun create`: the caller may go away now
    expect(fs.existsSync(`/proc/${p.pid}`)).toBe(true);
    await releaseExecFifo(fifo); // like `tsrun start`
    expect(fs.existsSync(fifo)).toBe(false);
    expect(await reaper().watch(p.pid, null)).toEqual({ status: 0 });
    expect(await out.text).toBe('started\n');
  });

  it('starts a fifo container through start() too', async () => {
    const fifo = path.join(bundle.dir, 'exec2.fifo');
    mkfifo(fifo, 0o622);
    const r = await runContainer(bundle, sh('echo ok'), { start: { kind: 'fifo', path: fifo } });
    expect(r).toMatchObject({ status: 0, stdout: 'ok\n' });
  });

  it('runs in a new user namespace with id maps', async () => {
    // uid 0 of the namespace is host uid 100000: it must be able to reach the rootfs
    fs.chmodSync(bundle.dir, 0o755);
    const data = path.join(bundle.dir, 'userns-data');
    fs.mkdirSync(data, { recursive: true });
    fs.chmodSync(data, 0o755);
    const mountsWithBind = [...defaultSpec([]).mounts!, { destination: '/mnt', type: 'bind', source: data, options: ['rbind', 'ro'] }]; // /mnt exists: the namespace's root cannot create it in a host-owned rootfs
    const spec = withLinux(sh('id -u; cat /proc/self/uid_map; stat -c %t:%T /dev/null; grep -c " /mnt ro," /proc/self/mountinfo', { mounts: mountsWithBind }), {
      namespaces: [...defaultSpec([]).linux!.namespaces!, { type: 'user' }],
      uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
      gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
    });
    const r = await runContainer(bundle, spec);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').map((l) => l.trim().replace(/\s+/g, ' '))).toEqual(['0', '0 100000 65536', '1:3', '1', '']);
  });

  it('joins the given cgroups before creating its cgroup namespace', async () => {
    const dir = `/sys/fs/cgroup/pids/tsrun-executor-test-${process.pid}`;
    fs.mkdirSync(dir);
    try {
      const spec = withLinux(sh('grep pids /proc/self/cgroup'), { namespaces: [...defaultSpec([]).linux!.namespaces!, { type: 'cgroup' }] });
      const inNs = await runContainer(bundle, spec, { cgroup: { join: [dir] } });
      expect(inNs.stdout).toMatch(/^\d+:pids:\/\n$/);
      const noNs = await runContainer(bundle, sh('grep pids /proc/self/cgroup'), { cgroup: { join: [dir] } });
      expect(noNs.stdout).toMatch(new RegExp(`^\\d+:pids:/${path.basename(dir)}\n$`));
    } finally {
      fs.rmdirSync(dir);
    }
  });

  it('runs several containers at once', async () => {
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => runContainer(bundle, sh(`echo $$ ${n}; exit ${n}`))));
    expect(results.map((r) => [r.status, r.stdout])).toEqual([1, 2, 3, 4, 5].map((n) => [n, `1 ${n}\n`]));
  });

  it('can be killed before it is started', async () => {
    const out = new Capture();
    const err = new Capture();
    const p = await spawnContainer(planFor(bundle, sh('echo never'), out, err));
    out.closeWrite();
    err.closeWrite();
    p.kill(9);
    expect(await p.exited).toEqual({ status: 137, signal: 9 });
    expect(await out.text).toBe('');
    expect(() => p.kill(9)).toThrow('pidfd_send_signal');
    await expect(p.start()).rejects.toThrow('exited before it was started');
  });

  it('does not hold the caller\'s other fds while it waits to be started', async () => {
    const out = new Capture();
    const err = new Capture();
    const unrelated = new Capture(); // a pipe the container is not given
    const p = await spawnContainer(planFor(bundle, sh('echo ran'), out, err));
    out.closeWrite();
    err.closeWrite();
    unrelated.closeWrite();
    // EOF arrives although the container (a clone of this process) has not exec'd yet
    expect(await unrelated.text).toBe('');
    await p.start();
    expect(await p.exited).toEqual({ status: 0 });
    expect(await out.text).toBe('ran\n');
  });

  it('reap: false notices the exit but leaves the zombie (its status is for a subreaper: exec --detach under conmon)', async () => {
    const out = new Capture();
    const err = new Capture();
    const p = await spawnContainer(planFor(bundle, sh('exit 9'), out, err), { reap: false });
    await p.start();
    expect(await p.exited).toEqual({ status: 9 });
    out.closeWrite();
    err.closeWrite();
    // still a zombie child of ours with its status: reap it here as the subreaper would
    expect(fs.readFileSync(`/proc/${p.pid}/stat`, 'utf8').split(') ')[1]?.[0]).toBe('Z');
    const info = waitid(P_PID, p.pid, WEXITED | WNOHANG);
    expect(info).toMatchObject({ pid: p.pid, status: 9 });
    expect(fs.existsSync(`/proc/${p.pid}`)).toBe(false);
  });

  it('leaves no processes behind', async () => {
    await runContainer(bundle, sh('sleep 0.1 & exit 0'));
    // the container's pid namespace died with its init: the background sleep is gone too
    for (const pid of myChildren()) {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      expect(stat).not.toMatch(/\((sh|sleep|busybox)\)/);
    }
  });
});

describe('exec into a running container', () => {
  it('joins the namespaces of the init (pid, mount, uts) and runs a second process', async () => {
    const { buildProcessPlan } = await import('../../../src/runtime/plan');
    const { spawnProcess, hostCapLast } = await import('../../../src/linux');
    const initOut = new Capture();
    const initErr = new Capture();
    const init = await spawnContainer(planFor(bundle, sh('echo marker > /tmp/m; exec sleep 100', { hostname: 'execbox', root: { path: 'rootfs', readonly: false } }), initOut, initErr));
    initOut.closeWrite();
    initErr.closeWrite();
    try {
      await init.start();
      const out = new Capture();
      const err = new Capture();
      // the init may not have written the marker and exec'd sleep yet on a loaded machine: wait up to 10 s
      const spec = withProcess(sh('i=0; while [ $i -lt 200 ]; do test -e /tmp/m && [ "$(cat /proc/1/comm)" = sleep ] && break; i=$((i+1)); sleep 0.05; done; echo $$ $(hostname) $(cat /tmp/m); cat /proc/1/comm'), { cwd: '/tmp' });
      const plan = buildProcessPlan(spec, {
        id: 'exec1', initPid: init.pid, namespaceTypes: ['pid', 'mount', 'ipc', 'uts', 'network'], hostCapLast: hostCapLast(),
        stdio: { stdin: -1, stdout: out.writeFd, stderr: err.writeFd }, start: { kind: 'pipe' },
      });
      const p = await spawnProcess(plan);
      out.closeWrite();
      err.closeWrite();
      await p.start();
      expect(await p.exited).toEqual({ status: 0 });
      expect(await err.text).toBe('');
      const [pid, host, marker, comm] = (await out.text).trim().split(/\s+/);
      expect(Number(pid)).toBeGreaterThan(1);
      expect([host, marker, comm]).toEqual(['execbox', 'marker', 'sleep']);
    } finally {
      init.kill(9);
      await init.exited;
    }
  });
});

describe('native plan validation', () => {
  it('rejects a malformed plan before cloning anything', async () => {
    const { encodePlan } = await import('../../../src/runtime/encode');
    const { pipe2, closeFd, SyscallError } = await import('../../../src/linux');
    const { nativeSpawn } = await import('../../../src/linux/libc');
    const good = encodePlan({
      id: 'v', cloneFlags: 0, joinPidNs: null, rootfs: null, namespaces: [], uidMappings: [], gidMappings: [], start: { kind: 'pipe' },
      ops: [{ op: 'chdir', step: 'chdir', path: '/' }, { op: 'exec', step: 'exec', path: '/bin/true', argv: ['true'], env: [] }],
    });
    const [r, w] = pipe2();
    try {
      for (const bad of [good.subarray(0, good.length - 8), Buffer.concat([good, Buffer.alloc(8)]), (() => {
        const b = Buffer.from(good);
        b.writeUInt16LE(99, 40); // unknown op code
        return b;
      })(), (() => {
        const b = Buffer.from(good);
        b.writeUInt16LE(0, 44); // chdir without its path string
        return b;
      })()]) {
        let err: unknown;
        try {
          nativeSpawn(bad, w, -1);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(SyscallError);
        expect((err as Error).message).toBe('tsrun_spawn: EINVAL');
      }
    } finally {
      closeFd(r);
      closeFd(w);
    }
  });
});
