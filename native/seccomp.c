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
