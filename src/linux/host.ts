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
