// process.terminal in launch plans: setCtty right after stdio (init and exec), the pty slave bound
// on /dev/console for an init given its path.
import { MS } from '../../../src/runtime/linux-constants';
import { buildPlan, buildProcessPlan, type PlanContext } from '../../../src/runtime/plan';
import { encodePlan } from '../../../src/runtime/encode';
import { defaultSpec } from '../../helpers/busybox-bundle';

const ctx: PlanContext = {
  id: 'c1', rootfs: '/b/rootfs', bundle: '/b', hostCapLast: 40,
  stdio: { stdin: 10, stdout: 10, stderr: 10, console: '/dev/pts/7' }, start: { kind: 'pipe' },
};

describe('terminal plans', () => {
  it('init: setCtty on fd 0 after stdio, /dev/console bound from the slave path', () => {
    const spec = defaultSpec(['sh']);
    const ops = buildPlan({ ...spec, process: { ...spec.process!, terminal: true } }, ctx).ops;
    const stdio = ops.findIndex((o) => o.op === 'stdio');
    expect(ops[stdio + 1]).toMatchObject({ op: 'setCtty', fd: 0 });
    const console = ops.find((o) => o.op === 'mount' && o.target === '/dev/console');
    expect(console).toMatchObject({ source: '/dev/pts/7', flags: MS.BIND, base: 'root', mkTarget: 'file' });
    expect(() => encodePlan(buildPlan({ ...spec, process: { ...spec.process!, terminal: true } }, ctx))).not.toThrow();
  });

  it('no terminal: a new session only (setsid, fd -1, as runc), no /dev/console', () => {
    const ops = buildPlan(defaultSpec(['sh']), ctx).ops;
    expect(ops.filter((o) => o.op === 'setCtty').map((o) => (o as { fd: number }).fd)).toEqual([-1]);
    expect(ops.some((o) => o.op === 'mount' && o.target === '/dev/console')).toBe(false);
  });

  it('exec: setCtty after stdio, nothing mounted', () => {
    const spec = defaultSpec(['sh']);
    const ops = buildProcessPlan({ ociVersion: spec.ociVersion, process: { ...spec.process!, terminal: true } }, {
      id: 'c1-exec', initPid: 42, namespaceTypes: ['pid', 'mount'], hostCapLast: 40, stdio: { stdin: 5, stdout: 5, stderr: 5 }, start: { kind: 'pipe' },
    }).ops;
    const stdio = ops.findIndex((o) => o.op === 'stdio');
    expect(ops[stdio + 1]).toMatchObject({ op: 'setCtty', fd: 0 });
    expect(ops.some((o) => o.op === 'mount')).toBe(false);
  });
});
