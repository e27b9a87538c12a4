/* Scheduling, priorities, usage, personality, prctl and waitid: success paths
 * and documented errors, printing only machine-independent values.
 * qemu-user answers PR_SET/GET_CHILD_SUBREAPER and PR_GET_SECCOMP with EINVAL
 * itself, so those follow the man page in tests/Kernel.Tests/Conformance/
 * KernelOnlyTests.cs instead. */
#include "conformance.h"

#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sched_tests(void)
{
	EXPECT_EQ("getscheduler", sched_getscheduler(0), SCHED_OTHER);
	EXPECT_EQ("max FIFO", sched_get_priority_max(SCHED_FIFO), 99);
	EXPECT_EQ("min RR", sched_get_priority_min(SCHED_RR), 1);
	EXPECT_EQ("max OTHER", sched_get_priority_max(SCHED_OTHER), 0);
	EXPECT_ERR("max of a bad policy", sched_get_priority_max(42), EINVAL);
	struct sched_param sp = { 0 };
	EXPECT_OK("getparam", sched_getparam(0, &sp));
	EXPECT_EQ("priority", sp.sched_priority, 0);
	EXPECT_ERR("getparam NULL", syscall(SYS_sched_getparam, 0, NULL), EINVAL);
	EXPECT_ERR("getparam negative pid", sched_getparam(-1, &sp), EINVAL);
	EXPECT_ERR("getscheduler of no process", sched_getscheduler(0x3ffffff), ESRCH);
	sp.sched_priority = 5;
	EXPECT_ERR("OTHER with priority 5", sched_setscheduler(0, SCHED_OTHER, &sp), EINVAL);
	EXPECT_ERR("bad policy", sched_setscheduler(0, 42, &sp), EINVAL);
	sp.sched_priority = 0;
	EXPECT_OK("set BATCH", sched_setscheduler(0, SCHED_BATCH, &sp));
	EXPECT_EQ("now BATCH", sched_getscheduler(0), SCHED_BATCH);
	EXPECT_OK("back to OTHER", sched_setscheduler(0, SCHED_OTHER, &sp));
	struct timespec ts;
	EXPECT_OK("rr_get_interval", sched_rr_get_interval(0, &ts));
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	EXPECT_OK("setaffinity CPU 0", sched_setaffinity(0, sizeof set, &set));
	unsigned cpu = 99, node = 99;
	EXPECT_OK("getcpu", syscall(SYS_getcpu, &cpu, &node, NULL));
	EXPECT_TRUE("cpu is valid", cpu < 1024);
	EXPECT_OK("getcpu NULLs", syscall(SYS_getcpu, NULL, NULL, NULL));
}

static void priority_tests(void)
{
	errno = 0;
	EXPECT_EQ("getpriority", getpriority(PRIO_PROCESS, 0), 0);
	EXPECT_OK("setpriority 5", setpriority(PRIO_PROCESS, 0, 5));
	EXPECT_EQ("getpriority after", getpriority(PRIO_PROCESS, 0), 5);
	EXPECT_EQ("raw getpriority is 20-nice", syscall(SYS_getpriority, PRIO_PROCESS, 0), 15);
	EXPECT_OK("setpriority clamps 100", setpriority(PRIO_PROCESS, 0, 100));
	EXPECT_EQ("clamped to 19", getpriority(PRIO_PROCESS, 0), 19);
	EXPECT_OK("root may lower nice", setpriority(PRIO_PROCESS, 0, 0));
	EXPECT_ERR("bad which", setpriority(7, 0, 0), EINVAL);
	EXPECT_ERR("no such process", setpriority(PRIO_PROCESS, 0x3ffffff, 0), ESRCH);

	/* A child in its own process group: PRIO_PGRP reaches it, PRIO_PROCESS reads it. */
	int ready[2], done[2];
	(void)!pipe(ready);
	(void)!pipe(done);
	pid_t child = fork();
	if (child == 0) {
		setpgid(0, 0);
		(void)!write(ready[1], "r", 1);
		char c;
		(void)!read(done[0], &c, 1);
		_exit(0);
	}
	char c;
	(void)!read(ready[0], &c, 1);
	EXPECT_OK("setpriority PRIO_PGRP of the child's group", setpriority(PRIO_PGRP, child, 6));
	EXPECT_EQ("the child's nice", getpriority(PRIO_PROCESS, child), 6);
	EXPECT_EQ("the group's", getpriority(PRIO_PGRP, child), 6);
	EXPECT_EQ("the caller's stays", getpriority(PRIO_PROCESS, 0), 0);
	EXPECT_OK("setpriority PRIO_PROCESS of the child", setpriority(PRIO_PROCESS, child, 2));
	EXPECT_EQ("the child's nice again", getpriority(PRIO_PROCESS, child), 2);
	EXPECT_ERR("PRIO_PGRP of no group", setpriority(PRIO_PGRP, 0x3ffffff, 0), ESRCH);
	EXPECT_ERR("getpriority PRIO_PGRP of no group", getpriority(PRIO_PGRP, 0x3ffffff), ESRCH);
	/* A uid nothing runs as (on the host either): no targets. */
	EXPECT_ERR("PRIO_USER of an unused uid", setpriority(PRIO_USER, 54321, 0), ESRCH);
	(void)!write(done[1], "d", 1);
	waitpid(child, NULL, 0);
	/* PRIO_USER 0 in a child that became uid 54321: only its own threads. */
	fflush(stdout);
	child = fork();
	if (child == 0) {
		if (setresuid(54321, 54321, 54321) != 0)
			_exit(3);
		if (setpriority(PRIO_USER, 0, 7) != 0)
			_exit(4);
		errno = 0;
		_exit(getpriority(PRIO_PROCESS, 0) == 7 && getpriority(PRIO_USER, 0) == 7 ? 0 : 5);
	}
	int status;
	waitpid(child, &status, 0);
	EXPECT_EQ("PRIO_USER of the caller's own uid", WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0);
}

static void usage_tests(void)
{
	volatile unsigned long x = 0;
	for (unsigned long i = 0; i < 20000000; i++)
		x += i;
	struct rusage ru;
	EXPECT_OK("getrusage SELF", getrusage(RUSAGE_SELF, &ru));
	EXPECT_TRUE("some user time", ru.ru_utime.tv_sec > 0 || ru.ru_utime.tv_usec > 0);
	EXPECT_TRUE("maxrss positive", ru.ru_maxrss > 0);
	EXPECT_OK("getrusage THREAD", getrusage(RUSAGE_THREAD, &ru));
	EXPECT_OK("getrusage CHILDREN", getrusage(RUSAGE_CHILDREN, &ru));
	EXPECT_ERR("getrusage bad who", getrusage(5, &ru), EINVAL);
	EXPECT_ERR("getrusage bad pointer", syscall(SYS_getrusage, RUSAGE_SELF, (void *)8), EFAULT);
	struct tms t;
	EXPECT_TRUE("times returns ticks", times(&t) != (clock_t)-1);
	EXPECT_TRUE("times NULL", times(NULL) != (clock_t)-1);

	pid_t child = fork();
	if (child == 0) {
		for (unsigned long i = 0; i < 30000000; i++)
			x += i;
		_exit(0);
	}
	struct rusage cru;
	int status;
	EXPECT_TRUE("wait4 with rusage", wait4(child, &status, 0, &cru) == child);
	EXPECT_TRUE("child's user time reported", cru.ru_utime.tv_sec > 0 || cru.ru_utime.tv_usec > 1000);
	getrusage(RUSAGE_CHILDREN, &ru);
	EXPECT_TRUE("children usage includes it", ru.ru_utime.tv_sec > 0 || ru.ru_utime.tv_usec > 1000);
}

static void personality_tests(void)
{
	EXPECT_EQ("personality query", personality(0xffffffff), PER_LINUX);
	EXPECT_EQ("set ADDR_NO_RANDOMIZE returns old", personality(PER_LINUX | ADDR_NO_RANDOMIZE), PER_LINUX);
	EXPECT_EQ("query again", personality(0xffffffff), PER_LINUX | ADDR_NO_RANDOMIZE);
	personality(PER_LINUX);
}

static void prctl_tests(void)
{
	char name[16] = { 0 };
	EXPECT_OK("PR_SET_NAME", prctl(PR_SET_NAME, "a-very-long-thread-name"));
	EXPECT_OK("PR_GET_NAME", prctl(PR_GET_NAME, name));
	conf_expect_str("name truncated to 15", name, "a-very-long-thr");
	EXPECT_EQ("dumpable", prctl(PR_GET_DUMPABLE), 1);
	EXPECT_ERR("SET_DUMPABLE 2", prctl(PR_SET_DUMPABLE, 2), EINVAL);
	int sig = -1;
	EXPECT_OK("SET_PDEATHSIG", prctl(PR_SET_PDEATHSIG, SIGTERM));
	EXPECT_OK("GET_PDEATHSIG", prctl(PR_GET_PDEATHSIG, &sig));
	EXPECT_EQ("pdeathsig", sig, SIGTERM);
	EXPECT_ERR("SET_PDEATHSIG 65", prctl(PR_SET_PDEATHSIG, 65), EINVAL);
	EXPECT_EQ("no_new_privs off", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
	EXPECT_ERR("NO_NEW_PRIVS with 2", prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0), EINVAL);
	EXPECT_OK("SET_NO_NEW_PRIVS", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	EXPECT_EQ("no_new_privs on", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
	EXPECT_EQ("CAPBSET_READ CAP_CHOWN", prctl(PR_CAPBSET_READ, 0), 1);
	EXPECT_ERR("CAPBSET_READ 1000", prctl(PR_CAPBSET_READ, 1000), EINVAL);
	EXPECT_OK("SET_TIMERSLACK", prctl(PR_SET_TIMERSLACK, 1000));
	EXPECT_EQ("GET_TIMERSLACK", prctl(PR_GET_TIMERSLACK), 1000);
	EXPECT_ERR("unknown option", prctl(0x7fff), EINVAL);
}

static void waitid_tests(void)
{
	siginfo_t si;
	pid_t child = fork();
	if (child == 0)
		_exit(7);
	EXPECT_OK("waitid WNOWAIT", waitid(P_PID, child, &si, WEXITED | WNOWAIT));
	EXPECT_EQ("si_signo", si.si_signo, SIGCHLD);
	EXPECT_EQ("si_code CLD_EXITED", si.si_code, CLD_EXITED);
	EXPECT_EQ("si_status", si.si_status, 7);
	EXPECT_TRUE("si_pid", si.si_pid == child);
	EXPECT_OK("waitid again reaps", waitid(P_PID, child, &si, WEXITED));
	EXPECT_ERR("waitid after reaping", waitid(P_PID, child, &si, WEXITED), ECHILD);
	EXPECT_ERR("waitid no options", waitid(P_ALL, 0, &si, 0), EINVAL);
	EXPECT_ERR("waitid bad idtype", waitid(9, 0, &si, WEXITED), EINVAL);

	int go[2];
	pipe(go);
	child = fork();
	if (child == 0) {
		char c;
		read(go[0], &c, 1);
		kill(getpid(), SIGKILL);
		_exit(0);
	}
	si.si_pid = 1234;
	EXPECT_OK("waitid WNOHANG with nothing ready", waitid(P_ALL, 0, &si, WEXITED | WNOHANG));
	EXPECT_EQ("si_pid zeroed", si.si_pid, 0);
	write(go[1], "x", 1);
	EXPECT_OK("waitid P_PGID", waitid(P_PGID, 0, &si, WEXITED));
	EXPECT_EQ("si_code CLD_KILLED", si.si_code, CLD_KILLED);
	EXPECT_EQ("si_status is the signal", si.si_status, SIGKILL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	sched_tests();
	priority_tests();
	usage_tests();
	personality_tests();
	prctl_tests();
	waitid_tests();
	return conf_exit();
}
