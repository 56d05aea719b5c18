// Id-mapped mounts (runtime-spec 1.2+): validation of mounts[].uidMappings/gidMappings and the
// "idmap"/"ridmap" options, and the moveMount op the planner makes of them (runc 1.2's rules).
import { buildPlan, type PlanContext } from '../../../src/runtime/plan';
import type { PlanOp } from '../../../src/runtime/plan-types';
import { decodePlan, encodePlan, OP_CODES } from '../../../src/runtime/encode';
import { validateSpec } from '../../../src/runtime/validate';
import { issuesOf, runcSpecWith } from './helpers';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const MAP = [{ containerID: 0, hostID: 1000, size: 1 }];
const bindWith = (extra: Json) => (s: Json) => {
  s.mounts.push({ destination: '/data', source: '/srv/data', type: 'bind', options: ['rbind'], ...extra });
};
const withUserns = (s: Json) => {
  s.linux.namespaces.push({ type: 'user' });
  s.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  s.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
};
const issues = (mutate: (s: Json) => void) => issuesOf(runcSpecWith(mutate)).map((i) => `${i.path}: ${i.message}`);

describe('validation', () => {
  it('accepts mappings on a bind mount, and "idmap"/"ridmap" with a user namespace', () => {
    expect(issues(bindWith({ uidMappings: MAP, gidMappings: MAP }))).toEqual([]);
    expect(issues((s) => {
      withUserns(s);
      bindWith({ options: ['rbind', 'ridmap'] })(s);
    })).toEqual([]);
    expect(issues((s) => {
      s.linux.namespaces.push({ type: 'user', path: '/proc/1/ns/user' });
      bindWith({ options: ['bind', 'idmap'] })(s);
    })).toEqual([]);
  });

  it('needs both uid and gid mappings', () => {
    expect(issues(bindWith({ uidMappings: MAP }))).toEqual([
      'mounts[7].gidMappings: is required with the other id mapping; an id-mapped mount needs both uidMappings and gidMappings',
    ]);
  });

  it('refuses mappings and "idmap" on a mount that is not a bind mount', () => {
    expect(issues((s) => s.mounts.push({ destination: '/t', type: 'tmpfs', source: 'tmpfs', uidMappings: MAP, gidMappings: MAP }))).toEqual([
      'mounts[7].uidMappings: id mappings apply only to bind mounts; add "bind" or "rbind" to options',
    ]);
    expect(issues((s) => s.mounts.push({ destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['ridmap'] }))).toEqual([
      'mounts[7].options: "ridmap" applies only to bind mounts; add "bind" or "rbind" to options or remove "ridmap"',
    ]);
  });

  it('refuses "idmap" without mappings when the container has no user namespace to take them from', () => {
    expect(issues(bindWith({ options: ['bind', 'idmap'] }))).toEqual([
      'mounts[7].options: "idmap" without uidMappings/gidMappings on the mount uses the container\'s user namespace mappings, but there are none; give the mount its own uidMappings and gidMappings or add {"type": "user"} to linux.namespaces with linux.uidMappings/gidMappings',
    ]);
  });

  it('refuses overlapping ranges, ranges past 2^32 and an empty range, naming the entry', () => {
    expect(issues(bindWith({
      uidMappings: [{ containerID: 0, hostID: 1000, size: 10 }, { containerID: 5, hostID: 5000, size: 10 }],
      gidMappings: [{ containerID: 0, hostID: 1000, size: 10 }, { containerID: 100, hostID: 1005, size: 10 }],
    }))).toEqual([
      'mounts[7].uidMappings[1]: container ids 5..14 overlap another entry (0..9); make the ranges disjoint',
      'mounts[7].gidMappings[1]: host ids 1005..1014 overlap another entry (1000..1009); make the ranges disjoint',
    ]);
    expect(issues(bindWith({ uidMappings: [{ containerID: 4294967290, hostID: 0, size: 10 }], gidMappings: [{ containerID: 0, hostID: 0, size: 0 }] }))).toEqual([
      'mounts[7].uidMappings[0].size: 10 ids from containerID 4294967290 / hostID 0 run past 4294967295; lower size',
      expect.stringMatching(/^mounts\[7\]\.gidMappings\[0\]\.size: /),
    ]);
  });
});

const ctx: PlanContext = { id: 'c', rootfs: '/b/rootfs', bundle: '/b', hostCapLast: 40, stdio: { stdin: -1, stdout: -1, stderr: -1 }, start: { kind: 'pipe' } };
const moveMounts = (raw: Json) => buildPlan(validateSpec(raw), ctx).ops.filter((o): o is Extract<PlanOp, { op: 'moveMount' }> => o.op === 'moveMount');

describe('planning', () => {
  it('mappings without an option: the top mount of the copied tree only, rbind copies the whole tree', () => {
    const [op] = moveMounts(runcSpecWith(bindWith({ uidMappings: MAP, gidMappings: MAP })));
    expect(op).toMatchObject({
      step: 'mount bind /srv/data on /data (id-mapped)', source: '/srv/data', target: '/data', base: 'root', mkTarget: 'auto',
      idmap: { recursiveTree: true, recursiveIdmap: false, uidMappings: MAP, gidMappings: MAP },
    });
    expect(op!.fd).toBeUndefined();
  });

  it('"ridmap" maps every mount of the tree; "bind" copies only the top mount', () => {
    const [r] = moveMounts(runcSpecWith(bindWith({ options: ['rbind', 'ridmap'], uidMappings: MAP, gidMappings: MAP })));
    expect(r!.idmap).toMatchObject({ recursiveTree: true, recursiveIdmap: true });
    const [b] = moveMounts(runcSpecWith(bindWith({ options: ['bind', 'idmap'], uidMappings: MAP, gidMappings: MAP })));
    expect(b!.idmap).toMatchObject({ recursiveTree: false, recursiveIdmap: false });
  });

  it('"idmap" alone takes the container\'s mappings, or the path of the user namespace it joins', () => {
    const [own] = moveMounts(runcSpecWith((s) => {
      withUserns(s);
      bindWith({ options: ['rbind', 'idmap'] })(s);
    }));
    expect(own!.idmap).toEqual({ recursiveTree: true, recursiveIdmap: false, uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }] });
    const [joined] = moveMounts(runcSpecWith((s) => {
      s.linux.namespaces.push({ type: 'user', path: '/proc/42/ns/user' });
      bindWith({ options: ['rbind', 'idmap'] })(s);
    }));
    expect(joined!.idmap).toMatchObject({ usernsPath: '/proc/42/ns/user', uidMappings: [], gidMappings: [] });
  });

  it('flags such as "ro" are applied by a remount after the move, as for plain binds', () => {
    const ops = buildPlan(validateSpec(runcSpecWith(bindWith({ options: ['rbind', 'ro', 'nosuid', 'rprivate'], uidMappings: MAP, gidMappings: MAP }))), ctx).ops;
    const i = ops.findIndex((o) => o.op === 'moveMount');
    expect(ops[i + 1]).toMatchObject({ op: 'mount', step: 'remount /data (rbind,ro,nosuid,rprivate)', target: '/data' });
    expect(ops[i + 2]).toMatchObject({ op: 'mount', step: 'set propagation of /data' });
  });

  it('encodes with the fd src/linux filled in, and refuses to encode without it', () => {
    const plan = buildPlan(validateSpec(runcSpecWith(bindWith({ uidMappings: MAP, gidMappings: MAP }))), ctx);
    expect(() => encodePlan(plan)).toThrow('mount bind /srv/data on /data (id-mapped): the id-mapped mount is not prepared (src/linux opens it before spawning)');
    const ready = { ...plan, ops: plan.ops.map((o) => (o.op === 'moveMount' ? { ...o, fd: 300 } : o)) };
    const op = decodePlan(encodePlan(ready)).ops.find((o) => o.code === OP_CODES.moveMount);
    expect(op).toMatchObject({ ints: [300n, 0n, 3n], strs: ['/srv/data', '/data'] });
  });
});
