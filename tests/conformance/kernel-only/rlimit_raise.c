/* Raising RLIMIT_NICE and RLIMIT_RTPRIO, then using them without CAP_SYS_NICE: a nice value down to 20 - RLIMIT_NICE
 * (setpriority EACCES, sched_setattr EPERM beyond it), real-time policies up to priority RLIMIT_RTPRIO (EPERM beyond).
 * Not differential: raising these hard limits needs CAP_SYS_RESOURCE, which the oracle's container does not grant
 * (the host's default hard limits are 0). Expected values from sched(7), setpriority(2) and sched_setscheduler(2);
 * the cases without the limits are in ../rlimit_sched.c against qemu. */
#include "../conformance.h"

#include "../sched_limits.h"

static void nice_limit(void)
{
	limited(25, 0); /* nice down to 20 - 25 = -5 */
	EXPECT_OK("setpriority -5 with RLIMIT_NICE 25", setpriority(PRIO_PROCESS, 0, -5));
	errno = 0;
	EXPECT_EQ("getpriority", getpriority(PRIO_PROCESS, 0), -5);
	EXPECT_ERR("setpriority -6", setpriority(PRIO_PROCESS, 0, -6), EACCES);
	EXPECT_OK("up to 3", setpriority(PRIO_PROCESS, 0, 3));
	EXPECT_OK("sched_setattr nice -5", setattr(SCHED_OTHER, -5, 0));
	EXPECT_ERR("sched_setattr nice -6", setattr(SCHED_OTHER, -6, 0), EPERM);
	EXPECT_OK("SCHED_IDLE", setattr(SCHED_IDLE, -5, 0));
	EXPECT_OK("and back to SCHED_OTHER within the limit", setattr(SCHED_OTHER, -5, 0));
}

static void rtprio_limit(void)
{
	limited(0, 10);
	EXPECT_ERR("SCHED_FIFO 11 with RLIMIT_RTPRIO 10", fifo(11), EPERM);
	EXPECT_OK("SCHED_FIFO 10", fifo(10));
	EXPECT_EQ("policy", sched_getscheduler(0), SCHED_FIFO);
	struct sched_param p = {.sched_priority = 5};
	EXPECT_OK("sched_setparam 5", sched_setparam(0, &p));
	p.sched_priority = 11;
	EXPECT_ERR("sched_setparam 11", sched_setparam(0, &p), EPERM);
	EXPECT_OK("sched_setattr SCHED_RR 10", setattr(SCHED_RR, 0, 10));
	EXPECT_ERR("sched_setattr SCHED_RR 11", setattr(SCHED_RR, 0, 11), EPERM);
	EXPECT_OK("back to SCHED_OTHER", other());
}

int main(void)
{
	run("RLIMIT_NICE 25", nice_limit);
	run("RLIMIT_RTPRIO 10", rtprio_limit);
	return conf_exit();
}
