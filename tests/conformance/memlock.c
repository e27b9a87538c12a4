/* mlock, mlock2, munlock, mlockall, munlockall, mincore, msync and membarrier with their errnos. */
#include "conformance.h"

#include <linux/membarrier.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long vmlck_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	const size_t page = 4096;
	char *m = mmap(NULL, 16 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char vec[16];
	EXPECT_EQ("mincore of fresh memory", mincore(m, 16 * page, vec), 0);
	int resident = 0;
	for (int i = 0; i < 16; i++)
		resident += vec[i] & 1;
	EXPECT_EQ("  nothing resident", resident, 0);
	m[0] = 1;
	m[5 * page] = 1;
	mincore(m, 16 * page, vec);
	EXPECT_TRUE("  touched pages become resident", (vec[0] & 1) && (vec[5] & 1) && !(vec[1] & 1));
	EXPECT_ERR("mincore of an unaligned address", mincore(m + 1, page, vec), EINVAL);
	EXPECT_ERR("mincore past the mapping", mincore(m + 15 * page, 4 * page, vec), ENOMEM);
	EXPECT_ERR("mincore to a bad vector", mincore(m, page, (unsigned char *)8), EFAULT);

	long before = vmlck_kb();
	EXPECT_EQ("mlock 4 pages", mlock(m + 8 * page, 4 * page), 0);
	EXPECT_EQ("  VmLck grows by 16 kB", vmlck_kb() - before, 16);
	mincore(m, 16 * page, vec);
	EXPECT_TRUE("  they are resident", (vec[8] & 1) && (vec[11] & 1));
	EXPECT_EQ("  the contents stay", m[0] + m[5 * page] + m[8 * page], 2);
	EXPECT_EQ("munlock them", munlock(m + 8 * page, 4 * page), 0);
	EXPECT_EQ("  VmLck is back", vmlck_kb(), before);
	EXPECT_EQ("mlock of an unaligned address rounds", mlock(m + 100, 10), 0);
	munlock(m, page);
	EXPECT_ERR("mlock past the mapping", mlock(m + 15 * page, 4 * page), ENOMEM);
	EXPECT_ERR("munlock past the mapping", munlock(m + 15 * page, 4 * page), ENOMEM);
	EXPECT_EQ("mlock of nothing", mlock(m, 0), 0);
	/* mlock2(MLOCK_ONFAULT) and mlockall's unknown flags are in kernel-only/memlock_flags.c: qemu-user refuses the
	 * first and drops the second's unknown bits. */
	EXPECT_ERR("mlock2 with a bad flag", mlock2(m, page, 2), EINVAL);
	EXPECT_ERR("mlockall(0)", mlockall(0), EINVAL);
	EXPECT_ERR("mlockall(MCL_ONFAULT) alone", mlockall(MCL_ONFAULT), EINVAL);
	EXPECT_EQ("mlockall(MCL_FUTURE)", mlockall(MCL_FUTURE), 0);
	long with_future = vmlck_kb();
	char *n = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT_EQ("  a new mapping is locked", vmlck_kb() - with_future, 8);
	EXPECT_EQ("munlockall", munlockall(), 0);
	EXPECT_EQ("  nothing locked", vmlck_kb(), 0);
	munmap(n, 2 * page);

	/* Not root: RLIMIT_MEMLOCK applies. */
	pid_t child = fork();
	if (child == 0) {
		if (setuid(65534) != 0)
			_exit(9);
		struct rlimit lim = {2 * page, 2 * page};
		setrlimit(RLIMIT_MEMLOCK, &lim);
		EXPECT_EQ("within RLIMIT_MEMLOCK", mlock(m, 2 * page), 0);
		EXPECT_ERR("beyond RLIMIT_MEMLOCK", mlock(m + 4 * page, page), ENOMEM);
		munlock(m, 2 * page);
		struct rlimit none = {0, 0};
		setrlimit(RLIMIT_MEMLOCK, &none);
		EXPECT_ERR("with RLIMIT_MEMLOCK 0", mlock(m, page), EPERM);
		EXPECT_ERR("mlockall with RLIMIT_MEMLOCK 0", mlockall(MCL_CURRENT), EPERM);
		_exit(conf_exit());
	}
	int status;
	waitpid(child, &status, 0);
	EXPECT_TRUE("the unprivileged child passed", WIFEXITED(status) && WEXITSTATUS(status) == 0);

	EXPECT_EQ("msync(MS_SYNC)", msync(m, page, MS_SYNC), 0);
	EXPECT_EQ("msync(MS_ASYNC)", msync(m, page, MS_ASYNC), 0);
	EXPECT_ERR("msync with MS_SYNC|MS_ASYNC", msync(m, page, MS_SYNC | MS_ASYNC), EINVAL);
	EXPECT_ERR("msync with a bad flag", msync(m, page, 8), EINVAL);
	EXPECT_ERR("msync of an unaligned address", msync(m + 1, page, MS_SYNC), EINVAL);
	EXPECT_ERR("msync past the mapping", msync(m + 15 * page, 4 * page, MS_SYNC), ENOMEM);
	mlock(m, page);
	EXPECT_ERR("msync(MS_INVALIDATE) of locked pages", msync(m, page, MS_INVALIDATE), EBUSY);
	munlock(m, page);

	long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	EXPECT_TRUE("membarrier QUERY lists GLOBAL and PRIVATE_EXPEDITED", q > 0 && (q & MEMBARRIER_CMD_GLOBAL) && (q & MEMBARRIER_CMD_PRIVATE_EXPEDITED));
	EXPECT_EQ("membarrier GLOBAL", syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0), 0);
	EXPECT_ERR("PRIVATE_EXPEDITED before registering", syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0), EPERM);
	EXPECT_EQ("REGISTER_PRIVATE_EXPEDITED", syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0), 0);
	EXPECT_EQ("PRIVATE_EXPEDITED", syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0), 0);
	EXPECT_ERR("membarrier with a bad command", syscall(SYS_membarrier, 3, 0, 0), EINVAL);
	EXPECT_ERR("membarrier with a bad flag", syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 2, 0), EINVAL);
	return conf_exit();
}
