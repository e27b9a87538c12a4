/* Helpers for the RLIMIT_NICE / RLIMIT_RTPRIO programs (rlimit_sched, kernel-only/rlimit_raise): scheduling calls,
 * limits set before dropping root, and one child per case. Include after conformance.h. */
#ifndef CONFORMANCE_SCHED_LIMITS_H
#define CONFORMANCE_SCHED_LIMITS_H

#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
};

static long setattr(int policy, int nice, int prio)
{
	struct attr a = {.size = 48, .policy = policy, .nice = nice, .priority = prio};
	return syscall(SYS_sched_setattr, 0, &a, 0);
}

static int fifo(int prio)
{
	struct sched_param p = {.sched_priority = prio};
	return sched_setscheduler(0, SCHED_FIFO, &p);
}

static int other(void)
{
	struct sched_param p = {.sched_priority = 0};
	return sched_setscheduler(0, SCHED_OTHER, &p);
}

static void limited(rlim_t nice, rlim_t rtprio)
{
	struct rlimit n = {nice, nice}, r = {rtprio, rtprio};
	if (setrlimit(RLIMIT_NICE, &n) != 0 || setrlimit(RLIMIT_RTPRIO, &r) != 0 || setresuid(61241, 61241, 61241) != 0)
		_exit(9);
}

static void run(const char *label, void (*body)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		body();
		exit(conf_exit());
	}
	int status;
	waitpid(pid, &status, 0);
	EXPECT_TRUE(label, WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

#endif
