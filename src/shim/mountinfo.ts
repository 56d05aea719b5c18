//! Is a path a mount point? Read from /proc/self/mountinfo so the `delete` action can skip loading
//! the FFI layer (koffi, libtsrun: ~20 ms of a cold start) when `<bundle>/rootfs` is not mounted,
//! which is containerd's usual case (the daemon unmounted it on Delete).

import * as fs from 'node:fs';

/** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
function unescapeField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Pure: whether `target` (absolute, normalized) is a mount point in this mountinfo text. */
export function mountinfoHasTarget(mountinfo: string, target: string): boolean {
  for (const line of mountinfo.split('\n')) {
    const mountPoint = line.split(' ')[4];
    if (mountPoint !== undefined && unescapeField(mountPoint) === target) return true;
  }
  return false;
}

/**
 * Whether `target` is mounted in this process's mount namespace (symlinks in its path resolved, as
 * mountinfo shows real paths); false when it does not exist, true when that cannot be determined.
 */
export function isMountPoint(target: string): boolean {
  let real: string;
  try {
    real = fs.realpathSync(target);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
  let text: string;
  try {
    text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return true; // unknown: let the caller try umount, which tolerates "not mounted"
  }
  return mountinfoHasTarget(text, real);
}
