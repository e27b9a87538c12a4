/* kcmp: which kernel objects two tasks share (files, address space, fd table, fs context, signal handlers),
 * a consistent order between different ones, and the documented errors. */
#include "conformance.h"

#include <fcntl.h>
#include <linux/kcmp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long kcmp(pid_t a, pid_t b, int type, unsigned long i1, unsigned long i2)
{
	return syscall(SYS_kcmp, a, b, type, i1, i2);
}

static volatile pid_t thread_tid;
static int stop[2];

static void *thread_main(void *arg)
{
	(void)arg;
	thread_tid = syscall(SYS_gettid);
	char c;
	read(stop[0], &c, 1);
	return NULL;
}

int main(void)
{
	pid_t me = getpid();
	int fd = open("/etc/passwd", O_RDONLY);
	int dupfd = dup(fd);
	int other = open("/etc/passwd", O_RDONLY);
	EXPECT_EQ("KCMP_FILE of a file with itself", kcmp(me, me, KCMP_FILE, fd, fd), 0);
	EXPECT_EQ("KCMP_FILE of a dup", kcmp(me, me, KCMP_FILE, fd, dupfd), 0);
	long ab = kcmp(me, me, KCMP_FILE, fd, other), ba = kcmp(me, me, KCMP_FILE, other, fd);
	EXPECT_TRUE("two opens of one file are different files", ab == 1 || ab == 2);
	EXPECT_TRUE("and the order is consistent both ways", ab + ba == 3);
	EXPECT_ERR("KCMP_FILE of a closed fd", kcmp(me, me, KCMP_FILE, fd, 999), EBADF);
	EXPECT_ERR("unknown type", kcmp(me, me, 99, 0, 0), EINVAL);
	EXPECT_ERR("no such process", kcmp(me, 999999, KCMP_VM, 0, 0), ESRCH);
	EXPECT_EQ("KCMP_VM self", kcmp(me, me, KCMP_VM, 0, 0), 0);

	pipe(stop);
	pthread_t t;
	pthread_create(&t, NULL, thread_main, NULL);
	while (thread_tid == 0)
		usleep(1000);
	EXPECT_EQ("a thread shares the address space", kcmp(me, thread_tid, KCMP_VM, 0, 0), 0);
	EXPECT_EQ("the fd table", kcmp(me, thread_tid, KCMP_FILES, 0, 0), 0);
	EXPECT_EQ("the fs context", kcmp(me, thread_tid, KCMP_FS, 0, 0), 0);
	EXPECT_EQ("the signal handlers", kcmp(me, thread_tid, KCMP_SIGHAND, 0, 0), 0);
	EXPECT_EQ("and its files", kcmp(me, thread_tid, KCMP_FILE, fd, fd), 0);

	pid_t child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	long vm = kcmp(me, child, KCMP_VM, 0, 0);
	EXPECT_TRUE("a forked child has its own address space", vm == 1 || vm == 2);
	long files = kcmp(me, child, KCMP_FILES, 0, 0);
	EXPECT_TRUE("its own fd table", files == 1 || files == 2);
	long fs = kcmp(me, child, KCMP_FS, 0, 0);
	EXPECT_TRUE("its own fs context", fs == 1 || fs == 2);
	long sig = kcmp(me, child, KCMP_SIGHAND, 0, 0);
	EXPECT_TRUE("its own signal handlers", sig == 1 || sig == 2);
	EXPECT_EQ("but the same open files", kcmp(me, child, KCMP_FILE, fd, fd), 0);
	EXPECT_EQ("its dup too", kcmp(me, child, KCMP_FILE, dupfd, fd), 0);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	write(stop[1], "x", 1);
	pthread_join(t, NULL);
	return conf_exit();
}
