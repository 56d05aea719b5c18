/* The seccomp step of a launch plan: the BPF program arrives compiled (libseccomp runs in the
 * parent, in TypeScript through koffi); the child only hands it to the kernel. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "seccomp.h"

long tsr_seccomp_set_filter(unsigned flags, const void *insns, uint16_t n)
{
	struct sock_fprog prog = {.len = n, .filter = (struct sock_filter *)insns};
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	return r < 0 ? -errno : r;
}

/* ---- parent side (Node main thread, through src/linux/libc.ts) ---- */

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "tsrun.h"

int tsrun_pidfd_getfd(int pidfd, int targetfd)
{
	long r = syscall(SYS_pidfd_getfd, pidfd, targetfd, 0);
	return r < 0 ? -errno : (int)r;
}

int tsrun_send_fd(const char *path, int fd, const uint8_t *data, size_t len)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof addr.sun_path)
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	int err = 0;
	if (connect(s, (struct sockaddr *)&addr, sizeof addr) < 0) {
		err = -errno;
		goto out;
	}
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	memset(&ctl, 0, sizeof ctl);
	struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	ssize_t n;
	do
		n = sendmsg(s, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EMSGSIZE;
out:
	close(s);
	return err;
}
