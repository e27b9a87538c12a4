/* The old termio ioctls (TCGETA, TCSETA, TCSETAW, TCSETAF: the low 16 bits of each flag word and 8 control
 * characters), TIOCVHANGUP on a pty slave (root only; the hung-up file reads end-of-file and fails writes and
 * ioctls with EIO while a new open works), and the generic file ioctls FIOQSIZE and FIGETBSZ. Native oracle: qemu-user 7.2 translates none of them right. */
#include "../conformance.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termio.h>
#include <termios.h>
#include <unistd.h>

static int master, slave;
static char slave_name[64];

static void open_pair(void)
{
	master = posix_openpt(O_RDWR | O_NOCTTY);
	grantpt(master);
	unlockpt(master);
	ptsname_r(master, slave_name, sizeof slave_name);
	slave = open(slave_name, O_RDWR | O_NOCTTY);
}

static void termio_calls(void)
{
	struct termios t;
	struct termio o;
	memset(&o, 0xAA, sizeof o);
	EXPECT_OK("TCGETA", ioctl(slave, TCGETA, &o));
	tcgetattr(slave, &t);
	EXPECT_TRUE("termio iflag is termios's low half", o.c_iflag == (t.c_iflag & 0xffff));
	EXPECT_TRUE("termio oflag", o.c_oflag == (t.c_oflag & 0xffff));
	EXPECT_TRUE("termio cflag", o.c_cflag == (t.c_cflag & 0xffff));
	EXPECT_TRUE("termio lflag", o.c_lflag == (t.c_lflag & 0xffff));
	EXPECT_TRUE("termio control characters", memcmp(o.c_cc, t.c_cc, NCC) == 0);
	EXPECT_EQ("termio VINTR", o.c_cc[VINTR], 3);
	EXPECT_OK("TCGETA on the master", ioctl(master, TCGETA, &o));

	o.c_lflag &= ~(ECHO | ICANON);
	o.c_cc[VINTR] = 7;
	EXPECT_OK("TCSETA", ioctl(slave, TCSETA, &o));
	tcgetattr(slave, &t);
	EXPECT_EQ("TCSETA cleared ECHO", t.c_lflag & ECHO, 0);
	EXPECT_EQ("TCSETA cleared ICANON", t.c_lflag & ICANON, 0);
	EXPECT_EQ("TCSETA set VINTR", t.c_cc[VINTR], 7);
	EXPECT_EQ("TCSETA kept VSUSP (past NCC)", t.c_cc[VSUSP], 26);
	o.c_lflag |= ECHO | ICANON;
	o.c_cc[VINTR] = 3;
	EXPECT_OK("TCSETAW", ioctl(slave, TCSETAW, &o));
	tcgetattr(slave, &t);
	EXPECT_TRUE("TCSETAW set ECHO", (t.c_lflag & ECHO) != 0);
	(void)!write(master, "abc\n", 4);
	usleep(50000);
	int n = -1;
	ioctl(slave, FIONREAD, &n);
	EXPECT_EQ("input waiting", n, 4);
	EXPECT_OK("TCSETAF", ioctl(slave, TCSETAF, &o));
	ioctl(slave, FIONREAD, &n);
	EXPECT_EQ("TCSETAF flushed the input", n, 0);
	EXPECT_ERR("TCGETA bad pointer", ioctl(slave, TCGETA, (void *)8), EFAULT);
	EXPECT_ERR("TCSETA bad pointer", ioctl(slave, TCSETA, (void *)8), EFAULT);
	int p[2];
	pipe(p);
	EXPECT_ERR("TCGETA on a pipe", ioctl(p[0], TCGETA, &o), ENOTTY);
	close(p[0]);
	close(p[1]);
	tcflush(master, TCIOFLUSH);
}

static void vhangup_child(void)
{
	/* A new session with the pty as controlling terminal, SIGHUP ignored as login does. */
	signal(SIGHUP, SIG_IGN);
	setsid();
	int s = open(slave_name, O_RDWR);
	EXPECT_TRUE("controlling terminal acquired", tcgetsid(s) == getpid());
	EXPECT_OK("TIOCVHANGUP as root", ioctl(s, TIOCVHANGUP));
	char c;
	EXPECT_EQ("hung-up file reads end-of-file", read(s, &c, 1), 0);
	EXPECT_ERR("hung-up file fails writes", write(s, "x", 1), EIO);
	struct termios t;
	EXPECT_ERR("hung-up file fails ioctls", tcgetattr(s, &t), EIO);
	EXPECT_ERR("hung-up TIOCSPGRP gives ENOTTY", ioctl(s, TIOCSPGRP, &(pid_t){getpid()}), ENOTTY);
	struct pollfd pf = {s, POLLIN | POLLOUT, 0};
	EXPECT_EQ("hung-up file polls", poll(&pf, 1, 0), 1);
	EXPECT_EQ("poll events", pf.revents, POLLIN | POLLOUT | POLLERR | POLLHUP);
	EXPECT_ERR("the session lost its terminal", tcgetsid(s), EIO);
	int again = open(slave_name, O_RDWR | O_NOCTTY);
	EXPECT_TRUE("the slave opens again", again >= 0);
	EXPECT_OK("the new file works", tcgetattr(again, &t));
	EXPECT_EQ("the new file writes", write(again, "y", 1), 1);
	EXPECT_ERR("the old slave descriptor is hung up too", write(slave, "x", 1), EIO);
	fflush(stdout);
	_exit(conf_failures != 0);
}

static void vhangup_calls(void)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (setuid(65534) != 0)
			printf("setuid failed\n");
		EXPECT_ERR("TIOCVHANGUP without CAP_SYS_ADMIN", ioctl(slave, TIOCVHANGUP), EPERM);
		fflush(stdout);
		_exit(conf_failures != 0);
	}
	int status;
	waitpid(pid, &status, 0);
	EXPECT_TRUE("unprivileged child passed", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	pid = fork();
	if (pid == 0)
		vhangup_child();
	waitpid(pid, &status, 0);
	EXPECT_TRUE("hang-up child passed", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	char buf[8];
	EXPECT_EQ("the master still reads the new file's output", read(master, buf, sizeof buf), 1);
}

/* vhangup(2): the same hang-up for the caller's controlling terminal. */
static void vhangup_syscall(void)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGHUP, SIG_IGN);
		setsid();
		int s = open(slave_name, O_RDWR);
		EXPECT_OK("vhangup()", syscall(SYS_vhangup));
		EXPECT_ERR("  the terminal's file fails writes", write(s, "x", 1), EIO);
		EXPECT_ERR("  the session lost it", tcgetsid(s), EIO);
		EXPECT_OK("vhangup() without a controlling terminal", syscall(SYS_vhangup));
		fflush(stdout);
		_exit(conf_failures != 0);
	}
	int status;
	waitpid(pid, &status, 0);
	EXPECT_TRUE("vhangup child passed", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (setuid(65534) != 0)
			printf("setuid failed\n");
		EXPECT_ERR("nobody: vhangup()", syscall(SYS_vhangup), EPERM);
		fflush(stdout);
		_exit(conf_failures != 0);
	}
	waitpid(pid, &status, 0);
	EXPECT_TRUE("unprivileged vhangup child passed", WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void file_ioctls(void)
{
	char dir[64] = "/dev/shm/conf-ttyioctl-XXXXXX";
	if (!mkdtemp(dir)) {
		printf("mkdtemp failed\n");
		return;
	}
	char path[96];
	snprintf(path, sizeof path, "%s/f", dir);
	int fd = open(path, O_RDWR | O_CREAT, 0600);
	(void)!write(fd, "hello", 5);
	long long q = -1;
	EXPECT_OK("FIOQSIZE of a file", ioctl(fd, FIOQSIZE, &q));
	EXPECT_EQ("FIOQSIZE: the bytes allocated (one page)", q, 4096);
	int b = -1;
	EXPECT_OK("FIGETBSZ of a file", ioctl(fd, FIGETBSZ, &b));
	EXPECT_EQ("tmpfs block size", b, 4096);
	int d = open(dir, O_RDONLY | O_DIRECTORY);
	EXPECT_OK("FIOQSIZE of a directory", ioctl(d, FIOQSIZE, &q));
	EXPECT_ERR("FIOQSIZE bad pointer", ioctl(fd, FIOQSIZE, (void *)8), EFAULT);
	int p[2];
	pipe(p);
	EXPECT_ERR("FIOQSIZE of a pipe", ioctl(p[0], FIOQSIZE, &q), ENOTTY);
	EXPECT_OK("FIGETBSZ of a pipe", ioctl(p[0], FIGETBSZ, &b));
	EXPECT_EQ("pipe block size", b, 4096);
	int pr = open("/proc/self/status", O_RDONLY);
	EXPECT_OK("FIGETBSZ on procfs", ioctl(pr, FIGETBSZ, &b));
	EXPECT_EQ("procfs block size", b, 1024);
	EXPECT_ERR("an unknown ioctl of a file", ioctl(fd, 0x7777, 0), ENOTTY);
	close(pr);
	close(p[0]);
	close(p[1]);
	close(d);
	close(fd);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	open_pair();
	termio_calls();
	vhangup_calls();
	vhangup_syscall();
	file_ioctls();
	return conf_failures != 0;
}
