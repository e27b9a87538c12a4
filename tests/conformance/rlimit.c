/* getrlimit, setrlimit and prlimit64: values set are read back, and the documented errors. */
#include "conformance.h"

#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	struct rlimit rl, got;
	EXPECT_OK("getrlimit RLIMIT_NOFILE", getrlimit(RLIMIT_NOFILE, &rl));
	rl.rlim_cur = 100;
	EXPECT_OK("setrlimit RLIMIT_NOFILE soft 100", syscall(SYS_setrlimit, RLIMIT_NOFILE, &rl));
	EXPECT_OK("getrlimit", getrlimit(RLIMIT_NOFILE, &got));
	EXPECT_EQ("soft limit read back", got.rlim_cur, 100);
	EXPECT_TRUE("hard limit kept", got.rlim_max == rl.rlim_max);
	EXPECT_EQ("dup2 to fd 99", dup2(0, 99), 99);
	EXPECT_ERR("dup2 to fd 100", dup2(0, 100), EBADF);

	struct rlimit bad = {10, 5};
	EXPECT_ERR("setrlimit soft above hard", syscall(SYS_setrlimit, RLIMIT_NOFILE, &bad), EINVAL);
	EXPECT_ERR("setrlimit bad resource", syscall(SYS_setrlimit, 99, &rl), EINVAL);
	EXPECT_ERR("setrlimit bad pointer", syscall(SYS_setrlimit, RLIMIT_NOFILE, (void *)8), EFAULT);
	EXPECT_ERR("getrlimit bad pointer", syscall(SYS_getrlimit, RLIMIT_NOFILE, (void *)8), EFAULT);
	EXPECT_ERR("getrlimit bad resource", syscall(SYS_getrlimit, 99, &got), EINVAL);
	struct rlimit huge = {1u << 21, 1u << 21};
	EXPECT_ERR("RLIMIT_NOFILE above fs.nr_open", syscall(SYS_setrlimit, RLIMIT_NOFILE, &huge), EPERM);

	struct rlimit core = {0, 0};
	EXPECT_OK("prlimit64 sets RLIMIT_CORE", syscall(SYS_prlimit64, 0, RLIMIT_CORE, &core, &got));
	EXPECT_OK("prlimit64 reads it", syscall(SYS_prlimit64, 0, RLIMIT_CORE, NULL, &got));
	EXPECT_EQ("RLIMIT_CORE soft", got.rlim_cur, 0);
	EXPECT_EQ("RLIMIT_CORE hard", got.rlim_max, 0);
	EXPECT_ERR("prlimit64 bad resource", syscall(SYS_prlimit64, 0, 99, NULL, &got), EINVAL);

	/* Lowering a hard limit is one-way for an unprivileged process. */
	if (setuid(54321) == 0) {
		struct rlimit up = {0, 1024};
		EXPECT_ERR("an unprivileged process cannot raise a hard limit", syscall(SYS_setrlimit, RLIMIT_CORE, &up), EPERM);
	}
	return conf_exit();
}
