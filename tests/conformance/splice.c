/* Moving data between descriptors: sendfile, splice, tee, vmsplice and
 * copy_file_range over tmpfs files, pipes, /dev/null and /dev/zero, with
 * offsets, SPLICE_F_NONBLOCK and the documented errors.
 * Files live in /dev/shm: tmpfs both here and under the oracle. */
#include "conformance.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *src_path = "/dev/shm/conf-splice-src";
static const char *dst_path = "/dev/shm/conf-splice-dst";

static int make_src(void)
{
	int fd = open(src_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	write(fd, "0123456789abcdefghij", 20);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static int pending(int fd)
{
	int n = -1;
	ioctl(fd, FIONREAD, &n);
	return n;
}

static void show_read(const char *label, int fd, size_t n)
{
	char buf[64] = { 0 };
	errno = 0;
	long r = read(fd, buf, n < sizeof buf ? n : sizeof buf - 1);
	if (r < 0)
		printf("%s: -1 %s\n", label, conf_errname(errno));
	else
		printf("%s: %ld \"%s\"\n", label, r, buf);
}

static void sendfiles(void)
{
	int src = make_src();
	int dst = open(dst_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	off_t off = 5;
	EXPECT_EQ("sendfile file->file at offset 5", sendfile(dst, src, &off, 6), 6);
	EXPECT_EQ("offset updated", off, 11);
	EXPECT_EQ("src position untouched", lseek(src, 0, SEEK_CUR), 0);
	EXPECT_EQ("dst position advanced", lseek(dst, 0, SEEK_CUR), 6);
	EXPECT_EQ("sendfile NULL offset", sendfile(dst, src, NULL, 4), 4);
	EXPECT_EQ("src position advanced", lseek(src, 0, SEEK_CUR), 4);
	lseek(dst, 0, SEEK_SET);
	show_read("dst contents", dst, 10);
	off = 18;
	EXPECT_EQ("sendfile near EOF", sendfile(dst, src, &off, 100), 2);
	EXPECT_EQ("offset at EOF", off, 20);
	EXPECT_EQ("sendfile at EOF", sendfile(dst, src, &off, 100), 0);
	EXPECT_EQ("sendfile count 0", sendfile(dst, src, NULL, 0), 0);

	int p[2];
	pipe(p);
	off = 10;
	EXPECT_EQ("sendfile file->pipe", sendfile(p[1], src, &off, 5), 5);
	show_read("pipe got", p[0], 5);
	int null = open("/dev/null", O_RDWR);
	int zero = open("/dev/zero", O_RDONLY);
	off = 0;
	EXPECT_EQ("sendfile file->/dev/null", sendfile(null, src, &off, 20), 20);
	EXPECT_EQ("sendfile /dev/zero->pipe", sendfile(p[1], zero, NULL, 8), 8);
	EXPECT_EQ("pipe holds zeros", pending(p[0]), 8);
	char z[8];
	read(p[0], z, 8);
	EXPECT_EQ("sendfile /dev/zero->file", sendfile(dst, zero, NULL, 8), 8);
	write(p[1], "xy", 2);
	EXPECT_ERR("sendfile pipe->file", sendfile(dst, p[0], NULL, 2), EINVAL);
	EXPECT_ERR("sendfile pipe->pipe", sendfile(p[1], p[0], NULL, 2), EINVAL);
	read(p[0], z, 2);

	EXPECT_ERR("sendfile bad in fd", sendfile(dst, 99, NULL, 1), EBADF);
	EXPECT_ERR("sendfile bad out fd", sendfile(99, src, NULL, 1), EBADF);
	int wo = open(src_path, O_WRONLY);
	int ro = open(dst_path, O_RDONLY);
	EXPECT_ERR("sendfile in not readable", sendfile(dst, wo, NULL, 1), EBADF);
	EXPECT_ERR("sendfile out not writable", sendfile(ro, src, NULL, 1), EBADF);
	EXPECT_ERR("sendfile bad offset ptr", sendfile(dst, src, (off_t *)8, 1), EFAULT);
	off = -1;
	EXPECT_ERR("sendfile negative offset", sendfile(dst, src, &off, 1), EINVAL);
	off = 0;
	EXPECT_ERR("sendfile offset with pipe in", sendfile(dst, p[0], &off, 1), ESPIPE);
	int app = open(dst_path, O_WRONLY | O_APPEND);
	EXPECT_ERR("sendfile to O_APPEND", sendfile(app, src, &off, 1), EINVAL);
	int dir = open("/dev/shm", O_RDONLY | O_DIRECTORY);
	EXPECT_ERR("sendfile from dir", sendfile(dst, dir, NULL, 1), EINVAL);
	int nb[2];
	pipe2(nb, O_NONBLOCK);
	char big[65536];
	memset(big, 'b', sizeof big);
	write(nb[1], big, sizeof big);
	off = 0;
	EXPECT_ERR("sendfile to full nonblocking pipe", sendfile(nb[1], src, &off, 5), EAGAIN);
	close(nb[0]);
	EXPECT_ERR("sendfile to pipe without reader", sendfile(nb[1], src, &off, 5), EPIPE);
	close(nb[1]);
	close(app);
	close(dir);
	close(wo);
	close(ro);
	close(null);
	close(zero);
	close(p[0]);
	close(p[1]);
	close(src);
	close(dst);
}

static void splices(void)
{
	int src = make_src();
	int dst = open(dst_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	int p[2], q[2];
	pipe(p);
	pipe(q);
	loff_t off = 3;
	EXPECT_EQ("splice file->pipe at 3", splice(src, &off, p[1], NULL, 4, 0), 4);
	EXPECT_EQ("off_in updated", off, 7);
	EXPECT_EQ("src position untouched", lseek(src, 0, SEEK_CUR), 0);
	EXPECT_EQ("splice file->pipe NULL off", splice(src, NULL, p[1], NULL, 2, 0), 2);
	EXPECT_EQ("src position advanced", lseek(src, 0, SEEK_CUR), 2);
	EXPECT_EQ("pipe holds 6", pending(p[0]), 6);
	off = 100;
	EXPECT_EQ("splice pipe->file at 100", splice(p[0], NULL, dst, &off, 3, 0), 3);
	EXPECT_EQ("off_out updated", off, 103);
	EXPECT_EQ("dst position untouched", lseek(dst, 0, SEEK_CUR), 0);
	EXPECT_EQ("splice pipe->file NULL off", splice(p[0], NULL, dst, NULL, 100, 0), 3);
	EXPECT_EQ("dst position advanced", lseek(dst, 0, SEEK_CUR), 3);
	lseek(dst, 0, SEEK_SET);
	show_read("dst head", dst, 3);
	char buf[8];
	EXPECT_EQ("pread dst at 100", pread(dst, buf, 3, 100), 3);
	EXPECT_TRUE("spliced bytes", memcmp(buf, "345", 3) == 0);

	/* pipe -> pipe */
	write(p[1], "hello", 5);
	EXPECT_EQ("splice pipe->pipe", splice(p[0], NULL, q[1], NULL, 3, 0), 3);
	EXPECT_EQ("source pipe left", pending(p[0]), 2);
	show_read("target pipe", q[0], 10);
	EXPECT_EQ("splice pipe->pipe rest", splice(p[0], NULL, q[1], NULL, 100, 0), 2);
	show_read("target pipe rest", q[0], 10);

	/* /dev/null and /dev/zero */
	int null = open("/dev/null", O_RDWR);
	int zero = open("/dev/zero", O_RDWR);
	write(p[1], "abc", 3);
	EXPECT_EQ("splice pipe->/dev/null", splice(p[0], NULL, null, NULL, 10, 0), 3);
	EXPECT_EQ("splice /dev/zero->pipe", splice(zero, NULL, p[1], NULL, 10, 0), 10);
	EXPECT_EQ("splice pipe->/dev/zero", splice(p[0], NULL, zero, NULL, 10, 0), 10);
	EXPECT_ERR("splice /dev/null->pipe", splice(null, NULL, p[1], NULL, 10, 0), EINVAL);

	/* Empty pipes and SPLICE_F_NONBLOCK */
	EXPECT_ERR("splice empty pipe NONBLOCK", splice(p[0], NULL, dst, NULL, 10, SPLICE_F_NONBLOCK), EAGAIN);
	EXPECT_ERR("splice empty pipe->pipe NONBLOCK", splice(p[0], NULL, q[1], NULL, 10, SPLICE_F_NONBLOCK), EAGAIN);
	int nb[2];
	pipe2(nb, O_NONBLOCK);
	EXPECT_ERR("splice empty O_NONBLOCK pipe", splice(nb[0], NULL, dst, NULL, 10, 0), EAGAIN);
	close(nb[1]);
	EXPECT_EQ("splice pipe without writers", splice(nb[0], NULL, dst, NULL, 10, 0), 0);
	close(nb[0]);
	EXPECT_EQ("splice len 0", splice(p[0], NULL, dst, NULL, 0, 0), 0);

	/* Errors */
	EXPECT_ERR("splice bad flags", splice(p[0], NULL, dst, NULL, 1, 0x10), EINVAL);
	EXPECT_ERR("splice bad in fd", splice(99, NULL, dst, NULL, 1, 0), EBADF);
	EXPECT_ERR("splice bad out fd", splice(p[0], NULL, 99, NULL, 1, 0), EBADF);
	EXPECT_ERR("splice no pipe", splice(src, NULL, dst, NULL, 1, 0), EINVAL);
	off = 0;
	EXPECT_ERR("splice offset on pipe in", splice(p[0], &off, dst, NULL, 1, 0), ESPIPE);
	EXPECT_ERR("splice offset on pipe out", splice(src, NULL, p[1], &off, 1, 0), ESPIPE);
	EXPECT_ERR("splice pipe to itself", splice(p[0], NULL, p[1], NULL, 1, 0), EINVAL);
	EXPECT_ERR("splice bad off_in ptr", splice(src, (loff_t *)8, p[1], NULL, 1, 0), EFAULT);
	off = -1;
	EXPECT_ERR("splice negative off_in", splice(src, &off, p[1], NULL, 1, 0), EINVAL);
	EXPECT_ERR("splice from write end", splice(p[1], NULL, dst, NULL, 1, 0), EBADF);
	EXPECT_ERR("splice to read end", splice(src, NULL, p[0], NULL, 1, 0), EBADF);
	int app = open(dst_path, O_WRONLY | O_APPEND);
	write(p[1], "z", 1);
	EXPECT_ERR("splice to O_APPEND", splice(p[0], NULL, app, NULL, 1, 0), EINVAL);
	int dir = open("/dev/shm", O_RDONLY | O_DIRECTORY);
	EXPECT_ERR("splice from dir", splice(dir, NULL, p[1], NULL, 1, 0), EINVAL);
	read(p[0], buf, 1);
	close(q[0]);
	write(p[1], "z", 1);
	EXPECT_ERR("splice to pipe without reader", splice(p[0], NULL, q[1], NULL, 1, 0), EPIPE);
	EXPECT_ERR("splice file to pipe without reader", splice(src, NULL, q[1], NULL, 1, 0), EPIPE);
	close(app);
	close(dir);
	close(q[1]);
	close(null);
	close(zero);
	close(p[0]);
	close(p[1]);
	close(src);
	close(dst);
}

static void tees(void)
{
	int p[2], q[2], r[2];
	pipe(p);
	pipe(q);
	write(p[1], "teedata", 7);
	EXPECT_EQ("tee 4", tee(p[0], q[1], 4, 0), 4);
	EXPECT_EQ("source kept", pending(p[0]), 7);
	show_read("tee copy", q[0], 10);
	EXPECT_EQ("tee all", tee(p[0], q[1], 100, 0), 7);
	show_read("tee copy all", q[0], 10);
	show_read("source still", p[0], 10);
	EXPECT_ERR("tee empty NONBLOCK", tee(p[0], q[1], 10, SPLICE_F_NONBLOCK), EAGAIN);
	EXPECT_EQ("tee len 0", tee(p[0], q[1], 0, 0), 0);
	EXPECT_ERR("tee same pipe", tee(p[0], p[1], 10, 0), EINVAL);
	EXPECT_ERR("tee bad flags", tee(p[0], q[1], 10, 0x20), EINVAL);
	EXPECT_ERR("tee bad fd", tee(99, q[1], 10, 0), EBADF);
	EXPECT_ERR("tee bad out fd", tee(p[0], 99, 10, 0), EBADF);
	EXPECT_ERR("tee from write end", tee(p[1], q[1], 10, 0), EBADF);
	int fd = make_src();
	EXPECT_ERR("tee from file", tee(fd, q[1], 10, 0), EINVAL);
	EXPECT_ERR("tee to file", tee(p[0], fd, 10, 0), EINVAL);
	pipe(r);
	close(r[1]);
	EXPECT_EQ("tee from pipe without writers", tee(r[0], q[1], 10, 0), 0);
	close(r[0]);
	write(p[1], "x", 1);
	close(q[0]);
	EXPECT_ERR("tee to pipe without reader", tee(p[0], q[1], 10, 0), EPIPE);
	close(fd);
	close(q[1]);
	close(p[0]);
	close(p[1]);
}

static void vmsplices(void)
{
	int p[2];
	pipe(p);
	char a[] = "vm", b[] = "splice";
	struct iovec iov[2] = { { a, 2 }, { b, 6 } };
	EXPECT_EQ("vmsplice to pipe", vmsplice(p[1], iov, 2, 0), 8);
	show_read("pipe got", p[0], 20);
	write(p[1], "backout", 7);
	char x[3], y[10];
	struct iovec out[2] = { { x, 3 }, { y, 10 } };
	EXPECT_EQ("vmsplice from pipe", vmsplice(p[0], out, 2, 0), 7);
	EXPECT_TRUE("vmsplice read data", memcmp(x, "bac", 3) == 0 && memcmp(y, "kout", 4) == 0);
	EXPECT_ERR("vmsplice empty NONBLOCK", vmsplice(p[0], out, 2, SPLICE_F_NONBLOCK), EAGAIN);
	EXPECT_EQ("vmsplice 0 segments", vmsplice(p[1], iov, 0, 0), 0);
	EXPECT_ERR("vmsplice bad flags", vmsplice(p[1], iov, 1, 0x10), EINVAL);
	EXPECT_ERR("vmsplice bad fd", vmsplice(99, iov, 1, 0), EBADF);
	EXPECT_ERR("vmsplice 1025 segments", vmsplice(p[1], iov, 1025, 0), EINVAL);
	EXPECT_ERR("vmsplice bad iov", vmsplice(p[1], (struct iovec *)8, 1, 0), EFAULT);
	int fd = make_src();
	EXPECT_ERR("vmsplice to file", vmsplice(fd, iov, 1, 0), EBADF);
	int pa = open(src_path, O_PATH);
	EXPECT_ERR("vmsplice O_PATH", vmsplice(pa, iov, 1, 0), EBADF);
	int nb[2];
	pipe2(nb, O_NONBLOCK);
	/* vmsplice ignores O_NONBLOCK (only SPLICE_F_NONBLOCK counts): no blocking read here. */
	EXPECT_ERR("vmsplice O_NONBLOCK empty, SPLICE_F_NONBLOCK", vmsplice(nb[0], out, 1, SPLICE_F_NONBLOCK), EAGAIN);
	close(nb[1]);
	EXPECT_EQ("vmsplice pipe without writers", vmsplice(nb[0], out, 1, 0), 0);
	close(nb[0]);
	close(p[0]);
	EXPECT_ERR("vmsplice to pipe without reader", vmsplice(p[1], iov, 1, 0), EPIPE);
	close(pa);
	close(fd);
	close(p[1]);
}

static void copy_ranges(void)
{
	int src = make_src();
	int dst = open(dst_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	loff_t in = 2, out = 0;
	EXPECT_EQ("copy_file_range with offsets", copy_file_range(src, &in, dst, &out, 5, 0), 5);
	EXPECT_TRUE("offsets updated", in == 7 && out == 5);
	EXPECT_TRUE("file positions untouched", lseek(src, 0, SEEK_CUR) == 0 && lseek(dst, 0, SEEK_CUR) == 0);
	EXPECT_EQ("copy_file_range NULL offsets", copy_file_range(src, NULL, dst, NULL, 3, 0), 3);
	EXPECT_TRUE("file positions advanced", lseek(src, 0, SEEK_CUR) == 3 && lseek(dst, 0, SEEK_CUR) == 3);
	show_read("dst", dst, 10);
	in = 15;
	EXPECT_EQ("copy_file_range short at EOF", copy_file_range(src, &in, dst, NULL, 100, 0), 5);
	in = 20;
	EXPECT_EQ("copy_file_range at EOF", copy_file_range(src, &in, dst, NULL, 100, 0), 0);
	EXPECT_EQ("copy_file_range len 0", copy_file_range(src, NULL, dst, NULL, 0, 0), 0);
	in = 0;
	out = 100;
	EXPECT_EQ("copy_file_range extends dst", copy_file_range(src, &in, dst, &out, 4, 0), 4);
	struct stat st;
	fstat(dst, &st);
	EXPECT_EQ("dst size", st.st_size, 104);
	in = 0;
	out = 10;
	EXPECT_EQ("same file, no overlap", copy_file_range(src, &in, src, &out, 5, 0), 5);
	in = 0;
	out = 3;
	EXPECT_ERR("same file, overlap", copy_file_range(src, &in, src, &out, 5, 0), EINVAL);

	EXPECT_ERR("flags != 0", copy_file_range(src, NULL, dst, NULL, 1, 1), EINVAL);
	EXPECT_ERR("bad in fd", copy_file_range(99, NULL, dst, NULL, 1, 0), EBADF);
	EXPECT_ERR("bad out fd", copy_file_range(src, NULL, 99, NULL, 1, 0), EBADF);
	int wo = open(src_path, O_WRONLY);
	int ro = open(dst_path, O_RDONLY);
	int app = open(dst_path, O_WRONLY | O_APPEND);
	EXPECT_ERR("in not readable", copy_file_range(wo, NULL, dst, NULL, 1, 0), EBADF);
	EXPECT_ERR("out not writable", copy_file_range(src, NULL, ro, NULL, 1, 0), EBADF);
	EXPECT_ERR("out O_APPEND", copy_file_range(src, NULL, app, NULL, 1, 0), EBADF);
	in = -1;
	/* Linux checks for wrap-around first: a negative offset is EOVERFLOW here. */
	EXPECT_ERR("negative offset", copy_file_range(src, &in, dst, NULL, 1, 0), EOVERFLOW);
	EXPECT_ERR("bad offset ptr", copy_file_range(src, (loff_t *)8, dst, NULL, 1, 0), EFAULT);
	int dir = open("/dev/shm", O_RDONLY | O_DIRECTORY);
	EXPECT_ERR("from dir", copy_file_range(dir, NULL, dst, NULL, 1, 0), EISDIR);
	int p[2];
	pipe(p);
	EXPECT_ERR("from pipe", copy_file_range(p[0], NULL, dst, NULL, 1, 0), EINVAL);
	EXPECT_ERR("to pipe", copy_file_range(src, NULL, p[1], NULL, 1, 0), EINVAL);
	int tmp = open("/tmp", O_RDONLY | O_DIRECTORY);
	/* /tmp and /dev/shm are different filesystems in both worlds. */
	int other = openat(tmp, "conf-splice-other", O_RDWR | O_CREAT | O_TRUNC, 0600);
	EXPECT_ERR("across filesystems", copy_file_range(src, NULL, other, NULL, 1, 0), EXDEV);
	unlinkat(tmp, "conf-splice-other", 0);
	close(other);
	close(tmp);
	close(p[0]);
	close(p[1]);
	close(dir);
	close(app);
	close(wo);
	close(ro);
	close(src);
	close(dst);
}

/* A file of the read-only host directory (this very program) as the source. */
static void host_files(void)
{
	int bin = open("/conformance/splice", O_RDONLY);
	int dst = open(dst_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	int p[2];
	char buf[8] = { 0 };
	pipe(p);
	off_t off = 0;
	EXPECT_EQ("sendfile host file->pipe", sendfile(p[1], bin, &off, 4), 4);
	EXPECT_EQ("read it", read(p[0], buf, 4), 4);
	EXPECT_TRUE("ELF magic", memcmp(buf, "\177ELF", 4) == 0);
	loff_t lo = 1;
	EXPECT_EQ("splice host file->pipe", splice(bin, &lo, p[1], NULL, 3, 0), 3);
	EXPECT_EQ("read it", read(p[0], buf, 3), 3);
	EXPECT_TRUE("ELF", memcmp(buf, "ELF", 3) == 0);
	EXPECT_EQ("splice host file position", splice(bin, NULL, p[1], NULL, 2, 0), 2);
	EXPECT_EQ("host file position moved", lseek(bin, 0, SEEK_CUR), 2);
	off = 0;
	EXPECT_EQ("sendfile host file->tmpfs file", sendfile(dst, bin, &off, 4), 4);
	EXPECT_ERR("copy_file_range host file->tmpfs", copy_file_range(bin, NULL, dst, NULL, 4, 0), EXDEV);
	EXPECT_ERR("splice pipe->host file (read-only)", splice(p[0], NULL, bin, NULL, 2, 0), EBADF);
	close(p[0]);
	close(p[1]);
	close(dst);
	close(bin);
}

/* A child that sleeps a little, then writes to (or drains) a pipe and exits: what the parent's blocked call waits for. */
static pid_t later(int fd, const char *data, int drain)
{
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		struct timespec ts = { 0, 200 * 1000000L };
		nanosleep(&ts, NULL);
		if (drain) {
			char buf[4096];
			read(fd, buf, drain);
		} else
			write(fd, data, strlen(data));
		_exit(0);
	}
	return child;
}

/* Blocking calls wait until another process writes or drains the pipe. */
static void waits(void)
{
	int p[2], q[2];
	pipe(p);
	pipe(q);
	int dst = open(dst_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	pid_t child = later(p[1], "late", 0);
	EXPECT_EQ("splice from an empty pipe waits for data", splice(p[0], NULL, dst, NULL, 100, 0), 4);
	waitpid(child, NULL, 0);

	child = later(p[1], "tee!", 0);
	EXPECT_EQ("tee from an empty pipe waits for data", tee(p[0], q[1], 100, 0), 4);
	waitpid(child, NULL, 0);
	EXPECT_EQ("splice pipe->pipe moves it", splice(p[0], NULL, q[1], NULL, 100, 0), 4);
	show_read("both copies", q[0], 20);

	char buf[16] = { 0 };
	struct iovec iov = { buf, sizeof buf };
	child = later(p[1], "vm", 0);
	EXPECT_EQ("vmsplice from an empty pipe waits", vmsplice(p[0], &iov, 1, 0), 2);
	waitpid(child, NULL, 0);

	/* A full pipe: sendfile and splice wait for the reader to make room. */
	int src = make_src();
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	char fill[4096];
	memset(fill, 'f', sizeof fill);
	while (write(p[1], fill, sizeof fill) > 0)
		;
	fcntl(p[1], F_SETFL, 0);
	child = later(p[0], NULL, 4096);
	off_t off = 0;
	EXPECT_EQ("sendfile into a full pipe waits for room", sendfile(p[1], src, &off, 5), 5);
	waitpid(child, NULL, 0);
	child = later(p[0], NULL, 4096);
	loff_t lo = 0;
	EXPECT_EQ("splice into a full pipe waits for room", splice(src, &lo, p[1], NULL, 3, 0), 3);
	waitpid(child, NULL, 0);
	close(src);
	close(dst);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	sendfiles();
	splices();
	tees();
	vmsplices();
	copy_ranges();
	host_files();
	waits();
	unlink(src_path);
	unlink(dst_path);
	return conf_exit();
}
