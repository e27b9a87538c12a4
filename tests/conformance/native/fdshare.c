/* close_range(CLOSE_RANGE_UNSHARE) in a process that shares its descriptor table with its parent
 * (clone with CLONE_FILES), which qemu-aarch64 refuses with EINVAL: the host kernel is the oracle. */
#include "../conformance.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int is_open(int fd) { return fcntl(fd, F_GETFD) >= 0; }

int main(void)
{
	int a = open("/dev/null", O_RDONLY);
	int b = open("/dev/null", O_RDONLY);
	int c = open("/dev/null", O_RDONLY);
	fflush(stdout);
	/* Every argument after the flags is 0, so the order (which differs between architectures) does not matter. */
	long pid = syscall(SYS_clone, (long)(CLONE_FILES | SIGCHLD), 0L, 0L, 0L, 0L);
	if (pid == 0) {
		close(c);                                               /* the shared table: the parent loses c */
		syscall(SYS_close_range, a, a, CLOSE_RANGE_UNSHARE);    /* closes a in a copy of its own */
		close(b);                                               /* its own table from now on */
		_exit(0);
	}
	EXPECT_TRUE("clone(CLONE_FILES) made a child", pid > 0);
	EXPECT_TRUE("waitpid", waitpid(pid, NULL, 0) == pid);
	EXPECT_TRUE("a close before unsharing reached the parent", !is_open(c));
	EXPECT_TRUE("close_range UNSHARE closed the child's copy only", is_open(a));
	EXPECT_TRUE("later closes stay in the child's table", is_open(b));
	return conf_exit();
}
