//! The config.json that `tsrun spec` writes: runc's example spec (`runc spec`, runc 1.1.5 as
//! installed here, checked by test/unit/runtime/default-spec.test.ts) with these deliberate
//! differences:
//!   - ociVersion is "1.3.0", the runtime-spec version tsrun implements (runc writes its vendored
//!     spec's version, "1.0.2-dev" for 1.1.5);
//!   - hostname is "tsrun" instead of "runc";
//!   - no ambient capabilities: runc ≥ 1.2 dropped them from its example too (ambient capabilities
//!     survive execve of unprivileged programs, which the example should not grant by default).
//! Like runc, a cgroup namespace is added when the host uses cgroup v2 only (the caller says so), and
//! `rootless` maps the caller's uid/gid to root, drops the network namespace and cgroup settings and
//! bind-mounts /sys.

import type { Mount, Namespace, Spec } from './spec';
import { stringifySpecJson } from './json';

export interface DefaultSpecOptions {
  /** Produce a spec for an unprivileged user (`tsrun spec --rootless`). */
  readonly rootless?: boolean;
  /** Host uid/gid mapped to root for rootless; default: this process's effective ids. */
  readonly hostUid?: number;
  readonly hostGid?: number;
  /** Add a cgroup namespace (runc does when the host is in cgroup v2 unified mode). */
  readonly cgroupNamespace?: boolean;
}

const CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

const MOUNTS: readonly Mount[] = [
  { destination: '/proc', type: 'proc', source: 'proc' },
  { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
  { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
  { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
  { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
];

const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/sys/firmware',
  '/proc/scsi',
];

const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** The example config.json, with fields in runc's order. */
export function defaultSpec(options: DefaultSpecOptions = {}): Spec {
  const rootless = options.rootless === true;
  const namespaces: Namespace[] = [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (options.cgroupNamespace === true) namespaces.push({ type: 'cgroup' });
  const mounts = rootless ? MOUNTS.map(rootlessMount) : MOUNTS.map((m) => ({ ...m }));
  const mapping = (hostID: number) => [{ containerID: 0, hostID, size: 1 }];
  const linux = rootless
    ? {
        uidMappings: mapping(options.hostUid ?? process.geteuid?.() ?? 0),
        gidMappings: mapping(options.hostGid ?? process.getegid?.() ?? 0),
        namespaces: [...namespaces.filter((n) => n.type !== 'network' && n.type !== 'user'), { type: 'user' as const }],
        maskedPaths: [...MASKED_PATHS],
        readonlyPaths: [...READONLY_PATHS],
      }
    : {
        resources: { devices: [{ allow: false, access: 'rwm' }] },
        namespaces,
        maskedPaths: [...MASKED_PATHS],
        readonlyPaths: [...READONLY_PATHS],
      };
  return {
    ociVersion: '1.3.0',
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: [...CAPS], effective: [...CAPS], permitted: [...CAPS] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024n, soft: 1024n }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'tsrun',
    mounts,
    linux,
  };
}

/** Rootless: /sys becomes a read-only rbind of the host's, uid=/gid= options go (no such ids). */
function rootlessMount(m: Mount): Mount {
  if (m.destination === '/sys') return { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] };
  if (m.options === undefined) return { ...m };
  return { ...m, options: m.options.filter((o) => !o.startsWith('uid=') && !o.startsWith('gid=')) };
}

/** config.json text as runc writes it: tab-indented, no trailing newline. */
export function formatSpec(spec: Spec): string {
  return stringifySpecJson(spec, '\t');
}
