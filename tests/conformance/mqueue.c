/* POSIX message queues: mq_open (flags, modes, attributes and their limits, names), mq_unlink, mq_timedsend and
 * mq_timedreceive (priority order, sizes, O_NONBLOCK, timeouts, blocking across processes), mq_getattr/mq_setattr,
 * the descriptor's status line and readiness. mq_notify, RLIMIT_MSGQUEUE and O_WRONLY|O_RDWR are in
 * native/mq_native.c (qemu-user does not translate the first and gets the others wrong). */
#include "conformance.h"

#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define Q "/conf-mq"

static void show_line(mqd_t q)
{
	char line[128] = "";
	lseek(q, 0, SEEK_SET);
	ssize_t n = read(q, line, sizeof line - 1);
	if (n > 0) line[n] = 0;
	printf("status line: %s", line);
}

static struct timespec in_ms(long ms)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_nsec += ms * 1000000;
	t.tv_sec += t.tv_nsec / 1000000000;
	t.tv_nsec %= 1000000000;
	return t;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	mq_unlink(Q);
	umask(022);

	EXPECT_ERR("open a missing queue", mq_open(Q, O_RDONLY), ENOENT);
	EXPECT_ERR("a name without a slash", mq_open("conf-mq", O_RDONLY), EINVAL);
	EXPECT_ERR("a name with two parts", mq_open("/conf/mq", O_RDONLY | O_CREAT, 0600, NULL), EACCES);
	EXPECT_ERR("just a slash", mq_open("/", O_RDONLY | O_CREAT, 0600, NULL), ENOENT);
	char longname[300];
	memset(longname, 'n', sizeof longname);
	longname[0] = '/';
	longname[257] = 0;
	EXPECT_ERR("a name longer than NAME_MAX", mq_open(longname, O_RDONLY | O_CREAT, 0600, NULL), ENAMETOOLONG);
	struct mq_attr bad = { .mq_maxmsg = 0, .mq_msgsize = 16 };
	EXPECT_ERR("mq_maxmsg 0", mq_open(Q, O_RDWR | O_CREAT, 0600, &bad), EINVAL);
	bad.mq_maxmsg = 4;
	bad.mq_msgsize = -1;
	EXPECT_ERR("negative mq_msgsize", mq_open(Q, O_RDWR | O_CREAT, 0600, &bad), EINVAL);
	bad.mq_msgsize = 16 << 20 | 1;
	EXPECT_ERR("mq_msgsize past the hard limit", mq_open(Q, O_RDWR | O_CREAT, 0600, &bad), EINVAL);
	EXPECT_ERR("attributes at a bad address", syscall(SYS_mq_open, Q + 1, O_RDWR | O_CREAT, 0600, (void *)8), EFAULT);

	struct mq_attr attr = { .mq_maxmsg = 3, .mq_msgsize = 16 };
	mqd_t q = mq_open(Q, O_RDWR | O_CREAT | O_EXCL, 0666, &attr);
	EXPECT_TRUE("create", q >= 0);
	EXPECT_ERR("O_EXCL again", mq_open(Q, O_RDWR | O_CREAT | O_EXCL, 0600, &attr), EEXIST);
	struct stat st;
	EXPECT_OK("fstat", fstat(q, &st));
	EXPECT_EQ("  mode (umask applied)", st.st_mode, S_IFREG | 0644);
	EXPECT_EQ("  size", st.st_size, 80);
	EXPECT_EQ("fcntl F_GETFL", fcntl(q, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR);
	struct mq_attr got;
	EXPECT_OK("mq_getattr", mq_getattr(q, &got));
	printf("  flags %ld maxmsg %ld msgsize %ld curmsgs %ld\n", got.mq_flags, got.mq_maxmsg, got.mq_msgsize, got.mq_curmsgs);
	show_line(q);

	/* Sizes and priorities. */
	EXPECT_ERR("a message longer than mq_msgsize", mq_send(q, "0123456789abcdefg", 17, 0), EMSGSIZE);
	EXPECT_ERR("priority MQ_PRIO_MAX", mq_send(q, "x", 1, 32768), EINVAL);
	EXPECT_ERR("a message at a bad address", mq_send(q, (char *)8, 4, 0), EFAULT);
	EXPECT_OK("send low", mq_send(q, "low", 3, 1));
	EXPECT_OK("send high", mq_send(q, "high", 4, 7));
	EXPECT_OK("send low again", mq_send(q, "low2", 4, 1));
	show_line(q);
	struct pollfd pf = { .fd = q, .events = POLLIN | POLLOUT };
	EXPECT_EQ("poll of a full queue", poll(&pf, 1, 0), 1);
	EXPECT_EQ("  revents", pf.revents, POLLIN);
	struct timespec soon = in_ms(50);
	EXPECT_ERR("send to a full queue times out", mq_timedsend(q, "x", 1, 0, &soon), ETIMEDOUT);
	struct timespec badts = { .tv_sec = 0, .tv_nsec = 1000000000 };
	EXPECT_ERR("a bad timeout", mq_timedsend(q, "x", 1, 0, &badts), EINVAL);
	struct mq_attr nb = { .mq_flags = O_NONBLOCK }, old;
	EXPECT_OK("mq_setattr O_NONBLOCK", mq_setattr(q, &nb, &old));
	EXPECT_EQ("  old flags", old.mq_flags, 0);
	EXPECT_EQ("  F_GETFL shows it", fcntl(q, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	EXPECT_ERR("send without blocking", mq_send(q, "x", 1, 0), EAGAIN);
	EXPECT_ERR("mq_setattr other flags", syscall(SYS_mq_getsetattr, q, &(struct mq_attr){ .mq_flags = O_APPEND }, NULL), EINVAL);
	char buf[64];
	unsigned prio = 99;
	EXPECT_ERR("receive into a buffer smaller than mq_msgsize", mq_receive(q, buf, 15, &prio), EMSGSIZE);
	for (int i = 0; i < 3; i++)
	{
		ssize_t n = mq_receive(q, buf, sizeof buf, &prio);
		printf("receive %d: %zd \"%.*s\" prio %u\n", i, n, (int)(n > 0 ? n : 0), buf, prio);
	}
	EXPECT_ERR("receive without blocking", mq_receive(q, buf, sizeof buf, NULL), EAGAIN);
	show_line(q);
	nb.mq_flags = 0;
	mq_setattr(q, &nb, NULL);
	soon = in_ms(50);
	EXPECT_ERR("receive from an empty queue times out", mq_timedreceive(q, buf, sizeof buf, NULL, &soon), ETIMEDOUT);
	struct timespec past = { .tv_sec = 1 };
	EXPECT_ERR("a timeout in the past", mq_timedreceive(q, buf, sizeof buf, NULL, &past), ETIMEDOUT);
	EXPECT_ERR("mq_send to a bad descriptor", mq_send(99, "x", 1, 0), EBADF);
	EXPECT_ERR("mq_send to a pipe", mq_send(1, "x", 1, 0), EBADF);
	EXPECT_ERR("mq_getattr of a regular descriptor", mq_getattr(1, &got), EBADF);

	/* Direction. */
	mqd_t ro = mq_open(Q, O_RDONLY), wo = mq_open(Q, O_WRONLY);
	EXPECT_ERR("send on a read-only descriptor", mq_send(ro, "x", 1, 0), EBADF);
	EXPECT_ERR("receive on a write-only descriptor", mq_receive(wo, buf, sizeof buf, NULL), EBADF);

	/* Blocking across processes. */
	pid_t pid = fork();
	if (pid == 0)
	{
		ssize_t n = mq_receive(ro, buf, sizeof buf, &prio);
		_exit(n == 5 && memcmp(buf, "hello", 5) == 0 && prio == 3 ? 0 : 1);
	}
	usleep(100000);
	EXPECT_OK("send wakes a waiting receiver", mq_send(wo, "hello", 5, 3));
	int status;
	waitpid(pid, &status, 0);
	EXPECT_EQ("  the child got it", status, 0);
	pid = fork();
	if (pid == 0)
	{
		for (int i = 0; i < 1000; i++)
			if (mq_send(wo, (char *)&i, sizeof i, 0) != 0) _exit(1);
		_exit(0);
	}
	int ok = 1;
	for (int i = 0; i < 1000; i++)
	{
		int v = -1;
		if (mq_receive(ro, (char *)&v, sizeof buf, NULL) != sizeof v || v != i) ok = 0;
	}
	waitpid(pid, &status, 0);
	EXPECT_TRUE("1000 messages in order through a 3-message queue", ok && status == 0);

	/* Unlink: the name goes, the queue stays while open. */
	EXPECT_OK("mq_unlink", mq_unlink(Q));
	EXPECT_ERR("mq_unlink again", mq_unlink(Q), ENOENT);
	EXPECT_ERR("open after unlink", mq_open(Q, O_RDONLY), ENOENT);
	EXPECT_OK("the open queue still works", mq_send(wo, "after", 5, 0));
	EXPECT_EQ("  and gives it back", mq_receive(ro, buf, sizeof buf, NULL), 5);
	mq_close(q);
	mq_close(ro);
	mq_close(wo);

	/* Permissions. */
	mqd_t p = mq_open(Q, O_RDWR | O_CREAT, 0600, &attr);
	pid = fork();
	if (pid == 0)
	{
		setgid(1000);
		setuid(1000);
		EXPECT_ERR("another user's queue", mq_open(Q, O_RDONLY), EACCES);
		EXPECT_ERR("unlink of another user's queue", mq_unlink(Q), EACCES);
		_exit(conf_failures != 0);
	}
	waitpid(pid, &status, 0);
	EXPECT_EQ("child checks", status, 0);
	mq_close(p);
	mq_unlink(Q);

	mq_unlink(Q);
	return conf_failures != 0;
}
