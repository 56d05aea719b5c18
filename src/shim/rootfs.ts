//! containerd's rootfs mounts (CreateTaskRequest.rootfs: overlay from the snapshotter, or a bind
//! of a view) stacked in order on `<bundle>/rootfs`, and taken down again on Delete and `delete`.
//! Planning is pure; `mountRootfs`/`unmountRootfs` do the syscalls.

import * as path from 'node:path';
import type { Mount } from '../gen/types/mount';
import { InvalidArgumentError, UnimplementedError } from '../errors';
import { parseMountOptions } from '../runtime/mount-options';
import { MS } from '../runtime/linux-constants';
import { mount as sysMount, umount2, SyscallError } from '../linux';
import type { RootfsMounter } from './ports';

/** One mount(2) call. */
export interface MountCall {
  readonly source: string | null;
  readonly target: string;
  readonly fstype: string | null;
  readonly flags: number;
  readonly data: string | null;
}

/** mount(2) data must fit one page; containerd compacts long lowerdir lists, we refuse them. */
const MAX_DATA = 4096 - 512;
const MNT_DETACH = 2;

/** Resolve a mount's target inside the rootfs (lexically; `..` cannot leave it). */
export function rootfsTarget(bundle: string, target: string): string {
  const rootfs = path.join(bundle, 'rootfs');
  return target === '' ? rootfs : path.join(rootfs, path.posix.normalize(`/${target}`));
}

/** The mount(2) calls for containerd's rootfs mounts, in order. */
export function planRootfsMounts(bundle: string, mounts: readonly Mount[]): MountCall[] {
  const calls: MountCall[] = [];
  mounts.forEach((m, i) => {
    const where = `rootfs[${i}] (${m.type} ${m.source})`;
    for (const option of m.options) {
      if (option.startsWith('X-containerd.')) {
        throw new InvalidArgumentError(`${where}: option ${option} must be handled by containerd's mount manager, not the shim`);
      }
      if (option === 'loop' || option.startsWith('uidmap=') || option.startsWith('gidmap=')) {
        throw new UnimplementedError(`${where}: option ${option.split('=')[0]} is not supported by tsrun yet`);
      }
    }
    const parsed = parseMountOptions(m.options, m.type);
    if (parsed.unsupported.length > 0) {
      throw new UnimplementedError(`${where}: options ${parsed.unsupported.join(', ')} are not supported by tsrun yet`);
    }
    if (parsed.data.length > MAX_DATA) {
      throw new InvalidArgumentError(`${where}: mount data is ${parsed.data.length} bytes, more than the ${MAX_DATA} one page allows (too many lowerdirs)`);
    }
    const target = rootfsTarget(bundle, m.target);
    const fstype = parsed.bind ? null : m.type;
    const first = parsed.bind ? parsed.flags & ~MS.RDONLY : parsed.flags;
    calls.push({ source: m.source, target, fstype, flags: first, data: parsed.data === '' ? null : parsed.data });
    if (parsed.bind && (parsed.flags & MS.RDONLY) !== 0) {
      calls.push({ source: null, target, fstype: null, flags: parsed.flags | MS.REMOUNT, data: null });
    }
    for (const propagation of parsed.propagation) {
      calls.push({ source: null, target, fstype: null, flags: propagation, data: null });
    }
  });
  return calls;
}

/** Unmount everything stacked on `<bundle>/rootfs` (repeat until it is no mount point). */
export function unmountRootfs(bundle: string): void {
  const rootfs = path.join(bundle, 'rootfs');
  for (let i = 0; i < 64; i++) {
    try {
      umount2(rootfs, 0);
    } catch (err) {
      if (!(err instanceof SyscallError)) throw err;
      if (err.code === 'EINVAL' || err.code === 'ENOENT') return;
      if (err.code === 'EBUSY') {
        umount2(rootfs, MNT_DETACH);
        continue;
      }
      throw err;
    }
  }
}

/** Mount the plan; on failure unmount what was mounted and rethrow with the step named. */
export function mountRootfs(bundle: string, mounts: readonly Mount[]): void {
  const calls = planRootfsMounts(bundle, mounts);
  try {
    for (const c of calls) sysMount(c.source, c.target, c.fstype, c.flags, c.data);
  } catch (err) {
    unmountRootfs(bundle);
    if (err instanceof SyscallError) {
      throw new InvalidArgumentError(`mount rootfs (${mounts.map((m) => m.type).join(', ')}) on ${path.join(bundle, 'rootfs')}: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

export const linuxRootfs: RootfsMounter = {
  async mount(bundle, mounts) {
    mountRootfs(bundle, mounts);
  },
  async unmount(bundle) {
    unmountRootfs(bundle);
  },
};
