// The built `tsrun` CLI against runc, side by side on identical busybox bundles: the same verbs,
// compared on what a caller observes (state JSON, exit codes, error messages, ps/list output,
// hooks, pid files, cgroup placement). Root only. Everything created is removed in afterEach/afterAll.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  cgroupDirsFor,
  makeBundle,
  parseState,
  removeCgroupTree,
  rt,
  runtimes,
  type Config,
  type Runtime,
  TSRUN_JS,
  waitFor,
} from './side-by-side';
import { scratchDir, workerScope } from '../../helpers/env';
import { assertNoLeaks } from '../../helpers/leaks';

let CG_PARENT: string;

let base: string;
let both: Runtime[];
const created: { r: Runtime; id: string }[] = [];

function id(label: string): string {
  return `${label}-${process.pid}`;
}

function create(r: Runtime, cid: string, bundle: string, extra: string[] = []): void {
  created.push({ r, id: cid });
  const res = rt(r, ['create', ...extra, '--bundle', bundle, cid]);
  if (res.code !== 0) throw new Error(`${r.name} create ${cid} failed (${res.code}): ${res.stderr}`);
}

function status(r: Runtime, cid: string): string {
  return parseState(rt(r, ['state', cid])).status as string;
}

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('the CLI integration tests need root');
  if (!fs.existsSync(TSRUN_JS)) throw new Error(`${TSRUN_JS} missing: run make build first (make test does)`);
  // Names under the harness's worker scope so its leak check sees anything left behind.
  CG_PARENT = `${workerScope()}cli`;
  base = fs.mkdtempSync(path.join(scratchDir(), 'cli-'));
  both = runtimes(base);
});

afterEach(() => {
  for (const { r, id: cid } of created.splice(0)) rt(r, ['delete', '--force', cid]);
});

afterAll(async () => {
  for (const dir of cgroupDirsFor(CG_PARENT)) removeCgroupTree(dir);
  if (base) fs.rmSync(base, { recursive: true, force: true });
  await assertNoLeaks();
});

function sleeper(name: string, extra: (c: Config) => void = () => {}): string {
  return makeBundle(path.join(base, name), (c) => {
    c.process.args = ['sleep', '1000'];
    c.linux.cgroupsPath = `/${CG_PARENT}/${name}`;
    extra(c);
  });
}

describe('tsrun vs runc: lifecycle', () => {
  it('create → created → start → running → kill → stopped → delete, same state documents', () => {
    const results: Record<string, Record<string, unknown>[]> = {};
    for (const r of both) {
      const bundle = sleeper(`life-${r.name}`);
      const cid = id(`life-${r.name}`);
      create(r, cid, bundle);
      const s1 = parseState(rt(r, ['state', cid]));
      expect(rt(r, ['start', cid]).code).toBe(0);
      const s2 = parseState(rt(r, ['state', cid]));
      expect(rt(r, ['kill', cid, 'KILL']).code).toBe(0);
      waitFor(`${r.name} ${cid} stopped`, () => status(r, cid) === 'stopped');
      const s3 = parseState(rt(r, ['state', cid]));
      expect(rt(r, ['delete', cid]).code).toBe(0);
      const gone = rt(r, ['state', cid]);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toContain('does not exist');
      results[r.name] = [s1, s2, s3].map((s) => ({ ...s, bundle: path.basename(String(s.bundle)) }));
      expect(s1.bundle).toBe(bundle);
      expect(s1.rootfs).toBe(path.join(bundle, 'rootfs'));
      expect(Number(s1.pid)).toBeGreaterThan(0);
      expect(s2.pid).toBe(s1.pid);
    }
    const shape = (s: Record<string, unknown>) => ({
      keys: Object.keys(s).filter((k) => k !== 'ociVersion').sort(),
      status: s.status,
      pidZero: s.pid === 0,
      owner: s.owner,
      createdFormat: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/.test(String(s.created)),
    });
    expect(results.tsrun!.map(shape)).toEqual(results.runc!.map(shape));
    expect(results.tsrun!.map((s) => s.status)).toEqual(['created', 'running', 'stopped']);
  });

  it('create + start of a non-root process: the init opens the exec FIFO as that user (0622 whatever the umask)', () => {
    const out: Record<string, unknown> = {};
    for (const r of both) {
      const name = `user-${r.name}`;
      const bundle = makeBundle(path.join(base, name), (c) => {
        c.process.args = ['id', '-u'];
        c.process.user = { uid: 1000, gid: 1000 };
        c.linux.cgroupsPath = `/${CG_PARENT}/${name}`;
      });
      const cid = id(name);
      const oldMask = process.umask(0o077); // the runtime's umask (inherited) must not apply to the FIFO
      try {
        create(r, cid, bundle);
      } finally {
        process.umask(oldMask);
      }
      const fifo = fs.statSync(path.join(r.root, cid, 'exec.fifo')).mode & 0o777;
      const start = rt(r, ['start', cid]);
      waitFor(`${r.name} ${cid} to stop`, () => status(r, cid) === 'stopped');
      out[r.name] = { fifo: fifo.toString(8), start: start.code, stderr: start.stderr };
    }
    expect(out).toEqual({ runc: { fifo: '622', start: 0, stderr: '' }, tsrun: { fifo: '622', start: 0, stderr: '' } });
  });

  it('create + start with a user namespace: the exec FIFO in the 0700 state dir is reached before becoming the namespace\'s root', () => {
    const out: Record<string, unknown> = {};
    for (const r of both) {
      const name = `userns-${r.name}`;
      const bundle = makeBundle(path.join(base, name), (c) => {
        c.process.args = ['sh', '-c', 'cat /proc/self/uid_map'];
        c.linux.namespaces.push({ type: 'user' });
        c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        c.linux.cgroupsPath = `/${CG_PARENT}/${name}`;
      });
      // the mapped root must be able to reach the bundle (as with runc)
      for (let d = bundle; d.startsWith(base) || d === base; d = path.dirname(d)) {
        fs.chmodSync(d, 0o755);
        if (d === base) break;
      }
      const cid = id(name);
      create(r, cid, bundle);
      const start = rt(r, ['start', cid]);
      waitFor(`${r.name} ${cid} to stop`, () => status(r, cid) === 'stopped');
      out[r.name] = { start: start.code, stderr: start.stderr, state: status(r, cid) };
    }
    expect(out).toEqual({ runc: { start: 0, stderr: '', state: 'stopped' }, tsrun: { start: 0, stderr: '', state: 'stopped' } });
  });

  it('run returns the container exit status', () => {
    // (pid 1 of a pid namespace cannot SIGKILL itself, so "killed" is a child's status passed on)
    for (const [args, expected] of [
      [['sh', '-c', 'exit 7'], 7],
      [['sh', '-c', 'sleep 100 & kill -9 $!; wait $!'], 137],
      [['true'], 0],
    ] as const) {
      const codes: Record<string, number | null> = {};
      for (const r of both) {
        const name = `run-${r.name}-${expected}`;
        const bundle = makeBundle(path.join(base, name), (c) => {
          c.process.args = [...args];
          c.linux.cgroupsPath = `/${CG_PARENT}/${name}`;
        });
        const cid = id(name);
        created.push({ r, id: cid });
        const res = rt(r, ['run', '--bundle', bundle, cid]);
        codes[r.name] = res.code;
        // run without -d deletes the container once it exited.
        expect(rt(r, ['state', cid]).code).toBe(1);
      }
      expect(codes).toEqual({ tsrun: expected, runc: expected });
    }
  });

  it('run in the foreground returns 128+signal when the container is killed (tsrun kill from another process)', async () => {
    const codes: Record<string, number | null> = {};
    for (const r of both) {
      const name = `runsig-${r.name}`;
      const bundle = sleeper(name);
      const cid = id(name);
      created.push({ r, id: cid });
      const out = fs.openSync(path.join(base, `${name}.out`), 'w');
      const child = spawn(r.argv[0]!, [...r.argv.slice(1), 'run', '--bundle', bundle, cid], { stdio: ['ignore', out, out] });
      fs.closeSync(out);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        waitFor(`${r.name} ${cid} running`, () => rt(r, ['state', cid]).code === 0 && status(r, cid) === 'running');
        // KILL: pid 1 of a pid namespace ignores TERM without a handler (both runtimes).
        expect(rt(r, ['kill', cid, 'KILL']).code).toBe(0);
        codes[r.name] = await exited;
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    }
    expect(codes).toEqual({ tsrun: 137, runc: 137 });
  });

  it('run -d leaves a running container; ps lists its processes; list shows it', () => {
    const seen: Record<string, { psJson: number[]; psTable: string; listQ: string; listJsonKeys: string[]; tableHeader: string }> = {};
    for (const r of both) {
      const name = `runbg-${r.name}`;
      const bundle = sleeper(name);
      const cid = id(name);
      created.push({ r, id: cid });
      expect(rt(r, ['run', '-d', '--bundle', bundle, cid]).code).toBe(0);
      expect(status(r, cid)).toBe('running');
      const pid = Number(parseState(rt(r, ['state', cid])).pid);
      const psJson = JSON.parse(rt(r, ['ps', '-f', 'json', cid]).stdout) as number[];
      expect(psJson).toEqual([pid]);
      const table = rt(r, ['ps', cid]).stdout.trim().split('\n');
      const list = JSON.parse(rt(r, ['list', '-f', 'json']).stdout) as Record<string, unknown>[];
      expect(list.map((c) => c.id)).toEqual([cid]);
      expect(list[0]).toMatchObject({ id: cid, pid, status: 'running', bundle, owner: 'root' });
      seen[r.name] = {
        psJson,
        psTable: table[1]!.replace(/\s+/g, ' ').split(' ').slice(-2).join(' '),
        listQ: rt(r, ['list', '-q']).stdout,
        listJsonKeys: Object.keys(list[0]!).sort(),
        tableHeader: rt(r, ['list']).stdout.split('\n')[0]!.split(/\s+/).join(' '),
      };
      expect(table[0]).toMatch(/^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/);
      expect(table[1]).toContain(String(pid));
    }
    const strip = (s: (typeof seen)[string]) => ({ ...s, psJson: s.psJson.length, listQ: s.listQ.replace(/runbg-\w+/, 'X') });
    expect(strip(seen.tsrun!)).toEqual(strip(seen.runc!));
    expect(seen.tsrun!.psTable).toBe('sleep 1000');
  });
});

describe('tsrun vs runc: errors', () => {
  it('unknown container: same exit codes and messages', () => {
    for (const args of [['state', 'nope'], ['start', 'nope'], ['kill', 'nope'], ['delete', 'nope'], ['ps', 'nope']]) {
      const out = both.map((r) => rt(r, args));
      expect(out.map((o) => o.code)).toEqual([1, 1]);
      for (const o of out) expect(o.stderr).toContain('does not exist');
    }
    expect(both.map((r) => rt(r, ['delete', '--force', 'nope']).code)).toEqual([0, 0]);
  });

  it('usage errors: wrong argument counts and unknown flags', () => {
    for (const args of [['start'], ['kill'], ['kill', '--bogus', 'x']]) {
      const out = both.map((r) => rt(r, args));
      expect(out.map((o) => o.code)).toEqual([1, 1]);
      expect(out[0]!.stderr.split('\n')[0]!.replace(/tsrun/g, 'runc').replace(/^time="[^"]*" /, '')).toBe(
        out[1]!.stderr.split('\n').find((l) => l.startsWith('time='))!.replace(/^time="[^"]*" /, ''),
      );
    }
  });

  it('duplicate create, start of a running container, delete of a running container', () => {
    for (const r of both) {
      const name = `err-${r.name}`;
      const bundle = sleeper(name);
      const cid = id(name);
      create(r, cid, bundle);
      const dup = rt(r, ['create', '--bundle', bundle, cid]);
      expect(dup.code).toBe(1);
      expect(dup.stderr).toContain('container with given ID already exists');
      expect(rt(r, ['start', cid]).code).toBe(0);
      expect(rt(r, ['start', cid]).code).toBe(1);
      const del = rt(r, ['delete', cid]);
      expect(del.code).toBe(1);
      expect(del.stderr).toContain(`cannot delete container ${cid} that is not stopped: running`);
      expect(rt(r, ['delete', '--force', cid]).code).toBe(0);
      expect(rt(r, ['state', cid]).code).toBe(1);
    }
  });

  it('missing config.json fails create for both', () => {
    const empty = path.join(base, 'empty-bundle');
    fs.mkdirSync(empty, { recursive: true });
    for (const r of both) {
      const res = rt(r, ['create', '--bundle', empty, id(`nocfg-${r.name}`)]);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/config\.json.*not found|not found.*config\.json/);
      expect(fs.existsSync(path.join(r.root, id(`nocfg-${r.name}`)))).toBe(false);
    }
  });
});

describe('tsrun vs runc: pid file, cgroups, hooks, signals', () => {
  it('writes the pid file and places init in the configured cgroup', () => {
    for (const r of both) {
      const name = `pidcg-${r.name}`;
      const bundle = sleeper(name);
      const cid = id(name);
      const pidFile = path.join(base, `${name}.pid`);
      create(r, cid, bundle, ['--pid-file', pidFile]);
      const pid = Number(parseState(rt(r, ['state', cid])).pid);
      expect(fs.readFileSync(pidFile, 'utf8').trim()).toBe(String(pid));
      const cgroups = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
      expect(cgroups).toMatch(new RegExp(`:memory:/${CG_PARENT}/${name}$`, 'm'));
      expect(cgroups).toMatch(new RegExp(`:pids:/${CG_PARENT}/${name}$`, 'm'));
      expect(rt(r, ['delete', '--force', cid]).code).toBe(0);
      for (const dir of cgroupDirsFor(`${CG_PARENT}/${name}`)) throw new Error(`${r.name} left cgroup ${dir}`);
    }
  });

  it('kill --all and signal numbers', () => {
    for (const r of both) {
      const name = `killall-${r.name}`;
      const bundle = sleeper(name, (c) => {
        c.process.args = ['sh', '-c', 'sleep 1000 & sleep 1000 & wait'];
      });
      const cid = id(name);
      create(r, cid, bundle);
      expect(rt(r, ['start', cid]).code).toBe(0);
      waitFor(`${r.name} children`, () => (JSON.parse(rt(r, ['ps', '-f', 'json', cid]).stdout) as number[]).length === 3);
      expect(rt(r, ['kill', '--all', cid, '9']).code).toBe(0);
      waitFor(`${r.name} ${cid} stopped`, () => status(r, cid) === 'stopped');
      expect(rt(r, ['delete', cid]).code).toBe(0);
    }
  });

  it('runs hooks in the same order with the state on stdin', () => {
    const logs: Record<string, string[]> = {};
    for (const r of both) {
      const name = `hooks-${r.name}`;
      const log = path.join(base, `${name}.log`);
      const hook = (phase: string) => ({
        path: '/bin/sh',
        args: ['sh', '-c', `read -r state; echo "${phase} $(echo "$state" | grep -o '"status":"[a-z]*"')" >> ${log}`],
      });
      const bundle = sleeper(name, (c) => {
        c.process.args = ['true'];
        c.hooks = {
          prestart: [hook('prestart')],
          createRuntime: [hook('createRuntime')],
          createContainer: [hook('createContainer')],
          poststart: [hook('poststart')],
          poststop: [hook('poststop')],
        };
      });
      const cid = id(name);
      created.push({ r, id: cid });
      expect(rt(r, ['run', '--bundle', bundle, cid]).code).toBe(0);
      logs[r.name] = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' ')[0]!);
    }
    expect(logs.tsrun).toEqual(logs.runc);
    expect(logs.tsrun).toEqual(['prestart', 'createRuntime', 'createContainer', 'poststart', 'poststop']);
  });

  it('runs startContainer hooks inside the container (its mount and uts namespaces, its cgroup)', () => {
    const logs: Record<string, string> = {};
    for (const r of both) {
      const name = `hookin-${r.name}`;
      const bundle = sleeper(name, (c) => {
        c.process.args = ['true'];
        c.root.readonly = false;
        c.hostname = 'inside';
        c.hooks = {
          startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'cat >/dev/null; hostname > /hooklog; grep -c ":pids:/.*hookin-" /proc/self/cgroup >> /hooklog'] }],
        };
      });
      const cid = id(name);
      created.push({ r, id: cid });
      expect(rt(r, ['run', '--bundle', bundle, cid]).code).toBe(0);
      // written inside the container: /hooklog is the rootfs's file, not the host's
      logs[r.name] = fs.readFileSync(path.join(bundle, 'rootfs/hooklog'), 'utf8');
    }
    expect(logs.tsrun).toBe(logs.runc);
    expect(logs.tsrun).toBe('inside\n1\n');
  });

  it('a failing createRuntime hook fails create and leaves no container, process or cgroup', () => {
    for (const r of both) {
      const name = `hookfail-${r.name}`;
      const bundle = sleeper(name, (c) => {
        c.hooks = { createRuntime: [{ path: '/bin/false' }] };
      });
      const cid = id(name);
      created.push({ r, id: cid });
      const res = rt(r, ['create', '--bundle', bundle, cid]);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/hook/);
      expect(rt(r, ['state', cid]).code).toBe(1);
      expect(cgroupDirsFor(`${CG_PARENT}/${name}`)).toEqual([]);
    }
  });
});

describe('tsrun spec and features', () => {
  it('spec writes a config.json shaped like runc spec and refuses to overwrite', () => {
    const [tsrun] = both;
    const dirs = ['spec-tsrun', 'spec-runc'].map((d) => path.join(base, d));
    for (const d of dirs) fs.mkdirSync(d, { recursive: true });
    expect(rt(tsrun!, ['spec', '--bundle', dirs[0]!]).code).toBe(0);
    expect(rt(both[1]!, ['spec', '--bundle', dirs[1]!]).code).toBe(0);
    const [a, b] = dirs.map((d) => JSON.parse(fs.readFileSync(path.join(d, 'config.json'), 'utf8')));
    expect(a.process.args).toEqual(b.process.args);
    expect(a.mounts.map((m: { destination: string }) => m.destination)).toEqual(b.mounts.map((m: { destination: string }) => m.destination));
    expect(a.linux.namespaces).toEqual(b.linux.namespaces);
    const again = rt(tsrun!, ['spec', '--bundle', dirs[0]!]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('File config.json exists. Remove it first');
  });

  it('features prints an OCI features document', () => {
    const res = rt(both[0]!, ['features']);
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout);
    expect(doc.ociVersionMin).toBe('1.0.0');
    expect(doc.hooks).toEqual(expect.arrayContaining(['prestart', 'poststop']));
  });
});
