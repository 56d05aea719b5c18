//! Facts about the host kernel.

import fs from 'node:fs';

let capLast: number | undefined;

/** /proc/sys/kernel/cap_last_cap: the highest capability number this kernel knows (cached). */
export function hostCapLast(): number {
  if (capLast === undefined) {
    const n = Number.parseInt(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim(), 10);
    if (!Number.isInteger(n) || n < 0 || n > 63) throw new Error(`/proc/sys/kernel/cap_last_cap: unexpected value ${n}`);
    capLast = n;
  }
  return capLast;
}

/** Which Linux security modules the host has enabled (as runc and go-selinux detect them). */
export interface HostLsm {
  /** /sys/kernel/security/apparmor exists and /sys/module/apparmor/parameters/enabled is "Y" */
  readonly apparmor: boolean;
  /** selinuxfs is mounted (/sys/fs/selinux) and this process has a label other than "kernel" */
  readonly selinux: boolean;
}

let lsm: HostLsm | undefined;

function readOr(p: string, fallback: string): string {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return fallback;
  }
}

/** The host's AppArmor / SELinux state (cached: it does not change while we run). */
export function hostLsm(): HostLsm {
  lsm ??= {
    apparmor: fs.existsSync('/sys/kernel/security/apparmor') && readOr('/sys/module/apparmor/parameters/enabled', '').startsWith('Y'),
    selinux: fs.existsSync('/sys/fs/selinux/enforce') && !['', 'kernel'].includes(readOr('/proc/thread-self/attr/current', '').replace(/\0/g, '').trim()),
  };
  return lsm;
}
