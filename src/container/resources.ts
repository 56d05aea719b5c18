//! The cgroup resources a container is created with (pure): the spec's linux.resources with runc's
//! device policy — deny everything, apply the config's rules, then allow runc's default devices and
//! every device listed in linux.devices (so `runc spec`'s deny-all config can still open /dev/null).

import { withRuncDefaultDeviceRules } from '../cgroups/device-filter';
import type { DeviceCgroupRule, LinuxResources, Spec } from '../runtime/spec';

export function containerResources(spec: Spec): LinuxResources {
  const resources = spec.linux?.resources ?? {};
  const listed: DeviceCgroupRule[] = (spec.linux?.devices ?? [])
    .filter((d) => (d.type === 'c' || d.type === 'b' || d.type === 'u') && d.major !== undefined && d.minor !== undefined)
    .map((d) => ({ allow: true, type: d.type === 'b' ? 'b' : 'c', major: d.major, minor: d.minor, access: 'rwm' }));
  return { ...resources, devices: [...withRuncDefaultDeviceRules(resources.devices), ...listed] };
}
