import fc from 'fast-check';
import { decodePlan, encodePlan, OP_CODES } from '../../../src/runtime/encode';
import type { LaunchPlan, PlanOp } from '../../../src/runtime/plan-types';

const base: Omit<LaunchPlan, 'ops'> = {
  id: 'c1', cloneFlags: 0x20000000 | 0x00020000, joinPidNs: null, rootfs: '/r', namespaces: [],
  uidMappings: [], gidMappings: [], start: { kind: 'pipe' },
};

describe('encodePlan', () => {
  it('round-trips header fields and op arguments', () => {
    const ops: PlanOp[] = [
      { op: 'mount', step: 'mount proc on /proc', source: 'proc', target: '/proc', fstype: 'proc', flags: 14, data: null, base: 'root', mkTarget: 'dir' },
      { op: 'setrlimit', step: 'set RLIMIT_NOFILE', resource: 7, soft: 1024n, hard: 0xffffffffffffffffn },
      { op: 'exec', step: 'exec "sh"', path: 'sh', argv: ['sh', '-c', 'exit 3'], env: ['A=1', 'PATH=/bin'] },
    ];
    const buf = encodePlan({ ...base, joinPidNs: '/proc/1/ns/pid', start: { kind: 'fifo', path: '/run/x/exec.fifo' }, ops });
    expect(buf.length % 8).toBe(0);
    const d = decodePlan(buf);
    expect(d.cloneFlags).toBe(0x20020000n);
    expect(d.startKind).toBe(1);
    expect(d.joinPidNs).toBe('/proc/1/ns/pid');
    expect(d.rootfs).toBe('/r');
    expect(d.ops.map((o) => o.code)).toEqual([OP_CODES.mount, OP_CODES.setrlimit, OP_CODES.exec]);
    expect(d.ops[0]).toEqual({ code: 4, step: 0, ints: [14n, 0n, 1n], strs: ['proc', '/proc', 'proc', null] });
    expect(d.ops[1]?.ints).toEqual([7n, 1024n, -1n]);
    expect(d.ops[2]?.strs).toEqual(['sh', 'sh', '-c', 'exit 3', 'A=1', 'PATH=/bin']);
    expect(d.ops[2]?.ints).toEqual([3n]);
  });

  it('adds the TSR_MOUNT_* int (copy-up 1, keep-mode 2) only when one is set (other mounts encode as before)', () => {
    const m: PlanOp = { op: 'mount', step: 'mount tmpfs on /run (tmpcopyup)', source: 'tmpfs', target: '/run', fstype: 'tmpfs', flags: 6, data: 'mode=755', base: 'root', mkTarget: 'dir', copyUp: true };
    const d = decodePlan(encodePlan({ ...base, ops: [m, { ...m, keepMode: true }, { ...m, copyUp: false, keepMode: true }, { ...m, copyUp: false }] }));
    expect(d.ops.map((o) => o.ints)).toEqual([[6n, 0n, 1n, 1n], [6n, 0n, 1n, 3n], [6n, 0n, 1n, 2n], [6n, 0n, 1n]]);
  });

  it('rejects NUL bytes in strings', () => {
    expect(() => encodePlan({ ...base, ops: [{ op: 'chdir', step: 'chdir', path: 'a\0b' }] })).toThrow(/NUL/);
  });

  it('round-trips any strings and ints (property)', () => {
    const str = fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\0'));
    fc.assert(
      fc.property(fc.array(str, { maxLength: 6 }), fc.array(fc.integer({ min: -1, max: 2 ** 31 - 1 }), { maxLength: 6 }), (args, fds) => {
        const ops: PlanOp[] = [
          { op: 'stdio', step: 's', fds },
          { op: 'exec', step: 'e', path: '/x', argv: ['/x', ...args], env: args },
        ];
        const d = decodePlan(encodePlan({ ...base, rootfs: null, ops }));
        expect(d.rootfs).toBeNull();
        expect(d.ops[0]?.ints).toEqual(fds.map(BigInt));
        expect(d.ops[1]?.strs).toEqual(['/x', '/x', ...args, ...args]);
      }),
    );
  });
});
