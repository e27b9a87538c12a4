/* preadv2/pwritev2: offsets (-1 = the file position), RWF_* flags and the
 * documented errors. qemu-aarch64 7.2 does not translate these calls, so the
 * oracle is the host kernel itself running a native build of this program.
 * Files live in /dev/shm: tmpfs in both worlds. */
#include "../conformance.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef RWF_NOAPPEND
#define RWF_NOAPPEND 0x20
#endif

static const char *path = "/dev/shm/conf-rwv2";

/* Every argument as a long: the kernel reads whole registers. */
static long pv2(long nr, long fd, struct iovec *iov, long cnt, long off, long flags)
{
	return syscall(nr, fd, iov, cnt, off, 0L, flags);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	char a[4] = "abcd", b[3] = "xyz", r1[3], r2[8];
	struct iovec w[2] = { { a, 4 }, { b, 3 } };
	EXPECT_EQ("pwritev2 at 0", pv2(SYS_pwritev2, fd, w, 2, 0, 0), 7);
	EXPECT_EQ("offset untouched", lseek(fd, 0, SEEK_CUR), 0);
	EXPECT_EQ("pwritev2 -1 (file offset)", pv2(SYS_pwritev2, fd, w, 1, -1, 0), 4);
	EXPECT_EQ("offset moved", lseek(fd, 0, SEEK_CUR), 4);
	EXPECT_EQ("pwritev2 RWF_DSYNC", pv2(SYS_pwritev2, fd, w + 1, 1, 7, RWF_DSYNC), 3);
	EXPECT_EQ("pwritev2 RWF_SYNC", pv2(SYS_pwritev2, fd, w + 1, 1, 10, RWF_SYNC), 3);
	EXPECT_EQ("pwritev2 RWF_HIPRI", pv2(SYS_pwritev2, fd, w, 1, 13, RWF_HIPRI), 4);
	EXPECT_EQ("pwritev2 RWF_APPEND at 0", pv2(SYS_pwritev2, fd, w + 1, 1, 0, RWF_APPEND), 3);
	EXPECT_EQ("size after append", lseek(fd, 0, SEEK_END), 20);
	EXPECT_EQ("lseek 2", lseek(fd, 2, SEEK_SET), 2);
	EXPECT_EQ("pwritev2 RWF_APPEND -1", pv2(SYS_pwritev2, fd, w + 1, 1, -1, RWF_APPEND), 3);
	EXPECT_EQ("offset after RWF_APPEND -1", lseek(fd, 0, SEEK_CUR), 23);

	struct iovec rv[2] = { { r1, 3 }, { r2, 8 } };
	EXPECT_EQ("preadv2 at 0", pv2(SYS_preadv2, fd, rv, 2, 0, 0), 11);
	EXPECT_TRUE("preadv2 data", memcmp(r1, "abc", 3) == 0 && memcmp(r2, "dxyzxyzx", 8) == 0);
	EXPECT_EQ("lseek 4", lseek(fd, 4, SEEK_SET), 4);
	EXPECT_EQ("preadv2 -1", pv2(SYS_preadv2, fd, rv, 1, -1, 0), 3);
	EXPECT_TRUE("preadv2 -1 data", memcmp(r1, "xyz", 3) == 0);
	EXPECT_EQ("offset after preadv2 -1", lseek(fd, 0, SEEK_CUR), 7);
	EXPECT_EQ("preadv2 RWF_HIPRI", pv2(SYS_preadv2, fd, rv, 1, 0, RWF_HIPRI), 3);
	EXPECT_EQ("preadv2 RWF_DSYNC|RWF_APPEND ignored on reads", pv2(SYS_preadv2, fd, rv, 1, 0, RWF_DSYNC | RWF_APPEND), 3);
	EXPECT_EQ("preadv2 at EOF", pv2(SYS_preadv2, fd, rv, 2, 100, 0), 0);
	/* tmpfs cannot promise not to wait: RWF_NOWAIT is refused there. */
	EXPECT_ERR("preadv2 RWF_NOWAIT on tmpfs", pv2(SYS_preadv2, fd, rv, 1, 0, RWF_NOWAIT), EOPNOTSUPP);
	EXPECT_EQ("pwritev2 RWF_NOAPPEND", pv2(SYS_pwritev2, fd, w, 1, 0, RWF_NOAPPEND), 4);
	int app = open(path, O_WRONLY | O_APPEND);
	EXPECT_EQ("pwritev2 RWF_NOAPPEND on O_APPEND writes at 0", pv2(SYS_pwritev2, app, w + 1, 1, 0, RWF_NOAPPEND), 3);
	EXPECT_EQ("size unchanged", lseek(fd, 0, SEEK_END), 23);
	EXPECT_EQ("pwritev2 on O_APPEND at 0 appends", pv2(SYS_pwritev2, app, w + 1, 1, 0, 0), 3);
	EXPECT_EQ("size grew", lseek(fd, 0, SEEK_END), 26);
	close(app);

	EXPECT_ERR("preadv2 unknown flag", pv2(SYS_preadv2, fd, rv, 1, 0, 0x10000), EOPNOTSUPP);
	EXPECT_ERR("pwritev2 unknown flag", pv2(SYS_pwritev2, fd, w, 1, 0, 0x10000), EOPNOTSUPP);
	EXPECT_ERR("pwritev2 RWF_ATOMIC on tmpfs", pv2(SYS_pwritev2, fd, w, 1, 0, 0x40), EOPNOTSUPP);
	EXPECT_ERR("preadv2 RWF_ATOMIC", pv2(SYS_preadv2, fd, rv, 1, 0, 0x40), EOPNOTSUPP);
	EXPECT_ERR("pwritev2 APPEND|NOAPPEND", pv2(SYS_pwritev2, fd, w, 1, 0, RWF_APPEND | RWF_NOAPPEND), EINVAL);
	EXPECT_EQ("preadv2 unknown flag, empty iov", pv2(SYS_preadv2, fd, rv, 0, 0, 0x10000), 0);
	EXPECT_ERR("preadv2 offset -2", pv2(SYS_preadv2, fd, rv, 1, -2, 0), EINVAL);
	EXPECT_ERR("preadv2 offset -2 bad fd", pv2(SYS_preadv2, 99, rv, 1, -2, 0), EINVAL);
	EXPECT_ERR("preadv2 bad fd", pv2(SYS_preadv2, 99, rv, 1, 0, 0), EBADF);
	EXPECT_ERR("preadv2 bad fd, iovcnt 1025", pv2(SYS_preadv2, 99, rv, 1025, 0, 0), EBADF);
	EXPECT_ERR("preadv2 iovcnt 1025", pv2(SYS_preadv2, fd, rv, 1025, 0, 0), EINVAL);
	EXPECT_ERR("preadv2 iovcnt -1", pv2(SYS_preadv2, fd, rv, -1, 0, 0), EINVAL);
	EXPECT_ERR("preadv2 bad iov", pv2(SYS_preadv2, fd, (struct iovec *)8, 1, 0, 0), EFAULT);
	struct iovec neg = { r1, (size_t)-1 };
	EXPECT_ERR("preadv2 negative iov_len", pv2(SYS_preadv2, fd, &neg, 1, 0, 0), EINVAL);
	int ro = open(path, O_RDONLY);
	EXPECT_ERR("pwritev2 on O_RDONLY", pv2(SYS_pwritev2, ro, w, 1, 0, 0), EBADF);
	EXPECT_ERR("pwritev2 on O_RDONLY, unknown flag", pv2(SYS_pwritev2, ro, w, 1, 0, 0x10000), EBADF);
	close(ro);
	int dir = open("/dev/shm", O_RDONLY | O_DIRECTORY);
	EXPECT_ERR("preadv2 on a directory", pv2(SYS_preadv2, dir, rv, 1, 0, 0), EISDIR);
	close(dir);

	int p[2];
	EXPECT_EQ("pipe2 nonblock", pipe2(p, O_NONBLOCK), 0);
	EXPECT_ERR("preadv2 pipe at 0", pv2(SYS_preadv2, p[0], rv, 1, 0, 0), ESPIPE);
	EXPECT_ERR("pwritev2 pipe at 0", pv2(SYS_pwritev2, p[1], w, 1, 0, 0), ESPIPE);
	EXPECT_ERR("pwritev2 pipe at 0, unknown flag", pv2(SYS_pwritev2, p[1], w, 1, 0, 0x10000), ESPIPE);
	EXPECT_ERR("preadv2 empty pipe", pv2(SYS_preadv2, p[0], rv, 1, -1, 0), EAGAIN);
	EXPECT_EQ("pwritev2 pipe -1", pv2(SYS_pwritev2, p[1], w, 2, -1, 0), 7);
	EXPECT_EQ("preadv2 pipe -1", pv2(SYS_preadv2, p[0], rv, 2, -1, 0), 7);
	close(p[0]);
	close(p[1]);
	EXPECT_EQ("pipe2 blocking", pipe2(p, 0), 0);
	EXPECT_ERR("preadv2 RWF_NOWAIT empty blocking pipe", pv2(SYS_preadv2, p[0], rv, 1, -1, RWF_NOWAIT), EAGAIN);
	EXPECT_EQ("pwritev2 RWF_NOWAIT pipe", pv2(SYS_pwritev2, p[1], w, 1, -1, RWF_NOWAIT), 4);
	EXPECT_EQ("preadv2 RWF_NOWAIT pipe with data", pv2(SYS_preadv2, p[0], rv, 1, -1, RWF_NOWAIT), 3);
	EXPECT_EQ("preadv2 RWF_HIPRI pipe", pv2(SYS_preadv2, p[0], rv, 1, -1, RWF_HIPRI), 1);
	close(p[0]);
	EXPECT_ERR("pwritev2 pipe without reader", pv2(SYS_pwritev2, p[1], w, 1, -1, 0), EPIPE);
	close(p[1]);
	/* With flags the fast path leaves to the kernel's actor, a read of an empty pipe still waits for a writer. */
	EXPECT_EQ("pipe2 blocking", pipe2(p, 0), 0);
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		struct timespec ts = { 0, 200 * 1000000L };
		nanosleep(&ts, NULL);
		write(p[1], "late", 4);
		_exit(0);
	}
	EXPECT_EQ("preadv2 RWF_APPEND on an empty pipe waits", pv2(SYS_preadv2, p[0], rv, 2, -1, RWF_APPEND), 4);
	waitpid(child, NULL, 0);
	close(p[0]);
	close(p[1]);
	int zero = open("/dev/zero", O_RDWR);
	EXPECT_EQ("preadv2 RWF_NOWAIT /dev/zero", pv2(SYS_preadv2, zero, rv, 1, -1, RWF_NOWAIT), 3);
	EXPECT_EQ("pwritev2 /dev/zero at 5", pv2(SYS_pwritev2, zero, w, 1, 5, 0), 4);
	close(zero);
	/* RLIMIT_FSIZE (SIGXFSZ ignored): pwritev2 stops at the limit, wherever RWF_APPEND puts the write. */
	fflush(stdout);
	child = fork();
	if (child == 0) {
		signal(SIGXFSZ, SIG_IGN);
		struct rlimit rl = { 10, 10 };
		setrlimit(RLIMIT_FSIZE, &rl);
		ftruncate(fd, 8);
		struct iovec big = { "0123456789", 10 };
		EXPECT_EQ("pwritev2 cut at RLIMIT_FSIZE", pv2(SYS_pwritev2, fd, &big, 1, 4, 0), 6);
		EXPECT_ERR("pwritev2 at RLIMIT_FSIZE", pv2(SYS_pwritev2, fd, &big, 1, 10, 0), EFBIG);
		EXPECT_ERR("pwritev2 RWF_APPEND at the limit", pv2(SYS_pwritev2, fd, &big, 1, 0, RWF_APPEND), EFBIG);
		EXPECT_EQ("pwritev2 below it", pv2(SYS_pwritev2, fd, &big, 1, 0, 0), 10);
		fflush(stdout);
		_exit(conf_failures ? 1 : 0);
	}
	int status = 0;
	waitpid(child, &status, 0);
	EXPECT_TRUE("RLIMIT_FSIZE child passed", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
	unlink(path);
	return conf_exit();
}
