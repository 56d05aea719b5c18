//! Checkpoint/restore options shared by the shim (runc's CheckpointOptions, Create's checkpoint
//! field) and the CLI (`tsrun checkpoint/restore`, runc's flags).

/** CRIU's --manage-cgroups modes (runc's --manage-cgroups-mode; containerd's cgroups_mode). */
export type CgroupsMode = 'soft' | 'full' | 'strict' | 'ignore';
export const CGROUPS_MODES: readonly CgroupsMode[] = ['soft', 'full', 'strict', 'ignore'];

/** Options common to checkpoint and restore. */
export interface CriuCommonOptions {
  /** Directory of the CRIU image files (created on checkpoint, read on restore). */
  readonly imagePath: string;
  /** Directory for CRIU's log and work files (default: imagePath). */
  readonly workPath?: string;
  /** Checkpoint/restore established TCP connections (criu --tcp-established). */
  readonly tcpEstablished?: boolean;
  /** Checkpoint/restore file locks (criu --file-locks). */
  readonly fileLocks?: boolean;
  /** Allow external unix sockets (criu --ext-unix-sk). */
  readonly externalUnixSockets?: boolean;
  /** Allow shell jobs (criu --shell-job). */
  readonly shellJob?: boolean;
  /** criu --manage-cgroups mode (default soft). */
  readonly cgroupsMode?: CgroupsMode;
  /** The criu binary: a path, or a name looked up on PATH (default: $TSRUN_CRIU, else "criu"). */
  readonly criuPath?: string;
}

export interface CheckpointOptions extends CriuCommonOptions {
  /** Leave the processes running after the checkpoint (criu --leave-running). */
  readonly leaveRunning?: boolean;
}

export type RestoreOptions = CriuCommonOptions;

/** A mount of the checkpointed container that CRIU must treat as external (bind from the host). */
export interface ExternalMount {
  /** Mount point inside the container ("/etc/hosts"); also the key in the image. */
  readonly destination: string;
}

/** What tsrun stores next to the CRIU images (tsrun-checkpoint.json). */
export interface CheckpointManifest {
  readonly version: 1;
  /** Mount points dumped as external (bound again from their sources on restore). */
  readonly externalMounts: readonly string[];
  /** The init was not its own session leader (tsrun calls setsid only for a terminal; runc always
   *  does): dumped and to be restored with --shell-job, the session then being the restorer's. */
  readonly shellJob?: boolean;
  /** Per init fd 0..2, the key CRIU dumped it under (pipe:[…] or an external file[…]); null: by path. */
  readonly stdioKeys?: readonly (string | null)[];
}

/** The file names tsrun writes into an image directory. */
export const DESCRIPTORS_FILE = 'descriptors.json'; // runc's name and format: init's fds 0..2
export const MANIFEST_FILE = 'tsrun-checkpoint.json';
export const DUMP_LOG = 'dump.log';
export const RESTORE_LOG = 'restore.log';
