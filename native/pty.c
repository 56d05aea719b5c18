/* Pseudo-terminals for processes with process.terminal (openpty, window size). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "tsrun.h"

int tsrun_openpty(const char *ptmx, int32_t out[3], char *name, size_t namelen)
{
	int master = open(ptmx ? ptmx : "/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return -errno;
	int err, unlock = 0;
	unsigned n;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0)
		goto fail;
	/* the peer of this master, in the devpts instance the ptmx belongs to (a container's) */
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		goto fail;
	int dup = fcntl(master, F_DUPFD_CLOEXEC, 0);
	if (dup < 0) {
		err = errno;
		close(slave);
		close(master);
		return -err;
	}
	snprintf(name, namelen, "/dev/pts/%u", n);
	out[0] = master;
	out[1] = slave;
	out[2] = dup;
	return 0;
fail:
	err = errno;
	close(master);
	return -err;
}

int tsrun_set_winsize(int fd, unsigned rows, unsigned cols)
{
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
	return ioctl(fd, TIOCSWINSZ, &ws) < 0 ? -errno : 0;
}

int tsrun_dup_cloexec(int fd)
{
	int r = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	return r < 0 ? -errno : r;
}
