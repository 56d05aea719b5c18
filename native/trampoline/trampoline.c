/* The exec trampoline (CVE-2019-5736 defence). The executor's child shares the runtime's memory
 * until execve, so its /proc/self/exe is the host runtime binary (node / the single executable).
 * Were it to execve the container's program directly, a program that is `#!/proc/self/exe` (or
 * the path /proc/self/exe itself) would run the HOST binary inside the container, whose
 * /proc/<pid>/exe a container process could then reopen for writing once the runtime exited.
 * So the child execs this program instead, from a sealed memfd (executor.c), and this program
 * execs the container's. Whatever then resolves /proc/self/exe gets the sealed memfd, which
 * cannot be written, and running it again without the magic argv[0] just exits.
 *
 * Freestanding (no libc, raw syscalls), static PIE: it must not depend on the container's
 * dynamic loader. argv: [TSR_TRAMPOLINE_MAGIC, report fd, plan step, path, argv...].
 * On success the report fd (set close-on-exec here) closes at the final execve, as before;
 * on failure an error message in the executor's report format is written to it. */
#include <stdint.h>

#include "../plan-format.h"

#define SYS_write 1
#define SYS_close 3
#define SYS_execve 59
#define SYS_exit 60
#define SYS_fcntl 72
#define F_SETFD 2
#define FD_CLOEXEC 1
#define ENOENT 2
#define EACCES 13

static long sys3(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static long parse_int(const char *s)
{
	long v = 0, neg = 0;
	if (*s == '-')
		neg = 1, s++;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return neg ? -v : v;
}

static void report(long fd, int err, int step, const char *path)
{
	unsigned char buf[sizeof(struct tsr_msg_hdr) + 4096];
	struct tsr_msg_hdr *m = (struct tsr_msg_hdr *)buf;
	for (unsigned i = 0; i < sizeof *m; i++)
		buf[i] = 0;
	m->type = TSR_MSG_ERROR;
	m->value = err;
	m->step = step;
	const char *name = "execve";
	for (int i = 0; name[i]; i++)
		m->syscall[i] = name[i];
	unsigned n = 0;
	while (path[n] && n < 4095) {
		buf[sizeof *m + n] = (unsigned char)path[n];
		n++;
	}
	buf[sizeof *m + n] = 0;
	m->size = (uint32_t)(sizeof *m + n + 1);
	sys3(SYS_write, fd, (long)buf, m->size);
}

void trampoline_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	if (argc < 5 || !streq(argv[0], TSR_TRAMPOLINE_MAGIC)) {
		static const char msg[] = "tsrun: refusing to run the runtime's exec trampoline as a program\n";
		sys3(SYS_write, 2, (long)msg, sizeof msg - 1);
		sys3(SYS_exit, 127, 0, 0);
	}
	long fd = parse_int(argv[1]);
	int step = (int)parse_int(argv[2]);
	if (fd >= 0 && sys3(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC) < 0) {
		sys3(SYS_close, fd, 0, 0);
		fd = -1;
	}
	long r = sys3(SYS_execve, (long)argv[3], (long)(argv + 4), (long)envp);
	int err = (int)-r;
	if (fd >= 0)
		report(fd, err, step, argv[3]);
	sys3(SYS_exit, err == ENOENT ? 127 : err == EACCES ? 126 : 1, 0, 0);
}

__asm__(".globl _start\n"
	"_start:\n"
	"  mov %rsp, %rdi\n"
	"  and $-16, %rsp\n"
	"  call trampoline_main\n"
	"  hlt\n");
