//! The side-effect half of checkpoint/restore for the container library: gather the facts the
//! planner needs (the init's mountinfo and stdio, namespace inodes, cgroup directories), write
//! descriptors.json and tsrun-checkpoint.json next to the images, bind the rootfs for criu's
//! --root, run criu, and adopt the restored init (a child of this process: --restore-sibling).

import * as fs from 'node:fs';
import * as path from 'node:path';

import { detectCgroupHost, type CgroupManager } from '../cgroups';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../errors';
import { closeFd, mount, pidfdOpen, pidfdSendSignal, umount2 } from '../linux';
import { reaper } from '../linux/reaper';
import type { Spec } from '../runtime/spec';
import { resolveCriu, runCriu } from './criu';
import { nsPath, parseMountInfo, planDump, planRestore, type StdioFact } from './plan';
import { type CheckpointManifest, type CheckpointOptions, DESCRIPTORS_FILE, MANIFEST_FILE, type RestoreOptions } from './types';

const MS_BIND = 0x1000;
const MS_REC = 0x4000;
const MNT_DETACH = 2;

export interface DumpRequest {
  readonly id: string;
  readonly spec: Spec;
  readonly pid: number;
  readonly rootfs: string;
  readonly cgroup: CgroupManager | undefined;
  readonly options: CheckpointOptions;
}

export interface RestoreRequest {
  readonly id: string;
  readonly spec: Spec;
  readonly bundle: string;
  readonly rootfs: string;
  /** The container's state directory (<root>/<id>): criu-root and restore.pid live there. */
  readonly stateDir: string;
  readonly stdio: readonly [number, number, number];
  readonly cgroup: CgroupManager;
  readonly options: RestoreOptions;
}

/** The restored init, as our child. */
export interface RestoredInit {
  readonly pid: number;
  readonly exited: Promise<{ status: number; signal?: number }>;
  kill(signal: number): void;
  detach(): void;
}

function readlinkOr(p: string, fallback: string): string {
  try {
    return fs.readlinkSync(p);
  } catch {
    return fallback;
  }
}

function freezerDir(cg: CgroupManager | undefined): string | undefined {
  if (cg === undefined) return undefined;
  if (cg.version === 2) return cg.dirs.get('');
  for (const [ctrls, dir] of cg.dirs) if (ctrls.split(',').includes('freezer')) return dir;
  return undefined;
}

/** What fd `fd` of `pid` is: its link, and for a file its mount id and inode. */
function stdioFact(pid: number, fd: number): StdioFact {
  const link = readlinkOr(`/proc/${pid}/fd/${fd}`, '');
  if (!link.startsWith('/')) return { link };
  try {
    const m = /^mnt_id:\s*(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
    const ino = fs.statSync(`/proc/${pid}/fd/${fd}`, { bigint: true }).ino;
    return { link, ino, ...(m ? { mntId: Number(m[1]) } : {}) };
  } catch {
    return { link };
  }
}

/** Session id and process group of `pid` (fields 5 and 6 of /proc/<pid>/stat). */
function sessionOf(pid: number): { pgrp: number; session: number } | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pgrp: Number(f[2]), session: Number(f[3]) };
  } catch {
    return undefined;
  }
}

/** Checkpoint a running container's process tree into options.imagePath. */
export async function criuDump(req: DumpRequest): Promise<void> {
  const binary = resolveCriu(req.options.criuPath);
  // tsrun's init is its own session leader (setsid, as runc's). One that is not (no pid namespace
  // of its own, or another creator) needs --shell-job, which lets the session live outside the tree;
  // CRIU still refuses a session leader outside the container's pid namespace (see criu.ts).
  const s = sessionOf(req.pid);
  const shellJob = req.options.shellJob === true || (s !== undefined && (s.session !== req.pid || s.pgrp !== req.pid));
  const mounts = parseMountInfo(fs.readFileSync(`/proc/${req.pid}/mountinfo`, 'utf8'));
  const inodes: Partial<Record<'network' | 'pid', bigint>> = {};
  for (const type of ['network', 'pid'] as const) {
    const p = nsPath(req.spec, type);
    if (p !== undefined) inodes[type] = fs.statSync(p, { bigint: true }).ino;
  }
  const stdio = [0, 1, 2].map((fd) => stdioFact(req.pid, fd));
  const inv = planDump({
    stdio,
    options: { ...req.options, shellJob }, spec: req.spec, pid: req.pid, rootfs: req.rootfs, mounts,
    freezerDir: freezerDir(req.cgroup), externalNsInodes: inodes,
  });
  fs.mkdirSync(req.options.imagePath, { recursive: true, mode: 0o700 });
  if (req.options.workPath) fs.mkdirSync(req.options.workPath, { recursive: true, mode: 0o700 });
  const descriptors = [0, 1, 2].map((fd) => readlinkOr(`/proc/${req.pid}/fd/${fd}`, '/dev/null'));
  fs.writeFileSync(path.join(req.options.imagePath, DESCRIPTORS_FILE), JSON.stringify(descriptors), { mode: 0o600 });
  const manifest: CheckpointManifest = { version: 1, externalMounts: inv.externalMounts, stdioKeys: inv.stdioKeys, ...(shellJob ? { shellJob } : {}) };
  fs.writeFileSync(path.join(req.options.imagePath, MANIFEST_FILE), JSON.stringify(manifest), { mode: 0o600 });
  await runCriu('dump', binary, inv);
}

/** Read what tsrun (or runc) stored next to the images; checks the directory holds a checkpoint. */
function readImageDir(req: RestoreRequest): { stdioKeys: (string | null)[]; externalMounts: string[]; shellJob: boolean } {
  const dir = req.options.imagePath;
  const st = fs.statSync(dir, { throwIfNoEntry: false });
  if (!st?.isDirectory()) throw new NotFoundError(`image path ${dir}: no such directory; give the directory a checkpoint wrote (--image-path)`);
  if (!fs.existsSync(path.join(dir, 'inventory.img'))) {
    throw new InvalidArgumentError(`image path ${dir}: holds no CRIU checkpoint (inventory.img missing); give the directory a checkpoint wrote (--image-path)`);
  }
  let descriptors: string[] = [];
  try {
    const raw: unknown = JSON.parse(fs.readFileSync(path.join(dir, DESCRIPTORS_FILE), 'utf8'));
    if (Array.isArray(raw)) descriptors = raw.map(String);
  } catch {
    // an image without descriptors.json: stdio is restored as dumped (files by path)
  }
  let externalMounts: string[];
  let shellJob = false;
  let stdioKeys: (string | null)[] = descriptors.map((d) => (d.startsWith('pipe:') ? d : null));
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8')) as CheckpointManifest;
    externalMounts = [...m.externalMounts];
    shellJob = m.shellJob === true;
    if (m.stdioKeys) stdioKeys = [...m.stdioKeys];
  } catch {
    // runc's images: its external mounts are the spec's binds, masked paths and devices
    externalMounts = [
      ...(req.spec.mounts ?? []).filter((m) => m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind')).map((m) => m.destination),
      ...(req.spec.linux?.maskedPaths ?? []),
    ];
  }
  return { stdioKeys, externalMounts, shellJob };
}

/** Per v1 hierarchy: name (mount point basename) → cgroup dir; and hierarchy key → path below its root. */
function cgroupLayout(cg: CgroupManager): { binds: Map<string, string>; roots: Map<string, string> } {
  const host = detectCgroupHost();
  const mounts = [...host.v1, ...(host.unified ? [host.unified] : [])];
  const binds = new Map<string, string>();
  const roots = new Map<string, string>();
  for (const [key, dir] of cg.dirs) {
    const m = mounts.find((x) => dir === x.mountPoint || dir.startsWith(`${x.mountPoint}/`));
    if (m === undefined) continue;
    binds.set(path.basename(m.mountPoint), dir);
    roots.set(key, dir === m.mountPoint ? '/' : dir.slice(m.mountPoint.length));
  }
  return { binds, roots };
}

/**
 * Restore a checkpoint as a running container in `req.cgroup`, with `req.stdio` as its stdio.
 * The cgroup must exist. On failure nothing restored is left running (the caller removes the cgroup).
 */
export async function criuRestore(req: RestoreRequest): Promise<RestoredInit> {
  const binary = resolveCriu(req.options.criuPath);
  const { stdioKeys, externalMounts, shellJob } = readImageDir(req);
  if (req.options.workPath) fs.mkdirSync(req.options.workPath, { recursive: true, mode: 0o700 });
  const { binds, roots } = cgroupLayout(req.cgroup);
  const criuRoot = path.join(req.stateDir, 'criu-root');
  const pidFile = path.join(req.stateDir, 'restore.pid');
  const nsFds: Partial<Record<'network' | 'pid', number>> = {};
  const r = reaper();
  r.beginSpawn(); // no orphan reaping until the restored init is watched
  let mounted = false;
  try {
    for (const type of ['network', 'pid'] as const) {
      const p = nsPath(req.spec, type);
      if (p === undefined) continue;
      try {
        nsFds[type] = fs.openSync(p, fs.constants.O_RDONLY);
      } catch (err) {
        throw new FailedPreconditionError(`linux.namespaces: the ${type} namespace ${p} the checkpoint expects is gone (${(err as Error).message}); create it (or the pod) before restoring`);
      }
    }
    const inv = planRestore({
      options: { ...req.options, shellJob: req.options.shellJob === true || shellJob }, spec: req.spec, bundle: req.bundle, criuRoot, pidFile, externalMounts,
      cgroupBinds: binds, cgroupRoots: roots, stdioKeys, stdio: req.stdio, externalNsFds: nsFds,
    });
    fs.mkdirSync(criuRoot, { mode: 0o755 });
    // criu's --root must be a mount point whose parent is not over-mounted (runc does the same).
    mount(req.rootfs, criuRoot, null, MS_BIND | MS_REC);
    mounted = true;
    fs.rmSync(pidFile, { force: true });
    await runCriu('restore', binary, inv);
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) throw new FailedPreconditionError(`criu restore: ${pidFile} holds no pid`);
    const pidfd = pidfdOpen(pid);
    let open = true;
    const close = (): void => {
      if (!open) return;
      open = false;
      try {
        closeFd(pidfd);
      } catch {
        // closed already
      }
    };
    const exited = r.watch(pid, pidfd).then((s) => {
      close();
      return s;
    });
    return {
      pid,
      exited,
      kill: (signal) => {
        if (open) pidfdSendSignal(pidfd, signal);
      },
      detach: () => {
        if (!open) return;
        r.unwatch(pid);
        close();
      },
    };
  } finally {
    for (const fd of Object.values(nsFds)) fs.closeSync(fd);
    if (mounted) {
      try {
        umount2(criuRoot, MNT_DETACH);
      } catch {
        // gone already
      }
    }
    try {
      fs.rmdirSync(criuRoot);
    } catch {
      // never made, or still busy: removed with the state directory
    }
    fs.rmSync(pidFile, { force: true });
    r.endSpawn();
  }
}
