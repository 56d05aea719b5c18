//! Bad input, side by side through the CLI: user namespace mappings that overlap or run past
//! 2^32, device entries with a bad type, malformed seccomp profiles, and LSM fields this host
//! cannot honour (no AppArmor, no SELinux here). Both runtimes must refuse at create and leave
//! nothing behind; tsrun's message names the JSON path of the field. runc 1.1.5's messages are the
//! reference where it has one (some are obscure: an overlapping uid map only shows as "can't get
//! final child's PID from pipe: EOF"). Where runc 1.1.5 predates the feature (id-mapped mounts,
//! time namespaces: runc 1.2) the case says what it does instead.
import { Config } from './bundle';
import { expectCleanRefusals, refuse } from './cases-negative';
import { CaseGroup } from './suite';

const USERNS = (c: Config, uid: unknown[]) => {
  c.linux.namespaces.push({ type: 'user' });
  c.linux.uidMappings = uid;
  c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
};

export const BAD_INPUT: CaseGroup = {
  group: 'bad-input',
  title: 'side by side: bad input is refused with the field named',
  cases: [
    {
      name: 'uid mappings that overlap',
      run: async (sbs) => {
        const p = await sbs.onBoth((r) => refuse(sbs, r, 'uidoverlap', {
          edit: (c) => USERNS(c, [{ containerID: 0, hostID: 100000, size: 100 }, { containerID: 50, hostID: 200000, size: 100 }]),
        }));
        // runc finds out when the kernel refuses the uid_map write
        expectCleanRefusals(p, /can't get final child's PID from pipe: EOF/, /linux\.uidMappings\[1\]: container ids 50\.\.149 overlap another entry \(0\.\.99\)/);
      },
    },
    {
      name: 'a uid mapping that runs past 2^32',
      run: async (sbs) => {
        const p = await sbs.onBoth((r) => refuse(sbs, r, 'uidpast', { edit: (c) => USERNS(c, [{ containerID: 4294967000, hostID: 100000, size: 65536 }]) }));
        expectCleanRefusals(p, /no user mapping found/, /linux\.uidMappings\[0\]\.size: 65536 ids from containerID 4294967000 \/ hostID 100000 run past 4294967295; lower size"?$/);
      },
    },
    {
      name: 'a device entry with a bad type',
      run: async (sbs) => {
        const p = await sbs.onBoth((r) => refuse(sbs, r, 'devtype', { edit: (c) => (c.linux.devices = [{ path: '/dev/x', type: 'x', major: 1, minor: 3 }]) }));
        expectCleanRefusals(p, /invalid device type "x"|invalid device type \\"x\\"/, /linux\.devices\[0\]\.type: \\?"x\\?" is not a device type/);
      },
    },
    {
      name: 'a seccomp profile with an unknown default action',
      run: async (sbs) => {
        const p = await sbs.onBoth((r) => refuse(sbs, r, 'scaction', { edit: (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_BOGUS' }) }));
        expectCleanRefusals(p, /SCMP_ACT_BOGUS is not a valid action for seccomp/, /linux\.seccomp\.defaultAction: \\?"SCMP_ACT_BOGUS\\?" is not a seccomp action/);
      },
    },
    {
      name: 'a seccomp profile with an unknown architecture',
      run: async (sbs) => {
        const p = await sbs.onBoth((r) => refuse(sbs, r, 'scarch', { edit: (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_BOGUS'] }) }));
        expectCleanRefusals(p, /SCMP_ARCH_BOGUS is not a valid arch for seccomp/, /linux\.seccomp\.architectures\[0\]: \\?"SCMP_ARCH_BOGUS\\?" is not a seccomp architecture/);
      },
    },
    {
      name: 'a seccomp rule on a syscall argument past the sixth',
      run: async (sbs) => {
        const p = await sbs.onBoth((r) => refuse(sbs, r, 'scarg', {
          edit: (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ERRNO', args: [{ index: 9, value: 1, op: 'SCMP_CMP_EQ' }] }] }),
        }));
        expectCleanRefusals(p, /syscalls only have up to 6 arguments/, /linux\.seccomp\.syscalls\[0\]\.args\[0\]\.index: must be an integer from 0 to 5, not 9/);
      },
    },
    {
      name: 'a seccomp profile whose syscalls is not a list',
      run: async (sbs) => {
        const p = await sbs.onBoth((r) => refuse(sbs, r, 'scshape', { edit: (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: 'getpid' }) }));
        expectCleanRefusals(p, /cannot unmarshal string into Go struct field LinuxSeccomp\.linux\.seccomp\.syscalls/, /linux\.seccomp\.syscalls: must be an array/);
      },
    },
    {
      name: 'an AppArmor profile on a host without AppArmor',
      run: async (sbs) => {
        const p = await sbs.onBoth((r) => refuse(sbs, r, 'apparmor', { edit: (c) => (c.process.apparmorProfile = 'tsrun-test') }));
        // runc finds out in its init, writing /proc/self/attr/exec; tsrun before it starts anything
        expectCleanRefusals(p, /apparmor failed to apply profile: write \/proc\/self\/attr\/exec: invalid argument/, /process\.apparmorProfile: cannot be applied: AppArmor is not enabled on this host/);
      },
    },
    {
      name: 'an SELinux process label on a host without SELinux',
      run: async (sbs) => {
        const p = await sbs.onBoth((r) => refuse(sbs, r, 'selinux', { edit: (c) => (c.process.selinuxLabel = 'system_u:system_r:container_t:s0') }));
        expectCleanRefusals(p, /selinux label is specified in config, but selinux is disabled or not supported/, /process\.selinuxLabel: cannot be applied: SELinux is disabled or not supported on this host/);
      },
    },
    {
      name: 'an SELinux mount label on a host without SELinux',
      run: async (sbs) => {
        const p = await sbs.onBoth((r) => refuse(sbs, r, 'mountlabel', { edit: (c) => (c.linux.mountLabel = 'system_u:object_r:container_file_t:s0') }));
        // runc mounts /dev's tmpfs with context="…" and the kernel says EINVAL
        expectCleanRefusals(p, /context=.*invalid argument/, /linux\.mountLabel: cannot be applied to mounts\[1\] \(tmpfs\): SELinux is disabled/);
      },
    },
    {
      name: 'time offsets without a time namespace (runc 1.1.5 ignores linux.timeOffsets and runs)',
      run: async (sbs) => {
        const p = await sbs.onBoth((r) => refuse(sbs, r, 'timeoff', { edit: (c) => (c.linux.timeOffsets = { boottime: { secs: 10, nanosecs: 0 } }) }));
        // runc 1.2 refuses: "time namespace offsets specified, but time namespace isn't enabled in the config"
        expect(p.runc).toMatchObject({ code: 0, stateAnswers: true });
        expect(p.tsrun).toMatchObject({ code: 1, stateAnswers: false, stateDir: false, cgroups: [] });
        expect(p.tsrun.stderr).toMatch(/linux\.timeOffsets: needs a time namespace; add \{\\?"type\\?": \\?"time\\?"\} to linux\.namespaces/);
      },
    },
    {
      name: '"idmap" on a bind mount without a user namespace (runc 1.1.5 does not know "idmap": a plain bind)',
      run: async (sbs) => {
        const p = await sbs.onBoth((r) => refuse(sbs, r, 'idmapnous', {
          edit: (c, b) => c.mounts.push({ destination: '/mnt', source: b.dir, type: 'bind', options: ['rbind', 'idmap'] }),
        }));
        // runc 1.2 refuses: "id-mapped mounts must have both uid and gid mappings specified"
        expect(p.runc).toMatchObject({ code: 0, stateAnswers: true });
        expect(p.tsrun).toMatchObject({ code: 1, stateAnswers: false, stateDir: false, cgroups: [] });
        expect(p.tsrun.stderr).toMatch(/mounts\[\d+\]\.options: \\?"idmap\\?" without uidMappings\/gidMappings on the mount uses the container's user namespace mappings, but there are none/);
      },
    },
    {
      name: 'uid mappings on a tmpfs mount',
      run: async (sbs) => {
        const maps = [{ containerID: 0, hostID: 1000, size: 1 }];
        const p = await sbs.onBoth((r) => refuse(sbs, r, 'idmaptmpfs', {
          edit: (c) => c.mounts.push({ destination: '/mnt', source: 'tmpfs', type: 'tmpfs', uidMappings: maps, gidMappings: maps }),
        }));
        // runc 1.1.5 ignores mount mappings (a plain tmpfs); runc 1.2: "id-mapped mounts are only supported for bind-mounts"
        expect(p.runc).toMatchObject({ code: 0, stateAnswers: true });
        expect(p.tsrun).toMatchObject({ code: 1, stateAnswers: false, stateDir: false, cgroups: [] });
        expect(p.tsrun.stderr).toMatch(/mounts\[\d+\]\.uidMappings: id mappings apply only to bind mounts/);
      },
    },
  ],
};
