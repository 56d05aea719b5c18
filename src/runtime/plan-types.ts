//! The launch plan: everything the native executor does between clone and execve, decided in
//! TypeScript and executed verbatim by native/ (which decides nothing). A plan is plain data:
//! `encodePlan` (encode.ts) turns it into the flat format described in native/plan-format.h.

import type { SeccompFilter } from './seccomp';

/** One namespace the container gets: created by clone (no path) or joined with setns (path). */
export interface PlanNamespace {
  readonly type: 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time';
  readonly path?: string;
}

/** How the container waits before execve until someone starts it. */
export type StartBarrier =
  /** The spawning process releases it with `start()` (one byte on an internal pipe). */
  | { readonly kind: 'pipe' }
  /** Like runc's exec.fifo: the child opens `path` for writing (blocks until a reader opens it) and
   *  writes one byte; any process can release it with `releaseExecFifo(path)`. The FIFO must exist. */
  | { readonly kind: 'fifo'; readonly path: string };

/** Where a path op resolves its path: inside the rootfs before pivot_root (`root`, the path is
 *  container-absolute and resolved without escaping the rootfs), or as given (`abs`). */
export type PathBase = 'root' | 'abs';

/** What to create at a mount target that does not exist. `auto`: a file when the bind source is
 *  not a directory, else a directory. */
export type MkTarget = 'none' | 'dir' | 'file' | 'auto';

/** Every op has `step`: the human label used in errors ("mount proc on /proc"). */
export type PlanOp =
  | { readonly op: 'setns'; readonly step: string; readonly path: string; readonly nstype: number }
  | { readonly op: 'unshare'; readonly step: string; readonly flags: number }
  /** write `data` to an existing file (cgroup.procs, oom_score_adj, sysctl) */
  | { readonly op: 'writeFile'; readonly step: string; readonly path: string; readonly data: string; readonly base: PathBase }
  | {
      readonly op: 'mount';
      readonly step: string;
      readonly source: string | null;
      readonly target: string;
      readonly fstype: string | null;
      readonly flags: number;
      readonly data: string | null;
      readonly base: PathBase;
      readonly mkTarget: MkTarget;
      /** tmpcopyup: copy the directory mounted over into the new mount (a tmpfs) */
      readonly copyUp?: boolean;
      /** give the new mount's root the mode of the directory it covers, when there was one (runc
       *  does this for every tmpfs, whatever its mode= option says) */
      readonly keepMode?: boolean;
    }
  /** attach an id-mapped copy of the bind source `source` at `target` (move_mount). src/linux makes
   *  the copy in the host's mount namespace before spawning (open_tree + mount_setattr
   *  MOUNT_ATTR_IDMAP with a user namespace holding `idmap`'s mappings, or the one at
   *  `idmap.usernsPath`) and fills in `fd`, kept open until the child has attached it. */
  | {
      readonly op: 'moveMount';
      readonly step: string;
      readonly source: string;
      readonly target: string;
      readonly base: PathBase;
      readonly mkTarget: MkTarget;
      readonly idmap: IdmapSource;
      readonly fd?: number;
    }
  /** make the mount that contains `path` (excluding a mount at `path` itself) private, so pivot_root works */
  | { readonly op: 'makeParentPrivate'; readonly step: string; readonly path: string }
  | {
      readonly op: 'mknod';
      readonly step: string;
      readonly path: string;
      /** S_IFCHR/S_IFBLK/S_IFIFO | permission bits */
      readonly mode: number;
      readonly major: number;
      readonly minor: number;
      readonly uid: number;
      readonly gid: number;
    }
  | { readonly op: 'symlink'; readonly step: string; readonly target: string; readonly path: string }
  | { readonly op: 'pivotRoot'; readonly step: string; readonly rootfs: string }
  /** no-pivot: MS_MOVE the rootfs onto / and chroot (for ramfs roots) */
  | { readonly op: 'moveRoot'; readonly step: string; readonly rootfs: string }
  /** after pivot: /dev/null over files, an empty read-only tmpfs over directories; missing paths skipped */
  | { readonly op: 'maskPath'; readonly step: string; readonly path: string }
  /** after pivot: bind the path on itself and remount read-only; missing paths skipped */
  | { readonly op: 'readonlyPath'; readonly step: string; readonly path: string }
  /** remount read-only keeping the mount's other flags (statfs) */
  | { readonly op: 'remountReadonly'; readonly step: string; readonly path: string }
  | { readonly op: 'sethostname'; readonly step: string; readonly name: string }
  | { readonly op: 'setdomainname'; readonly step: string; readonly name: string }
  | { readonly op: 'setrlimit'; readonly step: string; readonly resource: number; readonly soft: bigint; readonly hard: bigint }
  /** fds[i] becomes fd i (-1: /dev/null opened before pivot); everything else above is closed at exec */
  | { readonly op: 'stdio'; readonly step: string; readonly fds: readonly number[] }
  | { readonly op: 'capsBounding'; readonly step: string; readonly keep: bigint; readonly lastCap: number }
  | { readonly op: 'keepCaps'; readonly step: string; readonly on: boolean }
  | { readonly op: 'setgroups'; readonly step: string; readonly gids: readonly number[] }
  | { readonly op: 'setresgid'; readonly step: string; readonly gid: number }
  | { readonly op: 'setresuid'; readonly step: string; readonly uid: number }
  | {
      readonly op: 'capset';
      readonly step: string;
      readonly effective: bigint;
      readonly permitted: bigint;
      readonly inheritable: bigint;
    }
  | { readonly op: 'capsAmbient'; readonly step: string; readonly caps: bigint; readonly lastCap: number }
  | { readonly op: 'noNewPrivs'; readonly step: string }
  /** load a seccomp filter (seccomp(SECCOMP_SET_MODE_FILTER, filter.flags)). `filter` is the
   *  profile mapped to libseccomp's numbers (runtime/seccomp.ts); `program` is its BPF program as
   *  libseccomp exports it (8-byte struct sock_filter each), filled in by src/linux before encoding. */
  | {
      readonly op: 'seccomp';
      readonly step: string;
      readonly filter: SeccompFilter;
      readonly program?: Uint8Array;
      /** SCMP_ACT_NOTIFY: where the listener fd goes (linux.seccomp.listenerPath/listenerMetadata) */
      readonly listener?: { readonly path: string; readonly metadata: string };
    }
  | { readonly op: 'umask'; readonly step: string; readonly mask: number }
  | { readonly op: 'chdir'; readonly step: string; readonly path: string }
  /** create a directory (and its parents) inside the rootfs when missing */
  | { readonly op: 'mkdirAll'; readonly step: string; readonly path: string; readonly mode: number }
  /** child asks the parent to write uid/gid maps and waits for its answer (user namespaces) */
  | { readonly op: 'syncIdmap'; readonly step: string }
  /** before pivot: open the exec FIFO's directory so the barrier can reach it afterwards */
  | { readonly op: 'prepareFifo'; readonly step: string; readonly path: string }
  /** report "created" and wait for the start barrier */
  | { readonly op: 'waitStart'; readonly step: string }
  /** report "before pivot" and wait for the parent (which runs the createContainer hooks in the
   *  child's namespaces meanwhile) */
  | { readonly op: 'pauseBeforePivot'; readonly step: string }
  /** setsid + TIOCSCTTY on `fd` (process.terminal: the pty slave given as stdio) */
  | { readonly op: 'setCtty'; readonly step: string; readonly fd: number } // fd -1: setsid only
  /** process.terminal as runc: a pty from /dev/ptmx as the child sees it (the container's devpts),
   *  the slave bound on /dev/console when `mountConsole`, the master handed to the parent
   *  (SpawnOptions.onConsole), the slave as 0/1/2 and controlling terminal; rows/cols 0: unsized */
  | { readonly op: 'console'; readonly step: string; readonly mountConsole: boolean; readonly rows: number; readonly cols: number }
  /** fds 0–2 owned by `uid` (gid kept) unless /dev/null (runc's fixStdioPermissions) */
  | { readonly op: 'fixStdio'; readonly step: string; readonly uid: number }
  /** execve; `path` without '/' is searched in the PATH of `env` (default PATH when unset) */
  /** direct: execve the program itself, not through the trampoline (runtime/exec-trampoline.ts) */
  | { readonly op: 'exec'; readonly step: string; readonly path: string; readonly argv: readonly string[]; readonly env: readonly string[]; readonly direct?: true };

export type PlanOpName = PlanOp['op'];

/** Where an id-mapped mount's mapping comes from and how far it reaches. */
export interface IdmapSource {
  /** copy the whole tree under the source (rbind), not only its top mount */
  readonly recursiveTree: boolean;
  /** set the mapping on every mount of the copied tree ("ridmap"), not only the top one */
  readonly recursiveIdmap: boolean;
  readonly uidMappings: readonly IdMap[];
  readonly gidMappings: readonly IdMap[];
  /** a user namespace to take the mapping from (the container joins it) instead of the mappings */
  readonly usernsPath?: string;
}

export interface IdMap {
  readonly containerID: number;
  readonly hostID: number;
  readonly size: number;
}

/** The complete launch plan for a container's init process. */
export interface LaunchPlan {
  readonly id: string;
  /** CLONE_NEW* flags passed to clone (namespaces created at clone time) */
  readonly cloneFlags: number;
  /** a pid namespace to join: joined by the spawning helper thread so the child is born in it */
  readonly joinPidNs: string | null;
  /** host path of the rootfs that "root"-based paths resolve in (null: no rootfs setup, exec) */
  readonly rootfs: string | null;
  readonly namespaces: readonly PlanNamespace[];
  /** written by the parent when the child reaches `syncIdmap` (new user namespace only) */
  readonly uidMappings: readonly IdMap[];
  readonly gidMappings: readonly IdMap[];
  readonly start: StartBarrier;
  /** fds (in the spawning process) the child inherits: stdio then extra fds; informational */
  readonly ops: readonly PlanOp[];
}

/** A plan for a process executed in an existing container (exec): the same op language, with
 *  `namespaces` all joined (paths of the container init's /proc/<pid>/ns/*) and no mount setup. */
export type ProcessPlan = LaunchPlan;
