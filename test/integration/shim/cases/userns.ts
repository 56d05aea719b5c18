//! User namespace, id-mapped mount, time namespace and LSM configuration through `ctr run --config`
//! (the shim's Create), and bad input: Create's error reaches ctr naming the field. The reference is
//! containerd's runc.v2 shim with Debian's runc 1.1.5, which predates id-mapped mounts and time
//! namespaces (runc 1.2): where it behaves differently the case says so and checks what it does.
import * as fs from 'fs';
import * as path from 'path';
import { ctr, ctrOk } from '../../../helpers/containerd';
import { testEnv } from '../../../helpers/env';
import { RUNC, runFlags, ShimCase, ShimTest, waitForTask, writeSpec } from '../support';

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function runWithSpec(t: ShimTest, label: string, args: string[], edit: (s: Spec) => void) {
  const id = t.res.container(label);
  const spec = await writeSpec(t.h, id, t.res.dir('spec'), { args, edit });
  return ctr(t.h, ['run', '--rm', ...runFlags(t.runtime), '--config', spec, id]);
}

const USERNS = (s: Spec, uid = [{ containerID: 0, hostID: 100000, size: 65536 }]) => {
  s.linux.namespaces.push({ type: 'user' });
  s.linux.uidMappings = uid;
  s.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
};

/** Create refused: ctr fails, the message has `runc` (reference) or `tsrun` (the field) in it. */
async function expectRefused(t: ShimTest, label: string, edit: (s: Spec) => void, runc: RegExp, tsrun: RegExp): Promise<void> {
  const r = await runWithSpec(t, label, ['true'], edit);
  expect(r.code).not.toBe(0);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(t.runtime === RUNC ? runc : tsrun);
}

/** a host directory (mode 0755) owned by 1000:1000 with one file */
function thousandsDir(t: ShimTest): string {
  const d = t.res.dir('idmap');
  fs.chmodSync(d, 0o755);
  fs.writeFileSync(path.join(d, 'f'), 'x');
  fs.chownSync(path.join(d, 'f'), 1000, 1000);
  fs.chownSync(d, 1000, 1000);
  return d;
}

const YEAR = 365 * 24 * 3600;

export const USERNS_CASES: readonly ShimCase[] = [
  {
    name: 'a user namespace: root inside is host uid 100000',
    run: async (t) => {
      const r = await runWithSpec(t, 'userns', ['sh', '-c', 'id -u; cat /proc/self/uid_map'], (s) => USERNS(s));
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      expect(r.stdout.replace(/ +/g, ' ')).toBe('0\n 0 100000 65536\n');
    },
  },
  {
    name: 'an id-mapped bind mount shows uid 1000\'s files as root\'s, and root\'s new files land as 1000 (runc 1.1.5: a plain bind)',
    run: async (t) => {
      const d = thousandsDir(t);
      const maps = [{ containerID: 1000, hostID: 0, size: 1 }];
      const r = await runWithSpec(t, 'idmap', ['sh', '-c', "stat -c '%u:%g' /mnt/f; touch /mnt/new && echo created"], (s) => {
        s.mounts.push({ destination: '/mnt', type: 'bind', source: d, options: ['rbind'], uidMappings: maps, gidMappings: maps });
      });
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      const created = fs.statSync(path.join(d, 'new'));
      if (t.runtime === RUNC) {
        // runc 1.1.5 does not know mounts[].uidMappings: the host ids show through
        expect(r.stdout).toBe('1000:1000\ncreated\n');
        expect([created.uid, created.gid]).toEqual([0, 0]);
      } else {
        expect(r.stdout).toBe('0:0\ncreated\n');
        expect([created.uid, created.gid]).toEqual([1000, 1000]);
      }
    },
  },
  {
    name: 'time namespace offsets shift /proc/uptime; an exec sees them too (runc 1.1.5: no time namespace)',
    run: async (t) => {
      const edit = (s: Spec) => {
        s.linux.namespaces.push({ type: 'time' });
        s.linux.timeOffsets = { boottime: { secs: YEAR, nanosecs: 0 } };
      };
      if (t.runtime === RUNC) {
        const r = await runWithSpec(t, 'timens', ['true'], edit);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(/namespace \{\\?"time\\?" \\?"\\?"\} does not exist/);
        return;
      }
      const id = t.res.container('timens');
      const spec = await writeSpec(t.h, id, t.res.dir('spec'), { args: ['sleep', '1000'], edit });
      await ctrOk(t.h, ['run', '-d', ...runFlags(t.runtime), '--config', spec, id]);
      await waitForTask(t.h, id, 'RUNNING');
      const r = await ctr(t.h, ['task', 'exec', '--fifo-dir', testEnv().fifoDir, '--exec-id', 'up', id, 'cat', '/proc/uptime', '/proc/self/timens_offsets']);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      // containerd 1.6's Go spec types (runtime-spec 1.0.2) have no timeOffsets: ctr drops them
      // on the way to the shim, which gets a time namespace without offsets
      const bundle = path.join(t.h.dir, 'state', 'io.containerd.runtime.v2.task', t.h.namespace, id, 'config.json');
      const offsets = (JSON.parse(fs.readFileSync(bundle, 'utf8')) as Spec).linux.timeOffsets;
      expect(offsets?.boottime?.secs).toEqual(t.h.version === '1.6' ? undefined : YEAR);
      const secs = offsets === undefined ? 0 : YEAR;
      const [uptime, monotonic, boottime] = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
      expect({ monotonic, boottime }).toEqual({ monotonic: ['monotonic', '0', '0'], boottime: ['boottime', String(secs), '0'] });
      if (secs > 0) expect(Number(uptime?.[0])).toBeGreaterThan(YEAR);
    },
  },
  {
    name: 'bad input: overlapping uid mappings',
    run: (t) => expectRefused(t, 'uidoverlap', (s) => USERNS(s, [{ containerID: 0, hostID: 100000, size: 100 }, { containerID: 50, hostID: 200000, size: 100 }]),
      /can't get final child's PID from pipe: EOF/, /linux\.uidMappings\[1\]: container ids 50\.\.149 overlap another entry \(0\.\.99\); make the ranges disjoint/),
  },
  {
    name: 'bad input: a uid mapping past 2^32',
    run: (t) => expectRefused(t, 'uidpast', (s) => USERNS(s, [{ containerID: 4294967000, hostID: 100000, size: 65536 }]),
      /no user mapping found/, /linux\.uidMappings\[0\]\.size: 65536 ids from containerID 4294967000 \/ hostID 100000 run past 4294967295; lower size/),
  },
  {
    name: 'bad input: a device entry with a bad type',
    run: (t) => expectRefused(t, 'devtype', (s) => (s.linux.devices = [{ path: '/dev/x', type: 'x', major: 1, minor: 3 }]),
      /invalid device type/, /linux\.devices\[0\]\.type: \\?"x\\?" is not a device type; use one of c, b, u, p/),
  },
  {
    name: 'bad input: a seccomp profile with an unknown action',
    run: (t) => expectRefused(t, 'scaction', (s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_BOGUS' }] }),
      /SCMP_ACT_BOGUS is not a valid action for seccomp/, /linux\.seccomp\.syscalls\[0\]\.action: \\?"SCMP_ACT_BOGUS\\?" is not a seccomp action/),
  },
  {
    name: 'bad input: an AppArmor profile on this host without AppArmor',
    run: (t) => expectRefused(t, 'apparmor', (s) => (s.process.apparmorProfile = 'tsrun-test'),
      /apparmor failed to apply profile/, /process\.apparmorProfile: cannot be applied: AppArmor is not enabled on this host/),
  },
  {
    name: 'bad input: "idmap" without a user namespace (runc 1.1.5: a plain bind)',
    run: async (t) => {
      const edit = (s: Spec) => s.mounts.push({ destination: '/mnt', type: 'bind', source: t.res.dir('idmap'), options: ['rbind', 'idmap'] });
      if (t.runtime === RUNC) {
        const r = await runWithSpec(t, 'idmapnous', ['true'], edit);
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
        return;
      }
      await expectRefused(t, 'idmapnous', edit, /never/, /mounts\[\d+\]\.options: \\?"idmap\\?" without uidMappings\/gidMappings on the mount uses the container's user namespace mappings, but there are none/);
    },
  },
];
