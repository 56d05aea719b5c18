//! Whether the container's program may be exec'd through native/'s sealed-memfd trampoline
//! (CVE-2019-5736, docs/security.md). The trampoline is run with execveat after the seccomp
//! filter is loaded, so the filter must let execveat through unconditionally: a profile that
//! refuses it with an errno would only cost the fallback, but one that kills, traps or notifies
//! on it would break (or disturb) every start. Such profiles get the direct exec.
import type { Seccomp } from './spec';

const LETS_THROUGH = new Set(['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG']);

/** true when `seccomp` (absent = no filter) lets execveat(2) through whatever its arguments */
export function seccompAllowsExecveat(seccomp: Seccomp | undefined): boolean {
  if (seccomp === undefined) return true;
  const rules = (seccomp.syscalls ?? []).filter((r) => r.names.includes('execveat'));
  if (rules.length === 0) return LETS_THROUGH.has(seccomp.defaultAction);
  if (!rules.every((r) => LETS_THROUGH.has(r.action))) return false;
  // rules with argument conditions match only some calls; the rest meet the default action
  return rules.some((r) => (r.args ?? []).length === 0) || LETS_THROUGH.has(seccomp.defaultAction);
}
