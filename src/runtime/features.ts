//! What tsrun implements, in one place (CURRENT_IMPLEMENTATION), and the OCI "features" document
//! built from it (`tsrun features`, the shim's `-info`), shaped as `runc features` prints it.
//! Flip a flag here when a feature lands; unsupported.ts rejects configs that need a feature whose
//! flag is off, and the features document follows automatically.

import { KNOWN_CAPABILITIES } from './capabilities';
import type { HookName, NamespaceType } from './spec';
import { SECCOMP_FLAGS } from './validate-seccomp';
import { SUPPORTED_SECCOMP } from './seccomp';
import { MEMORY_POLICY_FLAGS, MEMORY_POLICY_MODES } from './validate-linux';
import { OCI_VERSION_MAX, OCI_VERSION_MIN } from './validate';

export interface Implementation {
  readonly namespaces: Readonly<Record<NamespaceType, boolean>>;
  readonly hooks: Readonly<Record<HookName, boolean>>;
  /** Mount options the planner turns into flags or propagation (not filesystem data options). */
  readonly mountOptions: readonly string[];
  readonly cgroup: { readonly v1: boolean; readonly v2: boolean; readonly systemd: boolean; readonly systemdUser: boolean; readonly rdma: boolean };
  readonly seccomp: boolean;
  /** SCMP_ACT_NOTIFY rules (the listener fd handed to linux.seccomp.listenerPath) */
  readonly seccompNotify: boolean;
  readonly apparmor: boolean;
  readonly selinux: boolean;
  readonly intelRdt: boolean;
  /** id-mapped mounts (mounts[].uidMappings/gidMappings) */
  readonly idmapMounts: boolean;
  readonly netDevices: boolean;
  readonly memoryPolicy: boolean;
  readonly scheduler: boolean;
  readonly ioPriority: boolean;
  readonly execCPUAffinity: boolean;
  readonly personality: boolean;
  /** config.json annotations that change what tsrun does (a trailing "." is a prefix). */
  readonly unsafeConfigAnnotations: readonly string[];
  /** checkpoint/restore with the criu binary (src/checkpoint; criu itself is found at run time) */
  readonly checkpoint: boolean;
}

/** What this build of tsrun actually implements. */
export const CURRENT_IMPLEMENTATION: Implementation = {
  namespaces: { pid: true, network: true, mount: true, ipc: true, uts: true, user: true, cgroup: true, time: true },
  hooks: { prestart: true, createRuntime: true, createContainer: true, startContainer: true, poststart: true, poststop: true },
  mountOptions: [
    'async',
    'atime',
    'bind',
    'dev',
    'diratime',
    'dirsync',
    'exec',
    'idmap',
    'lazytime',
    'loud',
    'mand',
    'noatime',
    'nodev',
    'nodiratime',
    'noexec',
    'nolazytime',
    'nomand',
    'norelatime',
    'nostrictatime',
    'nosuid',
    'nosymfollow',
    'private',
    'rbind',
    'relatime',
    'remount',
    'ridmap',
    'ro',
    'rprivate',
    'rshared',
    'rslave',
    'runbindable',
    'rw',
    'shared',
    'silent',
    'slave',
    'strictatime',
    'suid',
    'symfollow',
    'sync',
    'tmpcopyup',
    'unbindable',
  ],
  cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: false },
  seccomp: true,
  seccompNotify: true,
  apparmor: true,
  selinux: true,
  intelRdt: false,
  idmapMounts: true,
  netDevices: false,
  memoryPolicy: false,
  scheduler: false,
  ioPriority: false,
  execCPUAffinity: false,
  personality: false,
  unsafeConfigAnnotations: [],
  checkpoint: true,
};

/** The OCI runtime features document (runtime-spec features.md / features-linux.md). */
export interface Features {
  readonly ociVersionMin: string;
  readonly ociVersionMax: string;
  readonly hooks?: readonly string[];
  readonly mountOptions?: readonly string[];
  readonly linux?: {
    readonly namespaces?: readonly string[];
    readonly capabilities?: readonly string[];
    readonly cgroup?: { readonly v1?: boolean; readonly v2?: boolean; readonly systemd?: boolean; readonly systemdUser?: boolean; readonly rdma?: boolean };
    readonly seccomp?: {
      readonly enabled?: boolean;
      readonly actions?: readonly string[];
      readonly operators?: readonly string[];
      readonly archs?: readonly string[];
      readonly knownFlags?: readonly string[];
      readonly supportedFlags?: readonly string[];
    };
    readonly apparmor?: { readonly enabled?: boolean };
    readonly selinux?: { readonly enabled?: boolean };
    readonly intelRdt?: { readonly enabled?: boolean };
    readonly memoryPolicy?: { readonly modes?: readonly string[]; readonly flags?: readonly string[] };
    readonly mountExtensions?: { readonly idmap?: { readonly enabled?: boolean } };
    readonly netDevices?: { readonly enabled?: boolean };
  };
  readonly annotations?: Readonly<Record<string, string>>;
  readonly potentiallyUnsafeConfigAnnotations?: readonly string[];
}

/** Annotation keys tsrun puts in its features document. */
export const ANNOTATION_VERSION = 'org.tsrun.version';
export const ANNOTATION_COMMIT = 'org.tsrun.commit';
export const ANNOTATION_HOST_APPARMOR = 'org.tsrun.host.apparmor';
export const ANNOTATION_HOST_SELINUX = 'org.tsrun.host.selinux';
/** As runc's org.opencontainers.runc.checkpoint.enabled: this build can drive CRIU. */
export const ANNOTATION_CHECKPOINT = 'org.tsrun.checkpoint.enabled';

export interface FeaturesOptions {
  /** tsrun's version (package.json), shown as an annotation. */
  readonly version?: string;
  readonly commit?: string;
  /** the host's LSM state: linux.apparmor/selinux.enabled say what tsrun supports (as runc's do,
   *  "unrelated to whether the host supports" it); these annotations say what this host has */
  readonly hostLsm?: { readonly apparmor: boolean; readonly selinux: boolean };
}

const NAMESPACE_ORDER: readonly NamespaceType[] = ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'];

/** The features document for `impl` (default: what this build implements). */
export function featuresDocument(options: FeaturesOptions = {}, impl: Implementation = CURRENT_IMPLEMENTATION): Features {
  const annotations: Record<string, string> = {};
  if (options.version !== undefined) annotations[ANNOTATION_VERSION] = options.version;
  if (options.commit !== undefined) annotations[ANNOTATION_COMMIT] = options.commit;
  if (options.hostLsm !== undefined) {
    annotations[ANNOTATION_HOST_APPARMOR] = options.hostLsm.apparmor ? 'enabled' : 'disabled (process.apparmorProfile is refused)';
    annotations[ANNOTATION_HOST_SELINUX] = options.hostLsm.selinux ? 'enabled' : 'disabled (process.selinuxLabel and linux.mountLabel are refused)';
  }
  if (impl.checkpoint) annotations[ANNOTATION_CHECKPOINT] = 'true';
  const hooks = (Object.keys(impl.hooks) as HookName[]).filter((h) => impl.hooks[h]);
  return {
    ociVersionMin: OCI_VERSION_MIN,
    ociVersionMax: OCI_VERSION_MAX,
    hooks,
    mountOptions: [...impl.mountOptions].sort(),
    linux: {
      namespaces: NAMESPACE_ORDER.filter((n) => impl.namespaces[n]),
      capabilities: [...KNOWN_CAPABILITIES],
      cgroup: { ...impl.cgroup },
      seccomp: impl.seccomp
        ? {
            enabled: true,
            actions: SUPPORTED_SECCOMP.actions.filter((a) => impl.seccompNotify || a !== 'SCMP_ACT_NOTIFY').sort(),
            operators: [...SUPPORTED_SECCOMP.operators].sort(),
            archs: [...SUPPORTED_SECCOMP.archs].sort(),
            knownFlags: [...SECCOMP_FLAGS],
            supportedFlags: SUPPORTED_SECCOMP.flags.filter((f) => impl.seccompNotify || f !== 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'),
          }
        : { enabled: false },
      apparmor: { enabled: impl.apparmor },
      selinux: { enabled: impl.selinux },
      intelRdt: { enabled: impl.intelRdt },
      memoryPolicy: impl.memoryPolicy ? { modes: [...MEMORY_POLICY_MODES], flags: [...MEMORY_POLICY_FLAGS] } : undefined,
      mountExtensions: { idmap: { enabled: impl.idmapMounts } },
      netDevices: { enabled: impl.netDevices },
    },
    annotations,
    potentiallyUnsafeConfigAnnotations: [...impl.unsafeConfigAnnotations],
  };
}

/** The document as `runc features` prints it: 4-space indent and a trailing newline. */
export function formatFeatures(features: Features): string {
  return `${JSON.stringify(features, null, 4)}\n`;
}
