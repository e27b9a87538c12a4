/* Time namespaces: unshare(CLONE_NEWTIME) makes a namespace for the caller's children, whose CLOCK_MONOTONIC and
 * CLOCK_BOOTTIME offsets /proc/self/timens_offsets sets until a process enters it; children see the offsets in
 * clock_gettime, TIMER_ABSTIME sleeps, timerfds and /proc/uptime; setns(CLOCK_NEWTIME) enters one (one thread
 * only); clone3(CLONE_NEWTIME) puts the child in a new one; and each errno. Native oracle: qemu-user passes the
 * calls through, but its own threads make setns fail with EUSERS. */
#include "../conformance.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x80
#endif

static int finish(pid_t pid)
{
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static unsigned long ns_ino(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

static double now(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long write_offsets(const char *text)
{
	int fd = open("/proc/self/timens_offsets", O_WRONLY);
	if (fd < 0)
		return -1;
	long r = write(fd, text, strlen(text));
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

static void show_offsets(const char *label)
{
	char buf[256] = "";
	int fd = open("/proc/self/timens_offsets", O_RDONLY);
	long n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		close(fd);
	printf("%s:\n%s", label, n > 0 ? buf : "(unreadable)\n");
}

static void *idle(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	int init_ns = open("/proc/self/ns/time", O_RDONLY);
	EXPECT_TRUE("open ns/time", init_ns >= 0);
	show_offsets("initial offsets");
	EXPECT_ERR("set offsets of the initial namespace", write_offsets("monotonic 1 0\n"), EACCES);

	pid_t pid = fork();
	if (pid == 0) {
		/* Everything that changes namespaces runs in a child. */
		EXPECT_TRUE("time and time_for_children start equal", ns_ino("/proc/self/ns/time") == ns_ino("/proc/self/ns/time_for_children"));
		EXPECT_OK("unshare(CLONE_NEWTIME)", unshare(CLONE_NEWTIME));
		EXPECT_TRUE("caller stays in its namespace", ns_ino("/proc/self/ns/time") != ns_ino("/proc/self/ns/time_for_children"));
		EXPECT_ERR("unknown clock", write_offsets("realtime 1 0\n"), EINVAL);
		EXPECT_ERR("nanoseconds out of range", write_offsets("monotonic 1 1000000000\n"), EINVAL);
		EXPECT_ERR("an offset out of range", write_offsets("boottime -100000000000 0\n"), ERANGE);
		EXPECT_ERR("a clock made negative", write_offsets("boottime -50000000 0\n"), ERANGE);
		EXPECT_ERR("too few fields", write_offsets("monotonic 1\n"), EINVAL);
		const char *set = "monotonic 3600 0\n7 7200 500\n";
		EXPECT_EQ("set both offsets", write_offsets(set), (long)strlen(set));
		show_offsets("offsets for children");
		double mono = now(CLOCK_MONOTONIC), boot = now(CLOCK_BOOTTIME);
		int p[2];
		if (pipe(p))
			_exit(2);
		pid_t child = fork();
		if (child == 0) {
			double dm = now(CLOCK_MONOTONIC) - mono, db = now(CLOCK_BOOTTIME) - boot;
			EXPECT_TRUE("child's monotonic is 3600 s ahead", dm > 3599 && dm < 3602);
			EXPECT_TRUE("child's boottime is 7200 s ahead", db > 7199 && db < 7202);
			EXPECT_TRUE("child's realtime unmoved", now(CLOCK_REALTIME) - time(NULL) < 2);
			EXPECT_ERR("offsets frozen once entered", write_offsets("monotonic 5 0\n"), EACCES);
			char up[64] = "";
			int fd = open("/proc/uptime", O_RDONLY);
			read(fd, up, sizeof up - 1);
			close(fd);
			EXPECT_TRUE("/proc/uptime counts the boottime offset", atof(up) > 7200);
			/* An absolute sleep on the namespace's monotonic clock. */
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			double start = now(CLOCK_MONOTONIC);
			ts.tv_nsec += 100000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			EXPECT_EQ("TIMER_ABSTIME sleep", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL), 0);
			double slept = now(CLOCK_MONOTONIC) - start;
			EXPECT_TRUE("slept about 0.1 s", slept > 0.05 && slept < 2);
			int tfd = timerfd_create(CLOCK_BOOTTIME, 0);
			struct itimerspec its = {0};
			clock_gettime(CLOCK_BOOTTIME, &its.it_value);
			its.it_value.tv_nsec += 100000000;
			if (its.it_value.tv_nsec >= 1000000000) {
				its.it_value.tv_sec++;
				its.it_value.tv_nsec -= 1000000000;
			}
			start = now(CLOCK_BOOTTIME);
			EXPECT_OK("absolute timerfd", timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL));
			uint64_t ticks = 0;
			EXPECT_EQ("timerfd read", read(tfd, &ticks, 8), 8);
			slept = now(CLOCK_BOOTTIME) - start;
			EXPECT_TRUE("timerfd fired after about 0.1 s", slept > 0.05 && slept < 2);
			char c = 'x';
			write(p[1], &c, 1);
			pause();
			_exit(conf_failures != 0);
		}
		char c;
		read(p[0], &c, 1);
		EXPECT_TRUE("unshare's caller keeps its clock", now(CLOCK_MONOTONIC) - mono < 60);
		/* setns into the child's namespace, then back. */
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/ns/time", child);
		int fd = open(path, O_RDONLY);
		EXPECT_ERR("setns with the wrong nstype", setns(fd, CLONE_NEWUTS), EINVAL);
		EXPECT_OK("setns(CLONE_NEWTIME)", setns(fd, CLONE_NEWTIME));
		double dm = now(CLOCK_MONOTONIC) - mono;
		EXPECT_TRUE("after setns the clock is 3600 s ahead", dm > 3599 && dm < 3602);
		EXPECT_TRUE("time_for_children follows", ns_ino("/proc/self/ns/time_for_children") == ns_ino(path));
		EXPECT_OK("setns back", setns(init_ns, CLONE_NEWTIME));
		EXPECT_TRUE("clock back", now(CLOCK_MONOTONIC) - mono < 60);
		pthread_t t;
		pthread_create(&t, NULL, idle, NULL);
		EXPECT_ERR("setns with two threads", setns(fd, CLONE_NEWTIME), EUSERS);
		kill(child, SIGKILL);
		finish(child);
		_exit(conf_failures != 0);
	}
	EXPECT_EQ("unshare/setns child", finish(pid), 0);

	/* clone3(CLONE_NEWTIME): the child is in a new namespace of its own at once. */
	pid = fork();
	if (pid == 0) {
		unsigned long before = ns_ino("/proc/self/ns/time");
		struct clone_args args = {.flags = CLONE_NEWTIME, .exit_signal = SIGCHLD};
		long c = syscall(SYS_clone3, &args, sizeof args);
		if (c == 0)
			_exit(ns_ino("/proc/self/ns/time") != before && ns_ino("/proc/self/ns/time") == ns_ino("/proc/self/ns/time_for_children") ? 0 : 1);
		EXPECT_TRUE("clone3(CLONE_NEWTIME)", c > 0);
		EXPECT_EQ("its child is in a new namespace", finish((pid_t)c), 0);
		EXPECT_TRUE("the caller is not", ns_ino("/proc/self/ns/time") == before);
		_exit(conf_failures != 0);
	}
	EXPECT_EQ("clone3 child", finish(pid), 0);
	return conf_exit();
}
