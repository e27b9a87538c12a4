/* Processes and threads: fork (copied memory, inherited descriptors, exit
 * status through wait4), vfork, threads through pthreads and raw clone, and
 * clone's and wait4's documented errors. */
#include "conformance.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int global = 1;

static void fork_tests(void)
{
	int fds[2];
	EXPECT_OK("pipe", pipe(fds));
	pid_t parent = getpid();
	pid_t child = fork();
	if (child == 0) {
		global = 2; /* the parent's copy must not change */
		char msg[2] = { getppid() == parent ? 'y' : 'n', global == 2 ? 'y' : 'n' };
		write(fds[1], msg, 2);
		_exit(42);
	}
	EXPECT_TRUE("fork returned a child pid", child > 0 && child != parent);
	close(fds[1]);
	char got[3] = { 0 };
	EXPECT_EQ("read from child through inherited pipe", read(fds[0], got, 2), 2);
	conf_expect_str("child saw parent as ppid, own copy of memory", got, "yy");
	EXPECT_EQ("read after the child closed its end", read(fds[0], got, 1), 0);
	close(fds[0]);
	EXPECT_EQ("parent's global unchanged", global, 1);
	int status = 0;
	EXPECT_TRUE("wait4 returns the child", wait4(child, &status, 0, NULL) == child);
	EXPECT_TRUE("WIFEXITED", WIFEXITED(status));
	EXPECT_EQ("WEXITSTATUS", WEXITSTATUS(status), 42);
	EXPECT_ERR("wait4 with no children", wait4(-1, &status, 0, NULL), ECHILD);
	EXPECT_ERR("wait4 bad options", wait4(-1, &status, 0x4000000, NULL), EINVAL);

	/* A child killed by a signal. */
	child = fork();
	if (child == 0) {
		kill(getpid(), SIGKILL);
		_exit(0);
	}
	EXPECT_TRUE("waitpid killed child", waitpid(child, &status, 0) == child);
	EXPECT_TRUE("WIFSIGNALED", WIFSIGNALED(status));
	EXPECT_EQ("WTERMSIG", WTERMSIG(status), SIGKILL);

	/* WNOHANG while the child still runs, then a blocking wait. */
	int go[2];
	pipe(go);
	child = fork();
	if (child == 0) {
		char c;
		read(go[0], &c, 1);
		_exit(5);
	}
	EXPECT_EQ("WNOHANG on a running child", waitpid(child, &status, WNOHANG), 0);
	write(go[1], "x", 1);
	EXPECT_TRUE("blocking waitpid", waitpid(child, &status, 0) == child && WEXITSTATUS(status) == 5);
	close(go[0]);
	close(go[1]);

	/* Several children, reaped in any order. */
	for (int i = 0; i < 5; i++)
		if (fork() == 0)
			_exit(10 + i);
	int sum = 0;
	for (int i = 0; i < 5; i++) {
		if (wait(&status) > 0)
			sum += WEXITSTATUS(status);
	}
	EXPECT_EQ("five children's statuses summed", sum, 60);
}

static void vfork_tests(void)
{
	int status;
	pid_t child = vfork();
	if (child == 0)
		_exit(3);
	EXPECT_TRUE("vfork child reaped", waitpid(child, &status, 0) == child);
	EXPECT_EQ("vfork child status", WEXITSTATUS(status), 3);
}

static atomic_int counter;
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static long plain;

static void *worker(void *arg)
{
	for (int i = 0; i < 10000; i++) {
		atomic_fetch_add(&counter, 1);
		pthread_mutex_lock(&mutex);
		plain++;
		pthread_mutex_unlock(&mutex);
	}
	return (void *)(long)(gettid() != getpid());
}

static void thread_tests(void)
{
	pthread_t t[8];
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	long others = 0;
	for (int i = 0; i < 8; i++) {
		void *r;
		pthread_join(t[i], &r);
		others += (long)r;
	}
	EXPECT_EQ("atomic increments from 8 threads", atomic_load(&counter), 80000);
	EXPECT_EQ("mutex-protected increments", plain, 80000);
	EXPECT_EQ("threads had their own tids", others, 8);
}

static void clone_errors(void)
{
	EXPECT_ERR("clone THREAD without SIGHAND", syscall(SYS_clone, CLONE_THREAD | CLONE_VM, 0, 0, 0, 0), EINVAL);
	EXPECT_ERR("clone SIGHAND without VM", syscall(SYS_clone, CLONE_SIGHAND, 0, 0, 0, 0), EINVAL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0); /* children must not inherit buffered output */
	fork_tests();
	vfork_tests();
	thread_tests();
	clone_errors();
	return conf_exit();
}
