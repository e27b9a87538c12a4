/* sched_setattr and sched_getattr: the size handshake, policies, nice, flags and the documented errors. */
#include "conformance.h"

#include <sched.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
	uint8_t future[16];
};

static long setattr(struct attr *a, unsigned flags) { return syscall(SYS_sched_setattr, 0, a, flags); }
static long getattr(struct attr *a, unsigned size) { return syscall(SYS_sched_getattr, 0, a, size, 0); }

int main(void)
{
	struct attr a;
	memset(&a, 0, sizeof a);
	EXPECT_OK("sched_getattr", getattr(&a, 48));
	EXPECT_EQ("size written for a VER0 caller", a.size, 48);
	EXPECT_EQ("policy", a.policy, SCHED_OTHER);
	EXPECT_EQ("nice", a.nice, 0);
	memset(&a, 0, sizeof a);
	EXPECT_OK("sched_getattr with room for more", getattr(&a, sizeof a));
	EXPECT_EQ("size is the kernel's (VER1)", a.size, 56);
	EXPECT_ERR("sched_getattr size 40", getattr(&a, 40), EINVAL);
	/* A size above a page is EINVAL on Linux; qemu-user clamps it to its own struct first, so it is not checked here. */
	EXPECT_ERR("sched_getattr flags", syscall(SYS_sched_getattr, 0, &a, 48, 1), EINVAL);
	EXPECT_ERR("sched_getattr NULL", syscall(SYS_sched_getattr, 0, NULL, 48, 0), EINVAL);
	EXPECT_ERR("sched_getattr bad pointer", syscall(SYS_sched_getattr, 0, (void *)8, 48, 0), EFAULT);
	EXPECT_ERR("sched_getattr no such thread", syscall(SYS_sched_getattr, 999999, &a, 48, 0), ESRCH);

	memset(&a, 0, sizeof a);
	a.size = 48;
	a.policy = SCHED_BATCH;
	a.nice = 5;
	EXPECT_OK("sched_setattr SCHED_BATCH nice 5", setattr(&a, 0));
	EXPECT_EQ("sched_getscheduler", sched_getscheduler(0), SCHED_BATCH);
	memset(&a, 0, sizeof a);
	getattr(&a, 48);
	EXPECT_EQ("policy read back", a.policy, SCHED_BATCH);
	EXPECT_EQ("nice read back", a.nice, 5);
	a.size = 0; /* 0 means VER0 */
	a.policy = SCHED_FIFO;
	a.priority = 10;
	EXPECT_OK("SCHED_FIFO 10 as root", setattr(&a, 0));
	struct sched_param p;
	sched_getparam(0, &p);
	EXPECT_EQ("priority", p.sched_priority, 10);
	a.priority = 100;
	EXPECT_ERR("SCHED_FIFO 100", setattr(&a, 0), EINVAL);
	a.policy = SCHED_OTHER;
	a.priority = 1;
	EXPECT_ERR("SCHED_OTHER with a priority", setattr(&a, 0), EINVAL);
	a.priority = 0;
	a.policy = 42;
	EXPECT_ERR("unknown policy", setattr(&a, 0), EINVAL);
	a.policy = SCHED_OTHER;
	a.flags = 1ULL << 20;
	EXPECT_ERR("unknown flag", setattr(&a, 0), EINVAL);
	a.flags = 0;
	EXPECT_ERR("syscall flags", setattr(&a, 1), EINVAL);
	EXPECT_ERR("NULL attr", syscall(SYS_sched_setattr, 0, NULL, 0), EINVAL);
	EXPECT_ERR("negative pid", syscall(SYS_sched_setattr, -1, &a, 0), EINVAL);
	EXPECT_ERR("bad pointer", syscall(SYS_sched_setattr, 0, (void *)8, 0), EFAULT);
	a.size = 40;
	EXPECT_ERR("size 40", setattr(&a, 0), E2BIG);
	EXPECT_EQ("the kernel wrote its size", a.size, 56);
	a.size = sizeof a;
	a.future[3] = 1;
	EXPECT_ERR("unknown trailing fields set", setattr(&a, 0), E2BIG);
	EXPECT_EQ("the kernel wrote its size again", a.size, 56);
	a.future[3] = 0;
	a.size = sizeof a;
	EXPECT_OK("unknown trailing fields zero", setattr(&a, 0));
	EXPECT_EQ("back to SCHED_OTHER", sched_getscheduler(0), SCHED_OTHER);

	pid_t pid = fork();
	if (pid == 0) {
		if (setuid(54321) != 0)
			_exit(9);
		struct attr u;
		memset(&u, 0, sizeof u);
		u.size = 48;
		u.policy = SCHED_FIFO;
		u.priority = 1;
		int fifo = setattr(&u, 0) == -1 && errno == EPERM;
		u.policy = SCHED_OTHER;
		u.priority = 0;
		u.nice = 10;
		int up = setattr(&u, 0) == 0;
		u.nice = 2;
		int down = setattr(&u, 0) == -1 && errno == EPERM;
		_exit(fifo && up && down ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	EXPECT_TRUE("unprivileged: FIFO and a lower nice are EPERM, a higher nice is fine", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return conf_exit();
}
