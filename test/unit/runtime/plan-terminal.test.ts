// process.terminal in launch plans: the child allocates its pty from the container's /dev/ptmx (a
// console op): for an init after pivot_root and before the read-only remounts, bound on
// /dev/console; for an exec after stdio, nothing mounted. fixStdio gives 0–2 to the process's user
// before it switches (runc's fixStdioPermissions).
import { buildPlan, buildProcessPlan, type PlanContext } from '../../../src/runtime/plan';
import { encodePlan } from '../../../src/runtime/encode';
import { defaultSpec } from '../../helpers/busybox-bundle';

const ctx: PlanContext = {
  id: 'c1', rootfs: '/b/rootfs', bundle: '/b', hostCapLast: 40,
  stdio: { stdin: -1, stdout: -1, stderr: -1 }, start: { kind: 'pipe' },
};

describe('terminal plans', () => {
  it('init: a console op after pivot_root, before the read-only remounts, bound on /dev/console, sized by consoleSize', () => {
    const spec = defaultSpec(['sh']);
    const tspec = { ...spec, process: { ...spec.process!, terminal: true, consoleSize: { height: 30, width: 90 } } };
    const ops = buildPlan(tspec, ctx).ops;
    const pivot = ops.findIndex((o) => o.op === 'pivotRoot');
    const console = ops.findIndex((o) => o.op === 'console');
    const firstRo = ops.findIndex((o) => o.op === 'readonlyPath' || o.op === 'remountReadonly');
    expect(pivot).toBeGreaterThan(0);
    expect(console).toBe(pivot + 1);
    expect(firstRo).toBeGreaterThan(console);
    expect(ops[console]).toMatchObject({ op: 'console', mountConsole: true, rows: 30, cols: 90 });
    expect(ops.some((o) => o.op === 'setCtty' || (o.op === 'mount' && o.target === '/dev/console'))).toBe(false);
    expect(() => encodePlan(buildPlan(tspec, ctx))).not.toThrow();
  });

  it('no terminal: no console op, a new session only (setsid, fd -1, as runc), no /dev/console', () => {
    const ops = buildPlan(defaultSpec(['sh']), ctx).ops;
    expect(ops.some((o) => o.op === 'console' || (o.op === 'mount' && o.target === '/dev/console'))).toBe(false);
    expect(ops.filter((o) => o.op === 'setCtty').map((o) => (o as { fd: number }).fd)).toEqual([-1]);
  });

  it('exec: a console op right after stdio, nothing mounted', () => {
    const spec = defaultSpec(['sh']);
    const ops = buildProcessPlan({ ociVersion: spec.ociVersion, process: { ...spec.process!, terminal: true } }, {
      id: 'c1-exec', initPid: 42, namespaceTypes: ['pid', 'mount'], hostCapLast: 40, stdio: { stdin: -1, stdout: -1, stderr: -1 }, start: { kind: 'pipe' },
    }).ops;
    const stdio = ops.findIndex((o) => o.op === 'stdio');
    expect(ops[stdio + 1]).toMatchObject({ op: 'console', mountConsole: false, rows: 0, cols: 0 });
    expect(ops.some((o) => o.op === 'mount')).toBe(false);
  });

  it('fixStdio for the process user right before setgroups (init and exec)', () => {
    const spec = defaultSpec(['sh']);
    const user = { ...spec, process: { ...spec.process!, user: { uid: 1000, gid: 1000 } } };
    for (const ops of [buildPlan(user, ctx).ops, buildProcessPlan({ ociVersion: spec.ociVersion, process: user.process }, {
      id: 'c1-exec', initPid: 42, namespaceTypes: ['pid', 'mount'], hostCapLast: 40, stdio: { stdin: 5, stdout: 5, stderr: 5 }, start: { kind: 'pipe' },
    }).ops]) {
      const groups = ops.findIndex((o) => o.op === 'setgroups');
      expect(ops[groups - 1]).toMatchObject({ op: 'fixStdio', uid: 1000 });
    }
  });
});
