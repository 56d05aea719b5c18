//! User namespaces side by side: what a container with uid/gid mappings owns. runc expects the
//! rootfs as it is (no chown: host root's files show as nobody) and gives the container's root the
//! filesystems it mounts itself; tsrun does the same. One documented difference: runc creates the
//! ipc namespace (and so /dev/mqueue) before setting its gid, so /dev/mqueue's group is the
//! unmapped 65534 there and the container root's (0) with tsrun.
import fs from 'node:fs';
import { userNamespaceHolder } from '../../helpers/userns-holder';
import { expectRuncExit, expectSameSections, expectTsrunExit, section } from './expect-same';
import { CaseGroup } from './suite';

const STAT = "for p in / /bin/busybox /dev /dev/null /dev/zero /dev/tty /dev/pts /dev/pts/ptmx /dev/shm /proc /sys; do stat -c '%n %u:%g %a' $p; done; cat /proc/self/setgroups; id; touch /dev/shm/x && echo shm-writable; touch /x 2>/dev/null || echo rootfs-readonly";

export const USERNS: CaseGroup = {
  group: 'userns',
  title: 'side by side: user namespaces',
  cases: [
    {
      name: 'ownership with uid/gid mappings: rootfs as is, own mounts the container root\'s, setgroups allowed',
      run: async (sbs) => {
        const p = await sbs.runBoth({
          name: 'userns-own',
          edit: (c) => {
            c.linux.namespaces.push({ type: 'user' });
            c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
            c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
          },
          probe: { sections: [], tail: `${STAT}; stat -c '%n %u:%g %a' /dev/mqueue` },
        });
        expectRuncExit(p, 0);
        const runc = section(p.runc, 'tail').split('\n');
        expect(runc).toEqual(expect.arrayContaining(['/ 65534:65534 755', '/dev/null 65534:65534 666', '/dev/shm 0:0 1777', 'allow', 'uid=0(root) gid=0(root)', 'shm-writable', 'rootfs-readonly']));
        expect(runc).toContain('/dev/mqueue 0:65534 1777');
        expectTsrunExit(p, 0);
        const tsrun = section(p.tsrun, 'tail').split('\n');
        expect(tsrun.filter((l) => !l.startsWith('/dev/mqueue '))).toEqual(runc.filter((l) => !l.startsWith('/dev/mqueue ')));
        expect(tsrun).toContain('/dev/mqueue 0:0 1777');
      },
    },
    {
      name: 'a non-root user with additional groups in a user namespace: ids, capabilities, maps, setgroups',
      run: async (sbs) => {
        const p = await sbs.runBoth({
          name: 'userns-ids',
          edit: (c) => {
            c.process.user = { uid: 1000, gid: 1000, additionalGids: [1000, 2000] };
            c.linux.namespaces.push({ type: 'user' });
            c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
            c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
          },
          probe: { sections: ['id', 'status'], tail: 'cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups' },
        });
        expectRuncExit(p, 0);
        expect(section(p.runc, 'id')).toBe('uid=1000 gid=1000 groups=1000,2000');
        expectTsrunExit(p, 0);
        expectSameSections(p, ['id', 'status', 'tail']);
      },
    },
    {
      // Kubernetes pods with user namespaces: each container joins the sandbox's. The namespaces it
      // creates must belong to the joined user namespace (tsrun: a second clone after the join,
      // as runc's nsexec), or mounting fails with EPERM. runc 1.1.5 wants the mappings in
      // config.json too (it refuses a user namespace without them).
      name: 'joining a user namespace by path while creating mount, pid, uts, ipc and network namespaces',
      run: async (sbs) => {
        const holder = await userNamespaceHolder();
        try {
          const p = await sbs.runBoth({
            name: 'userns-join',
            edit: (c) => {
              c.linux.namespaces = [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'user', path: holder.nsPath }];
              c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
              c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
            },
            probe: { sections: ['id', 'status'], tail: `cat /proc/self/uid_map /proc/self/gid_map; echo pid=$$; readlink /proc/self/ns/user; hostname; ${STAT}` },
          });
          const userns = fs.readlinkSync(holder.nsPath);
          expectRuncExit(p, 0);
          const runc = section(p.runc, 'tail').split('\n').map((l) => l.trim().replace(/\s+/g, ' '));
          expect(runc).toEqual(expect.arrayContaining(['0 100000 65536', 'pid=1', userns, 'uid=0(root) gid=0(root)']));
          expectTsrunExit(p, 0);
          expectSameSections(p, ['id', 'status', 'tail']);
        } finally {
          await holder.stop();
        }
      },
    },
  ],
};
