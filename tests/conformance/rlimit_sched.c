/* RLIMIT_NICE and RLIMIT_RTPRIO: without CAP_SYS_NICE a thread may lower its nice value only down to 20 - RLIMIT_NICE
 * (setpriority: EACCES, sched_setattr: EPERM beyond it) and take a real-time policy only with RLIMIT_RTPRIO, up to that
 * priority (EPERM beyond). Each child drops root (and with it CAP_SYS_NICE) after setting its limits. Raising the limits
 * needs CAP_SYS_RESOURCE, which the oracle's container lacks: those cases are in kernel-only/rlimit_raise.c. */
#include "conformance.h"

#include "sched_limits.h"

static void no_limits(void)
{
	limited(0, 0);
	EXPECT_ERR("setpriority -1 with RLIMIT_NICE 0", setpriority(PRIO_PROCESS, 0, -1), EACCES);
	EXPECT_OK("setpriority 5 (a higher nice)", setpriority(PRIO_PROCESS, 0, 5));
	EXPECT_ERR("back to 4", setpriority(PRIO_PROCESS, 0, 4), EACCES);
	EXPECT_ERR("SCHED_FIFO with RLIMIT_RTPRIO 0", fifo(1), EPERM);
	EXPECT_ERR("sched_setattr SCHED_RR", setattr(SCHED_RR, 0, 1), EPERM);
	EXPECT_ERR("sched_setattr nice 4", setattr(SCHED_OTHER, 4, 0), EPERM);
	EXPECT_OK("sched_setattr nice 6", setattr(SCHED_OTHER, 6, 0));
}

static void reset_on_fork(void)
{
	limited(0, 0);
	struct sched_param p = {.sched_priority = 0};
	EXPECT_OK("SCHED_OTHER with SCHED_RESET_ON_FORK", sched_setscheduler(0, SCHED_OTHER | SCHED_RESET_ON_FORK, &p));
	EXPECT_ERR("an unprivileged thread may not clear it", sched_setscheduler(0, SCHED_OTHER, &p), EPERM);
	EXPECT_OK("keeping it is fine", sched_setscheduler(0, SCHED_BATCH | SCHED_RESET_ON_FORK, &p));
}

static void no_limits_root(void)
{
	struct rlimit zero = {0, 0};
	setrlimit(RLIMIT_NICE, &zero);
	setrlimit(RLIMIT_RTPRIO, &zero);
	EXPECT_OK("root: setpriority -5 past RLIMIT_NICE", setpriority(PRIO_PROCESS, 0, -5));
	EXPECT_OK("root: SCHED_FIFO 50 past RLIMIT_RTPRIO", fifo(50));
	EXPECT_OK("root: back to SCHED_OTHER", other());
}

int main(void)
{
	run("no RLIMIT_NICE or RLIMIT_RTPRIO", no_limits);
	run("SCHED_RESET_ON_FORK", reset_on_fork);
	/* Root keeps CAP_SYS_NICE: no limit applies. */
	run("root", no_limits_root);
	return conf_exit();
}
