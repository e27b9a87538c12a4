/* ppoll and pselect6 (poll() and select() in glibc): readiness of pipes, regular files, devices, closed and
 * O_PATH descriptors; timeouts (0, positive, the time left written back) and every documented error. */
#include "events.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

static int revents(int fd, short events)
{
	struct pollfd p = { fd, events, 0x7777 };
	int r = poll(&p, 1, 0);
	return r < 0 ? -1 : p.revents;
}

/* The raw system calls: glibc copies the timeout, so only these show what the kernel writes back. */
static long raw_ppoll(struct pollfd *fds, unsigned long n, struct timespec *ts, const sigset_t *mask, size_t size)
{
	return syscall(SYS_ppoll, fds, n, ts, mask, size);
}

static long raw_pselect(int n, fd_set *r, fd_set *w, fd_set *e, struct timespec *ts, void *sig)
{
	return syscall(SYS_pselect6, n, r, w, e, ts, sig);
}

static void pipes(void)
{
	int p[2];
	EXPECT_EQ("pipe", pipe(p), 0);
	EXPECT_EQ("read end empty", revents(p[0], POLLIN | POLLOUT), 0);
	EXPECT_EQ("write end empty", revents(p[1], POLLIN | POLLOUT), POLLOUT);
	EXPECT_EQ("write end wrnorm", revents(p[1], POLLOUT | POLLWRNORM), POLLOUT | POLLWRNORM);
	EXPECT_EQ("write", write(p[1], "ab", 2), 2);
	EXPECT_EQ("read end data", revents(p[0], POLLIN | POLLRDNORM | POLLPRI | POLLRDHUP), POLLIN | POLLRDNORM);

	/* Two descriptors, one ready: the count is of ready entries; fd -1 is skipped, a closed fd is POLLNVAL. */
	struct pollfd set[4] = { { p[0], POLLIN, 0 }, { p[1], POLLIN, 0 }, { -1, POLLIN, 0x55 }, { 99, POLLIN, 0 } };
	EXPECT_EQ("poll(4 entries)", poll(set, 4, 0), 2);
	EXPECT_EQ("  revents[0]", set[0].revents, POLLIN);
	EXPECT_EQ("  revents[1]", set[1].revents, 0);
	EXPECT_EQ("  revents[2] (fd -1)", set[2].revents, 0);
	EXPECT_EQ("  revents[3] (closed)", set[3].revents, POLLNVAL);

	/* Fill the pipe: no more POLLOUT. */
	int fl = fcntl(p[1], F_GETFL);
	fcntl(p[1], F_SETFL, fl | O_NONBLOCK);
	char block[4096] = { 0 };
	while (write(p[1], block, sizeof block) > 0)
		;
	EXPECT_EQ("write end full", revents(p[1], POLLOUT), 0);
	char sink[4096];
	while (read(p[0], sink, sizeof sink) == (long)sizeof sink && revents(p[0], POLLIN))
		;
	EXPECT_EQ("write end drained", revents(p[1], POLLOUT), POLLOUT);
	while (revents(p[0], POLLIN))
		read(p[0], sink, sizeof sink);

	/* Hang-ups: a reader without writers sees POLLHUP (with POLLIN while data is left); a writer without readers POLLERR. */
	write(p[1], "x", 1);
	close(p[1]);
	EXPECT_EQ("read end, data, no writer", revents(p[0], POLLIN | POLLRDHUP), POLLIN | POLLHUP);
	read(p[0], sink, 1);
	EXPECT_EQ("read end, no writer", revents(p[0], POLLIN), POLLHUP);
	EXPECT_EQ("read end, no writer, events 0", revents(p[0], 0), POLLHUP);
	close(p[0]);
	EXPECT_EQ("pipe again", pipe(p), 0);
	close(p[0]);
	EXPECT_EQ("write end, no reader", revents(p[1], POLLOUT), POLLOUT | POLLERR);
	EXPECT_EQ("write end, no reader, events 0", revents(p[1], 0), POLLERR);
	close(p[1]);
}

static void files(void)
{
	/* Files without a poll operation are always ready for reading and writing. */
	int reg = open("/etc/passwd", O_RDONLY);
	EXPECT_EQ("regular file", revents(reg, POLLIN | POLLOUT | POLLPRI | POLLRDHUP), POLLIN | POLLOUT);
	EXPECT_EQ("regular file rdnorm", revents(reg, POLLRDNORM | POLLWRNORM), POLLRDNORM | POLLWRNORM);
	close(reg);
	int null = open("/dev/null", O_RDWR);
	EXPECT_EQ("/dev/null", revents(null, POLLIN | POLLOUT), POLLIN | POLLOUT);
	close(null);
	int dir = open("/", O_RDONLY | O_DIRECTORY);
	EXPECT_EQ("directory", revents(dir, POLLIN), POLLIN);
	close(dir);
	int path = open("/", O_PATH);
	EXPECT_EQ("O_PATH", revents(path, POLLIN), POLLNVAL);
	fd_set r, w, e;
	struct timeval tv = { 0, 0 };
	FD_ZERO(&r); FD_ZERO(&w); FD_ZERO(&e);
	FD_SET(path, &r); FD_SET(path, &w); FD_SET(path, &e);
	/* select counts an O_PATH descriptor (POLLNVAL) as ready in every set. */
	EXPECT_EQ("select O_PATH", select(path + 1, &r, &w, &e, &tv), 3);
	close(path);
}

static void timeouts(void)
{
	int p[2];
	pipe(p);
	struct pollfd pf = { p[0], POLLIN, 0 };
	long long t0 = now_ms();
	EXPECT_EQ("poll 50ms", poll(&pf, 1, 50), 0);
	EXPECT_TRUE("  elapsed >= 50ms", now_ms() - t0 >= 50);
	t0 = now_ms();
	EXPECT_EQ("poll 0 fds 30ms", poll(NULL, 0, 30), 0);
	EXPECT_TRUE("  elapsed >= 30ms", now_ms() - t0 >= 30);

	/* ppoll writes the time left back: none left after a timeout, nearly all when ready at once. */
	struct timespec ts = { 0, 30000000 };
	t0 = now_ms();
	EXPECT_EQ("raw ppoll 30ms", raw_ppoll(&pf, 1, &ts, NULL, 8), 0);
	EXPECT_TRUE("  elapsed >= 30ms", now_ms() - t0 >= 30);
	EXPECT_TRUE("  time left 0", ts.tv_sec == 0 && ts.tv_nsec == 0);
	write(p[1], "x", 1);
	ts.tv_sec = 5;
	ts.tv_nsec = 0;
	EXPECT_EQ("raw ppoll ready", raw_ppoll(&pf, 1, &ts, NULL, 8), 1);
	EXPECT_TRUE("  time left in (4s, 5s)", ts.tv_sec == 4 && ts.tv_nsec > 0);
	ts.tv_sec = 0;
	ts.tv_nsec = 0;
	EXPECT_EQ("raw ppoll zero timeout", raw_ppoll(&pf, 1, &ts, NULL, 8), 1);
	EXPECT_TRUE("  zero stays zero", ts.tv_sec == 0 && ts.tv_nsec == 0);
	EXPECT_EQ("raw ppoll no timeout, ready", raw_ppoll(&pf, 1, NULL, NULL, 8), 1);

	/* pselect6 the same way; glibc's select() turns the time left back into the timeval. */
	fd_set r;
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	ts.tv_sec = 5;
	ts.tv_nsec = 0;
	EXPECT_EQ("raw pselect ready", raw_pselect(p[0] + 1, &r, NULL, NULL, &ts, NULL), 1);
	EXPECT_TRUE("  time left in (4s, 5s)", ts.tv_sec == 4 && ts.tv_nsec > 0);
	read(p[0], &pf, 1);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	struct timeval tv = { 0, 40000 };
	t0 = now_ms();
	EXPECT_EQ("select 40ms", select(p[0] + 1, &r, NULL, NULL, &tv), 0);
	EXPECT_TRUE("  elapsed >= 40ms", now_ms() - t0 >= 40);
	EXPECT_TRUE("  timeval left 0", tv.tv_sec == 0 && tv.tv_usec == 0);
	EXPECT_TRUE("  set cleared", !FD_ISSET(p[0], &r));
	close(p[0]);
	close(p[1]);
}

static void selects(void)
{
	int p[2];
	pipe(p);
	fd_set r, w, e;
	struct timeval tv = { 0, 0 };
	FD_ZERO(&r); FD_ZERO(&w); FD_ZERO(&e);
	FD_SET(p[0], &r); FD_SET(p[1], &w); FD_SET(p[0], &e); FD_SET(p[1], &e);
	EXPECT_EQ("select empty pipe", select(p[1] + 1, &r, &w, &e, &tv), 1);
	EXPECT_TRUE("  read end not readable", !FD_ISSET(p[0], &r));
	EXPECT_TRUE("  write end writable", FD_ISSET(p[1], &w));
	EXPECT_TRUE("  no exceptions", !FD_ISSET(p[0], &e) && !FD_ISSET(p[1], &e));
	write(p[1], "x", 1);
	FD_ZERO(&r); FD_ZERO(&w);
	FD_SET(p[0], &r); FD_SET(p[1], &r); FD_SET(p[0], &w); FD_SET(p[1], &w);
	EXPECT_EQ("select both ways", select(p[1] + 1, &r, &w, NULL, &tv), 2);
	EXPECT_TRUE("  read end readable", FD_ISSET(p[0], &r) && !FD_ISSET(p[1], &r));
	EXPECT_TRUE("  write end writable", FD_ISSET(p[1], &w) && !FD_ISSET(p[0], &w));
	/* The same descriptor counts once per set it is ready in. */
	close(p[1]);
	FD_ZERO(&r); FD_ZERO(&e);
	FD_SET(p[0], &r);
	EXPECT_EQ("select hung-up reader", select(p[0] + 1, &r, NULL, NULL, &tv), 1);

	/* A closed descriptor in a set: EBADF. Beyond the fd table's size bits are ignored and left alone. */
	FD_ZERO(&r);
	FD_SET(60, &r);
	EXPECT_ERR("select closed fd", select(61, &r, NULL, NULL, &tv), EBADF);
	/* The table a process starts with is as large as the descriptors it inherited need (a test runner may pass
	 * hundreds), and fork sizes a child's table by its highest open descriptor: so this runs in a grandchild
	 * forked after closing everything above stderr. */
	pid_t pid = fork();
	if (pid == 0) {
		syscall(SYS_close_range, 3, ~0U, 0);
		pid_t grandchild = fork();
		if (grandchild == 0) {
			fd_set big;
			struct timeval zero = {0, 0};
			FD_ZERO(&big);
			FD_SET(1000, &big);
			int n = select(1001, &big, NULL, NULL, &zero);
			_exit(n == 0 && FD_ISSET(1000, &big) ? 0 : 1);
		}
		int st;
		waitpid(grandchild, &st, 0);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 2);
	}
	int st;
	waitpid(pid, &st, 0);
	EXPECT_TRUE("select fd 1000 beyond table: 0, bit untouched", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	EXPECT_ERR("select nfds -1", select(-1, NULL, NULL, NULL, &tv), EINVAL);
	EXPECT_EQ("select no sets", select(0, NULL, NULL, NULL, &tv), 0);
	close(p[0]);
}

static void errors(void)
{
	int p[2];
	pipe(p);
	struct pollfd pf = { p[0], POLLIN, 0 };
	struct timespec ts = { 0, 1000000000 };
	EXPECT_ERR("ppoll nsec 1e9", raw_ppoll(&pf, 1, &ts, NULL, 8), EINVAL);
	ts.tv_sec = -1;
	ts.tv_nsec = 0;
	EXPECT_ERR("ppoll negative", raw_ppoll(&pf, 1, &ts, NULL, 8), EINVAL);
	EXPECT_ERR("ppoll bad timespec", raw_ppoll(&pf, 1, (void *)8, NULL, 8), EFAULT);
	ts.tv_sec = 0;
	sigset_t mask;
	sigemptyset(&mask);
	EXPECT_ERR("ppoll sigsetsize 4", raw_ppoll(&pf, 1, &ts, &mask, 4), EINVAL);
	EXPECT_ERR("ppoll bad sigmask", raw_ppoll(&pf, 1, &ts, (void *)8, 8), EFAULT);
	EXPECT_EQ("ppoll with sigmask", raw_ppoll(&pf, 1, &ts, &mask, 8), 0);
	EXPECT_ERR("ppoll bad fds", raw_ppoll((void *)8, 1, &ts, NULL, 8), EFAULT);
	struct rlimit rl = { 64, 64 };
	EXPECT_EQ("setrlimit(NOFILE 64)", setrlimit(RLIMIT_NOFILE, &rl), 0);
	EXPECT_ERR("ppoll nfds > RLIMIT_NOFILE", raw_ppoll(&pf, 65, &ts, NULL, 8), EINVAL);
	EXPECT_EQ("ppoll nfds 0", raw_ppoll(NULL, 0, &ts, NULL, 8), 0);

	/* pselect6's sixth argument is { sigset_t *ss; size_t len; }. */
	struct { void *ss; size_t len; } pack = { NULL, 3 };
	EXPECT_EQ("pselect null ss, len 3", raw_pselect(0, NULL, NULL, NULL, &ts, &pack), 0);
	pack.ss = &mask;
	EXPECT_ERR("pselect len 3", raw_pselect(0, NULL, NULL, NULL, &ts, &pack), EINVAL);
	pack.len = 8;
	EXPECT_EQ("pselect with sigmask", raw_pselect(0, NULL, NULL, NULL, &ts, &pack), 0);
	EXPECT_ERR("pselect bad pack", raw_pselect(0, NULL, NULL, NULL, &ts, (void *)8), EFAULT);
	pack.ss = (void *)8;
	EXPECT_ERR("pselect bad ss", raw_pselect(0, NULL, NULL, NULL, &ts, &pack), EFAULT);
	EXPECT_ERR("pselect bad set", raw_pselect(1, (void *)8, NULL, NULL, &ts, NULL), EFAULT);
	EXPECT_ERR("pselect bad timespec", raw_pselect(0, NULL, NULL, NULL, (void *)8, NULL), EFAULT);
	ts.tv_nsec = -1;
	EXPECT_ERR("pselect bad nsec", raw_pselect(0, NULL, NULL, NULL, &ts, NULL), EINVAL);
	close(p[0]);
	close(p[1]);
}

int main(int argc, char **argv)
{
	/* Descriptors a test runner leaves open would make "closed" fds open: start from stdio only. */
	syscall(SYS_close_range, 3, ~0U, 0);
	events_init(argc, argv);
	pipes();
	files();
	timeouts();
	selects();
	errors();
	return conf_exit();
}
