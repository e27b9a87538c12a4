/* clone3 and clone beyond fork: CLONE_PIDFD (a close-on-exec pidfd for the child, written before it runs),
 * CLONE_CLEAR_SIGHAND (handlers back to default, ignored signals kept), set_tid (exactly that pid, with CAP_SYS_ADMIN,
 * EEXIST while it is taken) and their errnos. Native oracle: qemu-user 7.2 has no clone3. */
#include "../conformance.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long clone3_call(struct clone_args *a) { return syscall(SYS_clone3, a, sizeof *a); }

static int finish(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void on_usr1(int sig) { (void)sig; }

static void pidfds(void)
{
	int pidfd = -1;
	struct clone_args a = { .flags = CLONE_PIDFD, .pidfd = (uintptr_t)&pidfd, .exit_signal = SIGCHLD };
	fflush(stdout);
	long pid = clone3_call(&a);
	if (pid == 0) {
		usleep(100000);
		_exit(3);
	}
	EXPECT_TRUE("clone3 CLONE_PIDFD", pid > 0 && pidfd >= 0);
	EXPECT_TRUE("the pidfd is close-on-exec", (fcntl(pidfd, F_GETFD) & FD_CLOEXEC) != 0);
	EXPECT_OK("pidfd_send_signal 0", syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0));
	struct pollfd p = { pidfd, POLLIN, 0 };
	EXPECT_EQ("not readable while the child runs", poll(&p, 1, 0), 0);
	EXPECT_EQ("readable once it exits", poll(&p, 1, 5000), 1);
	EXPECT_EQ("the child's status", finish(pid), 3);
	close(pidfd);

	pidfd = -1;
	fflush(stdout);
	pid = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0);
	if (pid == 0)
		_exit(4);
	EXPECT_TRUE("clone CLONE_PIDFD stores it at parent_tid", pid > 0 && pidfd >= 0);
	EXPECT_EQ("its status", finish(pid), 4);
	close(pidfd);
	EXPECT_ERR("clone CLONE_PIDFD|CLONE_PARENT_SETTID", syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &pidfd, 0, 0), EINVAL);
	EXPECT_ERR("clone CLONE_PIDFD|CLONE_DETACHED", syscall(SYS_clone, CLONE_PIDFD | CLONE_DETACHED | SIGCHLD, 0, &pidfd, 0, 0), EINVAL);
	a.pidfd = 8;
	EXPECT_ERR("clone3 CLONE_PIDFD to a bad address", clone3_call(&a), EFAULT);
	EXPECT_ERR("no child was made", waitpid(-1, NULL, WNOHANG), ECHILD);
}

static void clear_sighand(void)
{
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, SIG_IGN);
	struct clone_args a = { .flags = CLONE_CLEAR_SIGHAND, .exit_signal = SIGCHLD };
	fflush(stdout);
	long pid = clone3_call(&a);
	if (pid == 0) {
		struct sigaction sa1, sa2;
		sigaction(SIGUSR1, NULL, &sa1);
		sigaction(SIGUSR2, NULL, &sa2);
		_exit((sa1.sa_handler == SIG_DFL ? 1 : 0) | (sa2.sa_handler == SIG_IGN ? 2 : 0));
	}
	EXPECT_EQ("handler reset, ignore kept", finish(pid), 3);
	struct sigaction sa;
	sigaction(SIGUSR1, NULL, &sa);
	EXPECT_TRUE("the parent keeps its handler", sa.sa_handler == on_usr1);
	a.flags = CLONE_CLEAR_SIGHAND | CLONE_SIGHAND | CLONE_VM;
	EXPECT_ERR("CLONE_CLEAR_SIGHAND with CLONE_SIGHAND", clone3_call(&a), EINVAL);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
}

static void set_tids(void)
{
	pid_t want = 1000; /* below any pid_max; the first free one from there */
	while (kill(want, 0) == 0 || errno != ESRCH)
		want++;
	pid_t tid = want;
	struct clone_args a = { .exit_signal = SIGCHLD, .set_tid = (uintptr_t)&tid, .set_tid_size = 1 };
	int go[2];
	(void)!pipe(go);
	fflush(stdout);
	long pid = clone3_call(&a);
	if (pid == 0) {
		char c;
		(void)!read(go[0], &c, 1);
		_exit(getpid() == want ? 0 : 1);
	}
	EXPECT_TRUE("set_tid gives exactly that pid", pid == want);
	EXPECT_ERR("set_tid of a pid in use", clone3_call(&a), EEXIST);
	(void)!write(go[1], "g", 1);
	EXPECT_EQ("the child saw its pid", finish(pid), 0);
	a.set_tid_size = 0;
	EXPECT_ERR("set_tid without a size", clone3_call(&a), EINVAL);
	a.set_tid = 0;
	a.set_tid_size = 1;
	EXPECT_ERR("a size without set_tid", clone3_call(&a), EINVAL);
	pid_t two[2] = { want, want + 1 };
	a.set_tid = (uintptr_t)two;
	a.set_tid_size = 2;
	EXPECT_ERR("more pids than namespace levels", clone3_call(&a), EINVAL);
	tid = -5;
	a.set_tid = (uintptr_t)&tid;
	a.set_tid_size = 1;
	EXPECT_ERR("a negative pid", clone3_call(&a), EINVAL);
	a.set_tid = 8;
	EXPECT_ERR("set_tid at a bad address", clone3_call(&a), EFAULT);
	fflush(stdout);
	pid_t nobody = fork();
	if (nobody == 0) {
		if (setuid(65534) != 0)
			printf("setuid failed\n");
		tid = want + 100;
		a.set_tid = (uintptr_t)&tid;
		EXPECT_ERR("nobody: set_tid", clone3_call(&a), EPERM);
		fflush(stdout);
		_exit(conf_failures != 0);
	}
	EXPECT_EQ("unprivileged child passed", finish(nobody), 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	pidfds();
	clear_sighand();
	set_tids();
	return conf_failures != 0;
}
