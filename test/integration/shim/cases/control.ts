//! Pause/Resume, Update and Stats through containerd: `ctr task pause/resume` (frozen processes,
//! PAUSED status, /tasks/paused and /tasks/resumed events), Task.Update on the shim's ttrpc socket
//! (ctr 1.6/1.7 have no `task update`) checked in the cgroup files, and `ctr task metrics`
//! (table and JSON) while running and after an OOM kill, until the task is deleted.
import * as fs from 'fs';
import * as path from 'path';
import { ctr, ctrOk } from '../../../helpers/containerd';
import { testEnv } from '../../../helpers/env';
import { cgroupDir, EventWatcher, RUNC, nsCall, runFlags, shimTaskClient, ShimCase, sleep, taskList, waitFor, waitForTask } from '../support';

const COUNTER = ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i > /tmp/count; done'];

function counter(pid: number): number {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/root/tmp/count`, 'utf8').trim() || '0');
  } catch {
    return 0;
  }
}

/** LinuxResources JSON in an Any, as containerd's client sends it. */
function resourcesAny(resources: unknown): { typeUrl: string; value: Buffer } {
  return { typeUrl: 'types.containerd.io/opencontainers/runtime-spec/1/LinuxResources', value: Buffer.from(JSON.stringify(resources)) };
}

/** `ctr task metrics --format json` parsed. */
async function metricsJson(h: Parameters<typeof ctrOk>[0], id: string): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse((await ctrOk(h, ['task', 'metrics', '--format', 'json', id])).stdout);
}

/** The METRIC/VALUE rows of `ctr task metrics` (after the ID/TIMESTAMP block). */
function metricRows(table: string): Map<string, string> {
  const lines = table.trim().split('\n');
  const start = lines.findIndex((l) => /^METRIC\s+VALUE/.test(l));
  return new Map(lines.slice(start + 1).map((l) => l.trim().split(/\s+/) as [string, string]));
}

/** The paths of every object in a JSON document ("memory", "memory.usage"), array elements collapsed. */
function sections(v: unknown, prefix = ''): string[] {
  if (Array.isArray(v)) return [...new Set(v.flatMap((e) => sections(e, `${prefix}[]`)))].sort();
  if (v === null || typeof v !== 'object') return [];
  const own = prefix === '' ? [] : [prefix];
  return [...own, ...Object.entries(v).flatMap(([k, e]) => sections(e, prefix === '' ? k : `${prefix}.${k}`))].sort();
}

export const CONTROL_CASES: readonly ShimCase[] = [
  {
    name: 'ctr task pause freezes the processes (a counter stops, PAUSED), resume lets them go on; /tasks/paused and /tasks/resumed',
    run: async ({ h, runtime, res }) => {
      const events = await EventWatcher.start(h, res);
      const id = res.container('pause');
      await ctrOk(h, ['run', '-d', ...runFlags(runtime), testEnv().image.ref, id, ...COUNTER]);
      const pid = await waitForTask(h, id, 'RUNNING');
      await waitFor('the counter to run', () => (counter(pid) > 10 ? true : undefined));
      await ctrOk(h, ['task', 'pause', id]);
      expect((await taskList(h)).get(id)?.status).toBe('PAUSED');
      expect(fs.readFileSync(path.join(cgroupDir(pid, 'freezer'), 'freezer.state'), 'utf8').trim()).toBe('FROZEN');
      const frozenAt = counter(pid);
      // A running loop advances thousands of times in this pause; a frozen one not at all.
      await sleep(300);
      expect(counter(pid)).toBe(frozenAt);
      await ctrOk(h, ['task', 'resume', id]);
      expect((await taskList(h)).get(id)?.status).toBe('RUNNING');
      await waitFor('the counter to move again', () => (counter(pid) > frozenAt + 10 ? true : undefined));
      await events.waitForTopic(id, '/tasks/resumed');
      const seen = events.eventsFor(id).filter((e) => e.topic === '/tasks/paused' || e.topic === '/tasks/resumed');
      expect(seen.map((e) => [e.topic, e.event])).toEqual([
        ['/tasks/paused', { container_id: id }],
        ['/tasks/resumed', { container_id: id }],
      ]);
      // Resuming a running task is an error for both runtimes.
      expect((await ctr(h, ['task', 'resume', id])).code).not.toBe(0);
    },
  },
  {
    name: 'ctr task kill -s SIGKILL of a paused task ends it (exit 137), then it deletes cleanly',
    run: async ({ h, runtime, res }) => {
      const events = await EventWatcher.start(h, res);
      const id = res.container('pausekill');
      await ctrOk(h, ['run', '-d', ...runFlags(runtime), testEnv().image.ref, id, 'sleep', '1000']);
      await waitForTask(h, id, 'RUNNING');
      await ctrOk(h, ['task', 'pause', id]);
      await waitForTask(h, id, 'PAUSED');
      await ctrOk(h, ['task', 'kill', '-s', 'SIGKILL', id]);
      await waitForTask(h, id, 'STOPPED');
      expect((await events.waitForTopic(id, '/tasks/exit')).event).toMatchObject({ container_id: id, exit_status: 137 });
      await ctrOk(h, ['task', 'rm', id]);
    },
  },
  {
    name: 'Task.Update sets the memory limit, CPU shares and pids limit live; nonsense resources are refused',
    run: async ({ h, runtime, res }) => {
      const id = res.container('update');
      await ctrOk(h, ['run', '-d', ...runFlags(runtime), '--memory-limit', '33554432', testEnv().image.ref, id, 'sleep', '1000']);
      const pid = await waitForTask(h, id, 'RUNNING');
      const task = shimTaskClient(h, id, res);
      await task.update({ id, resources: resourcesAny({ memory: { limit: 67108864 }, cpu: { shares: 512 }, pids: { limit: 40 } }), annotations: {} }, nsCall(h));
      const file = (controller: string, name: string) => fs.readFileSync(path.join(cgroupDir(pid, controller), name), 'utf8').trim();
      expect([file('memory', 'memory.limit_in_bytes'), file('cpu', 'cpu.shares'), file('pids', 'pids.max')]).toEqual(['67108864', '512', '40']);
      // Zero values leave a limit as it is (containerd sends whole LinuxResources).
      await task.update({ id, resources: resourcesAny({ memory: { limit: 0 }, pids: { limit: 30 } }), annotations: {} }, nsCall(h));
      expect([file('memory', 'memory.limit_in_bytes'), file('pids', 'pids.max')]).toEqual(['67108864', '30']);
      await expect(task.update({ id, resources: resourcesAny({ memory: { limit: 'lots' } }), annotations: {} }, nsCall(h))).rejects.toThrow();
      expect(file('memory', 'memory.limit_in_bytes')).toBe('67108864');
    },
  },
  {
    name: 'ctr task metrics shows the cgroup metrics (table and JSON) of a running task',
    run: async ({ h, runtime, res }) => {
      const id = res.container('metrics');
      await ctrOk(h, ['run', '-d', ...runFlags(runtime), '--memory-limit', '33554432', testEnv().image.ref, id, 'sleep', '1000']);
      await waitForTask(h, id, 'RUNNING');
      // Right after start the runtime's own helper may still be counted (runc init): wait for `sleep` alone.
      const table = await waitFor('the task to be one process', async () => {
        const t = (await ctrOk(h, ['task', 'metrics', id])).stdout;
        return metricRows(t).get('pids.current') === '1' ? t : undefined;
      });
      const rows = metricRows(table);
      expect(table.split('\n')[0]!.split(/\s+/).filter(Boolean)).toEqual(['ID', 'TIMESTAMP']);
      expect(rows.get('memory.limit_in_bytes')).toBe('33554432');
      expect(Number(rows.get('memory.usage_in_bytes'))).toBeGreaterThan(0);
      expect(rows.get('pids.current')).toBe('1');
      expect(Number(rows.get('cpuacct.usage'))).toBeGreaterThan(0);
      const json = await metricsJson(h, id);
      expect(Object.keys(json).sort()).toEqual(expect.arrayContaining(['cpu', 'memory', 'memory_oom_control', 'pids']));
      expect(json.memory.usage.limit).toBe(33554432);
      expect(json.pids.current).toBe(1);
      if (runtime === RUNC) return;
      // Same shape as the reference: a runc.v2 task with the same flags, next to this one.
      const refId = res.container('metrics-ref');
      await ctrOk(h, ['run', '-d', ...runFlags(RUNC), '--memory-limit', '33554432', testEnv().image.ref, refId, 'sleep', '1000']);
      await waitForTask(h, refId, 'RUNNING');
      const refTable = await waitFor('the reference task to be one process', async () => {
        const t = (await ctrOk(h, ['task', 'metrics', refId])).stdout;
        return metricRows(t).get('pids.current') === '1' ? t : undefined;
      });
      const names = (t: string) => [...metricRows(t).keys()];
      expect(names(table)).toEqual(names(refTable));
      // Go's JSON leaves zero counters out (omitempty), and which memory.stat counters are still
      // zero right after start differs between runtimes (runc's own init runs in the cgroup and
      // faults pages and system time there): compare the sections, and the leaves never zero here.
      const ref = await metricsJson(h, refId);
      expect(sections(json)).toEqual(sections(ref));
      const leaves = (m: Record<string, any>) => ({ // eslint-disable-line @typescript-eslint/no-explicit-any
        usage: Object.keys(m.memory.usage).sort(), cpuTotal: m.cpu.usage.total > 0, pids: Object.keys(m.pids).sort(),
      });
      expect(leaves(json)).toEqual(leaves(ref));
    },
  },
  {
    name: 'after an OOM kill the task\'s metrics (OOM count, memory failcnt) stay readable until delete',
    run: async ({ h, runtime, res }) => {
      const id = res.container('oommetrics');
      await ctrOk(h, ['run', '-d', ...runFlags(runtime), '--memory-limit', '16777216', testEnv().image.ref, id, 'tail', '/dev/zero']);
      await waitForTask(h, id, 'STOPPED');
      const json = await metricsJson(h, id);
      expect(json.memory_oom_control.oom_kill).toBeGreaterThanOrEqual(1);
      expect(json.memory.usage.failcnt).toBeGreaterThan(0);
      expect(json.memory.usage.limit).toBe(16777216);
      await ctrOk(h, ['task', 'rm', id]);
      expect((await ctr(h, ['task', 'metrics', id])).code).not.toBe(0);
    },
  },
];
