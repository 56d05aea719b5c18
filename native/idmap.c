/* Id-mapped mounts (mounts[].uidMappings/gidMappings, the "idmap"/"ridmap" options): a detached
 * copy of a bind source with MOUNT_ATTR_IDMAP set, made in the caller's (the host's) mount
 * namespace with the host's privileges, which the kernel requires (CAP_SYS_ADMIN over the
 * filesystem's user namespace and over the mapping's). The container's child later attaches it
 * with move_mount (executor.c, TSR_OP_MOVE_MOUNT).
 *
 * The mapping is a user namespace: either one to join (a path) or a new one held by a throwaway
 * process cloned here with CLONE_NEWUSER that only waits on a pipe while its uid_map/gid_map are
 * written and its /proc/<pid>/ns/user is opened, then exits. It shares the caller's memory
 * (CLONE_VM, its own small stack, raw syscalls only, every signal blocked) so nothing of the Node
 * process is copied, and it has no exit signal: it is reaped here with __WALL. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tsrun.h"

#define HOLDER_STACK_SIZE (64 * 1024)

static int holder_main(void *arg)
{
	const int *p = arg;
	char c;
	/* our copy of the write end goes, and our parent's death kills us: we never outlive it */
	syscall(SYS_close, p[1]);
	syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	while (syscall(SYS_read, p[0], &c, 1) < 0 && errno == EINTR)
		;
	syscall(SYS_exit, 0);
	return 0;
}

static int write_file(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t n = strlen(data);
	ssize_t w = write(fd, data, n);
	int err = w < 0 ? -errno : (size_t)w != n ? -EIO : 0;
	close(fd);
	return err;
}

/* A new user namespace with these maps ("<inside> <outside> <count>\n" lines): its nsfs fd. */
static int userns_with_maps(const char *uid_map, const char *gid_map)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	void *stack = mmap(NULL, HOLDER_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED) {
		int err = -errno;
		close(p[0]);
		close(p[1]);
		return err;
	}
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid_t pid = clone(holder_main, (char *)stack + HOLDER_STACK_SIZE, CLONE_NEWUSER | CLONE_VM, p);
	int err = pid < 0 ? -errno : 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	int nsfd = -1;
	if (err == 0) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
		err = write_file(path, uid_map);
		if (err == 0) {
			snprintf(path, sizeof path, "/proc/%d/gid_map", (int)pid);
			err = write_file(path, gid_map);
		}
		if (err == 0) {
			snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
			nsfd = open(path, O_RDONLY | O_CLOEXEC);
			if (nsfd < 0)
				err = -errno;
		}
		/* let it go, and reap it (no exit signal: __WALL) */
		while (write(p[1], "x", 1) < 0 && errno == EINTR)
			;
		while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
			;
	}
	close(p[0]);
	close(p[1]);
	munmap(stack, HOLDER_STACK_SIZE);
	return err < 0 ? err : nsfd;
}

int tsrun_idmap_tree(const char *source, int recursive_tree, int recursive_idmap, const char *uid_map,
		     const char *gid_map, const char *userns_path, int32_t *stage)
{
	int nsfd;
	*stage = TSRUN_IDMAP_STAGE_USERNS;
	if (userns_path && *userns_path) {
		nsfd = open(userns_path, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0)
			return -errno;
	} else {
		nsfd = userns_with_maps(uid_map ? uid_map : "", gid_map ? gid_map : "");
		if (nsfd < 0)
			return nsfd;
	}
	*stage = TSRUN_IDMAP_STAGE_OPEN_TREE;
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive_tree ? AT_RECURSIVE : 0);
	int tree = (int)syscall(SYS_open_tree, AT_FDCWD, source, flags);
	if (tree < 0) {
		int err = -errno;
		close(nsfd);
		return err;
	}
	*stage = TSRUN_IDMAP_STAGE_SETATTR;
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)nsfd};
	long r = syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (recursive_idmap ? AT_RECURSIVE : 0), &attr,
			 sizeof attr);
	int err = r < 0 ? -errno : 0;
	close(nsfd);
	if (err < 0) {
		close(tree);
		return err;
	}
	*stage = TSRUN_IDMAP_STAGE_DUP;
	/* above the fds the executor's STDIO op fills (at most 256), so dup3 never lands on it */
	int high = fcntl(tree, F_DUPFD_CLOEXEC, TSRUN_IDMAP_FD_MIN);
	err = high < 0 ? -errno : 0;
	close(tree);
	return err < 0 ? err : high;
}
