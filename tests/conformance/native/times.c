/* times: the process's user and system time (all its threads, also those that ended, also across exec), its
 * children's only once wait reaped them (grandchildren they reaped included; children reaped by SIGCHLD's SIG_IGN
 * never), clock ticks from an arbitrary point that advance with the monotonic clock, and EFAULT.
 * Native oracle: the exec case re-executes this program, which qemu-user cannot do. The exec'd image prints one line
 * (the old threads' time, also of one that exec ended, counts). */
#include "../conformance.h"

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static clock_t cpu_ticks(void)
{
	struct tms t;
	times(&t);
	return t.tms_utime + t.tms_stime;
}

static clock_t children_ticks(void)
{
	struct tms t;
	times(&t);
	return t.tms_cutime + t.tms_cstime;
}

/* Runs on the CPU until this process has used <ticks> more clock ticks. */
static void spin(clock_t ticks)
{
	clock_t until = cpu_ticks() + ticks;
	while (cpu_ticks() < until)
		;
}

static volatile int spun;

static void *spinner(void *arg)
{
	(void)arg;
	spin(30);
	spun = 1;
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "after-exec") == 0) {
		/* The thread that spun before exec is gone; its time stays the process's. */
		printf("after exec, the old threads' time counts: %d\n", cpu_ticks() >= 30);
		return 0;
	}
	clock_t start = times(NULL);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	clock_t before = cpu_ticks();
	spin(20);
	EXPECT_TRUE("the process's own time advances", cpu_ticks() >= before + 20);
	EXPECT_EQ("no children yet", children_ticks(), 0);

	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		spin(30);
		_exit(0);
	}
	/* Let it finish (a zombie) without reaping it. */
	siginfo_t si;
	waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
	EXPECT_EQ("an unreaped child does not count", children_ticks(), 0);
	waitpid(pid, NULL, 0);
	EXPECT_TRUE("once reaped it does", children_ticks() >= 30);

	clock_t reaped = children_ticks();
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		pid_t grandchild = fork();
		if (grandchild == 0) {
			spin(30);
			_exit(0);
		}
		waitpid(grandchild, NULL, 0);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	EXPECT_TRUE("a grandchild its parent reaped counts too", children_ticks() >= reaped + 30);

	reaped = children_ticks();
	signal(SIGCHLD, SIG_IGN);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		spin(30);
		_exit(0);
	}
	EXPECT_ERR("with SIGCHLD ignored, wait finds no child", waitpid(pid, NULL, 0), ECHILD);
	EXPECT_TRUE("and its time is not counted", children_ticks() < reaped + 30);
	signal(SIGCHLD, SIG_DFL);

	EXPECT_ERR("bad buffer", syscall(SYS_times, (void *)8), EFAULT);

	clock_t end = times(NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long elapsed_ticks = (t1.tv_sec - t0.tv_sec) * 100 + (t1.tv_nsec - t0.tv_nsec) / 10000000;
	long counted = (long)(end - start);
	EXPECT_TRUE("the return value advances with the monotonic clock", counted >= elapsed_ticks - 2 && counted <= elapsed_ticks + 2);

	/* A thread spins and the process execs while it is still there: the new image still sees that time. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		pthread_t t;
		pthread_create(&t, NULL, spinner, NULL);
		while (!spun)
			sched_yield();
		char self[PATH_MAX];
		long len = readlink("/proc/self/exe", self, sizeof self - 1);
		if (len <= 0)
			_exit(1);
		self[len] = 0;
		char *args[] = {self, "after-exec", NULL};
		execv(self, args);
		_exit(2);
	}
	int status;
	waitpid(pid, &status, 0);
	EXPECT_TRUE("the exec'd child exited 0", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return conf_exit();
}
