/* read, write, readv, writev, pread64, pwrite64, preadv and pwritev: each
 * success path (positions, O_APPEND, iovec scatter and gather, zero counts)
 * and each documented errno a guest can provoke: EBADF (bad, wrong-mode and
 * O_PATH descriptors), EFAULT (buffers, iovec arrays, and a segment that
 * reaches past user space: Linux's import_iovec checks access_ok before the
 * man page's EINVAL for a total above SSIZE_MAX), EINVAL (negative offsets
 * and lengths, iovcnt), ESPIPE, EISDIR, EAGAIN, EPIPE and EFBIG from
 * RLIMIT_FSIZE (with SIGXFSZ ignored: the kernel does not raise SIGXFSZ yet,
 * docs/conformance-coverage.md). Files live in a private mkdtemp dir in /tmp. */
#include "conformance.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];
static char path[96];

/* preadv/pwritev take the offset as one register on arm64. */
static long pv(long nr, long fd, const struct iovec *iov, long cnt, long off)
{
	return syscall(nr, fd, iov, cnt, off, 0L);
}

static void plain(void)
{
	char buf[32];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	EXPECT_EQ("write", write(fd, "0123456789", 10), 10);
	EXPECT_EQ("write count 0", write(fd, "x", 0), 0);
	EXPECT_EQ("read at EOF", read(fd, buf, sizeof buf), 0);
	EXPECT_EQ("read count 0", read(fd, buf, 0), 0);
	EXPECT_EQ("pread64 at 2", pread(fd, buf, 3, 2), 3);
	EXPECT_TRUE("pread64 data", memcmp(buf, "234", 3) == 0);
	EXPECT_EQ("pread64 leaves the position", lseek(fd, 0, SEEK_CUR), 10);
	EXPECT_EQ("pread64 past EOF", pread(fd, buf, 3, 100), 0);
	EXPECT_EQ("pwrite64 at 12 (a hole)", pwrite(fd, "AB", 2, 12), 2);
	EXPECT_EQ("pwrite64 leaves the position", lseek(fd, 0, SEEK_CUR), 10);
	memset(buf, 'x', sizeof buf);
	EXPECT_EQ("pread64 across the hole", pread(fd, buf, 4, 10), 4);
	EXPECT_TRUE("hole reads zeros", memcmp(buf, "\0\0AB", 4) == 0);
	EXPECT_ERR("pread64 negative offset", pread(fd, buf, 1, -1), EINVAL);
	EXPECT_ERR("pwrite64 negative offset", pwrite(fd, buf, 1, -1), EINVAL);
	EXPECT_ERR("read bad buffer", syscall(SYS_read, fd, (void *)1, 4L), EFAULT);
	lseek(fd, 0, SEEK_SET);
	EXPECT_ERR("read into a NULL buffer", syscall(SYS_read, fd, NULL, 4L), EFAULT);
	EXPECT_ERR("write from a bad buffer", syscall(SYS_write, fd, (void *)1, 4L), EFAULT);
	EXPECT_ERR("pread64 bad buffer", syscall(SYS_pread64, fd, (void *)1, 4L, 0L), EFAULT);
	EXPECT_ERR("pwrite64 bad buffer", syscall(SYS_pwrite64, fd, (void *)1, 4L, 0L), EFAULT);
	close(fd);

	fd = open(path, O_WRONLY | O_APPEND);
	EXPECT_EQ("write O_APPEND", write(fd, "Z", 1), 1);
	EXPECT_EQ("O_APPEND position at the end", lseek(fd, 0, SEEK_CUR), 15);
	EXPECT_EQ("pwrite64 on O_APPEND appends (a Linux quirk)", pwrite(fd, "Y", 1, 0), 1);
	struct stat st;
	fstat(fd, &st);
	EXPECT_EQ("size after pwrite O_APPEND", st.st_size, 16);
	EXPECT_ERR("read on O_WRONLY", read(fd, buf, 1), EBADF);
	EXPECT_ERR("pread64 on O_WRONLY", pread(fd, buf, 1, 0), EBADF);
	close(fd);
	fd = open(path, O_RDONLY);
	EXPECT_ERR("write on O_RDONLY", write(fd, "x", 1), EBADF);
	EXPECT_ERR("pwrite64 on O_RDONLY", pwrite(fd, "x", 1, 0), EBADF);
	close(fd);
	fd = open(path, O_PATH);
	EXPECT_ERR("read on O_PATH", read(fd, buf, 1), EBADF);
	EXPECT_ERR("write on O_PATH", write(fd, "x", 1), EBADF);
	EXPECT_ERR("pread64 on O_PATH", pread(fd, buf, 1, 0), EBADF);
	close(fd);
	EXPECT_ERR("read bad fd", read(99, buf, 1), EBADF);
	EXPECT_ERR("write bad fd", write(99, "x", 1), EBADF);
	EXPECT_ERR("pread64 bad fd", pread(99, buf, 1, 0), EBADF);
	EXPECT_ERR("pwrite64 bad fd", pwrite(99, "x", 1, 0), EBADF);
	EXPECT_ERR("write fd -1", write(-1, "x", 1), EBADF);

	fd = open(dir, O_RDONLY | O_DIRECTORY);
	EXPECT_ERR("read a dir", read(fd, buf, 1), EISDIR);
	EXPECT_ERR("pread64 a dir", pread(fd, buf, 1, 0), EISDIR);
	EXPECT_ERR("preadv a dir", ({ struct iovec v = { buf, 1 }; pv(SYS_preadv, fd, &v, 1, 0); }), EISDIR);
	close(fd);
}

static void vectors(void)
{
	char a[4], b[8], c[16];
	struct iovec w[3] = { { "abc", 3 }, { "", 0 }, { "defgh", 5 } };
	int fd = open(path, O_RDWR | O_TRUNC);
	EXPECT_EQ("writev gathers", writev(fd, w, 3), 8);
	EXPECT_EQ("writev iovcnt 0", writev(fd, w, 0), 0);
	lseek(fd, 0, SEEK_SET);
	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	struct iovec r[2] = { { a, 2 }, { b, 8 } };
	EXPECT_EQ("readv scatters", readv(fd, r, 2), 8);
	EXPECT_TRUE("readv first", memcmp(a, "ab", 2) == 0);
	EXPECT_TRUE("readv second", memcmp(b, "cdefgh", 6) == 0);
	EXPECT_EQ("readv at EOF", readv(fd, r, 2), 0);
	EXPECT_EQ("readv iovcnt 0", readv(fd, r, 0), 0);
	struct iovec pw[2] = { { "XY", 2 }, { "Z", 1 } };
	EXPECT_EQ("pwritev at 1", pv(SYS_pwritev, fd, pw, 2, 1), 3);
	EXPECT_EQ("pwritev leaves the position", lseek(fd, 0, SEEK_CUR), 8);
	memset(c, 0, sizeof c);
	struct iovec pr[1] = { { c, sizeof c } };
	EXPECT_EQ("preadv at 0", pv(SYS_preadv, fd, pr, 1, 0), 8);
	conf_expect_str("preadv data", c, "aXYZefgh");
	EXPECT_EQ("preadv past EOF", pv(SYS_preadv, fd, pr, 1, 100), 0);

	EXPECT_ERR("readv iovcnt -1", syscall(SYS_readv, fd, r, -1L), EINVAL);
	EXPECT_ERR("writev iovcnt -1", syscall(SYS_writev, fd, w, -1L), EINVAL);
	static struct iovec many[IOV_MAX + 1];
	for (int i = 0; i <= IOV_MAX; i++)
		many[i] = (struct iovec){ c, 1 };
	EXPECT_ERR("readv iovcnt IOV_MAX+1", readv(fd, many, IOV_MAX + 1), EINVAL);
	EXPECT_ERR("writev iovcnt IOV_MAX+1", writev(fd, many, IOV_MAX + 1), EINVAL);
	EXPECT_EQ("pwritev iovcnt IOV_MAX", pv(SYS_pwritev, fd, many, IOV_MAX, 0), IOV_MAX);
	struct iovec huge[2] = { { c, SSIZE_MAX }, { c, 2 } };
	EXPECT_ERR("writev segment past user space", writev(fd, huge, 2), EFAULT);
	EXPECT_ERR("readv segment past user space", readv(fd, huge, 2), EFAULT);
	struct iovec neg[1] = { { c, (size_t)-1 } };
	EXPECT_ERR("readv negative length", readv(fd, neg, 1), EINVAL);
	EXPECT_ERR("readv bad iovec array", syscall(SYS_readv, fd, (void *)1, 1L), EFAULT);
	EXPECT_ERR("writev bad iovec array", syscall(SYS_writev, fd, (void *)1, 1L), EFAULT);
	lseek(fd, 0, SEEK_SET);
	struct iovec badbase[1] = { { (void *)1, 4 } };
	EXPECT_ERR("readv bad iov_base", readv(fd, badbase, 1), EFAULT);
	EXPECT_ERR("writev bad iov_base", writev(fd, badbase, 1), EFAULT);
	struct iovec half[2] = { { c, 2 }, { (void *)1, 4 } };
	EXPECT_EQ("writev stops at a bad second iov_base", writev(fd, half, 2), 2);
	EXPECT_ERR("preadv negative offset", pv(SYS_preadv, fd, pr, 1, -1), EINVAL);
	EXPECT_ERR("pwritev negative offset", pv(SYS_pwritev, fd, pw, 1, -1), EINVAL);
	EXPECT_ERR("preadv bad iovec array", pv(SYS_preadv, fd, (void *)1, 1, 0), EFAULT);
	EXPECT_ERR("pwritev bad iovec array", pv(SYS_pwritev, fd, (void *)1, 1, 0), EFAULT);
	EXPECT_ERR("pwritev bad iov_base", pv(SYS_pwritev, fd, badbase, 1, 0), EFAULT);
	EXPECT_ERR("preadv iovcnt IOV_MAX+1", pv(SYS_preadv, fd, many, IOV_MAX + 1, 0), EINVAL);
	EXPECT_ERR("pwritev iovcnt -1", pv(SYS_pwritev, fd, pw, -1, 0), EINVAL);
	EXPECT_ERR("preadv bad fd", pv(SYS_preadv, 99, pr, 1, 0), EBADF);
	EXPECT_ERR("pwritev bad fd", pv(SYS_pwritev, 99, pw, 1, 0), EBADF);
	EXPECT_ERR("readv bad fd", readv(99, r, 1), EBADF);
	EXPECT_ERR("writev bad fd", writev(99, w, 1), EBADF);
	close(fd);
	fd = open(path, O_RDONLY);
	EXPECT_ERR("writev on O_RDONLY", writev(fd, w, 1), EBADF);
	EXPECT_ERR("pwritev on O_RDONLY", pv(SYS_pwritev, fd, pw, 1, 0), EBADF);
	close(fd);
	fd = open(path, O_WRONLY);
	EXPECT_ERR("readv on O_WRONLY", readv(fd, r, 1), EBADF);
	EXPECT_ERR("preadv on O_WRONLY", pv(SYS_preadv, fd, pr, 1, 0), EBADF);
	close(fd);
}

static void pipes(void)
{
	int p[2];
	char buf[8];
	struct iovec v = { buf, 1 };
	EXPECT_OK("pipe2 O_NONBLOCK", pipe2(p, O_NONBLOCK));
	EXPECT_ERR("read an empty non-blocking pipe", read(p[0], buf, 1), EAGAIN);
	EXPECT_ERR("readv an empty non-blocking pipe", readv(p[0], &v, 1), EAGAIN);
	EXPECT_ERR("pread64 a pipe", pread(p[0], buf, 1, 0), ESPIPE);
	EXPECT_ERR("pwrite64 a pipe", pwrite(p[1], "x", 1, 0), ESPIPE);
	EXPECT_ERR("preadv a pipe", pv(SYS_preadv, p[0], &v, 1, 0), ESPIPE);
	EXPECT_ERR("pwritev a pipe", pv(SYS_pwritev, p[1], &v, 1, 0), ESPIPE);
	EXPECT_ERR("write the read end", write(p[0], "x", 1), EBADF);
	EXPECT_ERR("read the write end", read(p[1], buf, 1), EBADF);
	/* Fill the pipe: a non-blocking write that cannot go at all fails. */
	static char big[70000];
	long n = write(p[1], big, sizeof big);
	EXPECT_EQ("write fills a 64 KiB pipe partly", n, 65536);
	EXPECT_ERR("write a full non-blocking pipe", write(p[1], "x", 1), EAGAIN);
	struct iovec wv = { "x", 1 };
	EXPECT_ERR("writev a full non-blocking pipe", writev(p[1], &wv, 1), EAGAIN);
	EXPECT_EQ("read drains", read(p[0], big, sizeof big), 65536);
	EXPECT_EQ("write then close the writer", write(p[1], "ab", 2), 2);
	close(p[1]);
	EXPECT_EQ("read what is left", read(p[0], buf, sizeof buf), 2);
	EXPECT_EQ("read EOF once the writer is gone", read(p[0], buf, sizeof buf), 0);
	close(p[0]);

	signal(SIGPIPE, SIG_IGN);
	pipe(p);
	close(p[0]);
	EXPECT_ERR("write with no reader", write(p[1], "x", 1), EPIPE);
	EXPECT_ERR("writev with no reader", writev(p[1], &wv, 1), EPIPE);
	close(p[1]);
	signal(SIGPIPE, SIG_DFL);
}

/* RLIMIT_FSIZE in a child, SIGXFSZ ignored; its stdout is a pipe in the test harness (never a file the limit would cut). */
static void fsize(void)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGXFSZ, SIG_IGN);
		struct rlimit rl = { 10, 10 };
		setrlimit(RLIMIT_FSIZE, &rl);
		int fd = open(path, O_RDWR | O_TRUNC);
		EXPECT_EQ("write is cut at RLIMIT_FSIZE", write(fd, "0123456789ab", 12), 10);
		EXPECT_ERR("write at RLIMIT_FSIZE", write(fd, "x", 1), EFBIG);
		EXPECT_EQ("write of 0 bytes at the limit", write(fd, "x", 0), 0);
		EXPECT_ERR("pwrite64 beyond RLIMIT_FSIZE", pwrite(fd, "x", 1, 20), EFBIG);
		struct iovec v = { "x", 1 };
		EXPECT_ERR("pwritev beyond RLIMIT_FSIZE", pv(SYS_pwritev, fd, &v, 1, 10), EFBIG);
		EXPECT_ERR("writev at RLIMIT_FSIZE", writev(fd, &v, 1), EFBIG);
		EXPECT_EQ("pwrite64 below the limit", pwrite(fd, "y", 1, 3), 1);
		EXPECT_ERR("ftruncate beyond RLIMIT_FSIZE", ftruncate(fd, 11), EFBIG);
		EXPECT_OK("ftruncate shrinking", ftruncate(fd, 5));
		EXPECT_ERR("truncate beyond RLIMIT_FSIZE", truncate(path, 11), EFBIG);
		EXPECT_ERR("fallocate beyond RLIMIT_FSIZE", fallocate(fd, 0, 0, 11), EFBIG);
		EXPECT_OK("fallocate KEEP_SIZE beyond it", fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 11));
		close(fd);
		fd = open(path, O_WRONLY | O_APPEND);
		EXPECT_EQ("O_APPEND write is cut at the limit", write(fd, "0123456789", 10), 5);
		close(fd);
		int p[2];
		pipe(p);
		EXPECT_EQ("a pipe is not limited", write(p[1], "0123456789ab", 12), 12);
		/* The copying calls stop at the limit too. */
		char src[128];
		snprintf(src, sizeof src, "%s.src", path);
		int in = open(src, O_RDWR | O_CREAT | O_TRUNC, 0600);
		EXPECT_EQ("source below the limit", write(in, "abcdefgh", 8), 8);
		fd = open(path, O_RDWR | O_TRUNC);
		loff_t inoff = 0, outoff = 6;
		EXPECT_EQ("copy_file_range is cut at the limit", copy_file_range(in, &inoff, fd, &outoff, 8, 0), 4);
		inoff = 0;
		EXPECT_ERR("copy_file_range at the limit", copy_file_range(in, &inoff, fd, &outoff, 8, 0), EFBIG);
		lseek(fd, 10, SEEK_SET);
		off_t soff = 0;
		EXPECT_ERR("sendfile at the limit", sendfile(fd, in, &soff, 8), EFBIG);
		lseek(fd, 8, SEEK_SET);
		soff = 0;
		EXPECT_EQ("sendfile is cut at the limit", sendfile(fd, in, &soff, 8), 2);
		loff_t poff = 10;
		EXPECT_ERR("splice from a pipe at the limit", splice(p[0], NULL, fd, &poff, 4, 0), EFBIG);
		close(in);
		close(fd);
		unlink(src);
		fflush(stdout);
		_exit(conf_failures ? 1 : 0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	EXPECT_TRUE("child checked RLIMIT_FSIZE", WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	strcpy(dir, "/tmp/conf-rw-XXXXXX");
	if (!mkdtemp(dir)) {
		printf("mkdtemp failed\n");
		return 1;
	}
	snprintf(path, sizeof path, "%s/f", dir);
	plain();
	vectors();
	pipes();
	fsize();
	unlink(path);
	EXPECT_OK("temp dir empty at the end", rmdir(dir));
	return conf_exit();
}
