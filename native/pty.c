/* Pseudo-terminals for containers with process.terminal (openpty, window size). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "tsrun.h"

int tsrun_openpty(int32_t out[3], char *name, size_t namelen)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return -errno;
	int err = 0;
	if (grantpt(master) < 0 || unlockpt(master) < 0 || ptsname_r(master, name, namelen) != 0) {
		err = errno ? errno : EINVAL;
		close(master);
		return -err;
	}
	int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0) {
		err = errno;
		close(master);
		return -err;
	}
	int dup = fcntl(master, F_DUPFD_CLOEXEC, 0);
	if (dup < 0) {
		err = errno;
		close(slave);
		close(master);
		return -err;
	}
	out[0] = master;
	out[1] = slave;
	out[2] = dup;
	return 0;
}

int tsrun_set_winsize(int fd, unsigned rows, unsigned cols)
{
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
	return ioctl(fd, TIOCSWINSZ, &ws) < 0 ? -errno : 0;
}
