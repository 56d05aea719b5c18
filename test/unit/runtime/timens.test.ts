// linux.timeOffsets with a time namespace: validation and the timens_offsets write the planner
// puts right after unshare(CLONE_NEWTIME), before any process enters the namespace.
import { buildPlan, type PlanContext } from '../../../src/runtime/plan';
import { validateSpec } from '../../../src/runtime/validate';
import { issuesOf, runcSpecWith } from './helpers';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const withTime = (offsets?: Json, path?: string) => (s: Json) => {
  s.linux.namespaces.push(path === undefined ? { type: 'time' } : { type: 'time', path });
  if (offsets !== undefined) s.linux.timeOffsets = offsets;
};
const issues = (mutate: (s: Json) => void) => issuesOf(runcSpecWith(mutate)).map((i) => `${i.path}: ${i.message}`);
const ctx: PlanContext = { id: 'c', rootfs: '/b/rootfs', bundle: '/b', hostCapLast: 40, stdio: { stdin: -1, stdout: -1, stderr: -1 }, start: { kind: 'pipe' } };

describe('validation', () => {
  it('accepts offsets with a new time namespace', () => {
    expect(issues(withTime({ monotonic: { secs: -5, nanosecs: 0 }, boottime: { secs: 86400 } }))).toEqual([]);
  });

  it('needs a new time namespace (not none, not a joined one)', () => {
    expect(issues((s) => {
      s.linux.timeOffsets = { boottime: { secs: 1 } };
    })).toEqual(['linux.timeOffsets: needs a time namespace; add {"type": "time"} to linux.namespaces or remove the offsets']);
    expect(issues(withTime({ boottime: { secs: 1 } }, '/proc/1/ns/time'))).toEqual([
      'linux.timeOffsets: cannot be applied when joining the time namespace at "/proc/1/ns/time"; remove the offsets or the namespace path',
    ]);
  });

  it('refuses unknown clocks, nanoseconds past a second and offsets past the kernel\'s range, naming the field', () => {
    expect(issues(withTime({ realtime: { secs: 1 } }))).toEqual(['linux.timeOffsets["realtime"]: is not a time namespace clock; use "boottime" or "monotonic"']);
    expect(issues(withTime({ boottime: { nanosecs: 1_000_000_000 } }))[0]).toMatch(/^linux\.timeOffsets\["boottime"\]\.nanosecs: /);
    expect(issues(withTime({ boottime: { secs: 4_611_686_019 } }))[0]).toMatch(/^linux\.timeOffsets\["boottime"\]\.secs: /);
    expect(issues(withTime({ boottime: { secs: 'soon' } }))[0]).toMatch(/^linux\.timeOffsets\["boottime"\]\.secs: /);
  });
});

describe('planning', () => {
  it('writes /proc/self/timens_offsets right after creating the namespace', () => {
    const ops = buildPlan(validateSpec(runcSpecWith(withTime({ monotonic: { secs: 7 }, boottime: { secs: -3, nanosecs: 5 } }))), ctx).ops;
    const i = ops.findIndex((o) => o.op === 'unshare' && o.step === 'create time namespace');
    expect(ops[i + 1]).toEqual({
      op: 'writeFile', step: 'set time namespace offsets (monotonic 7 0, boottime -3 5)', path: '/proc/self/timens_offsets',
      data: 'monotonic 7 0\nboottime -3 5\n', base: 'abs',
    });
  });

  it('writes nothing without offsets', () => {
    const ops = buildPlan(validateSpec(runcSpecWith(withTime())), ctx).ops;
    expect(ops.some((o) => o.op === 'writeFile' && o.path === '/proc/self/timens_offsets')).toBe(false);
    expect(ops.some((o) => o.op === 'unshare' && o.step === 'create time namespace')).toBe(true);
  });
});
