// tsrun pause/resume, update and events against runc, side by side on identical busybox bundles:
// the container's state, its cgroup files and the events JSON as a caller sees them. Root only;
// everything created is removed in afterEach/afterAll.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { cgroupDirsFor, makeBundle, parseState, removeCgroupTree, rt, runtimes, type Config, type Runtime, sleepMs, TSRUN_JS, waitFor } from './side-by-side';
import { scratchDir, workerScope } from '../../helpers/env';
import { assertNoLeaks } from '../../helpers/leaks';

let CG_PARENT: string;
let base: string;
let both: Runtime[];
const created: { r: Runtime; id: string }[] = [];

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('the CLI integration tests need root');
  if (!fs.existsSync(TSRUN_JS)) throw new Error(`${TSRUN_JS} missing: run make build first (make test does)`);
  CG_PARENT = `${workerScope()}clictl`;
  base = fs.mkdtempSync(path.join(scratchDir(), 'clictl-'));
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

const cid = (name: string): string => `${name}-${process.pid}`;

/** `run -d` a container of bundle `name` with `args`; returns its id. */
function runDetached(r: Runtime, name: string, args: string[], edit: (c: Config) => void = () => {}): { id: string; bundle: string } {
  const bundle = makeBundle(path.join(base, name), (c) => {
    c.process.args = args;
    c.root.readonly = false;
    c.linux.cgroupsPath = `/${CG_PARENT}/${name}`;
    edit(c);
  });
  const id = cid(name);
  created.push({ r, id });
  const res = rt(r, ['run', '-d', '--bundle', bundle, id]);
  if (res.code !== 0) throw new Error(`${r.name} run -d ${id} failed (${res.code}): ${res.stderr}`);
  return { id, bundle };
}

const status = (r: Runtime, id: string): unknown => parseState(rt(r, ['state', id])).status;
const cgFile = (controller: string, name: string, file: string): string =>
  fs.readFileSync(path.join('/sys/fs/cgroup', controller, CG_PARENT, name, file), 'utf8').trim();

function counter(bundle: string): number {
  try {
    return Number(fs.readFileSync(path.join(bundle, 'rootfs/tmp/count'), 'utf8').trim() || '0');
  } catch {
    return 0;
  }
}

describe('tsrun vs runc: pause and resume', () => {
  it('pause freezes every process (a counter stops), state says paused; resume lets it go on', () => {
    const seen: Record<string, unknown> = {};
    for (const r of both) {
      const name = `pause-${r.name}`;
      const { id, bundle } = runDetached(r, name, ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i > /tmp/count; done']);
      waitFor(`${r.name} counter running`, () => counter(bundle) > 10);
      expect(rt(r, ['pause', id]).code).toBe(0);
      const frozenAt = counter(bundle);
      const pid = Number(parseState(rt(r, ['state', id])).pid);
      // Frozen: nothing advances however long we look (a short look suffices to catch a running loop).
      sleepMs(300);
      const stillAt = counter(bundle);
      const resumed = rt(r, ['resume', id]).code;
      waitFor(`${r.name} counter moving again`, () => counter(bundle) > stillAt + 10);
      seen[r.name] = {
        frozenCounterUnchanged: stillAt === frozenAt,
        resumeCode: resumed,
        stateAfterResume: status(r, id),
        freezerAfterResume: cgFile('freezer', name, 'freezer.state'),
        pidAlive: fs.existsSync(`/proc/${pid}`),
      };
    }
    expect(seen.tsrun).toEqual(seen.runc);
    expect(seen.tsrun).toEqual({
      frozenCounterUnchanged: true, resumeCode: 0, stateAfterResume: 'running', freezerAfterResume: 'THAWED', pidAlive: true,
    });
  });

  it('paused state, freezer.state FROZEN, and the same errors for resume of a running / pause of a stopped container', () => {
    const seen: Record<string, unknown> = {};
    for (const r of both) {
      const name = `pstate-${r.name}`;
      const { id } = runDetached(r, name, ['sleep', '1000']);
      const resumeRunning = rt(r, ['resume', id]).code;
      rt(r, ['pause', id]);
      const paused = { state: status(r, id), freezer: cgFile('freezer', name, 'freezer.state') };
      rt(r, ['resume', id]);
      rt(r, ['kill', id, 'KILL']);
      waitFor(`${r.name} stopped`, () => status(r, id) === 'stopped');
      seen[r.name] = { resumeRunning, paused, pauseStopped: rt(r, ['pause', id]).code };
    }
    expect(seen.tsrun).toEqual(seen.runc);
    expect(seen.tsrun).toEqual({ resumeRunning: 1, paused: { state: 'paused', freezer: 'FROZEN' }, pauseStopped: 1 });
  });

  it('kill KILL of a paused container thaws it so it dies; kill --all too', () => {
    const seen: Record<string, unknown> = {};
    for (const r of both) {
      const states: unknown[] = [];
      for (const all of [false, true]) {
        const name = `pkill-${all ? 'all-' : ''}${r.name}`;
        const { id } = runDetached(r, name, ['sleep', '1000']);
        expect(rt(r, ['pause', id]).code).toBe(0);
        expect(rt(r, ['kill', ...(all ? ['--all'] : []), id, 'KILL']).code).toBe(0);
        waitFor(`${r.name} ${id} stopped`, () => status(r, id) === 'stopped');
        states.push(status(r, id));
        expect(rt(r, ['delete', id]).code).toBe(0);
      }
      seen[r.name] = states;
    }
    expect(seen).toEqual({ tsrun: ['stopped', 'stopped'], runc: ['stopped', 'stopped'] });
  });
});

describe('tsrun vs runc: update', () => {
  it('runc update flags land in the cgroup files, the same for both', () => {
    const seen: Record<string, unknown> = {};
    for (const r of both) {
      const name = `update-${r.name}`;
      const { id } = runDetached(r, name, ['sleep', '1000']);
      const res = rt(r, ['update', '--memory', '64m', '--memory-reservation', '32m', '--cpu-share', '512', '--cpu-quota', '20000', '--cpu-period', '100000', '--pids-limit', '50', id]);
      expect({ code: res.code, stderr: res.stderr }).toEqual({ code: 0, stderr: '' });
      seen[r.name] = {
        limit: cgFile('memory', name, 'memory.limit_in_bytes'),
        soft: cgFile('memory', name, 'memory.soft_limit_in_bytes'),
        shares: cgFile('cpu', name, 'cpu.shares'),
        quota: cgFile('cpu', name, 'cpu.cfs_quota_us'),
        period: cgFile('cpu', name, 'cpu.cfs_period_us'),
        pids: cgFile('pids', name, 'pids.max'),
      };
      // A second update changes only what it names.
      expect(rt(r, ['update', '--pids-limit', '60', id]).code).toBe(0);
      expect([cgFile('pids', name, 'pids.max'), cgFile('memory', name, 'memory.limit_in_bytes')]).toEqual(['60', String(64 << 20)]);
    }
    expect(seen.tsrun).toEqual(seen.runc);
    expect(seen.tsrun).toEqual({ limit: String(64 << 20), soft: String(32 << 20), shares: '512', quota: '20000', period: '100000', pids: '50' });
  });

  it('update -r FILE and -r - (stdin) read LinuxResources JSON; tsrun persists it in its state', () => {
    for (const r of both) {
      const name = `updr-${r.name}`;
      const { id } = runDetached(r, name, ['sleep', '1000']);
      const file = path.join(base, `${name}.json`);
      fs.writeFileSync(file, JSON.stringify({ memory: { limit: 48 << 20, reservation: 0, swap: 0 }, cpu: { shares: 256 } }));
      expect(rt(r, ['update', '-r', file, id]).code).toBe(0);
      expect([cgFile('memory', name, 'memory.limit_in_bytes'), cgFile('cpu', name, 'cpu.shares')]).toEqual([String(48 << 20), '256']);
      const stdin = spawnSync(r.argv[0]!, [...r.argv.slice(1), 'update', '-r', '-', id], { input: '{"pids":{"limit":33}}', encoding: 'utf8' });
      expect({ code: stdin.status, stderr: stdin.stderr }).toEqual({ code: 0, stderr: '' });
      expect(cgFile('pids', name, 'pids.max')).toBe('33');
      if (r.name === 'tsrun') {
        const record = JSON.parse(fs.readFileSync(path.join(r.root, id, 'state.json'), 'utf8'));
        expect(record.spec.linux.resources).toMatchObject({ memory: { limit: 48 << 20 }, cpu: { shares: 256 }, pids: { limit: 33 } });
      }
    }
  });

  it('nonsense values fail for both, and change nothing', () => {
    for (const r of both) {
      const name = `updbad-${r.name}`;
      const { id } = runDetached(r, name, ['sleep', '1000']);
      for (const args of [['--memory', 'lots'], ['--cpu-share', '-3'], ['--pids-limit', 'x']]) {
        const res = rt(r, ['update', ...args, id]);
        expect({ runtime: r.name, args, code: res.code }).toEqual({ runtime: r.name, args, code: 1 });
      }
      expect(cgFile('pids', name, 'pids.max')).toBe('max');
    }
    const tsrun = both.find((r) => r.name === 'tsrun')!;
    expect(rt(tsrun, ['update', '--memory', 'lots', 'nope']).stderr).toContain('--memory: invalid size \\"lots\\"');
  });
});

describe('tsrun vs runc: events', () => {
  it('events --stats prints one stats event shaped like runc\'s', () => {
    const docs: Record<string, Record<string, any>> = {}; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const r of both) {
      const name = `stats-${r.name}`;
      const { id } = runDetached(r, name, ['sleep', '1000'], (c) => {
        c.linux.resources = { ...(c.linux.resources ?? {}), memory: { limit: 33554432 }, pids: { limit: 20 } };
      });
      const res = rt(r, ['events', '--stats', id]);
      expect({ code: res.code, stderr: res.stderr, lines: res.stdout.trim().split('\n').length }).toEqual({ code: 0, stderr: '', lines: 1 });
      docs[r.name] = JSON.parse(res.stdout);
    }
    const shape = (d: Record<string, any>) => ({ // eslint-disable-line @typescript-eslint/no-explicit-any
      top: Object.keys(d).sort(),
      type: d.type,
      // runc also reports cpuset (cpus, mems, exclusivity flags); tsrun does not collect it.
      data: Object.keys(d.data).filter((k) => k !== 'cpuset').sort(),
      cpuUsage: Object.keys(d.data.cpu.usage).filter((k) => !k.startsWith('percpu_')).sort(),
      memory: Object.keys(d.data.memory).filter((k) => k !== 'cache').sort(),
      memoryUsage: { ...d.data.memory.usage, usage: typeof d.data.memory.usage.usage, max: typeof d.data.memory.usage.max },
      pids: d.data.pids,
      rawHas: ['rss', 'total_rss', 'hierarchical_memory_limit', 'pgfault'].filter((k) => k in d.data.memory.raw),
    });
    expect(shape(docs.tsrun!)).toEqual(shape(docs.runc!));
    expect(shape(docs.tsrun!).pids).toEqual({ current: 1, limit: 20 });
  });

  it('events streams stats every --interval and reports an OOM kill', async () => {
    for (const r of both) {
      const name = `evoom-${r.name}`;
      const bundle = makeBundle(path.join(base, name), (c) => {
        c.process.args = ['sh', '-c', 'read x < /tmp/go; tail /dev/zero'];
        c.root.readonly = false;
        c.linux.cgroupsPath = `/${CG_PARENT}/${name}`;
        c.linux.resources = { ...(c.linux.resources ?? {}), memory: { limit: 16777216 } };
      });
      const id = cid(name);
      created.push({ r, id });
      fs.mkdirSync(path.join(bundle, 'rootfs/tmp'), { recursive: true });
      spawnSync('mkfifo', [path.join(bundle, 'rootfs/tmp/go')]);
      expect(rt(r, ['run', '-d', '--bundle', bundle, id]).code).toBe(0);
      const outFile = path.join(base, `${name}.events`);
      const out = fs.openSync(outFile, 'w');
      const child = spawn(r.argv[0]!, [...r.argv.slice(1), 'events', '--interval', '200ms', id], { stdio: ['ignore', out, 'ignore'] });
      fs.closeSync(out);
      const lines = (): Array<{ type: string; id: string }> =>
        fs.readFileSync(outFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
      try {
        waitFor(`${r.name} two stats events`, () => lines().filter((e) => e.type === 'stats').length >= 2);
        fs.writeFileSync(path.join(bundle, 'rootfs/tmp/go'), 'go\n');
        waitFor(`${r.name} an oom event`, () => lines().some((e) => e.type === 'oom'), 20_000);
        expect(lines().find((e) => e.type === 'oom')).toEqual({ type: 'oom', id });
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    }
  });
});
