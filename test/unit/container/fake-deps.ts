// A ContainerDeps whose "container" is an ordinary child process (sleep), cgroups are in-memory:
// lets lifecycle/state tests run without root.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';

import type { CgroupHandle, ContainerDeps, SpawnedInit, SpawnRequest } from '../../../src/container/deps';
import { readProcStat } from '../../../src/container/proc';
import type { ExitInfo } from '../../../src/container/types';
import type { Spec } from '../../../src/runtime/spec';

export interface FakeWorld {
  deps: ContainerDeps;
  children: ChildProcess[];
  cgroups: Map<string, { pids: Set<number>; frozen: boolean; destroyed: boolean }>;
  released: string[];
  events: string[];
  cleanup(): void;
}

export function fakeWorld(spec: Spec, opts: { failSpawn?: boolean } = {}): FakeWorld {
  const world: FakeWorld = {
    children: [],
    cgroups: new Map(),
    released: [],
    events: [],
    deps: undefined as unknown as ContainerDeps,
    cleanup() {
      for (const c of world.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    },
  };
  const cgroupFor = (path: string): CgroupHandle => {
    const state = () => {
      let s = world.cgroups.get(path);
      if (!s) world.cgroups.set(path, (s = { pids: new Set(), frozen: false, destroyed: false }));
      return s;
    };
    return {
      version: 1,
      dirs: new Map(),
      stats: async () => ({}) as never,
      watchOom: async () => ({}) as never,
      exists: async () => !state().destroyed,
      path,
      create: async () => {
        state();
        world.events.push(`cgroup.create ${path}`);
      },
      addProcess: async (pid) => void state().pids.add(pid),
      pids: async () => [...state().pids].filter((p) => readProcStat(p)?.state !== 'Z' && readProcStat(p) !== undefined),
      freeze: async () => void (state().frozen = true),
      thaw: async () => void (state().frozen = false),
      killAll: async (sig) => {
        for (const p of state().pids) {
          try {
            process.kill(p, sig ?? 15);
          } catch {
            /* gone */
          }
        }
      },
      update: async () => {},
      destroy: async () => {
        state().destroyed = true;
        world.events.push(`cgroup.destroy ${path}`);
      },
    };
  };
  world.deps = {
    loadSpec: async () => spec,
    // A relative cgroupsPath is kept as given (as the real parser does); anything else is /fake/<id>.
    openCgroup: (s, id) => cgroupFor(s.linux?.cgroupsPath !== undefined && !s.linux.cgroupsPath.startsWith('/') ? s.linux.cgroupsPath : `/fake/${id}`),
    reopenCgroup: (path, _systemd, base) => {
      world.events.push(`cgroup.reopen ${path}${base ? ` below ${JSON.stringify(base)}` : ''}`);
      return cgroupFor(path);
    },
    cgroupBase: () => ({ memory: '/fake-own' }),
    mkfifo: (path) => fs.writeFileSync(path, ''),
    releaseFifo: async (path) => void world.released.push(path),
    killPid: (pid, sig) => process.kill(pid, sig),
    spawn: async (req: SpawnRequest): Promise<SpawnedInit> => {
      if (opts.failSpawn) throw new Error('spawn failed: fake');
      const child = spawn('sleep', ['60'], { stdio: 'ignore' });
      world.children.push(child);
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', () => resolve());
        child.once('error', reject);
      });
      const pid = child.pid!;
      await req.cgroup.addProcess(pid);
      world.events.push(`spawn ${req.id} ${req.start.kind}`);
      if (req.onBeforePivot) {
        world.events.push(`before pivot ${req.id}`);
        try {
          await req.onBeforePivot(pid);
        } catch (err) {
          child.kill('SIGKILL');
          throw err;
        }
      }
      const exited = new Promise<ExitInfo>((resolve) =>
        child.once('exit', (code, signal) => {
          const signo = signal ? os.constants.signals[signal] : undefined;
          resolve({ status: signo ? 128 + signo : (code ?? 0), signal: signo, exitedAt: new Date() });
        }),
      );
      return {
        pid,
        startTime: readProcStat(pid)!.startTime,
        exited,
        start: async () => void world.events.push(`start ${req.id}`),
        kill: (sig) => {
          try {
            process.kill(pid, sig);
          } catch {
            /* gone */
          }
        },
        detach: () => {},
      };
    },
  };
  return world;
}
