//! The only koffi importer: bindings to build/libtsrun.so (native/tsrun.h). Each C helper returns
//! -errno, which is turned into a SyscallError here; koffi.errno() is never used (any later Node
//! call may overwrite it).

import koffi from 'koffi';
import { nativeFile } from '../platform/assets';
import { SyscallError } from './errors';

/** where libtsrun.so is: $TSRUN_LIBTSRUN, else build/ next to dist/, or the single executable's assets */
export function libtsrunPath(): string {
  return nativeFile('libtsrun.so');
}

interface Native {
  spawn(plan: Buffer, len: number, reportFd: number, syncFd: number): number;
  exitWatcherInit(notifyFd: number): number;
  exitWatch(pidfd: number): number;
  pidfdOpen(pid: number): number;
  pidfdSendSignal(pidfd: number, sig: number): number;
  kill(pid: number, sig: number): number;
  waitid(idtype: number, id: number, options: number, out: Int32Array): number;
  setChildSubreaper(on: number): number;
  eventfd(initval: number, flags: number): number;
  pipe2(out: Int32Array, flags: number): number;
  fionread(fd: number): number;
  flock(fd: number, op: number): number;
  mkfifo(path: string, mode: number): number;
  close(fd: number): number;
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): number;
  umount2(target: string, flags: number): number;
  pidfdGetfd(pidfd: number, targetfd: number): number;
  sendFd(path: string, fd: number, data: Buffer, len: number): number;
  openpty(ptmx: string | null, out: Int32Array, name: Buffer, namelen: number): number;
  setWinsize(fd: number, rows: number, cols: number): number;
  mallocStats(out: BigUint64Array): number;
  mallocTrim(): number;
  dupCloexec(fd: number): number;
  idmapTree(source: string, recursiveTree: number, recursiveIdmap: number, uidMap: string, gidMap: string, usernsPath: string | null, stage: Int32Array): number;
}

let native: Native | undefined;

function lib(): Native {
  if (native !== undefined) return native;
  const l = koffi.load(libtsrunPath());
  native = {
    spawn: l.func('int tsrun_spawn(const uint8_t *plan, size_t len, int report_fd, int sync_fd)'),
    exitWatcherInit: l.func('int tsrun_exit_watcher_init(int notify_fd)'),
    exitWatch: l.func('int tsrun_exit_watch(int pidfd)'),
    pidfdOpen: l.func('int tsrun_pidfd_open(int pid)'),
    pidfdSendSignal: l.func('int tsrun_pidfd_send_signal(int pidfd, int sig)'),
    kill: l.func('int tsrun_kill(int pid, int sig)'),
    waitid: l.func('int tsrun_waitid(int idtype, int id, int options, _Out_ int32_t *out)'),
    setChildSubreaper: l.func('int tsrun_set_child_subreaper(int on)'),
    eventfd: l.func('int tsrun_eventfd(unsigned int initval, int flags)'),
    pipe2: l.func('int tsrun_pipe2(_Out_ int32_t *out, int flags)'),
    fionread: l.func('int tsrun_fionread(int fd)'),
    flock: l.func('int tsrun_flock(int fd, int op)'),
    mkfifo: l.func('int tsrun_mkfifo(const char *path, unsigned int mode)'),
    close: l.func('int tsrun_close(int fd)'),
    mount: l.func('int tsrun_mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)'),
    umount2: l.func('int tsrun_umount2(const char *target, int flags)'),
    pidfdGetfd: l.func('int tsrun_pidfd_getfd(int pidfd, int targetfd)'),
    sendFd: l.func('int tsrun_send_fd(const char *path, int fd, const uint8_t *data, size_t len)'),
    openpty: l.func('int tsrun_openpty(const char *ptmx, _Out_ int32_t *out, _Out_ uint8_t *name, size_t namelen)'),
    setWinsize: l.func('int tsrun_set_winsize(int fd, unsigned int rows, unsigned int cols)'),
    mallocStats: l.func('int tsrun_malloc_stats(_Out_ uint64_t *out)'),
    mallocTrim: l.func('int tsrun_malloc_trim()'),
    dupCloexec: l.func('int tsrun_dup_cloexec(int fd)'),
    idmapTree: l.func('int tsrun_idmap_tree(const char *source, int recursive_tree, int recursive_idmap, const char *uid_map, const char *gid_map, const char *userns_path, _Out_ int32_t *stage)'),
  } as Native;
  return native;
}

/** bpf(2) through native/bpf.c (raw results: fd, count or -errno; checked in bpf.ts). */
interface BpfNative {
  bpfProgLoad(progType: number, attachType: number, insns: Buffer, insnCnt: number, license: string, log: Buffer, logSize: number): number;
  bpfProgAttach(targetFd: number, progFd: number, attachType: number, flags: number): number;
  bpfProgDetach(targetFd: number, progFd: number, attachType: number): number;
  bpfProgQuery(targetFd: number, attachType: number, ids: Uint32Array, maxIds: number): number;
  bpfProgGetFdById(id: number): number;
}

let bpfNative: BpfNative | undefined;

export function rawBpf(): BpfNative {
  if (bpfNative !== undefined) return bpfNative;
  const l = koffi.load(libtsrunPath());
  bpfNative = {
    bpfProgLoad: l.func('int tsrun_bpf_prog_load(unsigned int prog_type, unsigned int attach_type, const uint8_t *insns, unsigned int insn_cnt, const char *license, _Out_ uint8_t *log, unsigned int log_size)'),
    bpfProgAttach: l.func('int tsrun_bpf_prog_attach(int target_fd, int prog_fd, unsigned int attach_type, unsigned int flags)'),
    bpfProgDetach: l.func('int tsrun_bpf_prog_detach(int target_fd, int prog_fd, unsigned int attach_type)'),
    bpfProgQuery: l.func('int tsrun_bpf_prog_query(int target_fd, unsigned int attach_type, _Out_ uint32_t *ids, unsigned int max_ids)'),
    bpfProgGetFdById: l.func('int tsrun_bpf_prog_get_fd_by_id(unsigned int id)'),
  } as BpfNative;
  return bpfNative;
}

function check(r: number, syscall: string, p?: string): number {
  if (r < 0) throw new SyscallError(syscall, -r, p);
  return r;
}

export const O_CLOEXEC = 0o2000000;
export const O_NONBLOCK = 0o4000;
export const EFD_CLOEXEC = O_CLOEXEC;
export const EFD_NONBLOCK = O_NONBLOCK;
export const P_PID = 1;
export const P_PIDFD = 3;
export const P_ALL = 0;
export const WEXITED = 4;
export const WNOHANG = 1;
export const WNOWAIT = 0x01000000;
export const CLD_EXITED = 1;
export const CLD_KILLED = 2;
export const CLD_DUMPED = 3;

/** Hand an encoded plan to native/ (see native/tsrun.h for fd ownership). Throws SyscallError. */
export function nativeSpawn(plan: Buffer, reportFd: number, syncFd: number): void {
  check(lib().spawn(plan, plan.length, reportFd, syncFd), 'tsrun_spawn');
}

/** Start native/'s exit watcher: it writes a byte to `notifyFd` when a watched pidfd is readable. */
export function exitWatcherInit(notifyFd: number): void {
  check(lib().exitWatcherInit(notifyFd), 'tsrun_exit_watcher_init');
}

/** Add a pidfd to the exit watcher (one-shot). */
export function exitWatch(pidfd: number): void {
  check(lib().exitWatch(pidfd), 'epoll_ctl', String(pidfd));
}

export function pidfdOpen(pid: number): number {
  return check(lib().pidfdOpen(pid), 'pidfd_open', String(pid));
}

export function pidfdSendSignal(pidfd: number, signal: number): void {
  check(lib().pidfdSendSignal(pidfd, signal), 'pidfd_send_signal');
}

export function kill(pid: number, signal: number): void {
  check(lib().kill(pid, signal), 'kill', String(pid));
}

export interface WaitInfo {
  /** 0 when WNOHANG found nothing */
  readonly pid: number;
  /** CLD_EXITED, CLD_KILLED, CLD_DUMPED… */
  readonly code: number;
  /** exit code or signal number */
  readonly status: number;
}

/** waitid(2); returns undefined for ECHILD (nothing to wait for) */
export function waitid(idtype: number, id: number, options: number): WaitInfo | undefined {
  const out = new Int32Array(3);
  const r = lib().waitid(idtype, id, options, out);
  if (r === -10) return undefined; // ECHILD
  check(r, 'waitid', String(id));
  return { pid: out[0] as number, code: out[1] as number, status: out[2] as number };
}

export function setChildSubreaper(on = true): void {
  check(lib().setChildSubreaper(on ? 1 : 0), 'prctl(PR_SET_CHILD_SUBREAPER)');
}

export function eventfd(initval: number, flags: number = EFD_CLOEXEC): number {
  return check(lib().eventfd(initval, flags), 'eventfd');
}

/** pipe2(2) → [read end, write end] */
export function pipe2(flags: number = O_CLOEXEC): [number, number] {
  const out = new Int32Array(2);
  check(lib().pipe2(out, flags), 'pipe2');
  return [out[0] as number, out[1] as number];
}

/** ioctl(fd, FIONREAD): bytes waiting in a pipe or FIFO (all readers share one buffer). */
export function bytesUnread(fd: number): number {
  return check(lib().fionread(fd), 'ioctl FIONREAD', String(fd));
}

export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

/** flock(2) on an open fd; with LOCK_NB returns false when another holder has it. */
export function flock(fd: number, op: number): boolean {
  const r = lib().flock(fd, op);
  if (r === -11 && (op & LOCK_NB) !== 0) return false; // EWOULDBLOCK
  check(r, 'flock', String(fd));
  return true;
}

export function mkfifo(p: string, mode = 0o622): void {
  check(lib().mkfifo(p, mode), 'mkfifo', p);
}

export function closeFd(fd: number): void {
  check(lib().close(fd), 'close', String(fd));
}

/** mount(2) in the calling process's mount namespace (the same for every thread of Node) */
export function mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null = null): void {
  check(lib().mount(source, target, fstype, flags, data), 'mount', target);
}

export function umount2(target: string, flags = 0): void {
  check(lib().umount2(target, flags), 'umount2', target);
}

/** pidfd_getfd(2): a close-on-exec copy of another process's fd */
export function pidfdGetfd(pidfd: number, targetfd: number): number {
  return check(lib().pidfdGetfd(pidfd, targetfd), 'pidfd_getfd', String(targetfd));
}

/** Connect to the unix stream socket `path`, send `data` with `fd` attached (SCM_RIGHTS), close. */
export function sendFd(path: string, fd: number, data: Buffer): void {
  check(lib().sendFd(path, fd, data, data.length), 'sendmsg', path);
}

/** What an id-mapped copy of a bind source is made of (native/idmap.c). */
export interface IdmapTreeRequest {
  readonly source: string;
  readonly recursiveTree: boolean;
  readonly recursiveIdmap: boolean;
  /** uid_map / gid_map text ("<inside> <outside> <count>" lines); ignored with usernsPath */
  readonly uidMap: string;
  readonly gidMap: string;
  readonly usernsPath?: string;
}

const IDMAP_STAGES = ['', 'create the mapping user namespace', 'open_tree', 'mount_setattr(MOUNT_ATTR_IDMAP)', 'fcntl(F_DUPFD_CLOEXEC)'];

/** A detached id-mapped copy of `req.source` (close-on-exec fd >= 256). Throws SyscallError whose
 *  syscall names the failed step. */
export function idmapTree(req: IdmapTreeRequest): number {
  const stage = new Int32Array(1);
  const r = lib().idmapTree(req.source, req.recursiveTree ? 1 : 0, req.recursiveIdmap ? 1 : 0, req.uidMap, req.gidMap, req.usernsPath ?? null, stage);
  const st = stage[0] as number;
  return check(r, IDMAP_STAGES[st] ?? 'idmap', st === 1 ? (req.usernsPath ?? 'uid_map/gid_map') : req.source);
}

/** A new pseudo-terminal pair (close-on-exec, not our controlling tty) and a second fd of the master.
 *  `ptmx`: a container's /proc/<pid>/root/dev/ptmx puts the pty in its devpts (`path` is there);
 *  when that fails, the host's /dev/ptmx is used. */
export function openpty(ptmx?: string): { master: number; slave: number; masterDup: number; path: string } {
  const out = new Int32Array(3);
  const name = Buffer.alloc(128);
  // a container without its own devpts/ptmx: fall back to the host's (the name is then the host's)
  if (ptmx === undefined || lib().openpty(ptmx, out, name, name.length) < 0) check(lib().openpty(null, out, name, name.length), 'openpty', '/dev/ptmx');
  const end = name.indexOf(0);
  return { master: out[0]!, slave: out[1]!, masterDup: out[2]!, path: name.subarray(0, end < 0 ? name.length : end).toString('utf8') };
}

/** A close-on-exec duplicate of `fd` (the same open file). */
export function dupFd(fd: number): number {
  return check(lib().dupCloexec(fd), 'fcntl(F_DUPFD_CLOEXEC)', String(fd));
}

/** TIOCSWINSZ: set the window size of the terminal behind `fd`. */
export function setWinsize(fd: number, rows: number, cols: number): void {
  check(lib().setWinsize(fd, rows, cols), 'ioctl(TIOCSWINSZ)', String(fd));
}

/** glibc malloc's totals over all arenas (mallinfo2), in bytes; a debugging aid. */
export interface MallocStats {
  /** sbrk'd/arena heap bytes (non-mmapped) */
  readonly arena: number;
  readonly freeChunks: number;
  readonly mmappedChunks: number;
  readonly mmappedBytes: number;
  /** bytes handed out and not freed */
  readonly inUse: number;
  /** bytes free but kept by malloc */
  readonly free: number;
  /** releasable from the top of the main arena */
  readonly releasable: number;
}

export function mallocStats(): MallocStats {
  const out = new BigUint64Array(7);
  check(lib().mallocStats(out), 'mallinfo2');
  const n = (i: number): number => Number(out[i]);
  return { arena: n(0), freeChunks: n(1), mmappedChunks: n(2), mmappedBytes: n(3), inUse: n(4), free: n(5), releasable: n(6) };
}

/** malloc_trim(0): gives free malloc memory back to the kernel; true when some was released. */
export function mallocTrim(): boolean {
  return lib().mallocTrim() === 1;
}
