// The order of a new user namespace's setup: the child waits for its maps, becomes root inside,
// and only then creates the ipc namespace (whose mqueue filesystem takes its owner from the
// creator, as with runc); the other namespaces come with clone.
import { CLONE } from '../../../src/runtime/linux-constants';
import { buildPlan, type PlanContext } from '../../../src/runtime/plan';
import { validateSpec } from '../../../src/runtime/validate';
import { runcSpecWith } from './helpers';

const ctx: PlanContext = { id: 'c', rootfs: '/b/rootfs', bundle: '/b', hostCapLast: 40, stdio: { stdin: -1, stdout: -1, stderr: -1 }, start: { kind: 'pipe' } };

test('with a new user namespace, ipc is unshared after the maps and the switch to root', () => {
  const plan = buildPlan(validateSpec(runcSpecWith((s) => {
    s.linux.namespaces.push({ type: 'user' });
    s.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    s.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  })), ctx);
  expect(plan.cloneFlags & CLONE.NEWIPC).toBe(0);
  expect(plan.cloneFlags & CLONE.NEWUSER).toBe(CLONE.NEWUSER);
  expect(plan.ops.slice(0, 4).map((o) => o.step)).toEqual(['wait for uid/gid maps', 'become gid 0 in the user namespace', 'become uid 0 in the user namespace', 'create ipc namespace']);
  expect(plan.ops[3]).toMatchObject({ op: 'unshare', flags: CLONE.NEWIPC });
});

test('without one, ipc comes with clone', () => {
  const plan = buildPlan(validateSpec(runcSpecWith(() => {})), ctx);
  expect(plan.cloneFlags & CLONE.NEWIPC).toBe(CLONE.NEWIPC);
  expect(plan.ops.some((o) => o.op === 'unshare' && o.flags === CLONE.NEWIPC)).toBe(false);
});
