//! tsrun's cgroup library: all cgroup file I/O lives under src/cgroups.
//!
//!   const host = detectCgroupHost();
//!   const cg = openCgroup(host, parseCgroupsPath(spec.linux?.cgroupsPath, id, { systemd }), { logger });
//!   await cg.create(spec.linux?.resources); await cg.addProcess(pid); … await cg.destroy();

import { detectCgroupHost, type CgroupHost } from './host';
import { parseCgroupsPath, type CgroupPath, type ParseCgroupsPathOptions } from './path';
import type { CgroupManager, CgroupOptions } from './types';
import { CgroupV1Manager } from './v1';
import { CgroupV2Manager } from './v2';

export { detectCgroupHost, cgroupHostFrom, parseCgroupMounts, parseProcCgroup } from './host';
export type { CgroupHost, CgroupMode, CgroupMount } from './host';
export { parseCgroupsPath, expandSlice } from './path';
export type { CgroupPath, ParseCgroupsPathOptions } from './path';
export { planV1, planV2, controllersOf } from './plan';
export type { CgroupPlan, CgroupWrite } from './plan';
export { cpuSharesToWeight, blkioWeightToIoWeight, swapToV2 } from './convert';
export type * from './stats';
export type { CgroupLogger, CgroupManager, CgroupOptions, DeviceFilterBackend, DevicePolicy, EventfdFn, OomWatcher } from './types';
export { deviceFilterProgram, deviceFilterInsns, effectiveRules, deviceMatch, RUNC_DEFAULT_DEVICE_RULES, withRuncDefaultDeviceRules } from './device-filter';
export type { DeviceMatch } from './device-filter';
export { bpfDeviceFilter } from './v2';
export { EFD_CLOEXEC, EFD_NONBLOCK } from './eventfd';
export { CgroupV1Manager, CgroupV2Manager };

/**
 * A manager for one cgroup: v2 on a unified host, v1 (plus the cgroup2 mount as a named
 * hierarchy) on v1 and hybrid hosts. `path` is a parsed path or a cgroupfs path string.
 */
export function openCgroup(host: CgroupHost, path: CgroupPath | string, options: CgroupOptions = {}): CgroupManager {
  const p = typeof path === 'string' ? parseCgroupsPath(path, '', { systemd: false }) : path;
  return host.mode === 'unified' ? new CgroupV2Manager(host, p, options) : new CgroupV1Manager(host, p, options);
}

/**
 * The cgroup of container `id` from config.json's linux.cgroupsPath: detects the host (unless given)
 * and parses the path (systemd form when `systemd` is true, or when the path looks like one).
 */
export function openContainerCgroup(
  id: string,
  cgroupsPath: string | undefined,
  options: CgroupOptions & ParseCgroupsPathOptions & { host?: CgroupHost } = {},
): CgroupManager {
  return openCgroup(options.host ?? detectCgroupHost(), parseCgroupsPath(cgroupsPath, id, options), options);
}
