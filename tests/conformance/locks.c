/* Record locks (fcntl F_GETLK/F_SETLK/F_SETLKW, the OFD variants), flock,
 * F_GETOWN/F_SETOWN and their documented errors.
 * With one process, conflicts come from OFD locks: an OFD lock is owned by
 * its open file description, a POSIX lock by the process, so the two
 * conflict even within one process, as do OFD locks of two descriptions. */
#include "conformance.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *path = "/tmp/conf-locks";

static int lk(int fd, int cmd, int type, int whence, long start, long len)
{
	struct flock fl = { .l_type = type, .l_whence = whence, .l_start = start, .l_len = len, .l_pid = 0 };
	return fcntl(fd, cmd, &fl);
}

/* F_OFD_GETLK (or F_GETLK) and print what it reports. */
static void show(const char *label, int fd, int cmd, int type, long start, long len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len, .l_pid = 0 };
	errno = 0;
	int r = fcntl(fd, cmd, &fl);
	if (r < 0) {
		printf("%s: -1 %s\n", label, conf_errname(errno));
		return;
	}
	const char *t = fl.l_type == F_RDLCK ? "RD" : fl.l_type == F_WRLCK ? "WR" : fl.l_type == F_UNLCK ? "UN" : "?";
	const char *pid = fl.l_pid == -1 ? "-1" : fl.l_pid == getpid() ? "self" : fl.l_pid == 0 ? "0" : "other";
	printf("%s: %s whence=%d start=%ld len=%ld pid=%s\n", label, t, fl.l_whence, (long)fl.l_start, (long)fl.l_len, pid);
}

static void getlk_basics(void)
{
	int fd1 = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	int fd2 = open(path, O_RDWR);
	char buf[100] = { 0 };
	EXPECT_EQ("write 100", write(fd1, buf, sizeof buf), 100);

	show("F_GETLK no locks", fd1, F_GETLK, F_WRLCK, 5, 7);
	EXPECT_EQ("F_SETLK WR [0,10)", lk(fd1, F_SETLK, F_WRLCK, SEEK_SET, 0, 10), 0);
	show("F_GETLK own lock", fd1, F_GETLK, F_WRLCK, 0, 10);
	show("F_OFD_GETLK sees posix", fd2, F_OFD_GETLK, F_WRLCK, 5, 10);
	show("F_OFD_GETLK RD sees posix WR", fd2, F_OFD_GETLK, F_RDLCK, 9, 1);
	show("F_OFD_GETLK beyond", fd2, F_OFD_GETLK, F_WRLCK, 10, 10);
	EXPECT_ERR("F_OFD_SETLK conflict", lk(fd2, F_OFD_SETLK, F_WRLCK, SEEK_SET, 5, 10), EAGAIN);
	EXPECT_ERR("F_OFD_SETLK RD conflict", lk(fd2, F_OFD_SETLK, F_RDLCK, SEEK_SET, 0, 1), EAGAIN);
	EXPECT_EQ("F_OFD_SETLK WR [10,20)", lk(fd2, F_OFD_SETLK, F_WRLCK, SEEK_SET, 10, 10), 0);
	show("F_GETLK sees OFD", fd1, F_GETLK, F_WRLCK, 15, 1);
	EXPECT_ERR("F_SETLK conflicts with OFD", lk(fd1, F_SETLK, F_WRLCK, SEEK_SET, 12, 1), EAGAIN);
	EXPECT_ERR("F_SETLKW deadlock-free conflict nonblock check", lk(fd1, F_SETLK, F_RDLCK, SEEK_SET, 19, 5), EAGAIN);
	show("F_OFD_GETLK UNLCK own", fd2, F_OFD_GETLK, F_UNLCK, 0, 0);
	show("F_OFD_GETLK UNLCK other fd", fd1, F_OFD_GETLK, F_UNLCK, 0, 0);
	EXPECT_EQ("F_OFD_SETLK UN", lk(fd2, F_OFD_SETLK, F_UNLCK, SEEK_SET, 0, 0), 0);
	EXPECT_EQ("F_SETLK now free", lk(fd1, F_SETLK, F_WRLCK, SEEK_SET, 12, 1), 0);
	EXPECT_EQ("F_SETLKW no conflict", lk(fd1, F_SETLKW, F_WRLCK, SEEK_SET, 50, 1), 0);
	EXPECT_EQ("F_OFD_SETLKW no conflict", lk(fd2, F_OFD_SETLKW, F_RDLCK, SEEK_SET, 60, 1), 0);
	EXPECT_EQ("F_SETLK UN all", lk(fd1, F_SETLK, F_UNLCK, SEEK_SET, 0, 0), 0);
	EXPECT_EQ("F_OFD_SETLK UN all", lk(fd2, F_OFD_SETLK, F_UNLCK, SEEK_SET, 0, 0), 0);
	show("F_OFD_GETLK after unlock", fd2, F_OFD_GETLK, F_WRLCK, 0, 0);

	/* Read locks share; a write lock of another owner conflicts. */
	EXPECT_EQ("F_SETLK RD [0,10)", lk(fd1, F_SETLK, F_RDLCK, SEEK_SET, 0, 10), 0);
	EXPECT_EQ("F_OFD_SETLK RD overlapping", lk(fd2, F_OFD_SETLK, F_RDLCK, SEEK_SET, 5, 10), 0);
	show("F_OFD_GETLK RD vs RD", fd2, F_OFD_GETLK, F_RDLCK, 0, 0);
	EXPECT_ERR("F_OFD_SETLK upgrade blocked", lk(fd2, F_OFD_SETLK, F_WRLCK, SEEK_SET, 5, 10), EAGAIN);
	EXPECT_EQ("F_OFD_SETLK upgrade free part", lk(fd2, F_OFD_SETLK, F_WRLCK, SEEK_SET, 10, 5), 0);
	show("F_GETLK sees OFD upgrade", fd1, F_GETLK, F_RDLCK, 0, 0);
	show("F_OFD_GETLK own ranges", fd2, F_OFD_GETLK, F_UNLCK, 0, 0);
	close(fd1);
	close(fd2);
}

static void ranges(void)
{
	int fd1 = open(path, O_RDWR);
	int fd2 = open(path, O_RDWR);

	/* Split by unlocking the middle. */
	EXPECT_EQ("WR [0,100)", lk(fd1, F_SETLK, F_WRLCK, SEEK_SET, 0, 100), 0);
	EXPECT_EQ("UN [40,60)", lk(fd1, F_SETLK, F_UNLCK, SEEK_SET, 40, 20), 0);
	show("split: hole", fd2, F_OFD_GETLK, F_WRLCK, 40, 20);
	show("split: left", fd2, F_OFD_GETLK, F_WRLCK, 0, 0);
	show("split: right", fd2, F_OFD_GETLK, F_WRLCK, 45, 0);
	EXPECT_EQ("UN all", lk(fd1, F_SETLK, F_UNLCK, SEEK_SET, 0, 0), 0);

	/* Adjacent locks of one type merge. */
	EXPECT_EQ("WR [0,10)", lk(fd1, F_SETLK, F_WRLCK, SEEK_SET, 0, 10), 0);
	EXPECT_EQ("WR [10,20)", lk(fd1, F_SETLK, F_WRLCK, SEEK_SET, 10, 10), 0);
	show("merged", fd2, F_OFD_GETLK, F_RDLCK, 0, 0);
	EXPECT_EQ("WR [30,40)", lk(fd1, F_SETLK, F_WRLCK, SEEK_SET, 30, 10), 0);
	EXPECT_EQ("WR [20,30) bridges", lk(fd1, F_SETLK, F_WRLCK, SEEK_SET, 20, 10), 0);
	show("bridged", fd2, F_OFD_GETLK, F_RDLCK, 0, 0);

	/* A different type in the middle splits into three. */
	EXPECT_EQ("RD [10,20) inside WR", lk(fd1, F_SETLK, F_RDLCK, SEEK_SET, 10, 10), 0);
	show("three: RD probe middle", fd2, F_OFD_GETLK, F_RDLCK, 10, 10);
	show("three: RD probe all", fd2, F_OFD_GETLK, F_RDLCK, 0, 0);
	show("three: RD probe right", fd2, F_OFD_GETLK, F_RDLCK, 15, 0);
	show("three: WR probe middle", fd2, F_OFD_GETLK, F_WRLCK, 12, 2);
	EXPECT_EQ("UN all", lk(fd1, F_SETLK, F_UNLCK, SEEK_SET, 0, 0), 0);

	/* Negative lengths lock the bytes before l_start. */
	EXPECT_EQ("RD start 50 len -10", lk(fd1, F_SETLK, F_RDLCK, SEEK_SET, 50, -10), 0);
	show("negative len", fd2, F_OFD_GETLK, F_WRLCK, 0, 0);
	EXPECT_ERR("start 5 len -10", lk(fd1, F_SETLK, F_RDLCK, SEEK_SET, 5, -10), EINVAL);
	EXPECT_EQ("start 5 len -5", lk(fd1, F_SETLK, F_RDLCK, SEEK_SET, 5, -5), 0);
	show("negative len to 0", fd2, F_OFD_GETLK, F_WRLCK, 0, 1);
	EXPECT_EQ("UN all", lk(fd1, F_SETLK, F_UNLCK, SEEK_SET, 0, 0), 0);

	/* l_whence SEEK_CUR and SEEK_END. */
	EXPECT_EQ("lseek 30", lseek(fd1, 30, SEEK_SET), 30);
	EXPECT_EQ("WR SEEK_CUR+0 len 5", lk(fd1, F_SETLK, F_WRLCK, SEEK_CUR, 0, 5), 0);
	show("SEEK_CUR lock", fd2, F_OFD_GETLK, F_WRLCK, 0, 0);
	EXPECT_EQ("WR SEEK_END-10 len 5", lk(fd1, F_SETLK, F_WRLCK, SEEK_END, -10, 5), 0);
	show("SEEK_END lock", fd2, F_OFD_GETLK, F_WRLCK, 40, 0);
	EXPECT_EQ("WR SEEK_END+0 len 0", lk(fd1, F_SETLK, F_WRLCK, SEEK_END, 0, 0), 0);
	show("SEEK_END to EOF lock", fd2, F_OFD_GETLK, F_WRLCK, 95, 0);
	EXPECT_ERR("SEEK_CUR -31", lk(fd1, F_SETLK, F_WRLCK, SEEK_CUR, -31, 1), EINVAL);
	EXPECT_ERR("SEEK_END -101", lk(fd1, F_SETLK, F_WRLCK, SEEK_END, -101, 1), EINVAL);
	EXPECT_EQ("UN all", lk(fd1, F_SETLK, F_UNLCK, SEEK_SET, 0, 0), 0);

	/* Offsets at the limit. */
	EXPECT_ERR("start LLONG_MAX SEEK_CUR", lk(fd1, F_SETLK, F_WRLCK, SEEK_CUR, LONG_MAX, 1), EOVERFLOW);
	EXPECT_ERR("len overflow", lk(fd1, F_SETLK, F_WRLCK, SEEK_SET, 10, LONG_MAX), EOVERFLOW);
	EXPECT_EQ("start LLONG_MAX len 1", lk(fd1, F_SETLK, F_WRLCK, SEEK_SET, LONG_MAX, 1), 0);
	show("lock at LLONG_MAX", fd2, F_OFD_GETLK, F_WRLCK, 0, 0);
	EXPECT_EQ("UN all", lk(fd1, F_SETLK, F_UNLCK, SEEK_SET, 0, 0), 0);
	close(fd1);
	close(fd2);
}

static void errors(void)
{
	int fd = open(path, O_RDWR);
	int ro = open(path, O_RDONLY);
	int wo = open(path, O_WRONLY);
	int pa = open(path, O_PATH);
	struct flock fl = { .l_type = F_WRLCK };

	EXPECT_ERR("F_SETLK bad type", lk(fd, F_SETLK, 7, SEEK_SET, 0, 1), EINVAL);
	EXPECT_ERR("F_GETLK bad type", lk(fd, F_GETLK, 7, SEEK_SET, 0, 1), EINVAL);
	EXPECT_ERR("F_GETLK F_UNLCK", lk(fd, F_GETLK, F_UNLCK, SEEK_SET, 0, 1), EINVAL);
	EXPECT_ERR("F_SETLK bad whence", lk(fd, F_SETLK, F_WRLCK, 5, 0, 1), EINVAL);
	EXPECT_ERR("F_GETLK bad whence", lk(fd, F_GETLK, F_WRLCK, 5, 0, 1), EINVAL);
	EXPECT_ERR("F_SETLK negative start", lk(fd, F_SETLK, F_WRLCK, SEEK_SET, -1, 1), EINVAL);
	fl.l_pid = 1;
	EXPECT_ERR("F_OFD_SETLK l_pid!=0", fcntl(fd, F_OFD_SETLK, &fl), EINVAL);
	EXPECT_ERR("F_OFD_SETLKW l_pid!=0", fcntl(fd, F_OFD_SETLKW, &fl), EINVAL);
	EXPECT_ERR("F_OFD_GETLK l_pid!=0", fcntl(fd, F_OFD_GETLK, &fl), EINVAL);
	fl.l_pid = 0;
	EXPECT_ERR("F_SETLK NULL", fcntl(fd, F_SETLK, (struct flock *)0), EFAULT);
	EXPECT_ERR("F_GETLK NULL", fcntl(fd, F_GETLK, (struct flock *)0), EFAULT);
	EXPECT_ERR("F_OFD_SETLK bad ptr", fcntl(fd, F_OFD_SETLK, (struct flock *)8), EFAULT);
	EXPECT_ERR("F_SETLK fd 99", fcntl(99, F_SETLK, &fl), EBADF);
	EXPECT_ERR("F_SETLK O_PATH", fcntl(pa, F_SETLK, &fl), EBADF);
	EXPECT_ERR("F_GETLK O_PATH", fcntl(pa, F_GETLK, &fl), EBADF);

	EXPECT_ERR("WR on O_RDONLY", lk(ro, F_SETLK, F_WRLCK, SEEK_SET, 0, 1), EBADF);
	EXPECT_ERR("OFD WR on O_RDONLY", lk(ro, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 1), EBADF);
	EXPECT_EQ("RD on O_RDONLY", lk(ro, F_SETLK, F_RDLCK, SEEK_SET, 0, 1), 0);
	EXPECT_ERR("RD on O_WRONLY", lk(wo, F_SETLK, F_RDLCK, SEEK_SET, 0, 1), EBADF);
	EXPECT_ERR("OFD RD on O_WRONLY", lk(wo, F_OFD_SETLK, F_RDLCK, SEEK_SET, 0, 1), EBADF);
	EXPECT_EQ("WR on O_WRONLY", lk(wo, F_SETLK, F_WRLCK, SEEK_SET, 5, 1), 0);
	EXPECT_EQ("UN on O_RDONLY", lk(ro, F_SETLK, F_UNLCK, SEEK_SET, 0, 0), 0);
	show("GETLK WR on O_RDONLY", ro, F_GETLK, F_WRLCK, 0, 0);
	EXPECT_ERR("bad command 99", fcntl(fd, 99, 0), EINVAL);

	int p[2];
	EXPECT_EQ("pipe", pipe(p), 0);
	EXPECT_EQ("RD lock on pipe", lk(p[0], F_SETLK, F_RDLCK, SEEK_SET, 0, 1), 0);
	EXPECT_ERR("WR lock on pipe read end", lk(p[0], F_SETLK, F_WRLCK, SEEK_SET, 0, 1), EBADF);
	show("pipe GETLK", p[1], F_OFD_GETLK, F_WRLCK, 0, 0);
	close(p[0]);
	close(p[1]);
	close(fd);
	close(ro);
	close(wo);
	close(pa);
}

/* A process's POSIX locks on a file go away when it closes ANY descriptor of that file. */
static void release_on_close(void)
{
	int fd1 = open(path, O_RDWR);
	int probe = open(path, O_RDWR);
	EXPECT_EQ("WR [0,10)", lk(fd1, F_SETLK, F_WRLCK, SEEK_SET, 0, 10), 0);
	int other = open(path, O_RDONLY);
	EXPECT_EQ("close other fd", close(other), 0);
	show("after closing another fd", probe, F_OFD_GETLK, F_WRLCK, 0, 0);

	EXPECT_EQ("WR again", lk(fd1, F_SETLK, F_WRLCK, SEEK_SET, 0, 10), 0);
	int d = dup(fd1);
	EXPECT_EQ("close dup", close(d), 0);
	show("after closing a dup", probe, F_OFD_GETLK, F_WRLCK, 0, 0);

	EXPECT_EQ("WR again", lk(fd1, F_SETLK, F_WRLCK, SEEK_SET, 0, 10), 0);
	d = open(path, O_RDONLY);
	EXPECT_EQ("dup2 over another fd", dup2(fd1, d), d);
	show("after dup2 closed one", probe, F_OFD_GETLK, F_WRLCK, 0, 0);
	close(d);

	/* OFD locks stay until the description's last descriptor closes. */
	int ofd = open(path, O_RDWR);
	EXPECT_EQ("OFD WR [20,30)", lk(ofd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 20, 10), 0);
	int ofd2 = dup(ofd);
	EXPECT_EQ("close first OFD fd", close(ofd), 0);
	show("OFD lock kept by dup", probe, F_OFD_GETLK, F_WRLCK, 0, 0);
	EXPECT_EQ("close last OFD fd", close(ofd2), 0);
	show("OFD lock gone", probe, F_OFD_GETLK, F_WRLCK, 0, 0);
	close(fd1);
	close(probe);
}

static void flocks(void)
{
	int a = open(path, O_RDWR);
	int b = open(path, O_RDONLY);
	int pa = open(path, O_PATH);

	EXPECT_EQ("flock a SH", flock(a, LOCK_SH), 0);
	EXPECT_ERR("flock b EX|NB", flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	EXPECT_EQ("flock b SH|NB", flock(b, LOCK_SH | LOCK_NB), 0);
	EXPECT_EQ("flock a SH again", flock(a, LOCK_SH), 0);
	EXPECT_EQ("flock a UN", flock(a, LOCK_UN), 0);
	EXPECT_EQ("flock b EX|NB upgrade", flock(b, LOCK_EX | LOCK_NB), 0);
	EXPECT_ERR("flock a SH|NB", flock(a, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	/* flock and fcntl locks are independent on Linux. */
	EXPECT_EQ("fcntl WR beside flock", lk(a, F_SETLK, F_WRLCK, SEEK_SET, 0, 0), 0);
	EXPECT_EQ("fcntl UN", lk(a, F_SETLK, F_UNLCK, SEEK_SET, 0, 0), 0);
	/* A dup shares the description and so the lock. */
	int bd = dup(b);
	EXPECT_EQ("flock dup UN", flock(bd, LOCK_UN), 0);
	EXPECT_EQ("flock a EX|NB after dup unlocked", flock(a, LOCK_EX | LOCK_NB), 0);
	EXPECT_EQ("flock a UN", flock(a, LOCK_UN), 0);
	/* Closing the last descriptor releases it. */
	EXPECT_EQ("flock bd EX", flock(bd, LOCK_EX), 0);
	close(bd);
	EXPECT_ERR("flock a SH|NB (b still open)", flock(a, LOCK_SH | LOCK_NB), EWOULDBLOCK);
	close(b);
	EXPECT_EQ("flock a SH|NB after close", flock(a, LOCK_SH | LOCK_NB), 0);
	/* A conversion drops the old lock first: a failed upgrade leaves none. */
	b = open(path, O_RDONLY);
	EXPECT_EQ("flock b SH", flock(b, LOCK_SH), 0);
	EXPECT_ERR("flock a EX|NB fails", flock(a, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	EXPECT_EQ("flock b EX|NB (a lost its lock)", flock(b, LOCK_EX | LOCK_NB), 0);
	EXPECT_EQ("flock b UN", flock(b, LOCK_UN), 0);
	EXPECT_EQ("flock UN without lock", flock(b, LOCK_UN), 0);

	EXPECT_ERR("flock bad cmd 0", flock(a, 0), EINVAL);
	EXPECT_ERR("flock SH|EX", flock(a, LOCK_SH | LOCK_EX), EINVAL);
	EXPECT_ERR("flock NB only", flock(a, LOCK_NB), EINVAL);
	EXPECT_ERR("flock fd 99", flock(99, LOCK_SH), EBADF);
	EXPECT_ERR("flock fd 99 bad cmd", flock(99, 0), EINVAL);
	EXPECT_ERR("flock O_PATH", flock(pa, LOCK_SH), EBADF);
	EXPECT_EQ("flock LOCK_MAND ignored", flock(a, 32 | LOCK_READ), 0);
	close(a);
	close(b);
	close(pa);
}

static void owner(void)
{
	int fd = open(path, O_RDWR);
	EXPECT_EQ("F_GETOWN default", fcntl(fd, F_GETOWN), 0);
	EXPECT_EQ("F_SETOWN self", fcntl(fd, F_SETOWN, getpid()), 0);
	EXPECT_TRUE("F_GETOWN==getpid", fcntl(fd, F_GETOWN) == getpid());
	EXPECT_EQ("F_SETOWN -pgrp", fcntl(fd, F_SETOWN, -getpgrp()), 0);
	EXPECT_TRUE("F_GETOWN==-pgrp", fcntl(fd, F_GETOWN) == -getpgrp());
	struct f_owner_ex ex;
	EXPECT_EQ("F_GETOWN_EX", fcntl(fd, F_GETOWN_EX, &ex), 0);
	EXPECT_TRUE("F_GETOWN_EX type PGRP", ex.type == F_OWNER_PGRP && ex.pid == getpgrp());
	ex.type = F_OWNER_TID;
	ex.pid = getpid();
	EXPECT_EQ("F_SETOWN_EX TID", fcntl(fd, F_SETOWN_EX, &ex), 0);
	EXPECT_TRUE("F_GETOWN after TID", fcntl(fd, F_GETOWN) == getpid());
	EXPECT_EQ("F_GETOWN_EX again", fcntl(fd, F_GETOWN_EX, &ex), 0);
	EXPECT_TRUE("F_GETOWN_EX type TID", ex.type == F_OWNER_TID && ex.pid == getpid());
	ex.type = 7;
	EXPECT_ERR("F_SETOWN_EX bad type", fcntl(fd, F_SETOWN_EX, &ex), EINVAL);
	ex.type = F_OWNER_PID;
	ex.pid = 999999;
	EXPECT_ERR("F_SETOWN_EX missing pid", fcntl(fd, F_SETOWN_EX, &ex), ESRCH);
	EXPECT_ERR("F_SETOWN_EX bad ptr", fcntl(fd, F_SETOWN_EX, (void *)8), EFAULT);
	EXPECT_ERR("F_GETOWN_EX bad ptr", fcntl(fd, F_GETOWN_EX, (void *)8), EFAULT);
	EXPECT_ERR("F_SETOWN missing pid", fcntl(fd, F_SETOWN, 999999), ESRCH);
	EXPECT_EQ("F_SETOWN 0", fcntl(fd, F_SETOWN, 0), 0);
	EXPECT_EQ("F_GETOWN cleared", fcntl(fd, F_GETOWN), 0);
	int d = dup(fd);
	EXPECT_EQ("F_SETOWN on dup", fcntl(d, F_SETOWN, getpid()), 0);
	EXPECT_TRUE("owner shared by dup", fcntl(fd, F_GETOWN) == getpid());
	EXPECT_EQ("F_GETSIG default", fcntl(fd, F_GETSIG), 0);
	EXPECT_EQ("F_SETSIG SIGUSR1", fcntl(fd, F_SETSIG, SIGUSR1), 0);
	EXPECT_EQ("F_GETSIG", fcntl(fd, F_GETSIG), SIGUSR1);
	EXPECT_ERR("F_SETSIG 65", fcntl(fd, F_SETSIG, 65), EINVAL);
	close(d);
	close(fd);
}

static void pause_ms(int ms)
{
	struct timespec ts = { 0, ms * 1000000L };
	nanosleep(&ts, NULL);
}

/* Child-side results travel back through a pipe as one byte each; the child ends with _exit. */
static char result_code(long r, int err)
{
	return r == 0 ? '0' : err == EDEADLK ? 'D' : err == EAGAIN ? 'A' : '?';
}

/* Waits between processes: F_SETLKW and a blocking flock park until the holder lets go; a cycle is EDEADLK. */
static void two_processes(void)
{
	int fd = open(path, O_RDWR);
	int up[2];
	pipe(up);
	char c;
	fflush(stdout);

	/* The child meets the parent's lock, sees who holds it, then waits for it. */
	EXPECT_EQ("parent WR [0,10)", lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10), 0);
	pid_t child = fork();
	if (child == 0) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 1 };
		char out[4];
		out[0] = result_code(fcntl(fd, F_SETLK, &fl), errno);
		fcntl(fd, F_GETLK, &fl);
		out[1] = fl.l_type == F_WRLCK && fl.l_pid == getppid() && fl.l_start == 0 && fl.l_len == 10 ? 'y' : 'n';
		write(up[1], out, 2);
		fl.l_type = F_WRLCK;
		out[2] = result_code(fcntl(fd, F_SETLKW, &fl), errno);
		write(up[1], out + 2, 1);
		_exit(0);
	}
	char got[4] = { 0 };
	EXPECT_EQ("child reports", read(up[0], got, 2), 2);
	EXPECT_TRUE("child F_SETLK EAGAIN", got[0] == 'A');
	EXPECT_TRUE("child F_GETLK sees the parent's lock and pid", got[1] == 'y');
	pause_ms(200);
	EXPECT_EQ("parent unlocks", lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0), 0);
	EXPECT_EQ("child's F_SETLKW returns", read(up[0], got + 2, 1), 1);
	EXPECT_TRUE("child F_SETLKW granted", got[2] == '0');
	waitpid(child, NULL, 0);

	/* A cycle: each holds one byte and waits for the other's. Exactly one of the two waits gets EDEADLK. */
	EXPECT_EQ("parent WR [0,1)", lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1), 0);
	fflush(stdout);
	child = fork();
	if (child == 0) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 1, .l_len = 1 };
		fcntl(fd, F_SETLK, &fl);
		write(up[1], "h", 1);
		fl.l_start = 0;
		char r = result_code(fcntl(fd, F_SETLKW, &fl), errno);
		write(up[1], &r, 1);
		_exit(0);
	}
	EXPECT_EQ("child holds [1,2)", read(up[0], &c, 1), 1);
	pause_ms(200);
	errno = 0;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 1, .l_len = 1 };
	char mine = result_code(fcntl(fd, F_SETLKW, &fl), errno);
	if (mine == 'D')
		lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0); /* let the child have its byte */
	char theirs = 0;
	read(up[0], &theirs, 1);
	waitpid(child, NULL, 0);
	EXPECT_TRUE("exactly one waiter got EDEADLK", (mine == 'D') != (theirs == 'D'));
	EXPECT_TRUE("the other was granted", mine == '0' || theirs == '0');
	lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0);

	/* flock: the child's own description waits for the parent's exclusive lock. */
	EXPECT_EQ("parent flock EX", flock(fd, LOCK_EX), 0);
	fflush(stdout);
	child = fork();
	if (child == 0) {
		int own = open(path, O_RDONLY);
		char r[2];
		r[0] = result_code(flock(own, LOCK_SH | LOCK_NB), errno);
		write(up[1], r, 1);
		r[1] = result_code(flock(own, LOCK_SH), errno);
		write(up[1], r + 1, 1);
		_exit(0);
	}
	EXPECT_EQ("child tried", read(up[0], got, 1), 1);
	EXPECT_TRUE("child LOCK_NB EWOULDBLOCK", got[0] == 'A');
	pause_ms(200);
	EXPECT_EQ("parent flock UN", flock(fd, LOCK_UN), 0);
	EXPECT_EQ("child's flock returns", read(up[0], got + 1, 1), 1);
	EXPECT_TRUE("child flock granted", got[1] == '0');
	waitpid(child, NULL, 0);
	close(up[0]);
	close(up[1]);
	close(fd);
}

int main(void)
{
	getlk_basics();
	ranges();
	errors();
	release_on_close();
	flocks();
	owner();
	two_processes();
	unlink(path);
	return conf_exit();
}
