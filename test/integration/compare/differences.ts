//! Where tsrun legitimately differs from runc 1.1.5 (Debian bookworm's) in /proc/self/mountinfo,
//! and how the comparison reconciles it. Every entry says why the difference is acceptable; the
//! behaviour that matters is asserted elsewhere (device nodes: the "devices" probe section; the
//! cgroup tmpfs: sees.test.ts). Anything not listed here must match exactly.
import { MountShape } from './normalize';

/** The default devices of the runtime spec (besides /dev/console, absent without a terminal). */
export const DEFAULT_DEVICES: readonly string[] = ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty'];

/**
 * 1. Default devices: runc (outside a user namespace) mknods them on the container's /dev tmpfs;
 *    tsrun bind-mounts the host's device nodes (what runc itself does in user namespaces). The
 *    container sees the same character devices either way (checked by the "devices" section), but
 *    tsrun's appear as bind mounts. Dropped from the comparison.
 */
function isDeviceBind(m: MountShape): boolean {
  return DEFAULT_DEVICES.includes(m.mountPoint) && m.root === m.mountPoint.slice('/dev'.length);
}

/**
 * 2. Masked files: both runtimes bind /dev/null over them, runc its own mknod'ed node (so the
 *    mount shows the /dev tmpfs with nosuid), tsrun the host's (devtmpfs). Reduced to "a bind of
 *    /dev/null, ro or rw".
 */
function isDevNullBind(m: MountShape): boolean {
  return m.root === '/null' && (m.fsType === 'tmpfs' || m.fsType === 'devtmpfs');
}

/**
 * 3. cgroup v1 (hybrid host): the spec's "cgroup" mount at /sys/fs/cgroup becomes a tmpfs holding
 *    one mount per hierarchy. runc 1.1 leaves that tmpfs rw although the mount asks for "ro";
 *    tsrun makes it ro as asked (sees.test.ts asserts ro for tsrun). tsrun also mounts the host's
 *    cgroup2 hierarchy at /sys/fs/cgroup/unified (the container is a member of it: /proc/self/cgroup
 *    shows "0::/<ID>" with both runtimes); runc 1.1 does not. The tmpfs's ro/rw is blurred and the
 *    unified mount dropped.
 */
function isCgroupTmpfs(m: MountShape): boolean {
  return m.mountPoint === '/sys/fs/cgroup' && m.fsType === 'tmpfs';
}
function isUnified(m: MountShape): boolean {
  return m.mountPoint === '/sys/fs/cgroup/unified' && m.fsType === 'cgroup2';
}

/**
 * 4. Masked directories: an empty read-only tmpfs with both; tsrun passes size=0k, which the
 *    kernel shows in the superblock options. Dropped from them.
 */
function dropZeroSize(opts: string): string {
  return opts
    .split(',')
    .filter((o) => o !== 'size=0k')
    .join(',');
}

function roRw(opts: string): string {
  return opts
    .split(',')
    .map((o) => (o === 'ro' || o === 'rw' ? '<ro|rw>' : o))
    .join(',');
}

/** The mount shapes with the differences above reconciled (apply to both runtimes' shapes). */
export function reconcileMounts(shapes: readonly MountShape[]): MountShape[] {
  const out: MountShape[] = [];
  for (const m of shapes) {
    if (isDeviceBind(m) || isUnified(m)) continue;
    if (isDevNullBind(m)) {
      const ro = m.options.split(',').includes('ro') ? 'ro' : 'rw';
      out.push({ mountPoint: m.mountPoint, fsType: '<dev-null-bind>', source: '', root: '/null', options: ro, superOptions: '', propagation: m.propagation });
      continue;
    }
    if (isCgroupTmpfs(m)) {
      out.push({ ...m, options: roRw(m.options), superOptions: roRw(m.superOptions) });
      continue;
    }
    if (m.fsType === 'tmpfs') {
      out.push({ ...m, superOptions: dropZeroSize(m.superOptions) });
      continue;
    }
    out.push(m);
  }
  return out;
}
