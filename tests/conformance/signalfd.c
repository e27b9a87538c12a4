/* signalfd4: pending signals of the mask read as signalfd_siginfo records, readiness in poll, a new mask for an
 * existing descriptor, and the errnos. */
#include "conformance.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	EXPECT_TRUE("signalfd", fd >= 0);
	EXPECT_EQ("  close-on-exec", fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	EXPECT_EQ("  non-blocking", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0, 1);
	struct signalfd_siginfo si[4];
	EXPECT_ERR("read with nothing pending", read(fd, si, sizeof si), EAGAIN);
	struct pollfd p = {fd, POLLIN, 0};
	EXPECT_EQ("poll: not readable", poll(&p, 1, 0), 0);
	raise(SIGUSR1);
	EXPECT_EQ("poll: readable with SIGUSR1 pending", poll(&p, 1, 0), 1);
	EXPECT_EQ("read takes one record", read(fd, si, sizeof si), (long)sizeof si[0]);
	EXPECT_EQ("  ssi_signo", si[0].ssi_signo, SIGUSR1);
	EXPECT_TRUE("  ssi_code SI_TKILL (raise)", si[0].ssi_code == SI_TKILL);
	EXPECT_TRUE("  ssi_pid is ours", si[0].ssi_pid == (unsigned)getpid());
	sigset_t pend;
	sigpending(&pend);
	EXPECT_EQ("  it is no longer pending", sigismember(&pend, SIGUSR1), 0);
	EXPECT_ERR("read into less than a record", read(fd, si, 100), EINVAL);

	union sigval v = {.sival_int = 31};
	sigqueue(getpid(), SIGUSR1, v);
	EXPECT_EQ("a sigqueue'd signal", read(fd, si, sizeof si), (long)sizeof si[0]);
	EXPECT_EQ("  ssi_int", si[0].ssi_int, 31);

	pid_t child = fork();
	if (child == 0)
		_exit(9);
	struct pollfd pw = {fd, POLLIN, 0};
	poll(&pw, 1, 5000);
	EXPECT_EQ("SIGCHLD arrives as a record", read(fd, si, sizeof si), (long)sizeof si[0]);
	EXPECT_EQ("  ssi_signo", si[0].ssi_signo, SIGCHLD);
	EXPECT_EQ("  ssi_code CLD_EXITED", si[0].ssi_code, CLD_EXITED);
	EXPECT_EQ("  ssi_status", si[0].ssi_status, 9);
	EXPECT_TRUE("  ssi_pid", si[0].ssi_pid == (unsigned)child);
	waitpid(child, NULL, 0);

	/* A new mask for the same descriptor. */
	sigset_t only2;
	sigemptyset(&only2);
	sigaddset(&only2, SIGUSR2);
	EXPECT_EQ("signalfd on an existing descriptor returns it", signalfd(fd, &only2, 0), fd);
	sigset_t b2;
	sigemptyset(&b2);
	sigaddset(&b2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &b2, NULL);
	raise(SIGUSR1);
	EXPECT_ERR("  SIGUSR1 is no longer read", read(fd, si, sizeof si), EAGAIN);
	raise(SIGUSR2);
	EXPECT_EQ("  SIGUSR2 is", read(fd, si, sizeof si), (long)sizeof si[0]);
	struct timespec z = {0, 0};
	EXPECT_EQ("  SIGUSR1 stayed pending", sigtimedwait(&mask, NULL, &z), SIGUSR1);

	/* A blocking signalfd waits for a signal sent later. */
	int bfd = signalfd(-1, &mask, 0);
	pid_t parent = getpid();
	child = fork();
	if (child == 0) {
		usleep(50000);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	EXPECT_EQ("a blocking read waits for the signal", read(bfd, si, sizeof si[0]), (long)sizeof si[0]);
	EXPECT_EQ("  SIGUSR1", si[0].ssi_signo, SIGUSR1);
	waitpid(child, NULL, 0);
	struct timespec drain = {0, 0};
	while (sigtimedwait(&mask, NULL, &drain) > 0)
		;

	EXPECT_ERR("signalfd with a bad flag", syscall(SYS_signalfd4, -1, &mask, 8, 1), EINVAL);
	/* A size other than 8 (EINVAL) is checked in kernel-only/signalfd_size.c: qemu-user ignores the size. */
	EXPECT_ERR("signalfd from a bad pointer", syscall(SYS_signalfd4, -1, (void *)8, 8, 0), EFAULT);
	EXPECT_ERR("signalfd on a closed descriptor", signalfd(77, &mask, 0), EBADF);
	int pipefd[2];
	pipe(pipefd);
	EXPECT_ERR("signalfd on a pipe", signalfd(pipefd[0], &mask, 0), EINVAL);
	EXPECT_ERR("write to a signalfd", write(fd, si, sizeof si[0]), EINVAL);
	return conf_exit();
}
