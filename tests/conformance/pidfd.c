/* pidfd_open and waitid(P_PIDFD): a descriptor that names a process, polls readable when it exits, and waits for it. */
#include "conformance.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int pidfd_open(pid_t pid, unsigned flags) { return syscall(SYS_pidfd_open, pid, flags); }

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	int go[2];
	pipe(go);
	pid_t child = fork();
	if (child == 0) {
		char c;
		read(go[0], &c, 1);
		_exit(7);
	}
	int pfd = pidfd_open(child, 0);
	EXPECT_TRUE("pidfd_open of a child", pfd >= 0);
	EXPECT_EQ("it is close-on-exec", fcntl(pfd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	char link[64] = {0}, path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", pfd);
	readlink(path, link, sizeof link - 1);
	printf("its /proc link: %s\n", link);
	struct pollfd p = {pfd, POLLIN, 0};
	EXPECT_EQ("not readable while the process runs", poll(&p, 1, 0), 0);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	EXPECT_EQ("waitid WNOHANG on the running process", waitid(P_PIDFD, pfd, &si, WEXITED | WNOHANG), 0);
	EXPECT_EQ("  nothing reported", si.si_pid, 0);
	write(go[1], "x", 1);
	EXPECT_EQ("readable once it exits", poll(&p, 1, 10000), 1);
	EXPECT_EQ("  POLLIN", p.revents & (POLLIN | POLLHUP), POLLIN);
	memset(&si, 0, sizeof si);
	EXPECT_EQ("waitid(P_PIDFD) reaps it", waitid(P_PIDFD, pfd, &si, WEXITED), 0);
	EXPECT_TRUE("  the child's pid", si.si_pid == child);
	EXPECT_EQ("  its exit status", si.si_status, 7);
	EXPECT_EQ("  CLD_EXITED", si.si_code, CLD_EXITED);
	p.revents = 0;
	EXPECT_EQ("still readable after the reap", poll(&p, 1, 0), 1);
	EXPECT_ERR("waitid on the reaped process", waitid(P_PIDFD, pfd, &si, WEXITED), ECHILD);
	close(pfd);

	EXPECT_ERR("pidfd_open of pid 0", pidfd_open(0, 0), EINVAL);
	EXPECT_ERR("pidfd_open of a negative pid", pidfd_open(-5, 0), EINVAL);
	EXPECT_ERR("pidfd_open with a bad flag", pidfd_open(getpid(), 1), EINVAL);
	EXPECT_ERR("pidfd_open of no such process", pidfd_open(999999, 0), ESRCH);
	int self = pidfd_open(getpid(), O_NONBLOCK);
	EXPECT_TRUE("pidfd_open of itself, PIDFD_NONBLOCK", self >= 0);
	EXPECT_EQ("  O_NONBLOCK in its status flags", fcntl(self, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	EXPECT_ERR("waitid(P_PIDFD) on itself: not a child", waitid(P_PIDFD, self, &si, WEXITED | WNOHANG), ECHILD);
	EXPECT_ERR("waitid(P_PIDFD) on a pipe", waitid(P_PIDFD, go[0], &si, WEXITED), EBADF);
	EXPECT_ERR("waitid(P_PIDFD) on a closed fd", waitid(P_PIDFD, 900, &si, WEXITED), EBADF);
	EXPECT_ERR("read of a pidfd", read(self, link, 8), EINVAL);

	/* Through a PIDFD_NONBLOCK pidfd, a waitid that finds nothing fails with EAGAIN instead of waiting. */
	int go2[2];
	pipe(go2);
	pid_t child2 = fork();
	if (child2 == 0) {
		char c;
		read(go2[0], &c, 1);
		_exit(4);
	}
	int nb = pidfd_open(child2, O_NONBLOCK);
	memset(&si, 0, sizeof si);
	EXPECT_ERR("waitid through a PIDFD_NONBLOCK pidfd, still running", waitid(P_PIDFD, nb, &si, WEXITED), EAGAIN);
	EXPECT_EQ("  with WNOHANG it is 0", waitid(P_PIDFD, nb, &si, WEXITED | WNOHANG), 0);
	write(go2[1], "x", 1);
	struct pollfd pn = {nb, POLLIN, 0};
	poll(&pn, 1, 10000);
	memset(&si, 0, sizeof si);
	EXPECT_EQ("  once it exited the waitid reaps it", waitid(P_PIDFD, nb, &si, WEXITED), 0);
	EXPECT_EQ("  its status", si.si_status, 4);

	/* pidfd_getfd: a duplicate of the child's descriptor, sharing its open file description. */
	int pp[2];
	pipe(pp);
	int go3[2];
	pipe(go3);
	pid_t child3 = fork();
	if (child3 == 0) {
		char c;
		read(go3[0], &c, 1);
		_exit(0);
	}
	int wfd = pp[1];
	close(pp[1]); /* only the child holds the write end now */
	int pfd3 = pidfd_open(child3, 0);
	int got = syscall(SYS_pidfd_getfd, pfd3, wfd, 0);
	EXPECT_TRUE("pidfd_getfd of the child's pipe end", got >= 0);
	EXPECT_EQ("  close-on-exec", fcntl(got, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	write(got, "y", 1);
	char y = 0;
	read(pp[0], &y, 1);
	EXPECT_EQ("  it is the child's pipe", y, 'y');
	EXPECT_ERR("pidfd_getfd with flags", syscall(SYS_pidfd_getfd, pfd3, wfd, 1), EINVAL);
	EXPECT_ERR("pidfd_getfd of a closed descriptor", syscall(SYS_pidfd_getfd, pfd3, 900, 0), EBADF);
	EXPECT_ERR("pidfd_getfd through a pipe", syscall(SYS_pidfd_getfd, pp[0], wfd, 0), EBADF);
	write(go3[1], "x", 1);
	waitpid(child3, NULL, 0);
	EXPECT_ERR("pidfd_getfd after it exited", syscall(SYS_pidfd_getfd, pfd3, wfd, 0), ESRCH);
	return conf_exit();
}
