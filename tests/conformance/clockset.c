/* Setting and adjusting the clock: the errnos every caller can meet, and EPERM without CAP_SYS_TIME (in a child
 * that dropped root). Nothing here may succeed in setting a clock: under the oracle it would be the host's.
 * Setting the sandbox's clock as root is checked in kernel-only/clockset_root.c. */
#include "conformance.h"

#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	EXPECT_ERR("clock_settime(CLOCK_MONOTONIC)", clock_settime(CLOCK_MONOTONIC, &now), EINVAL);
	EXPECT_ERR("clock_settime of an unknown clock", clock_settime(42, &now), EINVAL);
	struct timespec bad = {now.tv_sec, 1000000000};
	EXPECT_ERR("clock_settime with nsec out of range", clock_settime(CLOCK_REALTIME, &bad), EINVAL);
	struct timespec negative = {-1, 0};
	EXPECT_ERR("clock_settime before the epoch", clock_settime(CLOCK_REALTIME, &negative), EINVAL);
	EXPECT_ERR("clock_settime from a bad pointer", syscall(SYS_clock_settime, CLOCK_REALTIME, (void *)8), EFAULT);
	struct timeval badtv = {now.tv_sec, 1000000};
	EXPECT_ERR("settimeofday with usec out of range", settimeofday(&badtv, NULL), EINVAL);
	EXPECT_ERR("settimeofday from a bad pointer", syscall(SYS_settimeofday, (void *)8, NULL), EFAULT);

	struct timex tx;
	memset(&tx, 0, sizeof tx);
	int state = adjtimex(&tx);
	EXPECT_TRUE("adjtimex reading the state", state >= TIME_OK && state <= TIME_ERROR);
	EXPECT_TRUE("  its time is the real time", tx.time.tv_sec >= now.tv_sec && tx.time.tv_sec < now.tv_sec + 60);
	EXPECT_ERR("adjtimex from a bad pointer", syscall(SYS_adjtimex, (void *)8), EFAULT);
	memset(&tx, 0, sizeof tx);
	EXPECT_TRUE("clock_adjtime(CLOCK_REALTIME) reading", clock_adjtime(CLOCK_REALTIME, &tx) >= 0);
	EXPECT_ERR("clock_adjtime(CLOCK_MONOTONIC)", clock_adjtime(CLOCK_MONOTONIC, &tx), EOPNOTSUPP);

	pid_t child = fork();
	if (child == 0) {
		if (setuid(65534) != 0)
			_exit(9);
		EXPECT_ERR("clock_settime without CAP_SYS_TIME", clock_settime(CLOCK_REALTIME, &now), EPERM);
		struct timeval tv = {now.tv_sec, 0};
		EXPECT_ERR("settimeofday without CAP_SYS_TIME", settimeofday(&tv, NULL), EPERM);
		struct timex set;
		memset(&set, 0, sizeof set);
		set.modes = ADJ_FREQUENCY;
		EXPECT_ERR("adjtimex(ADJ_FREQUENCY) without CAP_SYS_TIME", adjtimex(&set), EPERM);
		memset(&set, 0, sizeof set);
		set.modes = ADJ_SETOFFSET;
		EXPECT_ERR("clock_adjtime(ADJ_SETOFFSET) without CAP_SYS_TIME", clock_adjtime(CLOCK_REALTIME, &set), EPERM);
		memset(&set, 0, sizeof set);
		EXPECT_TRUE("  reading needs no capability", adjtimex(&set) >= 0);
		_exit(conf_exit());
	}
	int status;
	waitpid(child, &status, 0);
	EXPECT_TRUE("the unprivileged child passed", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return conf_exit();
}
