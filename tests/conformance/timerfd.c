/* timerfd_create, timerfd_settime, timerfd_gettime: one-shot and interval timers, absolute times, expiration
 * counts, blocking reads and polls that wait for an expiry, and every documented error. */
#include "events.h"

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

static long set(int fd, int flags, long long value_ns, long long interval_ns, struct itimerspec *old)
{
	struct itimerspec its = {
		{ interval_ns / 1000000000, interval_ns % 1000000000 },
		{ value_ns / 1000000000, value_ns % 1000000000 },
	};
	return timerfd_settime(fd, flags, &its, old);
}

static long long ns(struct timespec t)
{
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static uint64_t ticks(int fd, long *ret)
{
	uint64_t v = 0;
	*ret = read(fd, &v, 8);
	return v;
}

static void errors(void)
{
	EXPECT_ERR("create bad clock", timerfd_create(99, 0), EINVAL);
	EXPECT_ERR("create CPUTIME clock", timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL);
	EXPECT_ERR("create MONOTONIC_RAW", timerfd_create(CLOCK_MONOTONIC_RAW, 0), EINVAL);
	/* The _ALARM clocks need CAP_WAKE_ALARM. */
	int alarm_fd = timerfd_create(CLOCK_BOOTTIME_ALARM, 0);
	EXPECT_TRUE("create BOOTTIME_ALARM as root", alarm_fd >= 0);
	close(alarm_fd);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (setuid(65534) != 0)
			printf("setuid failed\n");
		EXPECT_ERR("create REALTIME_ALARM as uid 65534", timerfd_create(CLOCK_REALTIME_ALARM, 0), EPERM);
		EXPECT_ERR("create BOOTTIME_ALARM as uid 65534", timerfd_create(CLOCK_BOOTTIME_ALARM, 0), EPERM);
		fflush(stdout);
		_exit(conf_failures ? 1 : 0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	EXPECT_TRUE("child checks passed", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Unknown flags give EINVAL (man page); qemu-user drops unknown bits before Linux sees them, so not checked. */
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	EXPECT_TRUE("create MONOTONIC", fd >= 0);
	EXPECT_EQ("  F_GETFL", fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR | O_NONBLOCK);
	EXPECT_EQ("  F_GETFD", fcntl(fd, F_GETFD), FD_CLOEXEC);
	struct stat st;
	EXPECT_EQ("  fstat", fstat(fd, &st), 0);
	EXPECT_EQ("  st_mode", st.st_mode, 0600);
	uint64_t v;
	EXPECT_ERR("  write", write(fd, &v, 8), EINVAL);
	EXPECT_ERR("  read 4 bytes", read(fd, &v, 4), EINVAL);
	EXPECT_ERR("  read, disarmed", read(fd, &v, 8), EAGAIN);
	EXPECT_ERR("  pread", pread(fd, &v, 8, 0), ESPIPE);

	struct itimerspec its = { { 0, 0 }, { 0, 0 } };
	EXPECT_ERR("settime bad flags", timerfd_settime(fd, 4, &its, NULL), EINVAL);
	its.it_value.tv_nsec = 1000000000;
	EXPECT_ERR("settime value nsec 1e9", timerfd_settime(fd, 0, &its, NULL), EINVAL);
	its.it_value.tv_nsec = 0;
	its.it_interval.tv_sec = -1;
	EXPECT_ERR("settime negative interval", timerfd_settime(fd, 0, &its, NULL), EINVAL);
	its.it_interval.tv_sec = 0;
	EXPECT_ERR("settime bad fd", timerfd_settime(99, 0, &its, NULL), EBADF);
	int p[2];
	pipe(p);
	EXPECT_ERR("settime not a timerfd", timerfd_settime(p[0], 0, &its, NULL), EINVAL);
	EXPECT_ERR("settime bad new", timerfd_settime(fd, 0, (void *)8, NULL), EFAULT);
	EXPECT_ERR("settime bad old", set(fd, 0, 10000000000LL, 0, (void *)8), EFAULT);
	EXPECT_EQ("  set anyway", timerfd_gettime(fd, &its) == 0 && its.it_value.tv_sec == 9, 1);
	EXPECT_ERR("gettime bad fd", timerfd_gettime(99, &its), EBADF);
	EXPECT_ERR("gettime not a timerfd", timerfd_gettime(p[0], &its), EINVAL);
	EXPECT_ERR("gettime bad pointer", timerfd_gettime(fd, (void *)8), EFAULT);
	EXPECT_EQ("ioctl TCGETS", ioctl(fd, 0x5401, &v) == -1 && errno == ENOTTY, 1);
	close(p[0]);
	close(p[1]);
	close(fd);
}

static void settings(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	struct itimerspec cur, old;
	EXPECT_EQ("gettime disarmed", timerfd_gettime(fd, &cur), 0);
	EXPECT_TRUE("  zero", ns(cur.it_value) == 0 && ns(cur.it_interval) == 0);
	EXPECT_EQ("set 10s every 2s", set(fd, 0, 10000000000LL, 2000000000LL, &old), 0);
	EXPECT_TRUE("  old zero", ns(old.it_value) == 0 && ns(old.it_interval) == 0);
	EXPECT_EQ("gettime", timerfd_gettime(fd, &cur), 0);
	EXPECT_TRUE("  value in (9s, 10s]", ns(cur.it_value) > 9000000000LL && ns(cur.it_value) <= 10000000000LL);
	EXPECT_TRUE("  interval 2s", ns(cur.it_interval) == 2000000000LL);
	EXPECT_EQ("disarm", set(fd, 0, 0, 5000000, &old), 0);
	EXPECT_TRUE("  old value in (9s, 10s]", ns(old.it_value) > 9000000000LL && ns(old.it_value) <= 10000000000LL);
	EXPECT_TRUE("  old interval 2s", ns(old.it_interval) == 2000000000LL);
	EXPECT_EQ("gettime disarmed again", timerfd_gettime(fd, &cur), 0);
	EXPECT_TRUE("  value 0, interval kept", ns(cur.it_value) == 0 && ns(cur.it_interval) == 5000000);
	uint64_t v;
	EXPECT_ERR("read disarmed", read(fd, &v, 8), EAGAIN);
	EXPECT_EQ("TFD_TIMER_CANCEL_ON_SET on MONOTONIC", set(fd, TFD_TIMER_CANCEL_ON_SET, 0, 0, NULL), 0);
	close(fd);
}

static void expirations(void)
{
	long r;
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	EXPECT_EQ("one-shot 1ns", set(fd, 0, 1, 0, NULL), 0);
	usleep(2000);
	uint64_t v = ticks(fd, &r);
	EXPECT_EQ("  read", r, 8);
	EXPECT_EQ("  expirations", v, 1);
	EXPECT_ERR("  read again", read(fd, &v, 8), EAGAIN);
	struct itimerspec cur;
	timerfd_gettime(fd, &cur);
	EXPECT_TRUE("  expired: gettime 0", ns(cur.it_value) == 0);

	/* An absolute time in the past expires at once. */
	EXPECT_EQ("absolute 1s (past)", set(fd, TFD_TIMER_ABSTIME, 1000000000LL, 0, NULL), 0);
	v = ticks(fd, &r);
	EXPECT_EQ("  expirations", v, 1);

	/* An interval timer counts every expiration since the last read. */
	EXPECT_EQ("every 10ms", set(fd, 0, 10000000, 10000000, NULL), 0);
	long long t0 = now_ms();
	usleep(55000);
	long long waited = now_ms() - t0;
	v = ticks(fd, &r);
	EXPECT_EQ("  read", r, 8);
	EXPECT_TRUE("  expirations >= 5", v >= 5);
	EXPECT_TRUE("  expirations <= elapsed/10ms + 1", (long long)v <= waited / 10 + 1);
	timerfd_gettime(fd, &cur);
	EXPECT_TRUE("  next in (0, 10ms]", ns(cur.it_value) > 0 && ns(cur.it_value) <= 10000000);
	EXPECT_TRUE("  interval 10ms", ns(cur.it_interval) == 10000000);
	struct pollfd pf = { fd, POLLIN, 0 };
	t0 = now_ms();
	EXPECT_EQ("  poll waits for the next", poll(&pf, 1, 1000), 1);
	EXPECT_EQ("  revents", pf.revents, POLLIN);
	v = ticks(fd, &r);
	EXPECT_TRUE("  at least one more", r == 8 && v >= 1);
	/* settime resets the count. */
	usleep(25000);
	set(fd, 0, 0, 0, NULL);
	EXPECT_ERR("  read after disarming", read(fd, &v, 8), EAGAIN);
	close(fd);

	/* Other clocks. */
	fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	EXPECT_EQ("REALTIME absolute now-1s", set(fd, TFD_TIMER_ABSTIME, ns(now) - 1000000000LL, 0, NULL), 0);
	v = ticks(fd, &r);
	EXPECT_EQ("  expirations", v, 1);
	EXPECT_EQ("REALTIME CANCEL_ON_SET|ABSTIME", set(fd, TFD_TIMER_CANCEL_ON_SET | TFD_TIMER_ABSTIME, ns(now) + 3600000000000LL, 0, NULL), 0);
	EXPECT_ERR("  read", read(fd, &v, 8), EAGAIN);
	close(fd);
	fd = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK);
	EXPECT_TRUE("BOOTTIME", fd >= 0);
	EXPECT_EQ("  relative 1ms", set(fd, 0, 1000000, 0, NULL), 0);
	usleep(3000);
	v = ticks(fd, &r);
	EXPECT_EQ("  expirations", v, 1);
	close(fd);
}

static void waiting(void)
{
	/* A blocking read waits for the expiry. */
	long r;
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	long long t0 = now_ms();
	set(fd, 0, 50000000, 0, NULL);
	uint64_t v = ticks(fd, &r);
	EXPECT_EQ("blocking read", r, 8);
	EXPECT_EQ("  expirations", v, 1);
	EXPECT_TRUE("  elapsed >= 50ms", now_ms() - t0 >= 50);

	/* An absolute expiry on CLOCK_MONOTONIC, waited for in poll with no timeout. */
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	t0 = now_ms();
	set(fd, TFD_TIMER_ABSTIME, ns(now) + 40000000, 0, NULL);
	struct pollfd pf = { fd, POLLIN, 0 };
	EXPECT_EQ("poll(-1)", poll(&pf, 1, -1), 1);
	EXPECT_TRUE("  elapsed >= 40ms", now_ms() - t0 >= 40);
	v = ticks(fd, &r);
	EXPECT_EQ("  expirations", v, 1);

	/* And in epoll_wait with no timeout. */
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 42 }, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	t0 = now_ms();
	set(fd, 0, 30000000, 0, NULL);
	EXPECT_EQ("epoll_wait(-1)", epoll_wait(ep, &out, 1, -1), 1);
	EXPECT_TRUE("  elapsed >= 30ms", now_ms() - t0 >= 30);
	EXPECT_EQ("  data", out.data.u64, 42);
	EXPECT_EQ("  events", out.events, EPOLLIN);
	close(ep);
	close(fd);
}

int main(int argc, char **argv)
{
	events_init(argc, argv);
	errors();
	settings();
	expirations();
	waiting();
	return conf_exit();
}
