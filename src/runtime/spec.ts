//! The OCI runtime-spec (1.3) configuration, Linux fields only, as TypeScript types. These describe a
//! config.json *after* validation (validate.ts): every present field has the documented type.
//! Unknown fields are ignored by the validator and do not appear here.
//!
//! Integers: fields that are 64-bit in the spec (int64/uint64: memory and cpu limits, rlimits,
//! seccomp argument values, hugepage and throttle limits, scheduler times, time offsets) are `bigint`,
//! so values such as 9223372036854771712 or 18446744073709551615 (RLIM_INFINITY) stay exact.
//! 32-bit and smaller fields (ids, modes, device numbers, weights, oomScoreAdj) are `number`.
//! parseSpecJson() (json.ts) keeps the exact digits of large literals; the validator converts.

/** A 64-bit integer field (spec int64 / uint64). */
export type Int64 = bigint;

export interface Spec {
  readonly ociVersion: string;
  readonly process?: Process;
  readonly root?: Root;
  readonly hostname?: string;
  readonly domainname?: string;
  readonly mounts?: readonly Mount[];
  readonly hooks?: Hooks;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly linux?: Linux;
}

export interface Root {
  readonly path: string;
  readonly readonly?: boolean;
}

export interface Process {
  readonly terminal?: boolean;
  readonly consoleSize?: { readonly height: number; readonly width: number };
  readonly user: User;
  /** Non-empty after validation. */
  readonly args: readonly string[];
  readonly env?: readonly string[];
  readonly cwd: string;
  readonly capabilities?: Capabilities;
  readonly rlimits?: readonly Rlimit[];
  readonly noNewPrivileges?: boolean;
  readonly apparmorProfile?: string;
  readonly oomScoreAdj?: number;
  readonly selinuxLabel?: string;
  readonly ioPriority?: IoPriority;
  readonly scheduler?: Scheduler;
  readonly execCPUAffinity?: { readonly initial?: string; readonly final?: string };
}

export interface User {
  readonly uid: number;
  readonly gid: number;
  readonly umask?: number;
  readonly additionalGids?: readonly number[];
}

export interface Capabilities {
  readonly bounding?: readonly string[];
  readonly effective?: readonly string[];
  readonly inheritable?: readonly string[];
  readonly permitted?: readonly string[];
  readonly ambient?: readonly string[];
}

export interface Rlimit {
  /** e.g. "RLIMIT_NOFILE" (rlimits.ts maps it to the resource number) */
  readonly type: string;
  readonly hard: Int64;
  readonly soft: Int64;
}

export type IoPriorityClass = 'IOPRIO_CLASS_RT' | 'IOPRIO_CLASS_BE' | 'IOPRIO_CLASS_IDLE';

export interface IoPriority {
  readonly class: IoPriorityClass;
  readonly priority: number;
}

export type SchedulerPolicy =
  | 'SCHED_OTHER'
  | 'SCHED_FIFO'
  | 'SCHED_RR'
  | 'SCHED_BATCH'
  | 'SCHED_ISO'
  | 'SCHED_IDLE'
  | 'SCHED_DEADLINE';

export interface Scheduler {
  readonly policy: SchedulerPolicy;
  readonly nice?: number;
  readonly priority?: number;
  readonly flags?: readonly string[];
  readonly runtime?: Int64;
  readonly deadline?: Int64;
  readonly period?: Int64;
}

export interface Mount {
  readonly destination: string;
  readonly source?: string;
  readonly type?: string;
  readonly options?: readonly string[];
  readonly uidMappings?: readonly IdMapping[];
  readonly gidMappings?: readonly IdMapping[];
}

export interface Hook {
  readonly path: string;
  readonly args?: readonly string[];
  readonly env?: readonly string[];
  /** seconds, >= 1 */
  readonly timeout?: number;
}

export type HookName = 'prestart' | 'createRuntime' | 'createContainer' | 'startContainer' | 'poststart' | 'poststop';

export type Hooks = { readonly [K in HookName]?: readonly Hook[] };

export type NamespaceType = 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time';

export interface Namespace {
  readonly type: NamespaceType;
  readonly path?: string;
}

export interface IdMapping {
  readonly containerID: number;
  readonly hostID: number;
  readonly size: number;
}

export interface Device {
  /** "c", "b", "u" or "p" */
  readonly type: 'c' | 'b' | 'u' | 'p';
  readonly path: string;
  readonly major?: number;
  readonly minor?: number;
  readonly fileMode?: number;
  readonly uid?: number;
  readonly gid?: number;
}

export type TimeNamespaceClock = 'boottime' | 'monotonic';

export interface TimeOffset {
  readonly secs?: Int64;
  readonly nanosecs?: number;
}

export type RootfsPropagation =
  | 'private'
  | 'rprivate'
  | 'slave'
  | 'rslave'
  | 'shared'
  | 'rshared'
  | 'unbindable'
  | 'runbindable';

export interface Personality {
  readonly domain: 'LINUX' | 'LINUX32';
  readonly flags?: readonly string[];
}

export interface IntelRdt {
  readonly closID?: string;
  readonly schemata?: readonly string[];
  readonly l3CacheSchema?: string;
  readonly memBwSchema?: string;
  readonly enableMonitoring?: boolean;
}

export interface MemoryPolicy {
  readonly mode: string;
  readonly nodes?: string;
  readonly flags?: readonly string[];
}

export interface Linux {
  readonly namespaces?: readonly Namespace[];
  readonly uidMappings?: readonly IdMapping[];
  readonly gidMappings?: readonly IdMapping[];
  readonly timeOffsets?: Readonly<Partial<Record<TimeNamespaceClock, TimeOffset>>>;
  readonly devices?: readonly Device[];
  readonly netDevices?: Readonly<Record<string, { readonly name?: string }>>;
  readonly cgroupsPath?: string;
  readonly rootfsPropagation?: RootfsPropagation;
  readonly resources?: LinuxResources;
  readonly sysctl?: Readonly<Record<string, string>>;
  readonly seccomp?: Seccomp;
  readonly maskedPaths?: readonly string[];
  readonly readonlyPaths?: readonly string[];
  readonly mountLabel?: string;
  readonly personality?: Personality;
  readonly intelRdt?: IntelRdt;
  readonly memoryPolicy?: MemoryPolicy;
}

export interface DeviceCgroupRule {
  readonly allow: boolean;
  /** "a" (all), "c" or "b"; absent means "a" */
  readonly type?: 'a' | 'c' | 'b';
  /** absent (or -1 in the input) means every major */
  readonly major?: number;
  readonly minor?: number;
  /** some of "rwm" */
  readonly access?: string;
}

export interface LinuxMemory {
  readonly limit?: Int64;
  readonly reservation?: Int64;
  readonly swap?: Int64;
  readonly kernel?: Int64;
  readonly kernelTCP?: Int64;
  readonly swappiness?: Int64;
  readonly disableOOMKiller?: boolean;
  readonly useHierarchy?: boolean;
  readonly checkBeforeUpdate?: boolean;
}

export interface LinuxCpu {
  readonly shares?: Int64;
  readonly quota?: Int64;
  readonly burst?: Int64;
  readonly period?: Int64;
  readonly realtimeRuntime?: Int64;
  readonly realtimePeriod?: Int64;
  readonly cpus?: string;
  readonly mems?: string;
  readonly idle?: Int64;
}

export interface WeightDevice {
  readonly major: number;
  readonly minor: number;
  readonly weight?: number;
  readonly leafWeight?: number;
}

export interface ThrottleDevice {
  readonly major: number;
  readonly minor: number;
  readonly rate: Int64;
}

export interface LinuxBlockIO {
  readonly weight?: number;
  readonly leafWeight?: number;
  readonly weightDevice?: readonly WeightDevice[];
  readonly throttleReadBpsDevice?: readonly ThrottleDevice[];
  readonly throttleWriteBpsDevice?: readonly ThrottleDevice[];
  readonly throttleReadIOPSDevice?: readonly ThrottleDevice[];
  readonly throttleWriteIOPSDevice?: readonly ThrottleDevice[];
}

export interface HugepageLimit {
  /** e.g. "2MB", "1GB", "64KB" */
  readonly pageSize: string;
  readonly limit: Int64;
}

export interface LinuxNetwork {
  readonly classID?: number;
  readonly priorities?: readonly { readonly name: string; readonly priority: number }[];
}

export interface LinuxResources {
  readonly devices?: readonly DeviceCgroupRule[];
  readonly memory?: LinuxMemory;
  readonly cpu?: LinuxCpu;
  /** limit absent means no limit (spec 1.3 made it optional) */
  readonly pids?: { readonly limit?: Int64 };
  readonly blockIO?: LinuxBlockIO;
  readonly hugepageLimits?: readonly HugepageLimit[];
  readonly network?: LinuxNetwork;
  readonly rdma?: Readonly<Record<string, { readonly hcaHandles?: number; readonly hcaObjects?: number }>>;
  readonly unified?: Readonly<Record<string, string>>;
}

export interface SeccompArg {
  /** 0..5 */
  readonly index: number;
  readonly value: Int64;
  readonly valueTwo?: Int64;
  readonly op: string;
}

export interface SeccompSyscall {
  readonly names: readonly string[];
  readonly action: string;
  readonly errnoRet?: number;
  readonly args?: readonly SeccompArg[];
}

export interface Seccomp {
  readonly defaultAction: string;
  readonly defaultErrnoRet?: number;
  readonly architectures?: readonly string[];
  readonly flags?: readonly string[];
  readonly listenerPath?: string;
  readonly listenerMetadata?: string;
  readonly syscalls?: readonly SeccompSyscall[];
}
