//! Which parts of a valid config.json this build of tsrun cannot honour (per CURRENT_IMPLEMENTATION),
//! so a container is refused up front with UnimplementedError instead of silently running without
//! a requested protection or setting.

import { UnimplementedError, type SpecIssue } from '../errors';
import { CURRENT_IMPLEMENTATION, type Implementation } from './features';
import type { HookName, Process, Spec } from './spec';

/** Every field of `spec` that needs a feature `impl` lacks, with its JSON path. */
export function unsupportedFeatures(spec: Spec, impl: Implementation = CURRENT_IMPLEMENTATION): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const add = (path: string, what: string, fix: string): void => {
    issues.push({ path, message: `${what} is not implemented by tsrun yet; ${fix}` });
  };
  if (spec.process !== undefined) issues.push(...unsupportedProcessFeatures(spec.process, impl));
  spec.mounts?.forEach((m, i) => {
    if (!impl.idmapMounts && (m.uidMappings !== undefined || m.gidMappings !== undefined)) {
      add(`mounts[${i}].uidMappings`, 'id-mapped mounts', 'remove uidMappings/gidMappings from the mount');
    }
  });
  for (const [name, list] of Object.entries(spec.hooks ?? {})) {
    if (list !== undefined && list.length > 0 && !impl.hooks[name as HookName]) add(`hooks.${name}`, `the ${name} hook`, 'remove these hooks');
  }
  const linux = spec.linux;
  if (linux === undefined) return issues;
  linux.namespaces?.forEach((n, i) => {
    if (!impl.namespaces[n.type]) add(`linux.namespaces[${i}]`, `the ${n.type} namespace`, 'remove it to share the host\'s');
  });
  if (linux.seccomp !== undefined && !impl.seccomp) add('linux.seccomp', 'seccomp filtering', 'remove linux.seccomp (runs unconfined)');
  if (linux.seccomp !== undefined && impl.seccomp && !impl.seccompNotify) {
    linux.seccomp.syscalls?.forEach((c, i) => {
      if (c.action === 'SCMP_ACT_NOTIFY') add(`linux.seccomp.syscalls[${i}].action`, 'SCMP_ACT_NOTIFY (a seccomp user-space agent)', 'use another action');
    });
  }
  if (linux.mountLabel && !impl.selinux) add('linux.mountLabel', 'SELinux labelling', 'remove linux.mountLabel');
  if (linux.intelRdt !== undefined && !impl.intelRdt) add('linux.intelRdt', 'Intel RDT', 'remove linux.intelRdt');
  if (linux.netDevices !== undefined && Object.keys(linux.netDevices).length > 0 && !impl.netDevices) {
    add('linux.netDevices', 'moving network devices', 'remove linux.netDevices');
  }
  if (linux.memoryPolicy !== undefined && !impl.memoryPolicy) add('linux.memoryPolicy', 'NUMA memory policy', 'remove linux.memoryPolicy');
  if (linux.personality !== undefined && !impl.personality) add('linux.personality', 'setting the execution domain', 'remove linux.personality');
  if (linux.resources?.rdma !== undefined && Object.keys(linux.resources.rdma).length > 0 && !impl.cgroup.rdma) {
    add('linux.resources.rdma', 'the rdma cgroup controller', 'remove linux.resources.rdma');
  }
  return issues;
}

/** The same for an exec's process spec (paths "process.*"). */
export function unsupportedProcessFeatures(p: Process, impl: Implementation = CURRENT_IMPLEMENTATION): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const add = (key: string, what: string): void => {
    issues.push({ path: `process.${key}`, message: `${what} is not implemented by tsrun yet; remove process.${key}` });
  };
  // "unconfined" asks for no profile: nothing to apply (Docker sets it on AppArmor hosts for
  // --privileged and --security-opt apparmor=unconfined)
  if (p.apparmorProfile && p.apparmorProfile !== 'unconfined' && !impl.apparmor) add('apparmorProfile', 'AppArmor');
  if (p.selinuxLabel && !impl.selinux) add('selinuxLabel', 'SELinux labelling');
  if (p.scheduler !== undefined && !impl.scheduler) add('scheduler', 'setting the scheduler');
  if (p.ioPriority !== undefined && !impl.ioPriority) add('ioPriority', 'setting the I/O priority');
  if (p.execCPUAffinity !== undefined && !impl.execCPUAffinity) add('execCPUAffinity', 'CPU affinity for exec');
  return issues;
}

/**
 * @throws UnimplementedError naming every field of `spec` this build cannot honour.
 */
export function assertImplemented(spec: Spec, impl: Implementation = CURRENT_IMPLEMENTATION): void {
  const issues = unsupportedFeatures(spec, impl);
  if (issues.length > 0) throw new UnimplementedError(`config.json: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
}
