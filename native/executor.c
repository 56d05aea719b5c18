/* The executor: spawns a container process from an encoded launch plan (plan-format.h) and runs
 * the plan's ops in the child, between clone and execve. It decides nothing: every path, flag and
 * order comes from the plan. Failures are reported to the parent as {step, syscall, path, errno}.
 *
 * The child is created from a short-lived helper pthread with clone(CLONE_VM|CLONE_VFORK|...):
 * it shares the Node process's memory until execve, so it must only use raw syscalls and
 * async-signal-safe libc calls, no malloc, and never glibc's setxid wrappers (setresuid,
 * setgroups…), which would signal the Node threads. Its stack is a private mmap. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plan-format.h"
#include "seccomp.h"
#include "tsrun.h"

#define CHILD_STACK_SIZE (1024 * 1024) /* lazily backed; exec builds argv/envp arrays on it */
#define MAX_EXEC_STRINGS 8192
#define MAX_MOVE_MOUNTS 64

struct spawn {
	uint8_t *plan; /* private copy */
	size_t len;
	const struct tsr_plan_hdr *hdr;
	int report_fd; /* the helper's fds: it closes them after the child exec'd or died */
	int sync_fd;
	int nstdio; /* fds the STDIO op fills (0..nstdio-1) */
	pid_t ptid; /* host pid, written by CLONE_PARENT_SETTID */
	void *stack;
	size_t stack_size;
	int share_vm;	    /* clone with CLONE_VM (not for a plan that joins a time namespace) */
	int userns_first;   /* join the user namespace, then create the others: two clones (see below) */
	/* child state (shared memory: the helper must never read these) */
	uint32_t next_i; /* the op after the one running, and its offset */
	uint32_t next_off;
	int c_report;
	int c_sync;
	int rootfd;
	int fifo_dirfd;
	char fifo_name[256];
	int cur_step;
	const struct tsr_op_hdr *exec_op; /* the plan's exec op (found before the start barrier) */
	char exec_path[4096];		   /* its program, resolved before the barrier ("" when not) */
	int move_fds[MAX_MOVE_MOUNTS];	   /* the MOVE_MOUNT ops' fds (the STDIO op keeps them open) */
	int n_move_fds;
	int tramp_fd;			   /* the sealed trampoline memfd (process-wide; CLOEXEC) */
	int c_tramp;			   /* the child's copy, above the STDIO fds */
};

/* ---- the exec trampoline (CVE-2019-5736; native/trampoline/trampoline.c, docs/security.md) ---- */

extern const unsigned char tsr_trampoline_start[], tsr_trampoline_end[];
#define TSR_MFD_EXEC 0x0010U /* linux/memfd.h MFD_EXEC, newer than bookworm's headers */
static pthread_mutex_t tramp_lock = PTHREAD_MUTEX_INITIALIZER;
static int tramp_memfd = -1;

/* The trampoline in a memfd sealed against any change, made once per process. */
static int trampoline_fd(void)
{
	pthread_mutex_lock(&tramp_lock);
	int fd = tramp_memfd;
	if (fd < 0) {
		/* MFD_EXEC (6.3+): executable even where vm.memfd_noexec=1 makes memfds noexec by default */
		fd = memfd_create("tsrun-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING | TSR_MFD_EXEC);
		if (fd < 0 && errno == EINVAL)
			fd = memfd_create("tsrun-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		size_t len = (size_t)(tsr_trampoline_end - tsr_trampoline_start);
		if (fd >= 0 && (write(fd, tsr_trampoline_start, len) != (ssize_t)len ||
				fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)) {
			int err = errno ? errno : EIO;
			close(fd);
			fd = -1;
			errno = err;
		}
		tramp_memfd = fd;
	}
	int err = errno;
	pthread_mutex_unlock(&tramp_lock);
	errno = err;
	return fd;
}

/* ---- plan access (validated before clone) ---- */

static const struct tsr_op_hdr *op_at(const struct spawn *s, uint32_t off)
{
	return (const struct tsr_op_hdr *)(s->plan + off);
}

static int64_t op_int(const struct tsr_op_hdr *op, unsigned i)
{
	int64_t v;
	memcpy(&v, (const uint8_t *)op + sizeof *op + 8 * i, 8);
	return v;
}

static const char *op_str(const struct tsr_op_hdr *op, unsigned i)
{
	const uint8_t *p = (const uint8_t *)op + sizeof *op + 8 * op->nint;
	for (unsigned k = 0;; k++) {
		uint32_t len;
		memcpy(&len, p, 4);
		if (k == i)
			return len == TSR_NULL_STR ? NULL : (const char *)p + 4;
		p += 4 + (len == TSR_NULL_STR ? 0 : len + 1);
	}
}

/* the fewest ints and strings each op reads (index = op code) */
static const struct {
	uint8_t nint, nstr;
} OP_ARGS[] = {
	[TSR_OP_SETNS] = {1, 1},	  [TSR_OP_UNSHARE] = {1, 0},	    [TSR_OP_WRITE_FILE] = {1, 2},
	[TSR_OP_MOUNT] = {3, 4},	  [TSR_OP_MAKE_PARENT_PRIVATE] = {0, 1}, [TSR_OP_MKNOD] = {5, 1},
	[TSR_OP_SYMLINK] = {0, 2},	  [TSR_OP_PIVOT_ROOT] = {0, 1},	    [TSR_OP_MOVE_ROOT] = {0, 1},
	[TSR_OP_MASK_PATH] = {0, 1},	  [TSR_OP_READONLY_PATH] = {0, 1},  [TSR_OP_REMOUNT_RO] = {0, 1},
	[TSR_OP_SETHOSTNAME] = {0, 1},	  [TSR_OP_SETDOMAINNAME] = {0, 1},  [TSR_OP_SETRLIMIT] = {3, 0},
	[TSR_OP_STDIO] = {0, 0},	  [TSR_OP_CAPS_BOUNDING] = {2, 0},  [TSR_OP_KEEPCAPS] = {1, 0},
	[TSR_OP_SETGROUPS] = {0, 0},	  [TSR_OP_SETRESGID] = {1, 0},	    [TSR_OP_SETRESUID] = {1, 0},
	[TSR_OP_CAPSET] = {3, 0},	  [TSR_OP_CAPS_AMBIENT] = {2, 0},   [TSR_OP_NO_NEW_PRIVS] = {0, 0},
	[TSR_OP_UMASK] = {1, 0},	  [TSR_OP_CHDIR] = {0, 1},	    [TSR_OP_MKDIR_ALL] = {1, 1},
	[TSR_OP_SYNC_IDMAP] = {0, 0},	  [TSR_OP_PREPARE_FIFO] = {0, 1},   [TSR_OP_WAIT_START] = {0, 0},
	[TSR_OP_EXEC] = {1, 1},		  [TSR_OP_SECCOMP] = {2, 0},	    [TSR_OP_SET_CTTY] = {1, 0},
	[TSR_OP_PAUSE_BEFORE_PIVOT] = {0, 0}, [TSR_OP_CONSOLE] = {3, 0},	    [TSR_OP_FIX_STDIO] = {1, 0},
	[TSR_OP_MOVE_MOUNT] = {3, 2},
};

/* Check every size, offset and string of the plan so the child cannot read out of bounds. */
static int validate_plan(const uint8_t *plan, size_t len, int *nstdio)
{
	const struct tsr_plan_hdr *h = (const void *)plan;
	if (len < sizeof *h || h->magic != TSR_PLAN_MAGIC || h->version != TSR_PLAN_VERSION || h->total_size != len)
		return -EINVAL;
	for (int k = 0; k < 2; k++) {
		uint32_t off = k == 0 ? h->pidns_off : h->rootfs_off;
		if (off != 0 && (off >= len || memchr(plan + off, 0, len - off) == NULL))
			return -EINVAL;
	}
	uint32_t off = h->ops_off;
	int nmove = 0;
	*nstdio = 0;
	for (uint32_t i = 0; i < h->nops; i++) {
		if (off % 8 != 0 || len - off < sizeof(struct tsr_op_hdr))
			return -EINVAL;
		const struct tsr_op_hdr *op = (const void *)(plan + off);
		if (op->size < sizeof *op || op->size % 8 != 0 || op->size > len - off)
			return -EINVAL;
		size_t p = sizeof *op + 8 * (size_t)op->nint;
		if (p > op->size)
			return -EINVAL;
		for (unsigned k = 0; k < op->nstr; k++) {
			uint32_t slen;
			if (op->size - p < 4)
				return -EINVAL;
			memcpy(&slen, (const uint8_t *)op + p, 4);
			p += 4;
			if (slen == TSR_NULL_STR) {
				/* only mount's source, fstype and data may be NULL */
				if (op->code != TSR_OP_MOUNT || k == 1)
					return -EINVAL;
				continue;
			}
			if ((size_t)slen + 1 > op->size - p || ((const uint8_t *)op)[p + slen] != 0)
				return -EINVAL;
			p += slen + 1;
		}
		if (op->code == 0 || op->code >= sizeof OP_ARGS / sizeof OP_ARGS[0] || op->nint < OP_ARGS[op->code].nint ||
		    op->nstr < OP_ARGS[op->code].nstr)
			return -EINVAL;
		if (op->code == TSR_OP_STDIO && op->nint > *nstdio)
			*nstdio = op->nint;
		if (op->code == TSR_OP_MOVE_MOUNT && ++nmove > MAX_MOVE_MOUNTS)
			return -E2BIG;
		if (op->code == TSR_OP_EXEC && (op->nint < 1 || op->nstr < 1 + op_int(op, 0) || op->nstr > MAX_EXEC_STRINGS))
			return -EINVAL;
		off += op->size;
	}
	return off == len ? 0 : -EINVAL;
}

/* ---- reporting ---- */

static void write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void send_msg(int fd, uint32_t type, int32_t value, int32_t step, const char *syscall_name, const char *path)
{
	char buf[sizeof(struct tsr_msg_hdr) + 4096];
	struct tsr_msg_hdr *m = (void *)buf;
	size_t plen = path ? strnlen(path, 4095) : 0;
	memset(m, 0, sizeof *m);
	m->type = type;
	m->value = value;
	m->step = step;
	if (syscall_name)
		strncpy(m->syscall, syscall_name, sizeof m->syscall - 1);
	memcpy(buf + sizeof *m, path ? path : "", plen);
	buf[sizeof *m + plen] = 0;
	m->size = (uint32_t)(sizeof *m + plen + 1);
	write_all(fd, buf, m->size);
}

static __attribute__((noreturn)) void fail(struct spawn *s, const char *syscall_name, const char *path, int err)
{
	send_msg(s->c_report, TSR_MSG_ERROR, err, s->cur_step, syscall_name, path);
	_exit(err == ENOENT ? 127 : err == EACCES ? 126 : 1);
}

#define CHECK(s, expr, name, path)                                                                                     \
	do {                                                                                                           \
		if ((expr) < 0)                                                                                        \
			fail((s), (name), (path), errno);                                                              \
	} while (0)

/* ---- paths inside the rootfs ---- */

static int open_in_root(struct spawn *s, const char *path, int flags)
{
	if (s->rootfd < 0) {
		const char *rootfs = s->hdr->rootfs_off ? (const char *)s->plan + s->hdr->rootfs_off : NULL;
		if (!rootfs) {
			errno = EINVAL;
			return -1;
		}
		s->rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (s->rootfd < 0)
			return -1;
	}
	struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	long fd;
	do
		fd = syscall(SYS_openat2, s->rootfd, path, &how, sizeof how);
	while (fd < 0 && errno == EAGAIN);
	return (int)fd;
}

/* Split a path into its parent (NUL-terminated at buf) and its last name (returned, also in buf):
 * "/a/b" → "/a" + "b", "/b" → "/" + "b", "b" → "." + "b". */
static const char *split_parent(const char *path, char *buf, size_t bufsz)
{
	size_t n = strnlen(path, bufsz - 3);
	while (n > 1 && path[n - 1] == '/')
		n--;
	memcpy(buf, path, n);
	buf[n] = 0;
	char *slash = strrchr(buf, '/');
	if (!slash) {
		memmove(buf + 2, buf, n + 1);
		buf[0] = '.';
		buf[1] = 0;
		return buf + 2;
	}
	*slash = 0;
	if (slash == buf) {
		memmove(buf + 2, buf + 1, strlen(buf + 1) + 1);
		buf[0] = '/';
		buf[1] = 0;
		return buf + 2;
	}
	return slash + 1;
}

/* `dirfd`/`name` (at `buf`[0..prefix_len) in the rootfs path) is a symlink: rewrite buf as its
 * target followed by `rest`. An absolute target restarts at the rootfs's root; openat2's
 * RESOLVE_IN_ROOT later clamps any "..". 0, or -1 (not a symlink, too long). */
static int splice_link(int dirfd, const char *name, char *buf, size_t bufsz, size_t prefix_len, const char *rest)
{
	char target[4096], out[4096];
	ssize_t tl = readlinkat(dirfd, name, target, sizeof target - 1);
	if (tl <= 0)
		return -1;
	target[tl] = 0;
	size_t pre = target[0] == '/' ? 0 : prefix_len;
	size_t rl = strlen(rest);
	if (pre + (size_t)tl + 1 + rl + 1 > sizeof out || pre + (size_t)tl + 1 + rl + 1 > bufsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(out, buf, pre);
	memcpy(out + pre, target, (size_t)tl);
	size_t n = pre + (size_t)tl;
	if (rl) {
		out[n++] = '/';
		memcpy(out + n, rest, rl);
		n += rl;
	}
	out[n] = 0;
	memcpy(buf, out, n + 1);
	return 0;
}

#define MAX_LINKS 40

/* mkdir -p inside the rootfs; returns an O_PATH fd of the directory or -1. A component that is a
 * (dangling) symlink is followed inside the rootfs, creating its target, as runc's MkdirAllInRoot
 * does. */
static int mkdir_all_in_root(struct spawn *s, const char *path, mode_t mode)
{
	char buf[4096];
	size_t n = strnlen(path, sizeof buf - 1);
	memcpy(buf, path, n);
	buf[n] = 0;
	int fd = open_in_root(s, buf, O_PATH | O_DIRECTORY);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	int links = 0;
restart:;
	/* walk from the top, creating what is missing */
	int dirfd = open_in_root(s, "/", O_PATH | O_DIRECTORY);
	if (dirfd < 0)
		return -1;
	char *p = buf;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		char *end = strchr(p, '/');
		char saved = 0;
		if (end) {
			saved = *end;
			*end = 0;
		}
		if (mkdirat(dirfd, p, mode) < 0 && errno != EEXIST) {
			close(dirfd);
			return -1;
		}
		int next = open_in_root(s, buf, O_PATH | O_DIRECTORY);
		if (next < 0 && errno == ENOENT && links < MAX_LINKS) {
			char rest[4096];
			const char *r = "";
			if (end) {
				*end = saved;
				r = end + 1;
			}
			snprintf(rest, sizeof rest, "%s", r);
			if (splice_link(dirfd, p, buf, sizeof buf, (size_t)(p - buf), rest) == 0) {
				links++;
				close(dirfd);
				goto restart;
			}
			errno = ENOENT;
		}
		close(dirfd);
		dirfd = next;
		if (dirfd < 0)
			return -1;
		if (end) {
			*end = saved;
			p = end;
		} else {
			break;
		}
	}
	return dirfd;
}

/* O_PATH fd of `path` in the rootfs, creating it first when asked (TSR_MK_*) */
static int target_in_root(struct spawn *s, const char *path, int mk, const char *source)
{
	int fd = open_in_root(s, path, O_PATH);
	if (fd >= 0 || errno != ENOENT || mk == TSR_MK_NONE)
		return fd;
	if (mk == TSR_MK_AUTO) {
		struct stat st;
		mk = (source && stat(source, &st) == 0 && !S_ISDIR(st.st_mode)) ? TSR_MK_FILE : TSR_MK_DIR;
	}
	if (mk == TSR_MK_DIR) {
		fd = mkdir_all_in_root(s, path, 0755);
		if (fd < 0)
			return -1;
		return fd;
	}
	char cur[4096];
	snprintf(cur, sizeof cur, "%s", path);
	for (int links = 0;; links++) {
		char parent[4096];
		const char *name = split_parent(cur, parent, sizeof parent);
		int dirfd = mkdir_all_in_root(s, parent, 0755);
		if (dirfd < 0)
			return -1;
		/* O_EXCL: never follow a symlink out of the rootfs */
		int f = openat(dirfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
		if (f < 0 && errno != EEXIST) {
			close(dirfd);
			return -1;
		}
		if (f >= 0)
			close(f);
		fd = open_in_root(s, cur, O_PATH);
		if (fd >= 0 || errno != ENOENT || links >= MAX_LINKS) {
			close(dirfd);
			return fd;
		}
		/* a dangling symlink: create its target, inside the rootfs */
		char next[4096 + 2];
		snprintf(next, sizeof next, "%s%s", parent, strcmp(parent, "/") == 0 ? "" : "/");
		int r = splice_link(dirfd, name, next, sizeof next, strlen(next), "");
		close(dirfd);
		if (r < 0) {
			errno = ENOENT;
			return -1;
		}
		if (strlen(next) >= sizeof cur) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(cur, next, strlen(next) + 1);
	}
}

static void fd_path(char *buf, size_t n, int fd)
{
	/* /proc/self/fd/N: the host /proc is still mounted while "root" ops run */
	char digits[16];
	int i = 0;
	unsigned v = (unsigned)fd;
	do
		digits[i++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	size_t k = strlen(strcpy(buf, "/proc/self/fd/"));
	while (i > 0 && k + 1 < n)
		buf[k++] = digits[--i];
	buf[k] = 0;
}

/* ---- mount helpers ---- */

static unsigned long statvfs_to_ms(unsigned long f)
{
	unsigned long ms = 0;
	if (f & ST_NOSUID)
		ms |= MS_NOSUID;
	if (f & ST_NODEV)
		ms |= MS_NODEV;
	if (f & ST_NOEXEC)
		ms |= MS_NOEXEC;
	if (f & ST_NOATIME)
		ms |= MS_NOATIME;
	if (f & ST_NODIRATIME)
		ms |= MS_NODIRATIME;
	if (f & ST_RELATIME)
		ms |= MS_RELATIME;
	return ms;
}

/* bind-remount read-only, keeping the locked flags the mount already has */
static int remount_ro(const char *path)
{
	struct statvfs sv;
	unsigned long keep = statvfs(path, &sv) == 0 ? statvfs_to_ms(sv.f_flag) : 0;
	return mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | keep, NULL);
}


/* ---- tmpcopyup: the directory a tmpfs is mounted over, copied into the tmpfs ---- */

#define COPY_UP_MAX_DEPTH 64

struct dirent64_hdr {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* owner, mode (after chown: it clears set-id bits) and times of an entry created in `to` */
static int copy_attrs(int fd, int to, const char *name, const struct stat *st)
{
	struct timespec times[2] = {st->st_atim, st->st_mtim};
	if (S_ISLNK(st->st_mode)) {
		if (fchownat(to, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
			return -1;
		return utimensat(to, name, times, AT_SYMLINK_NOFOLLOW);
	}
	if (fchown(fd, st->st_uid, st->st_gid) < 0 || fchmod(fd, st->st_mode & 07777) < 0)
		return -1;
	return futimens(fd, times);
}

static int copy_tree(int from, int to, int depth, const char **failed);

/* one entry `name` of directory `from` into directory `to`; -1 with errno and *failed = the name */
static int copy_entry(int from, int to, const char *name, int depth, const char **failed)
{
	struct stat st;
	int in = -1, out = -1, r = -1;
	*failed = name;
	if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		if (mkdirat(to, name, 0700) < 0)
			return -1;
		in = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		out = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (in >= 0 && out >= 0 && copy_tree(in, out, depth + 1, failed) == 0) {
			*failed = name;
			r = copy_attrs(out, to, name, &st);
		}
	} else if (S_ISREG(st.st_mode)) {
		in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		out = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (in >= 0 && out >= 0) {
			ssize_t n;
			while ((n = sendfile(out, in, NULL, 1 << 30)) > 0)
				;
			if (n == 0)
				r = copy_attrs(out, to, name, &st);
		}
	} else if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(from, name, target, sizeof target - 1);
		if (n >= 0) {
			target[n] = 0;
			if (symlinkat(target, to, name) == 0)
				r = copy_attrs(-1, to, name, &st);
		}
	} else {
		/* fifo, socket or device node: the same node, not its contents */
		struct timespec times[2] = {st.st_atim, st.st_mtim};
		if (mknodat(to, name, st.st_mode, st.st_rdev) == 0 &&
		    fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) == 0 &&
		    fchmodat(to, name, st.st_mode & 07777, 0) == 0)
			r = utimensat(to, name, times, AT_SYMLINK_NOFOLLOW);
	}
	int err = errno;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	errno = err;
	return r;
}

/* every entry of `from` into `to` (recursively, at most COPY_UP_MAX_DEPTH levels) */
static int copy_tree(int from, int to, int depth, const char **failed)
{
	char buf[2048] __attribute__((aligned(8)));
	if (depth > COPY_UP_MAX_DEPTH) {
		errno = ELOOP;
		return -1;
	}
	for (;;) {
		long n = syscall(SYS_getdents64, from, buf, sizeof buf);
		if (n <= 0)
			return n < 0 ? -1 : 0;
		for (long off = 0; off < n;) {
			const struct dirent64_hdr *d = (const void *)(buf + off);
			off += d->d_reclen;
			if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
				continue;
			if (copy_entry(from, to, d->d_name, depth, failed) < 0)
				return -1;
		}
	}
}

static void op_mount(struct spawn *s, const struct tsr_op_hdr *op)
{
	unsigned long flags = (unsigned long)op_int(op, 0);
	int base = (int)op_int(op, 1), mk = (int)op_int(op, 2);
	int extra = op->nint > 3 ? (int)op_int(op, 3) : 0;
	const char *src = op_str(op, 0), *target = op_str(op, 1), *fstype = op_str(op, 2), *data = op_str(op, 3);
	char procpath[64];
	const char *where = target;
	int fd = -1;
	/* keep-mode (runc's tmpfs rule): the new mount's root gets the mode of the directory it covers,
	 * when there was one */
	int keep_mode = 0;
	mode_t keep = 0;
	if ((extra & TSR_MOUNT_KEEP_MODE) && base == TSR_BASE_ROOT) {
		int pre = open_in_root(s, target, O_PATH);
		struct stat st;
		if (pre >= 0 && fstat(pre, &st) == 0 && S_ISDIR(st.st_mode)) {
			keep_mode = 1;
			keep = st.st_mode & 07777;
		}
		if (pre >= 0)
			close(pre);
	}
	if (base == TSR_BASE_ROOT) {
		fd = target_in_root(s, target, mk, src);
		if (fd < 0)
			fail(s, "open", target, errno);
		fd_path(procpath, sizeof procpath, fd);
		where = procpath;
	}
	/* tmpcopyup: the directory we mount over stays readable through an fd opened before */
	int under = -1;
	if (extra & TSR_MOUNT_COPY_UP) {
		under = open(where, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (under < 0)
			fail(s, "open", target, errno);
	}
	/* with work to do inside the new mount, it is mounted writable and made read-only last */
	int after = under >= 0 || keep_mode;
	int r = mount(src, where, fstype, after ? flags & ~(unsigned long)MS_RDONLY : flags, data);
	if (r < 0 && errno == EPERM && (flags & MS_REMOUNT) && (flags & MS_BIND)) {
		/* in a user namespace the mount's nosuid/nodev/noexec/atime flags are locked: keep them */
		struct statvfs sv;
		if (statvfs(where, &sv) == 0)
			r = mount(src, where, fstype, flags | statvfs_to_ms(sv.f_flag), data);
	}
	int err = errno;
	if (fd >= 0)
		close(fd);
	if (r < 0)
		fail(s, "mount", target, err);
	if (!after)
		return;
	/* the new mount, reached through the rootfs again (the O_PATH fd is the directory below) */
	int top = base == TSR_BASE_ROOT ? open_in_root(s, target, O_RDONLY | O_DIRECTORY) : open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0)
		fail(s, "open", target, errno);
	if (under >= 0) {
		const char *failed = "";
		if (copy_tree(under, top, 0, &failed) < 0) {
			char what[4096];
			err = errno;
			snprintf(what, sizeof what, "%s: %s", target, failed);
			fail(s, "tmpcopyup", what, err);
		}
		close(under);
	}
	if (keep_mode && fchmod(top, keep) < 0)
		fail(s, "chmod", target, errno);
	if (flags & MS_RDONLY) {
		fd_path(procpath, sizeof procpath, top);
		if (mount(NULL, procpath, NULL, (flags & ~(unsigned long)(MS_BIND | MS_REC)) | MS_REMOUNT, NULL) < 0)
			fail(s, "mount", target, errno);
	}
	close(top);
}

/* attach the detached (id-mapped) mount `fd` at `target` in the rootfs, then drop our copy */
static void op_move_mount(struct spawn *s, const struct tsr_op_hdr *op)
{
	int tree = (int)op_int(op, 0), base = (int)op_int(op, 1), mk = (int)op_int(op, 2);
	const char *src = op_str(op, 0), *target = op_str(op, 1);
	int fd = base == TSR_BASE_ROOT ? target_in_root(s, target, mk, src) : open(target, O_PATH | O_CLOEXEC);
	if (fd < 0)
		fail(s, "open", target, errno);
	long r = syscall(SYS_move_mount, tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
	int err = errno;
	close(fd);
	if (r < 0)
		fail(s, "move_mount", target, err);
	close(tree);
}

static void op_make_parent_private(struct spawn *s, const char *path)
{
	char buf[4096];
	size_t n = strnlen(path, sizeof buf - 1);
	memcpy(buf, path, n);
	buf[n] = 0;
	/* the deepest ancestor that is a mount point holds the rootfs */
	for (;;) {
		char *slash = strrchr(buf, '/');
		if (!slash)
			return;
		if (slash == buf)
			buf[1] = 0;
		else
			*slash = 0;
		if (mount(NULL, buf, NULL, MS_PRIVATE, NULL) == 0)
			return;
		if (errno != EINVAL)
			fail(s, "mount", buf, errno);
		if (buf[0] == '/' && buf[1] == 0)
			return;
	}
}

static void op_mknod(struct spawn *s, const struct tsr_op_hdr *op)
{
	mode_t mode = (mode_t)op_int(op, 0);
	dev_t dev = makedev((unsigned)op_int(op, 1), (unsigned)op_int(op, 2));
	uid_t uid = (uid_t)op_int(op, 3);
	gid_t gid = (gid_t)op_int(op, 4);
	const char *path = op_str(op, 0);
	char parent[4096];
	const char *name = split_parent(path, parent, sizeof parent);
	int dirfd = mkdir_all_in_root(s, parent, 0755);
	if (dirfd < 0)
		fail(s, "mkdir", parent, errno);
	/* dirfd is O_PATH: reopen it as a real directory for *at calls that need it */
	char pp[64];
	fd_path(pp, sizeof pp, dirfd);
	int d = open(pp, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	close(dirfd);
	if (d < 0)
		fail(s, "open", parent, errno);
	unlinkat(d, name, 0);
	if (mknodat(d, name, mode, dev) < 0) {
		if (errno != EPERM)
			fail(s, "mknod", path, errno);
		/* in a user namespace: bind the host's device onto an empty file */
		int f = openat(d, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
		if (f < 0)
			fail(s, "create", path, errno);
		close(f);
		int t = open_in_root(s, path, O_PATH);
		if (t < 0)
			fail(s, "open", path, errno);
		fd_path(pp, sizeof pp, t);
		if (mount(path, pp, NULL, MS_BIND, NULL) < 0)
			fail(s, "mount", path, errno);
		close(t);
		close(d);
		return;
	}
	if (fchownat(d, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		fail(s, "chown", path, errno);
	close(d);
}

static void op_symlink(struct spawn *s, const char *target, const char *path)
{
	char parent[4096];
	const char *name = split_parent(path, parent, sizeof parent);
	int dirfd = mkdir_all_in_root(s, parent, 0755);
	if (dirfd < 0)
		fail(s, "mkdir", parent, errno);
	char pp[64];
	fd_path(pp, sizeof pp, dirfd);
	int d = open(pp, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	close(dirfd);
	if (d < 0)
		fail(s, "open", parent, errno);
	if (symlinkat(target, d, name) < 0 && errno != EEXIST)
		fail(s, "symlink", path, errno);
	close(d);
}

static void op_pivot_root(struct spawn *s, const char *rootfs)
{
	if (s->rootfd >= 0) {
		close(s->rootfd);
		s->rootfd = -1;
	}
	int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (oldroot < 0)
		fail(s, "open", "/ (old root)", errno);
	CHECK(s, chdir(rootfs), "chdir", rootfs);
	CHECK(s, syscall(SYS_pivot_root, ".", "."), "pivot_root", rootfs);
	/* the old root is stacked on the new one. Go into it (a plain "." is the new root below it,
	 * whose shared mounts MS_SLAVE would turn private), keep its unmount from propagating, drop it */
	CHECK(s, fchdir(oldroot), "fchdir", "/ (old root)");
	close(oldroot);
	CHECK(s, mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL), "mount", "/ (old root)");
	CHECK(s, umount2(".", MNT_DETACH), "umount2", "/ (old root)");
	CHECK(s, chdir("/"), "chdir", "/");
}

static void op_move_root(struct spawn *s, const char *rootfs)
{
	if (s->rootfd >= 0) {
		close(s->rootfd);
		s->rootfd = -1;
	}
	CHECK(s, chdir(rootfs), "chdir", rootfs);
	CHECK(s, mount(rootfs, "/", NULL, MS_MOVE, NULL), "mount", rootfs);
	CHECK(s, chroot("."), "chroot", rootfs);
	CHECK(s, chdir("/"), "chdir", "/");
}

static void op_mask_path(struct spawn *s, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return;
		fail(s, "stat", path, errno);
	}
	if (S_ISDIR(st.st_mode))
		CHECK(s, mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0k"), "mount", path);
	else
		CHECK(s, mount("/dev/null", path, NULL, MS_BIND, NULL), "mount", path);
}

static void op_readonly_path(struct spawn *s, const char *path)
{
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
		if (errno == ENOENT)
			return;
		fail(s, "mount", path, errno);
	}
	CHECK(s, remount_ro(path), "mount", path);
}

static void op_write_file(struct spawn *s, const struct tsr_op_hdr *op)
{
	const char *path = op_str(op, 0), *data = op_str(op, 1);
	int fd = op_int(op, 0) == TSR_BASE_ROOT ? open_in_root(s, path, O_WRONLY) : open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail(s, "open", path, errno);
	size_t n = strlen(data);
	ssize_t w = write(fd, data, n);
	if (w < 0)
		fail(s, "write", path, errno);
	close(fd);
}

static void op_stdio(struct spawn *s, const struct tsr_op_hdr *op)
{
	int n = op->nint;
	int tmp[256];
	if (n > 256)
		fail(s, "dup3", "stdio", EMFILE);
	for (int i = 0; i < n; i++) {
		int src = (int)op_int(op, (unsigned)i), own = 0;
		if (src < 0) {
			src = open("/dev/null", O_RDWR | O_CLOEXEC);
			if (src < 0)
				fail(s, "open", "/dev/null", errno);
			own = 1;
		}
		tmp[i] = fcntl(src, F_DUPFD_CLOEXEC, n);
		if (tmp[i] < 0)
			fail(s, "fcntl", "stdio", errno);
		if (own)
			close(src);
	}
	for (int i = 0; i < n; i++) {
		if (dup3(tmp[i], i, 0) < 0)
			fail(s, "dup3", "stdio", errno);
		close(tmp[i]);
	}
	/* Close everything else the Node process had open now (not only at execve): a container that
	 * waits at its start barrier must not hold the caller's sockets and pipes. */
	/* kept too: the trampoline and the detached id-mapped mounts later MOVE_MOUNT ops attach
	 * (fds >= 256 > n) */
	int keep[4 + MAX_MOVE_MOUNTS] = {s->c_report, s->c_sync, s->fifo_dirfd, s->c_tramp};
	int nkeep = 4;
	for (int i = 0; i < s->n_move_fds; i++)
		keep[nkeep++] = s->move_fds[i];
	for (int i = 0; i < nkeep; i++) /* sort */
		for (int j = i + 1; j < nkeep; j++)
			if (keep[j] < keep[i]) {
				int t = keep[i];
				keep[i] = keep[j];
				keep[j] = t;
			}
	unsigned from = (unsigned)n;
	for (int i = 0; i < nkeep; i++) {
		if (keep[i] < n)
			continue;
		if ((unsigned)keep[i] > from)
			CHECK(s, syscall(SYS_close_range, from, (unsigned)keep[i] - 1, 0), "close_range", "fds");
		from = (unsigned)keep[i] + 1;
	}
	CHECK(s, syscall(SYS_close_range, from, ~0U, 0), "close_range", "fds");
}

static void op_capset(struct spawn *s, uint64_t eff, uint64_t perm, uint64_t inh)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2] = {
		{.effective = (uint32_t)eff, .permitted = (uint32_t)perm, .inheritable = (uint32_t)inh},
		{.effective = (uint32_t)(eff >> 32), .permitted = (uint32_t)(perm >> 32), .inheritable = (uint32_t)(inh >> 32)},
	};
	CHECK(s, syscall(SYS_capset, &h, d), "capset", "");
}

static void resolve_exec(struct spawn *s);

static void op_wait_start(struct spawn *s)
{
	int step = s->cur_step;
	resolve_exec(s); /* reports its failures as the exec op's */
	s->cur_step = step;
	send_msg(s->c_report, TSR_MSG_READY, 0, s->cur_step, NULL, NULL);
	if (s->hdr->start_kind == TSR_START_FIFO) {
		if (s->fifo_dirfd < 0)
			fail(s, "open", "exec fifo (no prepareFifo op)", EINVAL);
		int fd;
		do
			fd = openat(s->fifo_dirfd, s->fifo_name, O_WRONLY | O_CLOEXEC);
		while (fd < 0 && errno == EINTR);
		if (fd < 0)
			fail(s, "open", s->fifo_name, errno);
		if (write(fd, "0", 1) != 1)
			fail(s, "write", s->fifo_name, errno);
		close(fd);
		close(s->fifo_dirfd);
		s->fifo_dirfd = -1;
	} else {
		char c;
		ssize_t r;
		do
			r = read(s->c_sync, &c, 1);
		while (r < 0 && errno == EINTR);
		if (r <= 0)
			_exit(1); /* the parent went away without starting us */
	}
	send_msg(s->c_report, TSR_MSG_STARTED, 0, s->cur_step, NULL, NULL);
}

static const char *env_path(const struct tsr_op_hdr *op, unsigned first_env)
{
	for (unsigned i = first_env; i < op->nstr; i++) {
		const char *e = op_str(op, i);
		if (e && strncmp(e, "PATH=", 5) == 0)
			return e + 5;
	}
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

/* is `p` a regular file this process may execute? 0, or an errno (ENOENT, EACCES, ...) */
static int check_executable(const char *p)
{
	struct stat st;
	if (stat(p, &st) < 0)
		return errno;
	if (!S_ISREG(st.st_mode))
		return EACCES;
	if (faccessat(AT_FDCWD, p, X_OK, AT_EACCESS) < 0)
		return errno;
	return 0;
}

/* Before the start barrier (as runc does): find the program (PATH search for a bare name), so a
 * missing or non-executable one fails create, not start. Errors other than ENOENT/ENOTDIR/EACCES
 * (a seccomp filter refusing stat, say) leave it to execve. */
static void resolve_exec(struct spawn *s)
{
	const struct tsr_op_hdr *op = s->exec_op;
	s->exec_path[0] = 0;
	if (!op)
		return;
	s->cur_step = (int)op->step;
	const char *path = op_str(op, 0);
	unsigned argc = (unsigned)op_int(op, 0);
	if (strchr(path, '/')) {
		int e = check_executable(path);
		if (e == ENOENT || e == ENOTDIR || e == EACCES)
			fail(s, "stat", path, e);
		if (e == 0 && strlen(path) < sizeof s->exec_path)
			strcpy(s->exec_path, path);
		return;
	}
	const char *dirs = env_path(op, 1 + argc);
	int err = ENOENT;
	char full[4096];
	while (*dirs) {
		const char *end = strchrnul(dirs, ':');
		size_t dl = (size_t)(end - dirs), pl = strlen(path);
		if (dl + pl + 2 <= sizeof full) {
			memcpy(full, dirs, dl);
			if (dl == 0)
				full[dl++] = '.';
			full[dl] = '/';
			memcpy(full + dl + 1, path, pl + 1);
			int e = check_executable(full);
			if (e == 0) {
				strcpy(s->exec_path, full);
				return;
			}
			if (e == EACCES)
				err = EACCES;
			else if (e != ENOENT && e != ENOTDIR)
				return; /* unsure: execve decides */
		}
		dirs = *end ? end + 1 : end;
	}
	fail(s, "stat", path, err);
}

/* one /etc/passwd line: when its uid is `uid`, copy its home (if any) to out and return 1 */
static int passwd_line_home(char *line, uid_t uid, char *out, size_t outsz)
{
	char *f[7];
	unsigned n = 0;
	f[n++] = line;
	for (char *c = line; *c && n < 7; c++)
		if (*c == ':') {
			*c = 0;
			f[n++] = c + 1;
		}
	if (n < 6 || !*f[2])
		return 0;
	char *endp;
	unsigned long u = strtoul(f[2], &endp, 10);
	if (*endp || u != (unsigned long)uid)
		return 0;
	if (*f[5] && strlen(f[5]) < outsz)
		strcpy(out, f[5]);
	return 1;
}

/* HOME for `uid` from the container's /etc/passwd ("/" without an entry), like runc. Runs after
 * pivot_root (or setns into the mount namespace): "/" is the container's root, so its symlinks
 * cannot lead out of it. No stdio here: this is a CLONE_VM child. */
static void passwd_home(uid_t uid, char *out, size_t outsz)
{
	strcpy(out, "/");
	int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return;
	}
	char buf[4096], line[1024];
	size_t ll = 0;
	int skip = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				line[ll] = 0;
				if (!skip && passwd_line_home(line, uid, out, outsz)) {
					close(fd);
					return;
				}
				ll = 0;
				skip = 0;
			} else if (ll < sizeof line - 1) {
				line[ll++] = buf[i];
			} else {
				skip = 1;
			}
		}
	}
	line[ll] = 0;
	if (!skip && ll > 0)
		passwd_line_home(line, uid, out, outsz);
	close(fd);
}

/* execveat the sealed trampoline, which execs exec_path (see trampoline.c): this process's
 * /proc/self/exe is the runtime's binary until then. The report fd stays open across the first
 * exec so the trampoline can report the final execve's error; it is close-on-exec again there.
 * Returns only when the trampoline could not be run (a seccomp profile refusing execveat, say):
 * the caller then execs directly, as before. */
static void exec_via_trampoline(struct spawn *s, unsigned argc, char **argv, char **envp)
{
	if (s->c_tramp < 0)
		return;
	char fdbuf[16], stepbuf[16];
	snprintf(fdbuf, sizeof fdbuf, "%d", s->c_report);
	snprintf(stepbuf, sizeof stepbuf, "%d", s->cur_step);
	char *targv[argc + 5];
	targv[0] = (char *)TSR_TRAMPOLINE_MAGIC;
	targv[1] = fdbuf;
	targv[2] = stepbuf;
	targv[3] = s->exec_path;
	for (unsigned i = 0; i <= argc; i++)
		targv[4 + i] = argv[i];
	if (fcntl(s->c_report, F_SETFD, 0) < 0)
		return;
	syscall(SYS_execveat, s->c_tramp, "", targv, envp, AT_EMPTY_PATH);
	fcntl(s->c_report, F_SETFD, FD_CLOEXEC);
}

static void op_exec(struct spawn *s, const struct tsr_op_hdr *op)
{
	unsigned argc = (unsigned)op_int(op, 0);
	unsigned nenv = op->nstr - 1 - argc;
	char *argv[argc + 1];
	char *envp[nenv + 2];
	const char *path = op_str(op, 0);
	int has_home = 0;
	for (unsigned i = 0; i < argc; i++)
		argv[i] = (char *)op_str(op, 1 + i);
	argv[argc] = NULL;
	for (unsigned i = 0; i < nenv; i++) {
		envp[i] = (char *)op_str(op, 1 + argc + i);
		if (strncmp(envp[i], "HOME=", 5) == 0)
			has_home = 1;
	}
	envp[nenv] = NULL;
	/* runc: HOME from the user's /etc/passwd entry ("/" without one) when the spec has none */
	char home_env[4096 + 5];
	if (!has_home) {
		memcpy(home_env, "HOME=", 5);
		passwd_home(getuid(), home_env + 5, sizeof home_env - 5);
		envp[nenv] = home_env;
		envp[nenv + 1] = NULL;
	}

	/* last moment: default SIGPIPE (ignored during setup), no blocked signals */
	signal(SIGPIPE, SIG_DFL);
	if (s->exec_path[0]) {
		if (op->nint < 2 || op_int(op, 1) == 0) /* int 1: "direct" (the seccomp profile refuses execveat) */
			exec_via_trampoline(s, argc, argv, envp);
		execve(s->exec_path, argv, envp);
		fail(s, "execve", s->exec_path, errno);
	}
	if (strchr(path, '/')) {
		execve(path, argv, envp);
		fail(s, "execve", path, errno);
	}
	const char *dirs = env_path(op, 1 + argc);
	int err = ENOENT;
	char full[4096];
	while (*dirs) {
		const char *end = strchrnul(dirs, ':');
		size_t dl = (size_t)(end - dirs), pl = strlen(path);
		if (dl + pl + 2 <= sizeof full) {
			memcpy(full, dirs, dl);
			if (dl == 0)
				full[dl++] = '.';
			full[dl] = '/';
			memcpy(full + dl + 1, path, pl + 1);
			execve(full, argv, envp);
			if (errno == EACCES)
				err = EACCES;
			else if (errno != ENOENT && errno != ENOTDIR)
				fail(s, "execve", full, errno);
		}
		dirs = *end ? end + 1 : end;
	}
	fail(s, "execve", path, err);
}

/* Load the plan's BPF program. With a notify listener, the parent takes the fd out of this process
 * (pidfd_getfd) while the child waits on the sync pipe; the listener is closed here afterwards. */
static void op_seccomp(struct spawn *s, const struct tsr_op_hdr *op)
{
	unsigned flags = (unsigned)op_int(op, 0);
	const void *insns = (const uint8_t *)op + sizeof *op + 8;
	long r = tsr_seccomp_set_filter(flags, insns, (uint16_t)(op->nint - 1));
	if (r < 0)
		fail(s, "seccomp", "SECCOMP_SET_MODE_FILTER", (int)-r);
	if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
		send_msg(s->c_report, TSR_MSG_SECCOMP_FD, (int32_t)r, s->cur_step, NULL, NULL);
		char c;
		ssize_t n;
		do
			n = read(s->c_sync, &c, 1);
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			_exit(1);
		close((int)r);
	}
}

/* process.terminal, the way runc sets up a console: a pty from /dev/ptmx as this process sees it
 * (after pivot_root, or after joining the mount namespace for an exec: the container's devpts), the
 * slave bound on /dev/console (init), the master handed to the parent (which takes it out of this
 * process with pidfd_getfd while we wait on the sync pipe), the slave as 0, 1 and 2, then a new
 * session with the slave as its controlling terminal. */
static void op_console(struct spawn *s, const struct tsr_op_hdr *op)
{
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		fail(s, "open", "/dev/ptmx", errno);
	int unlock = 0;
	unsigned n;
	CHECK(s, ioctl(master, TIOCSPTLCK, &unlock), "ioctl(TIOCSPTLCK)", "/dev/ptmx");
	CHECK(s, ioctl(master, TIOCGPTN, &n), "ioctl(TIOCGPTN)", "/dev/ptmx");
	struct winsize ws = {.ws_row = (unsigned short)op_int(op, 1), .ws_col = (unsigned short)op_int(op, 2)};
	if (ws.ws_row > 0 && ws.ws_col > 0)
		CHECK(s, ioctl(master, TIOCSWINSZ, &ws), "ioctl(TIOCSWINSZ)", "/dev/ptmx");
	char slave_path[32] = "/dev/pts/", digits[12];
	int nd = 0;
	do
		digits[nd++] = (char)('0' + n % 10);
	while ((n /= 10) > 0);
	size_t at = strlen(slave_path);
	while (nd > 0)
		slave_path[at++] = digits[--nd];
	slave_path[at] = 0;
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		fail(s, "ioctl(TIOCGPTPEER)", slave_path, errno);
	if (op_int(op, 0)) {
		int fd = open("/dev/console", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (fd < 0 && errno != EEXIST)
			fail(s, "open", "/dev/console", errno);
		if (fd >= 0) {
			CHECK(s, fchmod(fd, 0666), "fchmod", "/dev/console");
			close(fd);
		}
		CHECK(s, mount(slave_path, "/dev/console", NULL, MS_BIND, NULL), "mount", "/dev/console");
	}
	send_msg(s->c_report, TSR_MSG_CONSOLE_FD, master, s->cur_step, NULL, NULL);
	char c;
	ssize_t r;
	do
		r = read(s->c_sync, &c, 1);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		_exit(1);
	close(master);
	for (int i = 0; i < 3; i++)
		CHECK(s, dup3(slave, i, 0), "dup3", slave_path);
	close(slave);
	CHECK(s, setsid(), "setsid", "");
	CHECK(s, ioctl(0, TIOCSCTTY, 0), "ioctl(TIOCSCTTY)", slave_path);
}

/* runc's fixStdioPermissions: 0, 1 and 2 owned by the user the process runs as (the gid is left
 * alone), so it can reopen them (/proc/self/fd/1, /dev/stdout) — unless they are /dev/null or
 * owned by it already. EINVAL/EPERM/EROFS (an owner not mapped in a user namespace, a read-only
 * /dev) leave the fd as it is. */
static void op_fix_stdio(struct spawn *s, uid_t uid)
{
	struct stat null;
	dev_t null_rdev = stat("/dev/null", &null) == 0 ? null.st_rdev : makedev(1, 3);
	for (int fd = 0; fd < 3; fd++) {
		struct stat st;
		if (fstat(fd, &st) < 0) {
			if (errno == EBADF)
				continue;
			fail(s, "fstat", "stdio", errno);
		}
		if (st.st_uid == uid || st.st_rdev == null_rdev)
			continue;
		if (fchown(fd, uid, st.st_gid) < 0 && errno != EINVAL && errno != EPERM && errno != EROFS)
			fail(s, "fchown", "stdio", errno);
	}
}

static __attribute__((noreturn)) void create_after_userns(struct spawn *s);

static void run_op(struct spawn *s, const struct tsr_op_hdr *op)
{
	s->cur_step = (int)op->step;
	switch (op->code) {
	case TSR_OP_SETNS: {
		const char *path = op_str(op, 0);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fail(s, "open", path, errno);
		CHECK(s, setns(fd, (int)op_int(op, 0)), "setns", path);
		close(fd);
		if (s->userns_first && op_int(op, 0) == CLONE_NEWUSER)
			create_after_userns(s);
		break;
	}
	case TSR_OP_UNSHARE:
		CHECK(s, unshare((int)op_int(op, 0)), "unshare", "");
		break;
	case TSR_OP_WRITE_FILE:
		op_write_file(s, op);
		break;
	case TSR_OP_MOUNT:
		op_mount(s, op);
		break;
	case TSR_OP_MOVE_MOUNT:
		op_move_mount(s, op);
		break;
	case TSR_OP_MAKE_PARENT_PRIVATE:
		op_make_parent_private(s, op_str(op, 0));
		break;
	case TSR_OP_MKNOD:
		op_mknod(s, op);
		break;
	case TSR_OP_SYMLINK:
		op_symlink(s, op_str(op, 0), op_str(op, 1));
		break;
	case TSR_OP_PIVOT_ROOT:
		op_pivot_root(s, op_str(op, 0));
		break;
	case TSR_OP_MOVE_ROOT:
		op_move_root(s, op_str(op, 0));
		break;
	case TSR_OP_MASK_PATH:
		op_mask_path(s, op_str(op, 0));
		break;
	case TSR_OP_READONLY_PATH:
		op_readonly_path(s, op_str(op, 0));
		break;
	case TSR_OP_REMOUNT_RO:
		CHECK(s, remount_ro(op_str(op, 0)), "mount", op_str(op, 0));
		break;
	case TSR_OP_SETHOSTNAME: {
		const char *n = op_str(op, 0);
		CHECK(s, sethostname(n, strlen(n)), "sethostname", n);
		break;
	}
	case TSR_OP_SETDOMAINNAME: {
		const char *n = op_str(op, 0);
		CHECK(s, setdomainname(n, strlen(n)), "setdomainname", n);
		break;
	}
	case TSR_OP_SETRLIMIT: {
		struct rlimit rl = {.rlim_cur = (rlim_t)op_int(op, 1), .rlim_max = (rlim_t)op_int(op, 2)};
		CHECK(s, prlimit(0, (__rlimit_resource_t)op_int(op, 0), &rl, NULL), "prlimit", "");
		break;
	}
	case TSR_OP_STDIO:
		op_stdio(s, op);
		break;
	case TSR_OP_CAPS_BOUNDING: {
		uint64_t keep = (uint64_t)op_int(op, 0);
		int last = (int)op_int(op, 1);
		for (int c = 0; c <= last && c < 64; c++)
			if (!(keep & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
				fail(s, "prctl(PR_CAPBSET_DROP)", "", errno);
		break;
	}
	case TSR_OP_KEEPCAPS:
		CHECK(s, prctl(PR_SET_KEEPCAPS, (unsigned long)op_int(op, 0), 0, 0, 0), "prctl(PR_SET_KEEPCAPS)", "");
		break;
	case TSR_OP_SETGROUPS: {
		gid_t gids[op->nint + 1];
		for (unsigned i = 0; i < op->nint; i++)
			gids[i] = (gid_t)op_int(op, i);
		CHECK(s, syscall(SYS_setgroups, (size_t)op->nint, gids), "setgroups", "");
		break;
	}
	case TSR_OP_SETRESGID: {
		gid_t g = (gid_t)op_int(op, 0);
		CHECK(s, syscall(SYS_setresgid, g, g, g), "setresgid", "");
		break;
	}
	case TSR_OP_SETRESUID: {
		uid_t u = (uid_t)op_int(op, 0);
		CHECK(s, syscall(SYS_setresuid, u, u, u), "setresuid", "");
		break;
	}
	case TSR_OP_CAPSET:
		op_capset(s, (uint64_t)op_int(op, 0), (uint64_t)op_int(op, 1), (uint64_t)op_int(op, 2));
		break;
	case TSR_OP_CAPS_AMBIENT: {
		uint64_t caps = (uint64_t)op_int(op, 0);
		int last = (int)op_int(op, 1);
		CHECK(s, prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "prctl(PR_CAP_AMBIENT)", "");
		for (int c = 0; c <= last && c < 64; c++)
			if (caps & (1ULL << c))
				CHECK(s, prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0), "prctl(PR_CAP_AMBIENT_RAISE)", "");
		break;
	}
	case TSR_OP_SET_CTTY:
		CHECK(s, setsid(), "setsid", "");
		if (op_int(op, 0) >= 0)
			CHECK(s, ioctl((int)op_int(op, 0), TIOCSCTTY, 0), "ioctl(TIOCSCTTY)", "");
		break;
	case TSR_OP_NO_NEW_PRIVS:
		CHECK(s, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)", "");
		break;
	case TSR_OP_UMASK:
		umask((mode_t)op_int(op, 0));
		break;
	case TSR_OP_CHDIR: {
		CHECK(s, chdir(op_str(op, 0)), "chdir", op_str(op, 0));
		/* CVE-2024-21626: the cwd must be inside the root. A magic link (/proc/self/fd/N of an
		 * fd still open here) or a symlink swapped in since the create-time check can land
		 * outside it; the kernel's getcwd then answers "(unreachable)/..." */
		char cwd[4096];
		long n = syscall(SYS_getcwd, cwd, sizeof cwd);
		if (n < 0 && errno != ENAMETOOLONG && errno != ERANGE)
			fail(s, "getcwd", op_str(op, 0), errno);
		if (n > 0 && cwd[0] != '/')
			fail(s, "chdir-outside-root", op_str(op, 0), ENOENT); /* spawn.ts words it */
		break;
	}
	case TSR_OP_MKDIR_ALL: {
		int fd = mkdir_all_in_root(s, op_str(op, 0), (mode_t)op_int(op, 0));
		if (fd < 0)
			fail(s, "mkdir", op_str(op, 0), errno);
		close(fd);
		break;
	}
	case TSR_OP_SYNC_IDMAP:
	case TSR_OP_PAUSE_BEFORE_PIVOT: {
		send_msg(s->c_report, op->code == TSR_OP_SYNC_IDMAP ? TSR_MSG_NEED_IDMAP : TSR_MSG_BEFORE_PIVOT, 0,
			 s->cur_step, NULL, NULL);
		char c;
		ssize_t r;
		do
			r = read(s->c_sync, &c, 1);
		while (r < 0 && errno == EINTR);
		if (r <= 0)
			_exit(1);
		break;
	}
	case TSR_OP_PREPARE_FIFO: {
		const char *path = op_str(op, 0);
		char parent[4096];
		const char *name = split_parent(path, parent, sizeof parent);
		if (strlen(name) >= sizeof s->fifo_name)
			fail(s, "open", path, ENAMETOOLONG);
		strcpy(s->fifo_name, name);
		s->fifo_dirfd = open(parent[0] ? parent : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (s->fifo_dirfd < 0)
			fail(s, "open", parent, errno);
		break;
	}
	case TSR_OP_WAIT_START:
		op_wait_start(s);
		break;
	case TSR_OP_EXEC:
		op_exec(s, op);
		break;
	case TSR_OP_SECCOMP:
		op_seccomp(s, op);
		break;
	case TSR_OP_CONSOLE:
		op_console(s, op);
		break;
	case TSR_OP_FIX_STDIO:
		op_fix_stdio(s, (uid_t)op_int(op, 0));
		break;
	default:
		fail(s, "plan", "unknown op", EINVAL);
	}
}

struct kernel_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

/* The first message: the host pid of the container's process. `ptid` is 0 when CLONE_PARENT_SETTID
 * could not give it (see the callers): the host's /proc, still mounted here, names us then. */
static void report_pid(struct spawn *s, pid_t ptid)
{
	pid_t host_pid = ptid;
	if (host_pid == 0) {
		char link[32];
		ssize_t n = readlink("/proc/self", link, sizeof link - 1);
		for (ssize_t i = 0; i < n && link[i] >= '0' && link[i] <= '9'; i++)
			host_pid = host_pid * 10 + (link[i] - '0');
	}
	send_msg(s->c_report, TSR_MSG_PID, host_pid, -1, NULL, NULL);
}

/* Run the plan's ops from op `i` (at `off`); the exec op never returns. */
static __attribute__((noreturn)) void run_ops(struct spawn *s, uint32_t i, uint32_t off)
{
	for (; i < s->hdr->nops; i++) {
		const struct tsr_op_hdr *op = op_at(s, off);
		s->next_i = i + 1;
		s->next_off = off + op->size;
		run_op(s, op);
		off += op->size;
	}
	fail(s, "plan", "no exec op", EINVAL);
}

static int child_main(void *arg)
{
	struct spawn *s = arg;
	/* Node's handlers live in shared memory: reset them all before anything can arrive */
	for (int sig = 1; sig < 65; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		struct kernel_sigaction ksa = {.handler = sig == SIGPIPE ? SIG_IGN : SIG_DFL};
		syscall(SYS_rt_sigaction, sig, &ksa, NULL, 8);
	}
	uint64_t empty = 0;
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty, NULL, 8);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	umask(0);
	int low = s->nstdio > 3 ? s->nstdio : 3;
	/* our own copies, moved above the fds the STDIO op fills */
	s->c_report = fcntl(s->report_fd, F_DUPFD_CLOEXEC, low);
	s->c_sync = s->sync_fd >= 0 ? fcntl(s->sync_fd, F_DUPFD_CLOEXEC, low) : -1;
	close(s->report_fd);
	if (s->sync_fd >= 0)
		close(s->sync_fd);
	s->rootfd = -1;
	s->fifo_dirfd = -1;
	s->cur_step = -1;
	s->exec_op = NULL;
	s->exec_path[0] = 0;
	s->n_move_fds = 0;
	s->c_tramp = s->tramp_fd >= 0 ? fcntl(s->tramp_fd, F_DUPFD_CLOEXEC, low) : -1;
	/* two clones: the final process (create_after_userns) reports its pid */
	if (!s->userns_first)
		report_pid(s, s->ptid);

	uint32_t off = s->hdr->ops_off;
	for (uint32_t i = 0; i < s->hdr->nops; i++) {
		const struct tsr_op_hdr *op = op_at(s, off);
		if (op->code == TSR_OP_EXEC)
			s->exec_op = op;
		if (op->code == TSR_OP_MOVE_MOUNT)
			s->move_fds[s->n_move_fds++] = (int)op_int(op, 0);
		off += op->size;
	}
	run_ops(s, 0, s->hdr->ops_off);
}

/* The second of two clones: the container's process, in the namespaces created by clone, owned
 * by the user namespace its parent joined. It carries on with the op after that join. */
static int final_main(void *arg)
{
	struct spawn *s = arg;
	report_pid(s, 0);
	run_ops(s, s->next_i, s->next_off);
}

/* A container that joins a user namespace (by path) and creates other namespaces needs them owned
 * by that user namespace, or its root has no privilege over them (mounts fail with EPERM). clone
 * creates namespaces owned by the caller's user namespace, and setns(CLONE_NEWUSER) refuses a
 * process with threads, so (as runc's nsexec) this runs in two processes: the helper clones the
 * first without CLONE_NEW* flags; it runs the plan up to and including the join of the user
 * namespace (the cgroup joins come before it) and then clones the final process with the plan's
 * CLONE_NEW* flags (a new pid namespace takes effect only for a child) and CLONE_PARENT, so the
 * caller is its parent: the caller waits for it, reaps it and holds its pidfd, and the pid it
 * reports is the final one. CLONE_VFORK keeps the first one waiting until the final one has
 * exec'd or died (it shares the plan, the fds and the stacks); then it exits and the helper reaps
 * it. Errors before the second clone come from the first process, before any pid message. */
static __attribute__((noreturn)) void create_after_userns(struct spawn *s)
{
	int flags = (int)s->hdr->clone_flags | CLONE_PARENT | CLONE_VFORK | (s->share_vm ? CLONE_VM : 0);
	pid_t pid = clone(final_main, (char *)s->stack + s->stack_size, flags, s);
	if (pid < 0) {
		s->cur_step = -1;
		fail(s, "clone", "(the namespaces to create, in the joined user namespace)", errno);
	}
	_exit(0);
}

static void free_spawn(struct spawn *s)
{
	if (s->stack)
		munmap(s->stack, s->stack_size);
	free(s->plan);
	free(s);
}

/* setns into a time namespace needs a process that shares its memory with no other (EUSERS
 * otherwise): a plan that joins one (an exec into a container with a time namespace) runs in a
 * copy of the caller's memory instead of in it. The child code is the same (raw syscalls only). */
static int joins_time_ns(const struct spawn *s)
{
	uint32_t off = s->hdr->ops_off;
	for (uint32_t i = 0; i < s->hdr->nops; i++) {
		const struct tsr_op_hdr *op = op_at(s, off);
		if (op->code == TSR_OP_SETNS && op_int(op, 0) == CLONE_NEWTIME)
			return 1;
		off += op->size;
	}
	return 0;
}

/* A plan that joins a user namespace by path and has namespaces to create (clone flags): two
 * clones (create_after_userns). */
static int joins_userns_and_creates(const struct spawn *s)
{
	if ((s->hdr->clone_flags & (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP)) == 0)
		return 0;
	uint32_t off = s->hdr->ops_off;
	for (uint32_t i = 0; i < s->hdr->nops; i++) {
		const struct tsr_op_hdr *op = op_at(s, off);
		if (op->code == TSR_OP_SETNS && op_int(op, 0) == CLONE_NEWUSER)
			return 1;
		off += op->size;
	}
	return 0;
}

/* Dumpability is per mm: while a child shares the runtime's memory (clone until its execve), the
 * runtime itself must be non-dumpable too, or a container process could open the child's
 * /proc/<pid>/exe, mem or fds. Once no child shares it any more, the runtime's own setting comes
 * back (core dumps, /proc of its own for its tooling). */
static pthread_mutex_t dump_lock = PTHREAD_MUTEX_INITIALIZER;
static int mm_sharers, saved_dumpable;

static void mm_share_begin(void)
{
	pthread_mutex_lock(&dump_lock);
	if (mm_sharers++ == 0) {
		saved_dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	}
	pthread_mutex_unlock(&dump_lock);
}

static void mm_share_end(void)
{
	pthread_mutex_lock(&dump_lock);
	if (--mm_sharers == 0 && saved_dumpable > 0)
		prctl(PR_SET_DUMPABLE, saved_dumpable, 0, 0, 0);
	pthread_mutex_unlock(&dump_lock);
}

static void *helper_main(void *arg)
{
	struct spawn *s = arg;
	const char *pidns = s->hdr->pidns_off ? (const char *)s->plan + s->hdr->pidns_off : NULL;
	if (pidns) {
		int fd = open(pidns, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWPID) < 0) {
			send_msg(s->report_fd, TSR_MSG_ERROR, errno, -1, fd < 0 ? "open" : "setns", pidns);
			goto out;
		}
		close(fd);
	}
	/* two clones (create_after_userns): the first creates no namespace */
	int flags = (s->userns_first ? 0 : (int)s->hdr->clone_flags) | CLONE_VFORK | CLONE_PARENT_SETTID | SIGCHLD;
	if (s->share_vm)
		flags |= CLONE_VM;
	mm_share_begin();
	pid_t pid = clone(child_main, (char *)s->stack + CHILD_STACK_SIZE, flags, s, &s->ptid);
	mm_share_end(); /* CLONE_VFORK: the child has exec'd (into the trampoline) or died */
	if (pid < 0)
		send_msg(s->report_fd, TSR_MSG_ERROR, errno, -1, "clone", "");
	else if (s->userns_first)
		waitpid(pid, NULL, __WALL); /* the first of two never execs: it has exited (ECHILD: the
					     * caller's reaper took it, reapOrphans) */
out:
	/* the child has exec'd or died: its copies of our fds are its own now */
	close(s->report_fd);
	if (s->sync_fd >= 0)
		close(s->sync_fd);
	free_spawn(s);
	return NULL;
}

int tsrun_spawn(const uint8_t *plan, size_t len, int report_fd, int sync_fd)
{
	int nstdio = 0;
	int r = validate_plan(plan, len, &nstdio);
	if (r < 0)
		return r;
	struct spawn *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->plan = malloc(len);
	if (!s->plan) {
		free(s);
		return -ENOMEM;
	}
	memcpy(s->plan, plan, len);
	s->len = len;
	s->hdr = (const void *)s->plan;
	s->report_fd = report_fd;
	s->sync_fd = sync_fd;
	s->nstdio = nstdio;
	s->share_vm = !joins_time_ns(s);
	s->userns_first = joins_userns_and_creates(s);
	/* -1 (vm.memfd_noexec=2 forbids executable memfds): the child execs directly */
	s->tramp_fd = trampoline_fd();
	/* two clones: the first process's stack below, the final one's above */
	s->stack_size = s->userns_first ? 2 * CHILD_STACK_SIZE : CHILD_STACK_SIZE;
	s->stack = mmap(NULL, s->stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (s->stack == MAP_FAILED) {
		s->stack = NULL;
		free_spawn(s);
		return -ENOMEM;
	}
	mprotect(s->stack, 4096, PROT_NONE); /* guard page */
	if (s->userns_first)
		mprotect((char *)s->stack + CHILD_STACK_SIZE, 4096, PROT_NONE);

	/* the helper (and so the child) starts with every signal blocked: no Node handler runs there */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	pthread_t t;
	r = pthread_create(&t, &attr, helper_main, s);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		free_spawn(s);
		return -r;
	}
	return 0;
}
