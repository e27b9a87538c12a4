/* The descriptor table: dup, dup3, fcntl's descriptor and status commands
 * (F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL,
 * F_GETPIPE_SZ, F_SETPIPE_SZ), pipe2 and the generic ioctls (FIOCLEX,
 * FIONCLEX, FIONBIO, FIONREAD), with each documented errno a guest can
 * provoke, EMFILE through RLIMIT_NOFILE. Files live in a private mkdtemp dir. */
#include "conformance.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static char path[96];

static int is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

static void dups(void)
{
	int fd = open(path, O_RDWR);
	int d = dup(fd);
	EXPECT_TRUE("dup gives a new descriptor", d >= 0 && d != fd);
	EXPECT_EQ("dup has no FD_CLOEXEC", fcntl(d, F_GETFD), 0);
	EXPECT_EQ("write through the dup", write(d, "ab", 2), 2);
	EXPECT_EQ("the offset is shared", lseek(fd, 0, SEEK_CUR), 2);
	close(d);
	EXPECT_ERR("dup bad fd", dup(99), EBADF);
	EXPECT_ERR("dup fd -1", dup(-1), EBADF);
	int pa = open(path, O_PATH);
	d = dup(pa);
	EXPECT_TRUE("dup of an O_PATH descriptor", d >= 0);
	close(d);

	EXPECT_EQ("dup3 to 50 O_CLOEXEC", dup3(fd, 50, O_CLOEXEC), 50);
	EXPECT_EQ("dup3 sets FD_CLOEXEC", fcntl(50, F_GETFD), FD_CLOEXEC);
	EXPECT_EQ("dup3 over an open descriptor", dup3(pa, 50, 0), 50);
	EXPECT_EQ("the replaced one lost FD_CLOEXEC", fcntl(50, F_GETFD), 0);
	EXPECT_ERR("50 is now the O_PATH file", write(50, "x", 1), EBADF);
	EXPECT_ERR("dup3 same fd", dup3(fd, fd, 0), EINVAL);
	EXPECT_ERR("dup3 bad flag", dup3(fd, 51, O_NONBLOCK), EINVAL);
	EXPECT_ERR("dup3 bad oldfd", dup3(99, 51, 0), EBADF);
	EXPECT_ERR("dup3 newfd -1", dup3(fd, -1, 0), EBADF);
	EXPECT_TRUE("51 not opened by the failures", !is_open(51));
	EXPECT_EQ("dup2 same fd is a no-op", dup2(fd, fd), fd);
	EXPECT_ERR("dup2 same bad fd", dup2(99, 99), EBADF);
	close(50);
	close(pa);
	close(fd);
}

static void fcntls(void)
{
	int fd = open(path, O_RDWR);
	EXPECT_EQ("F_DUPFD 20", fcntl(fd, F_DUPFD, 20), 20);
	EXPECT_EQ("F_DUPFD 20 again takes the next", fcntl(fd, F_DUPFD, 20), 21);
	EXPECT_EQ("F_DUPFD gives no FD_CLOEXEC", fcntl(20, F_GETFD), 0);
	EXPECT_EQ("F_DUPFD_CLOEXEC 20", fcntl(fd, F_DUPFD_CLOEXEC, 20), 22);
	EXPECT_EQ("F_DUPFD_CLOEXEC sets it", fcntl(22, F_GETFD), FD_CLOEXEC);
	EXPECT_OK("F_SETFD 0", fcntl(22, F_SETFD, 0));
	EXPECT_EQ("F_GETFD after clearing", fcntl(22, F_GETFD), 0);
	EXPECT_OK("F_SETFD keeps only FD_CLOEXEC", fcntl(22, F_SETFD, 0xff));
	EXPECT_EQ("F_GETFD after 0xff", fcntl(22, F_GETFD), FD_CLOEXEC);
	EXPECT_EQ("FD_CLOEXEC is per descriptor", fcntl(20, F_GETFD), 0);
	close(20);
	close(21);
	close(22);
	EXPECT_ERR("F_DUPFD negative", fcntl(fd, F_DUPFD, -1), EINVAL);
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	EXPECT_ERR("F_DUPFD at RLIMIT_NOFILE", fcntl(fd, F_DUPFD, (int)rl.rlim_cur), EINVAL);
	EXPECT_ERR("F_DUPFD bad fd", fcntl(99, F_DUPFD, 0), EBADF);
	EXPECT_ERR("F_GETFD bad fd", fcntl(99, F_GETFD), EBADF);
	EXPECT_ERR("unknown command", fcntl(fd, 9999), EINVAL);

	EXPECT_EQ("F_GETFL", fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK), O_RDWR);
	EXPECT_OK("F_SETFL O_APPEND|O_NONBLOCK", fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK));
	EXPECT_EQ("F_GETFL after", fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK), O_RDWR | O_APPEND | O_NONBLOCK);
	EXPECT_OK("F_SETFL ignores the access mode and creation flags", fcntl(fd, F_SETFL, O_WRONLY | O_CREAT | O_TRUNC | O_EXCL));
	EXPECT_EQ("F_GETFL unchanged mode", fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK | O_CREAT | O_TRUNC), O_RDWR);
	lseek(fd, 0, SEEK_SET);
	fcntl(fd, F_SETFL, O_APPEND);
	write(fd, "Z", 1);
	EXPECT_EQ("O_APPEND set by F_SETFL appends", lseek(fd, 0, SEEK_CUR), 5);
	close(fd);

	int pa = open(path, O_PATH);
	EXPECT_EQ("F_GETFL O_PATH", fcntl(pa, F_GETFL) & O_PATH, O_PATH);
	EXPECT_OK("F_SETFD on O_PATH", fcntl(pa, F_SETFD, FD_CLOEXEC));
	EXPECT_ERR("F_SETFL on O_PATH", fcntl(pa, F_SETFL, O_NONBLOCK), EBADF);
	EXPECT_ERR("F_GETPIPE_SZ on O_PATH", fcntl(pa, F_GETPIPE_SZ), EBADF);
	int d = fcntl(pa, F_DUPFD, 0);
	EXPECT_TRUE("F_DUPFD on O_PATH", d >= 0);
	close(d);
	close(pa);
}

static void pipe_sizes(void)
{
	int p[2];
	pipe(p);
	EXPECT_EQ("F_GETPIPE_SZ default", fcntl(p[0], F_GETPIPE_SZ), 65536);
	EXPECT_EQ("F_SETPIPE_SZ 5000 rounds up", fcntl(p[1], F_SETPIPE_SZ, 5000), 8192);
	EXPECT_EQ("F_GETPIPE_SZ from the other end", fcntl(p[0], F_GETPIPE_SZ), 8192);
	EXPECT_EQ("F_SETPIPE_SZ 0 gives one page", fcntl(p[1], F_SETPIPE_SZ, 0), 4096);
	EXPECT_EQ("F_SETPIPE_SZ 70000 rounds to a power of two", fcntl(p[1], F_SETPIPE_SZ, 70000), 131072);
	static char buf[20000];
	EXPECT_EQ("write 20000", write(p[1], buf, sizeof buf), 20000);
	EXPECT_ERR("F_SETPIPE_SZ below the contents", fcntl(p[1], F_SETPIPE_SZ, 4096), EBUSY);
	EXPECT_EQ("F_SETPIPE_SZ to fit the contents", fcntl(p[1], F_SETPIPE_SZ, 32768), 32768);
	EXPECT_EQ("contents kept", read(p[0], buf, sizeof buf), 20000);
	EXPECT_ERR("F_SETPIPE_SZ above 2^31", fcntl(p[1], F_SETPIPE_SZ, 0x80000001), EINVAL);
	EXPECT_ERR("F_SETPIPE_SZ negative", fcntl(p[1], F_SETPIPE_SZ, -1), EINVAL);
	int fd = open(path, O_RDONLY);
	EXPECT_ERR("F_GETPIPE_SZ on a file", fcntl(fd, F_GETPIPE_SZ), EBADF);
	EXPECT_ERR("F_SETPIPE_SZ on a file", fcntl(fd, F_SETPIPE_SZ, 4096), EBADF);
	close(fd);

	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (setuid(65534) != 0)
			printf("setuid failed\n");
		EXPECT_ERR("nobody: F_SETPIPE_SZ above pipe-max-size", fcntl(p[1], F_SETPIPE_SZ, 2 * 1048576), EPERM);
		EXPECT_EQ("nobody: F_SETPIPE_SZ at pipe-max-size", fcntl(p[1], F_SETPIPE_SZ, 1048576), 1048576);
		fflush(stdout);
		_exit(conf_failures ? 1 : 0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	EXPECT_TRUE("child checks passed", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(p[0]);
	close(p[1]);
}

static void pipes_and_limits(void)
{
	EXPECT_ERR("pipe2 bad array", syscall(SYS_pipe2, (void *)1, 0), EFAULT);
	int p[2];
	EXPECT_OK("pipe2 O_CLOEXEC", pipe2(p, O_CLOEXEC));
	EXPECT_TRUE("both ends close-on-exec", fcntl(p[0], F_GETFD) == FD_CLOEXEC && fcntl(p[1], F_GETFD) == FD_CLOEXEC);
	EXPECT_EQ("read end is O_RDONLY", fcntl(p[0], F_GETFL) & O_ACCMODE, O_RDONLY);
	EXPECT_EQ("write end is O_WRONLY", fcntl(p[1], F_GETFL) & O_ACCMODE, O_WRONLY);
	close(p[0]);
	close(p[1]);

	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		/* Fill the table up to a limit of 32, then free one descriptor (qemu-user
		 * holds a few of its own, so the numbers themselves are not printed). */
		struct rlimit rl = { 32, 32 };
		setrlimit(RLIMIT_NOFILE, &rl);
		int last = -1, fd;
		while ((fd = open(path, O_RDONLY)) >= 0)
			last = fd;
		EXPECT_TRUE("the table fills", last > 2 && errno == EMFILE);
		close(last);
		EXPECT_ERR("pipe2 with one free descriptor", pipe(p), EMFILE);
		EXPECT_TRUE("the free one is left by the failed pipe2", !is_open(last));
		EXPECT_EQ("dup takes the last", dup(0), last);
		EXPECT_ERR("dup with a full table", dup(0), EMFILE);
		EXPECT_ERR("F_DUPFD with a full table", fcntl(0, F_DUPFD, 0), EMFILE);
		EXPECT_ERR("F_DUPFD_CLOEXEC with a full table", fcntl(0, F_DUPFD_CLOEXEC, 3), EMFILE);
		EXPECT_ERR("open with a full table", open(path, O_RDONLY), EMFILE);
		EXPECT_ERR("eventfd2 with a full table", eventfd(0, 0), EMFILE);
		EXPECT_ERR("epoll_create1 with a full table", epoll_create1(0), EMFILE);
		EXPECT_ERR("inotify_init1 with a full table", inotify_init1(0), EMFILE);
		EXPECT_ERR("timerfd_create with a full table", timerfd_create(CLOCK_MONOTONIC, 0), EMFILE);
		EXPECT_ERR("memfd_create with a full table", memfd_create("x", 0), EMFILE);
		EXPECT_EQ("dup3 into an open slot still works", dup3(0, last, 0), last);
		fflush(stdout);
		_exit(conf_failures ? 1 : 0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	EXPECT_TRUE("child checks passed", WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void ioctls(void)
{
	int fd = open(path, O_RDWR);
	int n = -1;
	EXPECT_OK("FIOCLEX", ioctl(fd, FIOCLEX));
	EXPECT_EQ("FIOCLEX sets FD_CLOEXEC", fcntl(fd, F_GETFD), FD_CLOEXEC);
	EXPECT_OK("FIONCLEX", ioctl(fd, FIONCLEX));
	EXPECT_EQ("FIONCLEX clears it", fcntl(fd, F_GETFD), 0);
	n = 1;
	EXPECT_OK("FIONBIO 1", ioctl(fd, FIONBIO, &n));
	EXPECT_TRUE("FIONBIO sets O_NONBLOCK", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
	n = 0;
	EXPECT_OK("FIONBIO 0", ioctl(fd, FIONBIO, &n));
	EXPECT_TRUE("FIONBIO clears O_NONBLOCK", (fcntl(fd, F_GETFL) & O_NONBLOCK) == 0);
	EXPECT_ERR("FIONBIO bad pointer", ioctl(fd, FIONBIO, (void *)1), EFAULT);
	lseek(fd, 1, SEEK_SET);
	EXPECT_OK("FIONREAD on a regular file", ioctl(fd, FIONREAD, &n));
	EXPECT_EQ("FIONREAD is size minus position", n, 4);
	EXPECT_ERR("FIONREAD bad pointer", ioctl(fd, FIONREAD, (void *)1), EFAULT);
	struct termios t;
	EXPECT_ERR("TCGETS on a file", ioctl(fd, TCGETS, &t), ENOTTY);
	EXPECT_ERR("TIOCGWINSZ on a file", ioctl(fd, TIOCGWINSZ, &t), ENOTTY);
	EXPECT_ERR("ioctl bad fd", ioctl(99, FIONREAD, &n), EBADF);
	EXPECT_ERR("FIOCLEX bad fd", ioctl(99, FIOCLEX), EBADF);
	close(fd);
	int pa = open(path, O_PATH);
	EXPECT_ERR("ioctl on O_PATH", ioctl(pa, FIONREAD, &n), EBADF);
	close(pa);
	int p[2];
	pipe(p);
	write(p[1], "abc", 3);
	EXPECT_OK("FIONREAD on a pipe", ioctl(p[0], FIONREAD, &n));
	EXPECT_EQ("FIONREAD pipe bytes", n, 3);
	EXPECT_ERR("TCGETS on a pipe", ioctl(p[0], TCGETS, &t), ENOTTY);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	char dir[64] = "/tmp/conf-fds-XXXXXX";
	if (!mkdtemp(dir)) {
		printf("mkdtemp failed\n");
		return 1;
	}
	snprintf(path, sizeof path, "%s/f", dir);
	int fd = open(path, O_RDWR | O_CREAT, 0644);
	write(fd, "data", 4);
	close(fd);
	dups();
	fcntls();
	pipe_sizes();
	pipes_and_limits();
	ioctls();
	unlink(path);
	EXPECT_OK("temp dir empty at the end", rmdir(dir));
	return conf_exit();
}
