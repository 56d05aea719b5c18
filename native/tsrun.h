/* libtsrun: the C side of tsrun, loaded by src/linux/libc.ts through koffi.
 * Every function returns a value >= 0 on success and -errno on failure (koffi.errno() is not
 * reliable: any later Node call may overwrite it). */
#ifndef TSRUN_H
#define TSRUN_H

#include <stddef.h>
#include <stdint.h>

/* Spawn a process from an encoded plan (plan-format.h) on a helper thread. On success the library
 * owns report_fd (write end of the report pipe) and sync_fd (read end of the parent→child pipe,
 * or -1) and closes them once the child has exec'd or died. */
int tsrun_spawn(const uint8_t *plan, size_t len, int report_fd, int sync_fd);

/* Start the exit watcher thread (once): it writes a byte to notify_fd (non-blocking) whenever a
 * watched pidfd becomes readable; the library owns notify_fd. Called again, it switches the
 * wake-ups to the new notify_fd and closes the previous one. tsrun_exit_watch adds a pidfd
 * (one-shot). */
int tsrun_exit_watcher_init(int notify_fd);
int tsrun_exit_watch(int pidfd);

int tsrun_pidfd_open(int pid);
int tsrun_pidfd_send_signal(int pidfd, int sig);
int tsrun_kill(int pid, int sig);
/* waitid(idtype, id, &info, options); out = {pid (0: nothing yet), si_code, si_status} */
int tsrun_waitid(int idtype, int id, int options, int32_t out[3]);
int tsrun_set_child_subreaper(int on);
int tsrun_eventfd(unsigned initval, int flags);
/* Bytes waiting to be read in a pipe/FIFO/socket (ioctl FIONREAD), or -errno. */
int tsrun_fionread(int fd);
/* flock(2), retried on EINTR; op is LOCK_SH/LOCK_EX/LOCK_UN, optionally | LOCK_NB. */
int tsrun_flock(int fd, int op);
int tsrun_pipe2(int32_t out[2], int flags);
int tsrun_mkfifo(const char *path, unsigned mode);
int tsrun_close(int fd);
int tsrun_mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data);
int tsrun_umount2(const char *target, int flags);
/* pidfd_getfd(2): a copy (close-on-exec) of fd `targetfd` of the process behind `pidfd` */
int tsrun_pidfd_getfd(int pidfd, int targetfd);
/* connect to the unix stream socket at `path` and send `data` with `fd` attached (SCM_RIGHTS) in one
 * message, then close the connection (the seccomp notify handoff to linux.seccomp.listenerPath) */
int tsrun_send_fd(const char *path, int fd, const uint8_t *data, size_t len);

/* native/pty.c: a new pty pair from `ptmx` (NULL: /dev/ptmx; a container's /proc/<pid>/root/dev/ptmx
 * puts it in the container's devpts), close-on-exec, no controlling tty; out = {master, slave, a dup
 * of master (one fd to read, one to write)}, name = "/dev/pts/<n>" (in that devpts).
 * set_winsize: TIOCSWINSZ. */
int tsrun_openpty(const char *ptmx, int32_t out[3], char *name, size_t namelen);
int tsrun_set_winsize(int fd, unsigned rows, unsigned cols);
/* fcntl(F_DUPFD_CLOEXEC): a second fd of the same open file (a pty master received from a child) */
int tsrun_dup_cloexec(int fd);

/* native/idmap.c: a detached copy (open_tree OPEN_TREE_CLONE, AT_RECURSIVE when recursive_tree) of
 * `source` with MOUNT_ATTR_IDMAP set (AT_RECURSIVE when recursive_idmap) to the user namespace at
 * userns_path, or (NULL/"") to a new one with uid_map/gid_map ("<inside> <outside> <count>\n"
 * lines). Returns the mount fd (close-on-exec, >= TSRUN_IDMAP_FD_MIN) or -errno, with *stage
 * saying which step failed. */
#define TSRUN_IDMAP_FD_MIN 256
#define TSRUN_IDMAP_STAGE_USERNS 1
#define TSRUN_IDMAP_STAGE_OPEN_TREE 2
#define TSRUN_IDMAP_STAGE_SETATTR 3
#define TSRUN_IDMAP_STAGE_DUP 4
int tsrun_idmap_tree(const char *source, int recursive_tree, int recursive_idmap, const char *uid_map,
		     const char *gid_map, const char *userns_path, int32_t *stage);

/* native/malloc-stats.c (debug): out = mallinfo2's {arena, ordblks, hblks, hblkhd, uordblks,
 * fordblks, keepcost} summed over all arenas; malloc_trim(0) (1: memory was released). */
int tsrun_malloc_stats(uint64_t out[7]);
int tsrun_malloc_trim(void);

/* bpf(2) (native/bpf.c). prog_load returns the program fd; log (log_size bytes) receives the
 * verifier's log. prog_query writes up to max_ids ids and returns how many are attached (which may
 * be more than max_ids: then ids holds the first max_ids, or nothing when -ENOSPC is returned). */
int tsrun_bpf_prog_load(unsigned prog_type, unsigned expected_attach_type, const uint8_t *insns, unsigned insn_cnt,
			const char *license, char *log, unsigned log_size);
int tsrun_bpf_prog_attach(int target_fd, int prog_fd, unsigned attach_type, unsigned flags);
int tsrun_bpf_prog_detach(int target_fd, int prog_fd, unsigned attach_type);
int tsrun_bpf_prog_query(int target_fd, unsigned attach_type, uint32_t *ids, unsigned max_ids);
int tsrun_bpf_prog_get_fd_by_id(unsigned id);

#endif
