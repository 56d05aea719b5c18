// Time namespaces with linux.timeOffsets through buildPlan → native/ → the kernel (root). Debian
// bookworm's runc (1.1.5) has no time namespace support (runc 1.2 added it), so the expectation is
// the runtime-spec's: the container's CLOCK_BOOTTIME (/proc/uptime) and CLOCK_MONOTONIC run
// ahead of the host's by the offsets.
import fs from 'node:fs';
import { hostCapLast, spawnProcess, spawnContainer } from '../../../src/linux';
import { buildProcessPlan } from '../../../src/runtime/plan';
import type { Spec } from '../../../src/runtime/spec';
import { defaultSpec, makeBusyboxBundle, type Bundle } from '../../helpers/busybox-bundle';
import { Capture, planFor, runContainer } from '../../helpers/run-container';

let bundle: Bundle;
beforeAll(() => {
  bundle = makeBusyboxBundle('tsrun-timens-');
});
afterAll(() => bundle.cleanup());

const YEAR = 365 * 24 * 3600;
const hostUptime = (): number => Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);

function timeSpec(script: string, offsets: NonNullable<Spec['linux']>['timeOffsets']): Spec {
  const spec = defaultSpec(['sh', '-c', script]);
  return { ...spec, linux: { ...spec.linux, namespaces: [...spec.linux!.namespaces!, { type: 'time' }], timeOffsets: offsets } };
}

describe('time namespace offsets', () => {
  it('shifts /proc/uptime (boottime) and shows both offsets in timens_offsets', async () => {
    const before = hostUptime();
    const r = await runContainer(bundle, timeSpec('cut -d" " -f1 /proc/uptime; cat /proc/self/timens_offsets', {
      boottime: { secs: BigInt(YEAR), nanosecs: 0 },
      monotonic: { secs: 1000n, nanosecs: 500 },
    }));
    const after = hostUptime();
    expect(r.stderr).toBe('');
    const [uptime, ...offsets] = r.stdout.trim().split('\n');
    // the container's boottime is the host's plus a year: between the host's readings around the run
    expect(Number(uptime)).toBeGreaterThanOrEqual(before + YEAR - 0.01);
    expect(Number(uptime)).toBeLessThanOrEqual(after + YEAR + 0.01);
    expect(offsets.map((l) => l.trim().split(/\s+/))).toEqual([['monotonic', '1000', '500'], ['boottime', String(YEAR), '0']]);
  });

  it('a time namespace without offsets runs with the host\'s clocks', async () => {
    const r = await runContainer(bundle, timeSpec('cat /proc/self/timens_offsets; readlink /proc/self/ns/time', undefined));
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 2).map((l) => l.trim().split(/\s+/))).toEqual([['monotonic', '0', '0'], ['boottime', '0', '0']]);
    expect(lines[2]).not.toBe(fs.readlinkSync('/proc/self/ns/time'));
  });

  it('a negative offset that would put the clock below zero fails create naming the step', async () => {
    await expect(runContainer(bundle, timeSpec('true', { boottime: { secs: -BigInt(100 * YEAR) } })))
      .rejects.toThrow(`set time namespace offsets (boottime -${100 * YEAR} 0): ERANGE`);
  });

  it('an exec joins the container\'s time namespace and sees the same offsets', async () => {
    const initOut = new Capture();
    const initErr = new Capture();
    const init = await spawnContainer(planFor(bundle, timeSpec('exec sleep 100', { boottime: { secs: BigInt(YEAR) } }), initOut, initErr));
    initOut.closeWrite();
    initErr.closeWrite();
    try {
      await init.start();
      const out = new Capture();
      const err = new Capture();
      const spec = defaultSpec(['sh', '-c', 'cat /proc/self/timens_offsets; readlink /proc/self/ns/time']);
      const p = await spawnProcess(buildProcessPlan(spec, {
        id: 'exec-time', initPid: init.pid, namespaceTypes: ['pid', 'mount', 'ipc', 'uts', 'network', 'time'], hostCapLast: hostCapLast(),
        stdio: { stdin: -1, stdout: out.writeFd, stderr: err.writeFd }, start: { kind: 'pipe' },
      }));
      out.closeWrite();
      err.closeWrite();
      await p.start();
      expect(await p.exited).toEqual({ status: 0 });
      expect(await err.text).toBe('');
      const lines = (await out.text).trim().split('\n');
      expect(lines[1]?.trim().split(/\s+/)).toEqual(['boottime', String(YEAR), '0']);
      expect(lines[2]).toBe(fs.readlinkSync(`/proc/${init.pid}/ns/time`));
    } finally {
      init.kill(9);
      await init.exited;
    }
  });
});
