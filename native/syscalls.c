/* Thin syscall wrappers for the Node side (src/linux/libc.ts): each returns -errno on failure. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tsrun.h"

#define RET(expr) return (expr) < 0 ? -errno : 0
#define RETV(expr)                                                                                                     \
	do {                                                                                                           \
		long _r = (expr);                                                                              \
		return _r < 0 ? -errno : (int)_r;                                                              \
	} while (0)

int tsrun_pidfd_open(int pid)
{
	RETV(syscall(SYS_pidfd_open, pid, 0));
}

int tsrun_pidfd_send_signal(int pidfd, int sig)
{
	RET(syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0));
}

int tsrun_kill(int pid, int sig)
{
	RET(kill(pid, sig));
}

int tsrun_waitid(int idtype, int id, int options, int32_t out[3])
{
	siginfo_t info;
	memset(&info, 0, sizeof info);
	if (waitid((idtype_t)idtype, (id_t)id, &info, options) < 0)
		return -errno;
	out[0] = info.si_pid;
	out[1] = info.si_code;
	out[2] = info.si_status;
	return 0;
}

int tsrun_set_child_subreaper(int on)
{
	RET(prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0, 0, 0, 0));
}

int tsrun_eventfd(unsigned initval, int flags)
{
	RETV(eventfd(initval, flags));
}

int tsrun_flock(int fd, int op)
{
	int r;
	do
		r = flock(fd, op);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

int tsrun_fionread(int fd)
{
	int n = 0;
	if (ioctl(fd, FIONREAD, &n) < 0)
		return -errno;
	return n;
}

int tsrun_pipe2(int32_t out[2], int flags)
{
	int fds[2];
	if (pipe2(fds, flags) < 0)
		return -errno;
	out[0] = fds[0];
	out[1] = fds[1];
	return 0;
}

int tsrun_mkfifo(const char *path, unsigned mode)
{
	RET(mkfifo(path, mode));
}

int tsrun_close(int fd)
{
	RET(close(fd));
}

int tsrun_mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)
{
	RET(mount(source, target, fstype, flags, data));
}

int tsrun_umount2(const char *target, int flags)
{
	RET(umount2(target, flags));
}
