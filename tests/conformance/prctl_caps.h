/* Helpers of the prctl programs: the calling thread's capability sets (capget/capset, version 3) and prctl's
 * constants that older headers lack. */
#ifndef PRCTL_CAPS_H
#define PRCTL_CAPS_H

#include "procfs.h"

#include <linux/capability.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#define PR_GET_MDWE 66
#define PR_MDWE_REFUSE_EXEC_GAIN 1
#define PR_MDWE_NO_INHERIT 2
#endif
#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#define PR_GET_MEMORY_MERGE 68
#endif
#ifndef PR_GET_AUXV
#define PR_GET_AUXV 0x41555856
#endif
#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

struct capsets {
	uint64_t effective, permitted, inheritable;
};

static inline struct capsets caps_get(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	struct capsets c = {0, 0, 0};
	if (syscall(SYS_capget, &h, d) == 0) {
		c.effective = d[0].effective | (uint64_t)d[1].effective << 32;
		c.permitted = d[0].permitted | (uint64_t)d[1].permitted << 32;
		c.inheritable = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	}
	return c;
}

static inline long caps_set(struct capsets c)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2] = {
		{(uint32_t)c.effective, (uint32_t)c.permitted, (uint32_t)c.inheritable},
		{(uint32_t)(c.effective >> 32), (uint32_t)(c.permitted >> 32), (uint32_t)(c.inheritable >> 32)},
	};
	return syscall(SYS_capset, &h, d);
}

/* A capability set line of /proc/self/status ("CapAmb:" ...) as a number. */
static inline uint64_t status_caps(const char *label)
{
	if (slurp("/proc/self/status") < 0)
		return ~0ULL;
	const char *v = line_value(label);
	return v ? strtoull(v, NULL, 16) : ~0ULL;
}

#define CAP_BIT(c) (1ULL << (c))

#include <sys/wait.h>
#include <unistd.h>

/* Runs body in a forked child that exits with its conformance verdict; returns the exit status (100 + a signal). */
static inline int run_in_child(void (*body)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		body();
		fflush(stdout);
		_exit(conf_exit());
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

#endif
