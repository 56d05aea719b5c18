//! The container's configuration as `ctr run` flags (or a whole spec through `ctr run --config`,
//! for what ctr 1.6 has no flag for: user, hostname) reaching the process: env, cwd, user,
//! hostname, bind mounts, a read-only rootfs, memory and CPU limits, the OOM killer.
import * as fs from 'fs';
import * as path from 'path';
import { ctr, ctrOk, ctrRun } from '../../../helpers/containerd';
import { testEnv } from '../../../helpers/env';
import { cgroupDir, EventWatcher, removeContainer, runFlags, ShimCase, ShimTest, waitFor, waitForTask, writeSpec } from '../support';

const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `ctr run --rm --config SPEC ID` with a spec built by writeSpec(). */
async function runWithSpec(t: ShimTest, label: string, args: string[], edit: Parameters<typeof writeSpec>[3]['edit']) {
  const id = t.res.container(label);
  const spec = await writeSpec(t.h, id, t.res.dir('spec'), { args, edit });
  return ctr(t.h, ['run', '--rm', ...runFlags(t.runtime), '--config', spec, id]);
}

export const CONFIG_CASES: readonly ShimCase[] = [
  {
    name: 'env from --env and from the image reaches the process',
    run: async ({ h, runtime, res }) => {
      const r = await ctrRun(h, {
        id: res.container('env'),
        runtime,
        flags: ['--env', 'FOO=bar', '--env', 'SPACED=a b  c'],
        args: ['sh', '-c', 'echo "$FOO|$SPACED|$PATH"'],
      });
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: `bar|a b  c|${IMAGE_PATH}\n` });
    },
  },
  {
    name: '--cwd sets the working directory',
    run: async ({ h, runtime, res }) => {
      const r = await ctrRun(h, { id: res.container('cwd'), runtime, flags: ['--cwd', '/etc'], args: ['pwd'] });
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: '/etc\n' });
    },
  },
  {
    name: 'a non-root user with supplementary groups (spec through ctr run --config)',
    run: async (t) => {
      const r = await runWithSpec(t, 'user', ['sh', '-c', 'id -u; id -g; id -G'], (s) => {
        s.process.user = { uid: 1000, gid: 1001, additionalGids: [1001, 2000] };
      });
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: '1000\n1001\n1001 2000\n', stderr: '' });
    },
  },
  {
    name: 'a non-root user can reopen its stdio (/proc/self/fd/1, /dev/stderr): its pipes are chowned to it (runc\'s fixStdioPermissions)',
    run: async (t) => {
      const r = await runWithSpec(t, 'stdio-owner', ['sh', '-c', 'echo out > /proc/self/fd/1 && echo err > /dev/stderr && stat -L -c %u /proc/self/fd/0 /proc/self/fd/1'], (s) => {
        s.process.user = { uid: 1000, gid: 1000 };
      });
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: 'out\n1000\n1000\n', stderr: 'err\n' });
    },
  },
  {
    name: 'in a user namespace the IO owner decides: with ctr run --uidmap (io_uid/io_gid) a non-root user reopens its stdio, without it cannot',
    run: async (t) => {
      const userns = (s: Record<string, any>): void => { // eslint-disable-line @typescript-eslint/no-explicit-any
        s.process.user = { uid: 1000, gid: 1000 };
        (s.linux.namespaces as unknown[]).push({ type: 'user' });
        s.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        s.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      };
      const args = ['sh', '-c', 'echo hi > /proc/self/fd/1 && stat -L -c "%u %g" /proc/self/fd/1'];
      // ctr sends the owner as containerd.linux.runc.CreateOptions{io_uid, io_gid}: the shim makes
      // the pipes owned by the container's root, which can then give them to uid 1000; without it
      // they stay the host root's, which the container cannot chown (EPERM, skipped as runc does)
      const id = t.res.container('io-owner');
      const spec = await writeSpec(t.h, id, t.res.dir('spec'), { args, edit: userns });
      const owned = await ctr(t.h, ['run', '--rm', ...runFlags(t.runtime), '--uidmap', '0:100000:65536', '--gidmap', '0:100000:65536', '--config', spec, id]);
      expect({ code: owned.code, stdout: owned.stdout, stderr: owned.stderr }).toEqual({ code: 0, stdout: 'hi\n1000 0\n', stderr: '' });
      const plain = await runWithSpec(t, 'io-owner-none', args, userns);
      if (t.h.version === '1.6') {
        expect({ code: plain.code, stdout: plain.stdout, stderr: plain.stderr }).toEqual({ code: 1, stdout: '', stderr: expect.stringMatching(/Permission denied/) });
      } else {
        // ctr 1.7 derives the IO owner from the spec's user namespace mappings by itself
        expect({ code: plain.code, stdout: plain.stdout, stderr: plain.stderr }).toEqual({ code: 0, stdout: 'hi\n1000 0\n', stderr: '' });
      }
    },
  },
  {
    name: 'a non-root user keeps the ambient capability of the spec (ctr run --config)',
    run: async (t) => {
      // CAP_NET_BIND_SERVICE (bit 10) in every set, ambient included: the one capability left
      // to uid 1000 after exec.
      const r = await runWithSpec(t, 'ambient', ['sh', '-c', 'grep -E "^Cap(Eff|Amb)" /proc/self/status'], (s) => {
        s.process.user = { uid: 1000, gid: 1000 };
        const caps = ['CAP_NET_BIND_SERVICE'];
        s.process.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: caps, ambient: caps };
      });
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
        code: 0,
        stdout: 'CapEff:\t0000000000000400\nCapAmb:\t0000000000000400\n',
        stderr: '',
      });
    },
  },
  {
    name: 'the hostname of the spec (ctr run --config)',
    run: async (t) => {
      const r = await runWithSpec(t, 'hostname', ['hostname'], (s) => {
        s.hostname = 'tsrun-box';
      });
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: 'tsrun-box\n', stderr: '' });
    },
  },
  {
    name: '--mount binds host directories read-only and read-write',
    run: async ({ h, runtime, res }) => {
      const ro = res.dir('bind-ro');
      const rw = res.dir('bind-rw');
      fs.writeFileSync(path.join(ro, 'in.txt'), 'from the host\n');
      const r = await ctrRun(h, {
        id: res.container('mount'),
        runtime,
        flags: ['--mount', `type=bind,src=${ro},dst=/data,options=rbind:ro`, '--mount', `type=bind,src=${rw},dst=/out,options=rbind:rw`],
        args: ['sh', '-c', 'cat /data/in.txt; touch /data/new 2>/dev/null && echo writable || echo read-only; echo from the container > /out/f'],
      });
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: 'from the host\nread-only\n', stderr: '' });
      expect(fs.existsSync(path.join(ro, 'new'))).toBe(false);
      expect(fs.readFileSync(path.join(rw, 'f'), 'utf8')).toBe('from the container\n');
    },
  },
  {
    name: '--read-only makes the rootfs read-only',
    run: async ({ h, runtime, res }) => {
      const r = await ctrRun(h, {
        id: res.container('readonly'),
        runtime,
        flags: ['--read-only'],
        args: ['sh', '-c', 'touch /x 2>&1; echo rc=$?; cat /etc/passwd >/dev/null && echo readable'],
      });
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: 'touch: /x: Read-only file system\nrc=1\nreadable\n' });
    },
  },
  {
    name: '--memory-limit and --cpus are set on the container cgroup, which goes with the container',
    run: async ({ h, runtime, res }) => {
      const id = res.container('limits');
      await ctrOk(h, ['run', '-d', ...runFlags(runtime), '--memory-limit', '33554432', '--cpus', '0.5', testEnv().image.ref, id, 'sleep', '1000']);
      const pid = await waitForTask(h, id, 'RUNNING');
      const memory = cgroupDir(pid, 'memory');
      const cpu = cgroupDir(pid, 'cpu');
      expect(memory.endsWith(`/${h.namespace}/${id}`)).toBe(true);
      expect(fs.readFileSync(path.join(memory, 'memory.limit_in_bytes'), 'utf8').trim()).toBe('33554432');
      expect(fs.readFileSync(path.join(cpu, 'cpu.cfs_period_us'), 'utf8').trim()).toBe('100000');
      expect(fs.readFileSync(path.join(cpu, 'cpu.cfs_quota_us'), 'utf8').trim()).toBe('50000');
      await removeContainer(h, id);
      await waitFor('the container cgroups to be removed', () => (fs.existsSync(memory) || fs.existsSync(cpu) ? undefined : true));
    },
  },
  {
    name: 'over --memory-limit the OOM killer ends it: exit 137 and a /tasks/oom event',
    run: async ({ h, runtime, res }) => {
      const events = await EventWatcher.start(h, res);
      const id = res.container('oom');
      // tail of an endless line buffers it all: memory grows until the limit (16 MiB).
      const r = await ctrRun(h, { id, runtime, flags: ['--memory-limit', '16777216'], args: ['tail', '/dev/zero'] });
      expect(r.code).toBe(137);
      expect((await events.waitForTopic(id, '/tasks/oom')).event).toEqual({ container_id: id });
      expect((await events.waitForTopic(id, '/tasks/exit')).event).toMatchObject({ container_id: id, exit_status: 137 });
    },
  },
];
