import { InvalidArgumentError, InvalidSpecError } from '../../../src/errors';
import { Code } from '../../../src/ttrpc/status';
import { CLONE, MS } from '../../../src/runtime/linux-constants';
import { buildPlan, buildProcessPlan, type PlanContext } from '../../../src/runtime/plan';
import type { PlanOp } from '../../../src/runtime/plan-types';
import type { Spec } from '../../../src/runtime/spec';
import { defaultSpec } from '../../helpers/busybox-bundle';

const ctx: PlanContext = {
  id: 'c1', rootfs: '/b/rootfs', bundle: '/b', hostCapLast: 40,
  stdio: { stdin: 10, stdout: 11, stderr: -1 }, extraFds: [12], start: { kind: 'pipe' },
};

const opsOf = (spec: Spec, c: Partial<PlanContext> = {}) => buildPlan(spec, { ...ctx, ...c }).ops;
const names = (ops: readonly PlanOp[]) => ops.map((o) => o.op);
const idx = (ops: readonly PlanOp[], pred: (o: PlanOp) => boolean) => ops.findIndex(pred);
const mounts = (ops: readonly PlanOp[]) => ops.filter((o): o is Extract<PlanOp, { op: 'mount' }> => o.op === 'mount');

function issues(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof InvalidSpecError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  throw new Error('expected InvalidSpecError');
}

describe('buildPlan', () => {
  it('creates namespaces at clone, except cgroup and time which are unshared', () => {
    const spec = defaultSpec(['sh'], {});
    const plan = buildPlan({ ...spec, linux: { ...spec.linux, namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'cgroup' }, { type: 'time' }, { type: 'network' }, { type: 'uts' }] } }, ctx);
    expect(plan.cloneFlags).toBe(CLONE.NEWPID | CLONE.NEWNS | CLONE.NEWNET | CLONE.NEWUTS);
    expect(plan.ops.filter((o) => o.op === 'unshare').map((o) => (o as { flags: number }).flags)).toEqual([CLONE.NEWCGROUP, CLONE.NEWTIME]);
  });

  it('joins namespaces with a path (user first, pid through the spawning thread)', () => {
    const spec = defaultSpec(['sh']);
    const plan = buildPlan({
      ...spec, hostname: undefined,
      linux: { namespaces: [{ type: 'mount' }, { type: 'network', path: '/run/netns/x' }, { type: 'pid', path: '/proc/9/ns/pid' }, { type: 'user', path: '/proc/9/ns/user' }] },
    }, ctx);
    expect(plan.joinPidNs).toBe('/proc/9/ns/pid');
    expect(plan.cloneFlags).toBe(CLONE.NEWNS);
    const joins = plan.ops.filter((o) => o.op === 'setns');
    expect(joins.map((o) => (o as { path: string }).path)).toEqual(['/proc/9/ns/user', '/run/netns/x']);
    expect(joins[0]?.step).toBe('join user namespace /proc/9/ns/user');
  });

  it('becomes root of a joined user namespace right after the join, as runc\'s init', () => {
    const spec = defaultSpec(['sh']);
    const plan = buildPlan({ ...spec, hostname: undefined, linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }, { type: 'user', path: '/proc/9/ns/user' }] } }, ctx);
    // native/ clones the container's process after this join: the new namespaces belong to it
    expect(plan.cloneFlags).toBe(CLONE.NEWNS | CLONE.NEWPID);
    const at = idx(plan.ops, (o) => o.op === 'setns');
    expect(plan.ops.slice(at, at + 3)).toMatchObject([{ op: 'setns', nstype: CLONE.NEWUSER }, { op: 'setresgid', gid: 0 }, { op: 'setresuid', uid: 0 }]);
    expect(idx(plan.ops, (o) => o.op === 'mount')).toBeGreaterThan(at);
  });

  it('joins cgroups before creating the cgroup namespace', () => {
    const spec = defaultSpec(['sh']);
    const ops = opsOf({ ...spec, linux: { ...spec.linux, namespaces: [...(spec.linux?.namespaces ?? []), { type: 'cgroup' }] } }, { cgroup: { join: ['/sys/fs/cgroup/memory/x', '/sys/fs/cgroup/pids/x'] } });
    const writes = ops.filter((o) => o.op === 'writeFile');
    expect(writes.slice(0, 2)).toMatchObject([{ path: '/sys/fs/cgroup/memory/x/cgroup.procs', data: '0' }, { path: '/sys/fs/cgroup/pids/x/cgroup.procs' }]);
    expect(idx(ops, (o) => o.op === 'unshare')).toBeGreaterThan(idx(ops, (o) => o.op === 'writeFile'));
  });

  it('prepares the rootfs in runc order and pivots', () => {
    const ops = opsOf(defaultSpec(['sh']));
    const m = mounts(ops);
    expect(m[0]).toMatchObject({ target: '/', flags: MS.SLAVE | MS.REC, base: 'abs' });
    expect(ops[idx(ops, (o) => o.op === 'makeParentPrivate')]).toMatchObject({ path: '/b/rootfs' });
    expect(m[1]).toMatchObject({ source: '/b/rootfs', target: '/b/rootfs', flags: MS.BIND | MS.REC });
    expect(m[2]).toMatchObject({ source: 'proc', target: '/proc', fstype: 'proc', flags: 0, base: 'root', mkTarget: 'dir', step: 'mount proc on /proc' });
    expect(m[3]).toMatchObject({ target: '/dev', fstype: 'tmpfs', flags: MS.NOSUID | MS.STRICTATIME, data: 'mode=755,size=65536k' });
    const sys = m.find((o) => o.target === '/sys');
    expect(sys).toMatchObject({ flags: MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RDONLY });
    const order = names(ops);
    expect(order.indexOf('mknod')).toBeGreaterThan(idx(ops, (o) => o.op === 'mount' && o.target === '/dev/mqueue'));
    expect(order.indexOf('pivotRoot')).toBeGreaterThan(order.lastIndexOf('symlink'));
    expect(order.indexOf('readonlyPath')).toBeGreaterThan(order.indexOf('pivotRoot'));
    expect(order.indexOf('maskPath')).toBeGreaterThan(order.lastIndexOf('readonlyPath'));
    expect(order.indexOf('remountReadonly')).toBeGreaterThan(order.lastIndexOf('maskPath'));
    expect(order.slice(-2)).toEqual(['waitStart', 'exec']);
  });

  it('uses rootfsPropagation and no-pivot when asked', () => {
    const spec = defaultSpec(['sh']);
    const ops = opsOf({ ...spec, linux: { ...spec.linux, rootfsPropagation: 'rshared' } }, { noPivot: true });
    expect(mounts(ops)[0]).toMatchObject({ target: '/', flags: MS.SHARED | MS.REC });
    expect(names(ops)).toContain('moveRoot');
    expect(names(ops)).not.toContain('pivotRoot');
  });

  it('pauses right before pivot_root (or the move) only when asked', () => {
    expect(names(opsOf(defaultSpec(['sh'])))).not.toContain('pauseBeforePivot');
    for (const noPivot of [false, true]) {
      const order = names(opsOf(defaultSpec(['sh']), { pauseBeforePivot: true, noPivot }));
      expect(order.filter((n) => n === 'pauseBeforePivot')).toHaveLength(1);
      expect(order[order.indexOf('pauseBeforePivot') + 1]).toBe(noPivot ? 'moveRoot' : 'pivotRoot');
      expect(order.indexOf('pauseBeforePivot')).toBeGreaterThan(order.lastIndexOf('mount', order.indexOf('pauseBeforePivot')));
    }
  });

  it('plans bind mounts: bind, remount with the flags, then propagation', () => {
    const spec = defaultSpec(['sh'], { mounts: [{ destination: '/data', type: 'bind', source: 'data', options: ['rbind', 'ro', 'nosuid', 'rprivate'] }] });
    const m = mounts(opsOf(spec)).filter((o) => o.target === '/data');
    expect(m).toEqual([
      expect.objectContaining({ source: '/b/data', flags: MS.BIND | MS.REC, fstype: null, mkTarget: 'auto', step: 'mount bind data on /data' }),
      expect.objectContaining({ source: null, flags: MS.BIND | MS.REMOUNT | MS.RDONLY | MS.NOSUID, mkTarget: 'none' }),
      expect.objectContaining({ source: null, flags: MS.PRIVATE | MS.REC }),
    ]);
  });

  it('marks a tmpfs with tmpcopyup for copy-up (podman --read-only, --tmpfs), ignored elsewhere like runc; every tmpfs keeps the mode', () => {
    const spec = defaultSpec(['sh'], {
      mounts: [
        { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['rw', 'rprivate', 'nosuid', 'nodev', 'tmpcopyup'] },
        { destination: '/data', type: 'bind', source: 'data', options: ['rbind', 'tmpcopyup'] },
      ],
    });
    const ops = mounts(opsOf(spec));
    expect(ops.find((o) => o.target === '/run')).toEqual(expect.objectContaining({ fstype: 'tmpfs', flags: MS.NOSUID | MS.NODEV, data: null, copyUp: true, keepMode: true, step: 'mount tmpfs on /run (tmpcopyup)' }));
    expect(ops.filter((o) => o.target === '/data').every((o) => o.copyUp === undefined && o.keepMode === undefined)).toBe(true);
    // every tmpfs keeps the mode of the directory it covers (runc); other filesystems do not
    expect(ops.filter((o) => o.fstype === 'tmpfs').every((o) => o.keepMode === true)).toBe(true);
    expect(ops.filter((o) => o.fstype === 'proc').every((o) => o.keepMode === undefined)).toBe(true);
  });

  it('plans a plain bind without a remount', () => {
    const m = mounts(opsOf(defaultSpec(['sh'], { mounts: [{ destination: 'x/../etc/hosts', source: '/etc/hosts', options: ['bind'] }] })));
    expect(m.filter((o) => o.target === '/etc/hosts')).toHaveLength(1);
  });

  it('creates default devices, spec devices and /dev symlinks unless /dev is bound', () => {
    const spec = defaultSpec(['sh']);
    const ops = opsOf({ ...spec, linux: { ...spec.linux, devices: [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 0o600, uid: 5, gid: 6 }, { type: 'c', path: '/dev/null', major: 1, minor: 3, fileMode: 0o644 }] } });
    const nods = ops.filter((o) => o.op === 'mknod') as Extract<PlanOp, { op: 'mknod' }>[];
    expect(nods.map((n) => n.path)).toEqual(['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty', '/dev/fuse']);
    expect(nods[0]?.mode).toBe(0o020644);
    expect(nods[6]).toMatchObject({ mode: 0o020600, major: 10, minor: 229, uid: 5, gid: 6 });
    const links = ops.filter((o) => o.op === 'symlink').map((o) => (o as { path: string }).path);
    expect(links).toEqual(['/dev/ptmx', '/dev/fd', '/dev/stdin', '/dev/stdout', '/dev/stderr']);
    const withKcore = opsOf(spec, { hostHasKcore: true }).filter((o) => o.op === 'symlink').map((o) => (o as { path: string }).path);
    expect(withKcore).toContain('/dev/core');
    expect(links).not.toContain('/dev/console');
    const bound = opsOf(defaultSpec(['sh'], { mounts: [{ destination: '/dev', source: '/dev', options: ['rbind'] }] }));
    expect(names(bound)).not.toContain('mknod');
  });

  it('sets identity, sysctls, rlimits, user, capabilities and umask', () => {
    const spec = defaultSpec(['sh'], { domainname: 'example.org' });
    const ops = opsOf({
      ...spec,
      process: {
        ...spec.process!, user: { uid: 1000, gid: 1001, additionalGids: [5, 6], umask: 0o077 }, oomScoreAdj: 100,
        rlimits: [{ type: 'RLIMIT_NOFILE', soft: 10n, hard: 20n }, { type: 'RLIMIT_CORE', soft: 2n ** 64n, hard: -1n }],
        capabilities: { bounding: ['CAP_KILL', 'CAP_CHOWN', 'CAP_CHECKPOINT_RESTORE'], effective: ['CAP_KILL'], permitted: ['CAP_KILL', 'CAP_CHOWN'], inheritable: [], ambient: ['CAP_KILL'] },
      },
      linux: { ...spec.linux, sysctl: { 'net.ipv4.ip_forward': '1' } },
    }, { hostCapLast: 39 });
    expect(ops.find((o) => o.op === 'sethostname')).toMatchObject({ name: 'tsrun' });
    expect(ops.find((o) => o.op === 'setdomainname')).toMatchObject({ name: 'example.org' });
    expect(ops.find((o) => o.op === 'writeFile' && o.path === '/proc/sys/net/ipv4/ip_forward')).toMatchObject({ data: '1' });
    expect(ops.find((o) => o.op === 'writeFile' && o.path === '/proc/self/oom_score_adj')).toMatchObject({ data: '100', step: 'set oom_score_adj to 100' });
    expect(ops.filter((o) => o.op === 'setrlimit')).toEqual([
      expect.objectContaining({ resource: 7, soft: 10n, hard: 20n }),
      expect.objectContaining({ resource: 4, soft: 0xffffffffffffffffn, hard: 0xffffffffffffffffn }),
    ]);
    const tail = ops.slice(idx(ops, (o) => o.op === 'capsBounding'));
    expect(names(tail)).toEqual(['capsBounding', 'keepCaps', 'fixStdio', 'setgroups', 'setresgid', 'setresuid', 'keepCaps', 'capset', 'capsAmbient', 'noNewPrivs', 'chdir', 'umask', 'waitStart', 'exec']);
    // CAP_CHECKPOINT_RESTORE (40) is above the host's last cap (39): ignored like runc does
    expect(tail[0]).toMatchObject({ keep: (1n << 5n) | 1n, lastCap: 39 });
    expect(tail[2]).toMatchObject({ uid: 1000 });
    expect(tail[3]).toMatchObject({ gids: [5, 6] });
    expect(tail[4]).toMatchObject({ gid: 1001 });
    expect(tail[5]).toMatchObject({ uid: 1000 });
    expect(tail[7]).toMatchObject({ effective: 1n << 5n, permitted: (1n << 5n) | 1n, inheritable: 0n });
    // CAP 5 is ambient but not inheritable: the kernel would refuse it, so it is left out (runc warns)
    expect(tail[8]).toMatchObject({ caps: 0n });
    expect(tail[11]).toMatchObject({ mask: 0o077, step: 'set umask 0077' });
  });

  it('leaves capabilities alone when the spec has none, and defaults the umask to 0022', () => {
    const spec = defaultSpec(['sh']);
    const ops = opsOf({ ...spec, process: { ...spec.process!, capabilities: undefined, noNewPrivileges: false } });
    expect(names(ops)).not.toContain('capset');
    expect(names(ops)).not.toContain('noNewPrivs');
    expect(ops.find((o) => o.op === 'umask')).toMatchObject({ mask: 0o022 });
  });

  it('dups stdio and extra fds and labels exec with the program', () => {
    const ops = opsOf(defaultSpec(['/bin/echo', 'hi'], { process: { ...defaultSpec([]).process!, args: ['/bin/echo', 'hi'], env: ['A=1'] } }));
    expect(ops.find((o) => o.op === 'stdio')).toMatchObject({ fds: [10, 11, -1, 12] });
    expect(ops.at(-1)).toEqual({ op: 'exec', step: 'exec "/bin/echo"', path: '/bin/echo', argv: ['/bin/echo', 'hi'], env: ['A=1'] });
  });

  it('opens the exec fifo before pivot_root when starting through a fifo', () => {
    const plan = buildPlan(defaultSpec(['sh']), { ...ctx, start: { kind: 'fifo', path: '/run/tsrun/c1/exec.fifo' } });
    const n = names(plan.ops);
    expect(n.indexOf('prepareFifo')).toBeLessThan(n.indexOf('pivotRoot'));
    expect(plan.start).toEqual({ kind: 'fifo', path: '/run/tsrun/c1/exec.fifo' });
    expect(plan.ops.at(-2)?.step).toBe('wait on exec fifo /run/tsrun/c1/exec.fifo');
  });

  it('asks for id maps first in a new user namespace', () => {
    const spec = defaultSpec(['sh']);
    const maps = [{ containerID: 0, hostID: 100000, size: 65536 }];
    const plan = buildPlan({ ...spec, linux: { ...spec.linux, namespaces: [...(spec.linux?.namespaces ?? []), { type: 'user' }], uidMappings: maps, gidMappings: maps } }, ctx);
    expect(names(plan.ops).slice(0, 3)).toEqual(['syncIdmap', 'setresgid', 'setresuid']);
    expect(plan.cloneFlags & CLONE.NEWUSER).toBe(CLONE.NEWUSER);
    expect(plan.uidMappings).toEqual(maps);
  });

  it('collects every problem with its JSON path', () => {
    const spec = defaultSpec([]);
    const found = issues(() => buildPlan({
      ...spec,
      hostname: 'h',
      mounts: [{ destination: '/x', options: ['rro'], type: 'tmpfs' }, { destination: '/y' }, { destination: '/z', options: ['bind'] }],
      process: { ...spec.process!, rlimits: [{ type: 'RLIMIT_BOGUS', soft: 1n, hard: 1n }], capabilities: { bounding: ['CAP_NOPE'] } },
      linux: { namespaces: [{ type: 'pid' }, { type: 'pid' }], devices: [{ type: 'x' as 'c', path: '/dev/x' }], rootfsPropagation: 'sideways' as 'private' },
    }, ctx));
    expect(found).toEqual(expect.arrayContaining([
      'linux.namespaces[1]: namespace "pid" is listed twice',
      'linux.namespaces: a "mount" namespace is required',
      'hostname: setting the hostname needs a new "uts" namespace',
      'process.rlimits[0].type: unknown rlimit "RLIMIT_BOGUS"',
      'process.capabilities.bounding: unknown capability "CAP_NOPE"',
      'process.args: must name the program to run (a non-empty list)',
    ]));
    const withMount = issues(() => buildPlan({ ...defaultSpec(['sh']), mounts: [{ destination: '/x', options: ['rro'], type: 'tmpfs' }, { destination: '/y' }, { destination: '/z', options: ['bind'] }], linux: { ...defaultSpec(['sh']).linux, devices: [{ type: 'x' as 'c', path: '/dev/x' }], rootfsPropagation: 'sideways' as 'private' } }, ctx));
    expect(withMount).toEqual([
      'linux.rootfsPropagation: unknown propagation "sideways"',
      'mounts[0].options: not supported by tsrun yet: rro',
      'mounts[1].type: a mount without "bind"/"rbind" needs a type',
      'mounts[2].source: a bind mount needs a source',
      'linux.devices[0].type: must be "c", "b", "u" or "p", not "x"',
    ]);
  });

  it('rejects a namespace type it does not know, prototype keys included (InvalidArgument)', () => {
    const spec = defaultSpec(['sh']);
    const withNs = (types: string[]): Spec => ({ ...spec, linux: { ...spec.linux, namespaces: [{ type: 'mount' }, ...types.map((t) => ({ type: t as 'pid' }))] } });
    const found = issues(() => buildPlan(withNs(['constructor', '__proto__', 'toString', 'bogus']), ctx)).filter((i) => i.startsWith('linux.namespaces'));
    const known = 'use one of pid, network, mount, ipc, uts, user, cgroup, time';
    expect(found).toEqual([
      `linux.namespaces[1].type: unknown namespace type "constructor"; ${known}`,
      `linux.namespaces[2].type: unknown namespace type "__proto__"; ${known}`,
      `linux.namespaces[3].type: unknown namespace type "toString"; ${known}`,
      `linux.namespaces[4].type: unknown namespace type "bogus"; ${known}`,
    ]);
    let err: unknown;
    try {
      buildPlan(withNs(['hasOwnProperty']), ctx);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).code).toBe(Code.INVALID_ARGUMENT);
  });

  it('mounts cgroup2, or v1 hierarchies bound from the host', () => {
    const spec = defaultSpec(['sh'], { mounts: [{ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'ro'] }] });
    expect(mounts(opsOf(spec)).find((o) => o.target === '/sys/fs/cgroup')).toMatchObject({ fstype: 'cgroup2', flags: MS.NOSUID | MS.RDONLY });
    const v1 = mounts(opsOf(spec, { cgroup: { join: [], mount: { kind: 'v1', hierarchies: [{ name: 'memory', hostPath: '/sys/fs/cgroup/memory/c1' }] } } })).filter((o) => o.target.startsWith('/sys/fs/cgroup'));
    expect(v1.map((o) => [o.target, o.source])).toEqual([
      ['/sys/fs/cgroup', 'tmpfs'], ['/sys/fs/cgroup/memory', '/sys/fs/cgroup/memory/c1'], ['/sys/fs/cgroup/memory', null], ['/sys/fs/cgroup', null],
    ]);
  });
});

describe('buildProcessPlan', () => {
  it('joins every namespace of the container (mount last) and runs the process part', () => {
    const spec = defaultSpec(['ps']);
    const plan = buildProcessPlan(spec, {
      id: 'e1', initPid: 42, namespaceTypes: ['pid', 'mount', 'network', 'ipc', 'uts'], hostCapLast: 40,
      stdio: { stdin: -1, stdout: 1, stderr: 2 }, start: { kind: 'pipe' }, cgroup: { join: ['/sys/fs/cgroup/pids/c'] },
    });
    expect(plan.joinPidNs).toBe('/proc/42/ns/pid');
    expect(plan.rootfs).toBeNull();
    expect(plan.cloneFlags).toBe(0);
    const joins = plan.ops.filter((o) => o.op === 'setns').map((o) => (o as { path: string }).path);
    expect(joins).toEqual(['/proc/42/ns/net', '/proc/42/ns/ipc', '/proc/42/ns/uts', '/proc/42/ns/mnt']);
    expect(names(plan.ops)[0]).toBe('writeFile');
    expect(names(plan.ops)).not.toContain('mount');
    expect(names(plan.ops).slice(-2)).toEqual(['waitStart', 'exec']);
  });

  it('rejects a namespace type it does not know (InvalidArgument), prototype keys included', () => {
    for (const t of ['constructor', 'valueOf', 'bogus']) {
      expect(() => buildProcessPlan(defaultSpec(['ps']), {
        id: 'e1', initPid: 42, namespaceTypes: ['pid', 'mount', t], hostCapLast: 40, stdio: { stdin: -1, stdout: 1, stderr: 2 }, start: { kind: 'pipe' },
      })).toThrow(new InvalidArgumentError(`the container's namespaces: unknown namespace type "${t}"; use one of pid, network, mount, ipc, uts, user, cgroup, time`));
    }
  });
});
