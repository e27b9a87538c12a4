/* epoll_create1, epoll_ctl, epoll_pwait, epoll_pwait2: level- and edge-triggered, EPOLLONESHOT, EPOLLEXCLUSIVE,
 * nesting (with loop and depth checks), registrations ending with their file, timeouts and every documented error. */
#include "events.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

static struct epoll_event out[8];

static int add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int mod(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };
	return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

static int wait0(int ep)
{
	memset(out, 0, sizeof out);
	return epoll_wait(ep, out, 8, 0);
}

static void creation(void)
{
	EXPECT_ERR("epoll_create1(1)", epoll_create1(1), EINVAL);
	EXPECT_ERR("epoll_create1(O_NONBLOCK)", epoll_create1(O_NONBLOCK), EINVAL);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	EXPECT_TRUE("epoll_create1(EPOLL_CLOEXEC)>=0", ep >= 0);
	EXPECT_EQ("  F_GETFD", fcntl(ep, F_GETFD), FD_CLOEXEC);
	EXPECT_EQ("  F_GETFL", fcntl(ep, F_GETFL) & O_ACCMODE, O_RDWR);
	char b[8];
	EXPECT_ERR("  read", read(ep, b, 8), EINVAL);
	EXPECT_ERR("  write", write(ep, b, 8), EINVAL);
	EXPECT_EQ("  empty wait", wait0(ep), 0);
	close(ep);
}

static void ctl_errors(void)
{
	int ep = epoll_create1(0), other = epoll_create1(0);
	int p[2];
	pipe(p);
	int reg = open("/etc/passwd", O_RDONLY);
	int dir = open("/", O_RDONLY | O_DIRECTORY);
	int null = open("/dev/null", O_RDONLY);
	int rnd = open("/dev/random", O_RDONLY);
	int path = open("/", O_PATH);
	int efd = eventfd(0, 0);
	struct epoll_event ev = { .events = EPOLLIN };
	EXPECT_ERR("ctl bad epfd", epoll_ctl(99, EPOLL_CTL_ADD, p[0], &ev), EBADF);
	EXPECT_ERR("ctl bad fd", epoll_ctl(ep, EPOLL_CTL_ADD, 99, &ev), EBADF);
	EXPECT_ERR("ctl O_PATH fd", epoll_ctl(ep, EPOLL_CTL_ADD, path, &ev), EBADF);
	EXPECT_ERR("ctl O_PATH epfd", epoll_ctl(path, EPOLL_CTL_ADD, p[0], &ev), EBADF);
	EXPECT_ERR("ctl regular file", epoll_ctl(ep, EPOLL_CTL_ADD, reg, &ev), EPERM);
	EXPECT_ERR("ctl directory", epoll_ctl(ep, EPOLL_CTL_ADD, dir, &ev), EPERM);
	EXPECT_ERR("ctl /dev/null", epoll_ctl(ep, EPOLL_CTL_ADD, null, &ev), EPERM);
	EXPECT_EQ("ctl /dev/random", epoll_ctl(ep, EPOLL_CTL_ADD, rnd, &ev), 0);
	EXPECT_ERR("ctl epfd not epoll", epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &ev), EINVAL);
	EXPECT_ERR("ctl epfd regular (EPERM first)", epoll_ctl(reg, EPOLL_CTL_ADD, reg, &ev), EPERM);
	EXPECT_ERR("ctl self", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
	EXPECT_ERR("ctl bad op", epoll_ctl(ep, 99, p[0], &ev), EINVAL);
	EXPECT_ERR("ctl bad op, bad event", epoll_ctl(ep, 99, p[0], NULL), EFAULT);
	EXPECT_ERR("ctl ADD bad event", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], (void *)8), EFAULT);
	EXPECT_ERR("ctl DEL missing", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT);
	EXPECT_ERR("ctl MOD missing", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), ENOENT);
	EXPECT_EQ("ctl ADD", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), 0);
	EXPECT_ERR("ctl ADD again", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST);
	EXPECT_EQ("ctl DEL (event ignored)", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], (void *)8), 0);
	EXPECT_ERR("ctl DEL again", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT);
	EXPECT_EQ("ctl ADD EPOLLWAKEUP", add(ep, p[0], EPOLLIN | EPOLLWAKEUP, 0), 0);

	/* EPOLLEXCLUSIVE: only at ADD, not with other flags or bits, not on an epoll file; such an item cannot be MODified. */
	EXPECT_ERR("EXCLUSIVE with ONESHOT", add(other, efd, EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 0), EINVAL);
	EXPECT_ERR("EXCLUSIVE with PRI", add(other, efd, EPOLLIN | EPOLLPRI | EPOLLEXCLUSIVE, 0), EINVAL);
	EXPECT_ERR("EXCLUSIVE on epoll", add(other, ep, EPOLLIN | EPOLLEXCLUSIVE, 0), EINVAL);
	EXPECT_EQ("EXCLUSIVE ADD", add(other, efd, EPOLLIN | EPOLLOUT | EPOLLET | EPOLLEXCLUSIVE, 5), 0);
	EXPECT_ERR("EXCLUSIVE MOD to EXCLUSIVE", mod(other, efd, EPOLLIN | EPOLLEXCLUSIVE, 5), EINVAL);
	EXPECT_ERR("MOD of an EXCLUSIVE item", mod(other, efd, EPOLLIN, 5), EINVAL);
	EXPECT_EQ("EXCLUSIVE wait (writable)", wait0(other), 1);
	EXPECT_EQ("  events", out[0].events, EPOLLOUT);
	EXPECT_EQ("EXCLUSIVE DEL", epoll_ctl(other, EPOLL_CTL_DEL, efd, NULL), 0);

	/* epoll_wait's arguments. */
	sigset_t mask;
	sigemptyset(&mask);
	EXPECT_ERR("wait maxevents 0", epoll_wait(ep, out, 0, 0), EINVAL);
	EXPECT_ERR("wait maxevents -1", syscall(SYS_epoll_pwait, ep, out, -1, 0, NULL, 8), EINVAL);
	EXPECT_ERR("wait maxevents 0, bad epfd", epoll_wait(99, out, 0, 0), EINVAL);
	EXPECT_ERR("wait bad epfd", epoll_wait(99, out, 1, 0), EBADF);
	EXPECT_ERR("wait not epoll", epoll_wait(efd, out, 1, 0), EINVAL);
	EXPECT_ERR("wait events beyond user space", epoll_wait(ep, (void *)-4096L, 1, 0), EFAULT);
	EXPECT_ERR("pwait sigsetsize 4", syscall(SYS_epoll_pwait, ep, out, 1, 0, &mask, 4), EINVAL);
	EXPECT_ERR("pwait sigsetsize 4, bad epfd", syscall(SYS_epoll_pwait, 99, out, 1, 0, &mask, 4), EINVAL);
	EXPECT_ERR("pwait bad sigmask", syscall(SYS_epoll_pwait, ep, out, 1, 0, (void *)8, 8), EFAULT);
	EXPECT_EQ("pwait with sigmask", epoll_pwait(ep, out, 1, 0, &mask), 1); /* /dev/random is readable */
	write(p[1], "x", 1);
	EXPECT_ERR("wait into NULL with events ready", syscall(SYS_epoll_pwait, ep, NULL, 1, 0, NULL, 8), EFAULT);
	close(ep); close(other); close(p[0]); close(p[1]); close(reg); close(dir); close(null); close(rnd); close(path); close(efd);
}

static void level_and_edge(void)
{
	int ep = epoll_create1(0);
	int p[2];
	pipe(p);
	EXPECT_EQ("ADD LT", add(ep, p[0], EPOLLIN | EPOLLRDHUP, 0x1122334455667788ULL), 0);
	EXPECT_EQ("LT empty", wait0(ep), 0);
	write(p[1], "ab", 2);
	/* struct epoll_event's padding (arm64: 4 bytes after events) is left as it was. */
	memset(out, 0xaa, sizeof out);
	EXPECT_EQ("LT data", epoll_wait(ep, out, 8, 0), 1);
	EXPECT_EQ("  events", out[0].events, EPOLLIN);
	EXPECT_TRUE("  data", out[0].data.u64 == 0x1122334455667788ULL);
	EXPECT_TRUE("  padding untouched", ((unsigned char *)&out[0])[4] == 0xaa && ((unsigned char *)&out[0])[7] == 0xaa);
	EXPECT_EQ("LT again", wait0(ep), 1);
	char c;
	read(p[0], &c, 1);
	EXPECT_EQ("LT after partial read", wait0(ep), 1);
	read(p[0], &c, 1);
	EXPECT_EQ("LT drained", wait0(ep), 0);

	EXPECT_EQ("MOD to ET", mod(ep, p[0], EPOLLIN | EPOLLET, 7), 0);
	EXPECT_EQ("ET empty", wait0(ep), 0);
	write(p[1], "ab", 2);
	EXPECT_EQ("ET data", wait0(ep), 1);
	EXPECT_EQ("  data", out[0].data.u64, 7);
	EXPECT_EQ("ET again", wait0(ep), 0);
	write(p[1], "c", 1);
	EXPECT_EQ("ET after another write", wait0(ep), 1);
	read(p[0], &c, 1);
	EXPECT_EQ("ET after partial read", wait0(ep), 0);

	EXPECT_EQ("MOD to ONESHOT", mod(ep, p[0], EPOLLIN | EPOLLONESHOT, 9), 0);
	EXPECT_EQ("ONESHOT ready", wait0(ep), 1);
	EXPECT_EQ("ONESHOT disabled", wait0(ep), 0);
	write(p[1], "d", 1);
	EXPECT_EQ("ONESHOT disabled after write", wait0(ep), 0);
	EXPECT_EQ("MOD re-arms", mod(ep, p[0], EPOLLIN | EPOLLONESHOT, 10), 0);
	EXPECT_EQ("ONESHOT re-armed", wait0(ep), 1);
	EXPECT_EQ("  data", out[0].data.u64, 10);

	/* Hang-ups are always reported; EPOLLRDHUP is a socket event, pipes do not raise it. */
	EXPECT_EQ("MOD LT", mod(ep, p[0], EPOLLRDHUP, 11), 0);
	close(p[1]);
	EXPECT_EQ("writer closed", wait0(ep), 1);
	EXPECT_EQ("  events", out[0].events, EPOLLHUP);
	EXPECT_EQ("MOD IN", mod(ep, p[0], EPOLLIN, 12), 0);
	EXPECT_EQ("writer closed, data left", wait0(ep), 1);
	EXPECT_EQ("  events", out[0].events, EPOLLIN | EPOLLHUP);
	close(p[0]);
	pipe(p);
	EXPECT_EQ("ADD write end", add(ep, p[1], EPOLLOUT, 13), 0);
	close(p[0]);
	EXPECT_EQ("reader closed", wait0(ep), 1);
	EXPECT_EQ("  events", out[0].events, EPOLLOUT | EPOLLERR);
	close(p[1]);
	close(ep);
}

static void eventfd_edges(void)
{
	/* Every eventfd write wakes edge-triggered watchers (even a write of 0); reads wake the writable side. */
	int ep = epoll_create1(0);
	int e = eventfd(0, EFD_NONBLOCK);
	uint64_t v = 0;
	EXPECT_EQ("ADD eventfd ET", add(ep, e, EPOLLIN | EPOLLOUT | EPOLLET, 1), 0);
	EXPECT_EQ("ET initial", wait0(ep), 1);
	EXPECT_EQ("  events", out[0].events, EPOLLOUT);
	EXPECT_EQ("ET nothing new", wait0(ep), 0);
	write(e, &v, 8);
	EXPECT_EQ("ET after write(0)", wait0(ep), 1);
	EXPECT_EQ("  events", out[0].events, EPOLLOUT);
	v = 1;
	write(e, &v, 8);
	EXPECT_EQ("ET after write(1)", wait0(ep), 1);
	EXPECT_EQ("  events", out[0].events, EPOLLIN | EPOLLOUT);
	read(e, &v, 8);
	EXPECT_EQ("ET after read", wait0(ep), 1);
	EXPECT_EQ("  events", out[0].events, EPOLLOUT);
	close(e);
	close(ep);
}

static void fairness_and_lifetime(void)
{
	int ep = epoll_create1(0);
	int a = eventfd(1, 0), b = eventfd(1, 0);
	add(ep, a, EPOLLIN, 'a');
	add(ep, b, EPOLLIN, 'b');
	/* With room for one event, ready level-triggered items take turns. */
	char order[5] = { 0 };
	for (int i = 0; i < 4; i++) {
		epoll_wait(ep, out, 1, 0);
		order[i] = (char)out[0].data.u64;
	}
	conf_expect_str("round robin", order, "abab");
	EXPECT_EQ("both", wait0(ep), 2);

	/* A registration belongs to the open file: a dup keeps it alive, the last close ends it. */
	int d = dup(a);
	close(a);
	EXPECT_EQ("after closing one of two fds", wait0(ep), 2);
	EXPECT_ERR("DEL of the closed fd", epoll_ctl(ep, EPOLL_CTL_DEL, a, NULL), EBADF);
	close(d);
	EXPECT_EQ("after the last close", wait0(ep), 1);
	EXPECT_EQ("  data", out[0].data.u64, 'b');
	/* A new file under the old number is not registered. */
	int n = eventfd(1, 0);
	EXPECT_EQ("same number reused", n, a);
	EXPECT_ERR("DEL new file", epoll_ctl(ep, EPOLL_CTL_DEL, n, NULL), ENOENT);
	close(n);
	close(b);
	close(ep);
}

static void nesting(void)
{
	int inner = epoll_create1(0), outer = epoll_create1(0);
	int e = eventfd(0, 0);
	add(inner, e, EPOLLIN, 1);
	EXPECT_EQ("ADD inner to outer", add(outer, inner, EPOLLIN, 2), 0);
	EXPECT_EQ("outer idle", wait0(outer), 0);
	struct pollfd pf = { inner, POLLIN, 0 };
	EXPECT_EQ("poll(inner) idle", poll(&pf, 1, 0), 0);
	uint64_t v = 1;
	write(e, &v, 8);
	EXPECT_EQ("outer sees inner", wait0(outer), 1);
	EXPECT_EQ("  data", out[0].data.u64, 2);
	EXPECT_EQ("  events", out[0].events, EPOLLIN);
	EXPECT_EQ("poll(inner) ready", poll(&pf, 1, 0), 1);
	EXPECT_EQ("  revents", pf.revents, POLLIN);
	read(e, &v, 8);
	EXPECT_EQ("outer after read", wait0(outer), 0);
	EXPECT_ERR("cycle", add(inner, outer, EPOLLIN, 0), ELOOP);

	/* A chain of epoll files may be 5 deep; the sixth level is refused. */
	int chain[7];
	for (int i = 0; i < 7; i++)
		chain[i] = epoll_create1(0);
	for (int i = 1; i < 7; i++) {
		char label[32];
		snprintf(label, sizeof label, "chain %d in %d", i - 1, i);
		if (i == 5)
			EXPECT_ERR(label, add(chain[i], chain[i - 1], EPOLLIN, 0), ELOOP);
		else
			EXPECT_EQ(label, add(chain[i], chain[i - 1], EPOLLIN, 0), 0);
	}
	EXPECT_ERR("chain top into a new one", add(outer, chain[4], EPOLLIN, 0), ELOOP);
	for (int i = 0; i < 7; i++)
		close(chain[i]);
	close(e);
	close(inner);
	close(outer);
}

static void timeouts(void)
{
	int ep = epoll_create1(0);
	int p[2];
	pipe(p);
	add(ep, p[0], EPOLLIN, 0);
	long long t0 = now_ms();
	EXPECT_EQ("wait 50ms", epoll_wait(ep, out, 8, 50), 0);
	EXPECT_TRUE("  elapsed >= 50ms", now_ms() - t0 >= 50);
	write(p[1], "x", 1);
	EXPECT_EQ("wait -1, ready", epoll_wait(ep, out, 8, -1), 1);

	/* epoll_pwait2 takes a timespec (NULL: no timeout). */
	struct timespec ts = { 0, 30000000 };
	read(p[0], out, 1);
	t0 = now_ms();
	long r = syscall(SYS_epoll_pwait2, ep, out, 8, &ts, NULL, 8);
	if (qemu_lacks(r, errno)) {
		/* qemu-user 7.2 has no epoll_pwait2 (Linux 5.11 has): print what the man page specifies. */
		printf("pwait2 30ms: 0\n  elapsed >= 30ms: 1\npwait2 ready: 1\npwait2 NULL timeout, ready: 1\n");
		printf("pwait2 bad timespec: -1 EFAULT\npwait2 bad nsec: -1 EINVAL\npwait2 bad nsec, bad epfd: -1 EINVAL\n");
	} else {
		EXPECT_EQ("pwait2 30ms", r, 0);
		EXPECT_TRUE("  elapsed >= 30ms", now_ms() - t0 >= 30);
		write(p[1], "x", 1);
		EXPECT_EQ("pwait2 ready", syscall(SYS_epoll_pwait2, ep, out, 8, &ts, NULL, 8), 1);
		EXPECT_EQ("pwait2 NULL timeout, ready", syscall(SYS_epoll_pwait2, ep, out, 8, NULL, NULL, 8), 1);
		EXPECT_ERR("pwait2 bad timespec", syscall(SYS_epoll_pwait2, ep, out, 8, (void *)8, NULL, 8), EFAULT);
		ts.tv_nsec = 1000000000;
		EXPECT_ERR("pwait2 bad nsec", syscall(SYS_epoll_pwait2, ep, out, 8, &ts, NULL, 8), EINVAL);
		EXPECT_ERR("pwait2 bad nsec, bad epfd", syscall(SYS_epoll_pwait2, 99, out, 8, &ts, NULL, 8), EINVAL);
	}
	close(p[0]);
	close(p[1]);
	close(ep);
}

int main(int argc, char **argv)
{
	events_init(argc, argv);
	creation();
	ctl_errors();
	level_and_edge();
	eventfd_edges();
	fairness_and_lifetime();
	nesting();
	timeouts();
	return conf_exit();
}
