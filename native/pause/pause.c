/*
 * tsrun's pod sandbox program (the "pause" container of a CRI pod): it holds the pod's namespaces
 * open and does nothing else. As pid 1 of a pod's PID namespace it reaps every child that is
 * re-parented to it; SIGINT and SIGTERM end it with status 0 (StopPodSandbox). Built statically
 * (make build/pause) so the image needs no libc; it is not part of libtsrun.so.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_stop(int sig)
{
	(void)sig;
	_exit(0);
}

static void on_child(int sig)
{
	int saved = errno;
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

static int handle(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = SA_RESTART | (sig == SIGCHLD ? SA_NOCLDSTOP : 0);
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv)
{
	static const char usage[] = "pause: holds a pod's namespaces until SIGINT or SIGTERM; takes no arguments\n";
	(void)argv;
	if (argc > 1) {
		if (write(STDERR_FILENO, usage, sizeof(usage) - 1) < 0)
			return 2;
		return 2;
	}
	if (handle(SIGINT, on_stop) || handle(SIGTERM, on_stop) || handle(SIGCHLD, on_child)) {
		static const char msg[] = "pause: sigaction failed\n";
		if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
			return 1;
		return 1;
	}
	for (;;)
		pause();
}
