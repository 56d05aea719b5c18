/* One thread that watches pidfds with epoll and wakes the Node side through a pipe when any of
 * them becomes readable (the process exited). It never reaps: Node does, with waitid(P_PIDFD).
 * Signals are not needed (SIGCHLD listeners do not work in every Node host, e.g. jest). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "tsrun.h"

static int g_epfd = -1;
static int g_notify = -1;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

static void *watcher_main(void *arg)
{
	(void)arg;
	struct epoll_event ev[16];
	for (;;) {
		int n = epoll_wait(g_epfd, ev, 16, -1);
		if (n < 0 && errno != EINTR)
			return NULL;
		if (n > 0) {
			/* one byte per wake-up is enough: Node then checks every watched process */
			char c = 1;
			pthread_mutex_lock(&g_lock);
			ssize_t w = write(g_notify, &c, 1);
			pthread_mutex_unlock(&g_lock);
			(void)w; /* EAGAIN: a wake-up is pending already */
		}
	}
}

int tsrun_exit_watcher_init(int notify_fd)
{
	int r = 0;
	pthread_mutex_lock(&g_lock);
	if (g_epfd >= 0) {
		/* The library stays loaded for the life of the process, but the JS side may be loaded
		 * again (a fresh module registry, as jest gives every test file): the newest caller's
		 * pipe gets the wake-ups from now on. */
		g_notify = notify_fd;
		goto out;
	}
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		r = -errno;
		goto out;
	}
	g_epfd = ep;
	g_notify = notify_fd;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	pthread_t t;
	int e = pthread_create(&t, &attr, watcher_main, NULL);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		close(ep);
		g_epfd = -1;
		g_notify = -1;
		r = -e;
	}
out:
	pthread_mutex_unlock(&g_lock);
	return r;
}

int tsrun_exit_watch(int pidfd)
{
	if (g_epfd < 0)
		return -EBADF;
	/* one-shot: a pidfd stays readable after the exit; closing it removes it from the set */
	struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.fd = pidfd};
	return epoll_ctl(g_epfd, EPOLL_CTL_ADD, pidfd, &ev) < 0 ? -errno : 0;
}
