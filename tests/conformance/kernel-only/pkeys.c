/* Protection keys as arm64 Linux gives them without protection-key hardware (no POE): pkey_alloc checks its
 * arguments and then has no key to give (ENOSPC), pkey_free has nothing to free (EINVAL), and pkey_mprotect is
 * mprotect for the default key (0 or -1) and EINVAL for any other, after mprotect's own checks. Kernel-only: qemu-user
 * passes these calls to the x86 host, whose keys (PKU) behave differently. */
#include "../conformance.h"
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	EXPECT_ERR("pkey_alloc", syscall(SYS_pkey_alloc, 0, 0), ENOSPC);
	EXPECT_ERR("pkey_alloc PKEY_DISABLE_WRITE", syscall(SYS_pkey_alloc, 0, 2), ENOSPC);
	EXPECT_ERR("pkey_alloc flags", syscall(SYS_pkey_alloc, 1, 0), EINVAL);
	EXPECT_ERR("pkey_alloc bad init_val", syscall(SYS_pkey_alloc, 0, 0x10), EINVAL);
	EXPECT_ERR("pkey_free 0", syscall(SYS_pkey_free, 0), EINVAL);
	EXPECT_ERR("pkey_free 1", syscall(SYS_pkey_free, 1), EINVAL);

	char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p[0] = 1;
	EXPECT_OK("pkey_mprotect key 0", syscall(SYS_pkey_mprotect, p, 4096, PROT_READ, 0));
	EXPECT_OK("pkey_mprotect key -1", syscall(SYS_pkey_mprotect, p + 4096, 4096, PROT_READ | PROT_WRITE, -1));
	p[4096] = 2;
	EXPECT_ERR("pkey_mprotect key 1", syscall(SYS_pkey_mprotect, p, 4096, PROT_READ, 1), EINVAL);
	EXPECT_EQ("pkey_mprotect key 1, zero length", syscall(SYS_pkey_mprotect, p, 0, PROT_READ, 1), 0);
	EXPECT_ERR("pkey_mprotect unaligned", syscall(SYS_pkey_mprotect, p + 1, 4096, PROT_READ, 1), EINVAL);
	EXPECT_ERR("pkey_mprotect wrapping", syscall(SYS_pkey_mprotect, p, -4096UL, PROT_READ, 1), ENOMEM);
	EXPECT_ERR("pkey_mprotect key 0 unmapped", syscall(SYS_pkey_mprotect, (void *)0x1000, 4096, PROT_READ, 0), ENOMEM);
	/* key 0 really changed the protection: a store now faults */
	pid_t pid = fork();
	if (pid == 0) {
		p[0] = 3;
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	EXPECT_TRUE("store to the page pkey_mprotect made read-only faults", WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	return conf_failures != 0;
}
