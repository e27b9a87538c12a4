/* RLIMIT_SIGPENDING and RLIMIT_CPU as Linux enforces them.
 * SIGPENDING counts queued siginfos per real uid: a real-time signal from sigqueue or tgkill past the limit is EAGAIN,
 * kill's goes through without its siginfo, standard signals from kill always queue, a standard sigqueue signal past the
 * limit loses its siginfo, and each POSIX timer holds one. Each child runs as a uid of its own, so that no other
 * process's signals count.
 * CPU: SIGXCPU at the soft limit, which then moves one second on; SIGKILL at the hard limit; SIGXCPU's default action
 * ends the process. */
#include "conformance.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int queue(pid_t pid, int sig, int value)
{
	union sigval v = {.sival_int = value};
	return sigqueue(pid, sig, v);
}

static int take(int sig, siginfo_t *si)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	struct timespec zero = {0, 0};
	return sigtimedwait(&set, si, &zero);
}

static void become(uid_t uid, rlim_t sigpending)
{
	struct rlimit rl = {sigpending, sigpending};
	if (setrlimit(RLIMIT_SIGPENDING, &rl) != 0 || setresuid(uid, uid, uid) != 0)
		_exit(9);
}

static int child_status(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static void sigpending_self(void)
{
	become(61231, 2);
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGRTMIN);
	sigaddset(&block, SIGRTMIN + 1);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, NULL);

	EXPECT_OK("sigqueue SIGRTMIN 1", queue(getpid(), SIGRTMIN, 1));
	EXPECT_OK("sigqueue SIGRTMIN 2", queue(getpid(), SIGRTMIN, 2));
	EXPECT_ERR("sigqueue a third past RLIMIT_SIGPENDING 2", queue(getpid(), SIGRTMIN, 3), EAGAIN);
	EXPECT_ERR("tgkill of a real-time signal past it", syscall(SYS_tgkill, getpid(), gettid(), SIGRTMIN + 1), EAGAIN);
	EXPECT_OK("kill of a real-time signal past it", kill(getpid(), SIGRTMIN + 1));
	EXPECT_OK("kill of a standard signal past it", kill(getpid(), SIGUSR1));
	EXPECT_OK("sigqueue of a standard signal past it", queue(getpid(), SIGUSR2, 7));
	timer_t timer;
	struct sigevent ev = {.sigev_notify = SIGEV_NONE};
	EXPECT_ERR("timer_create past it", timer_create(CLOCK_MONOTONIC, &ev, &timer), EAGAIN);

	siginfo_t si;
	EXPECT_EQ("SIGUSR1 pending", take(SIGUSR1, &si), SIGUSR1);
	EXPECT_TRUE("with kill's siginfo", si.si_code == SI_USER && si.si_pid == getpid());
	EXPECT_EQ("SIGUSR2 pending", take(SIGUSR2, &si), SIGUSR2);
	EXPECT_TRUE("without its siginfo (SI_USER, pid 0, no value)", si.si_code == SI_USER && si.si_pid == 0 && si.si_value.sival_int == 0);
	EXPECT_EQ("first SIGRTMIN", take(SIGRTMIN, &si), SIGRTMIN);
	EXPECT_TRUE("SI_QUEUE with value 1", si.si_code == SI_QUEUE && si.si_value.sival_int == 1);
	EXPECT_EQ("second SIGRTMIN", take(SIGRTMIN, &si), SIGRTMIN);
	EXPECT_EQ("value 2", si.si_value.sival_int, 2);
	EXPECT_ERR("no third", take(SIGRTMIN, &si), EAGAIN);
	EXPECT_EQ("SIGRTMIN+1 from kill", take(SIGRTMIN + 1, &si), SIGRTMIN + 1);
	EXPECT_TRUE("without its siginfo (pid 0)", si.si_code == SI_USER && si.si_pid == 0);
	EXPECT_ERR("only once", take(SIGRTMIN + 1, &si), EAGAIN);

	/* A POSIX timer holds one of the two while it exists. */
	EXPECT_OK("timer_create with room", timer_create(CLOCK_MONOTONIC, &ev, &timer));
	EXPECT_OK("one sigqueue beside the timer", queue(getpid(), SIGRTMIN, 4));
	EXPECT_ERR("a second is past the limit", queue(getpid(), SIGRTMIN, 5), EAGAIN);
	EXPECT_OK("timer_delete", timer_delete(timer));
	EXPECT_OK("then it fits", queue(getpid(), SIGRTMIN, 6));
	EXPECT_EQ("drain", take(SIGRTMIN, &si), SIGRTMIN);
	EXPECT_EQ("drain", take(SIGRTMIN, &si), SIGRTMIN);

	/* Another process of the same uid: the count is per user, the EAGAIN the sender's. */
	int ready[2], done[2];
	if (pipe(ready) != 0 || pipe(done) != 0)
		_exit(8);
	pid_t other = fork();
	if (other == 0) {
		char c = 0;
		write(ready[1], &c, 1);
		read(done[0], &c, 1);
		siginfo_t got;
		int n = 0;
		while (take(SIGRTMIN, &got) == SIGRTMIN)
			n++;
		_exit(n);
	}
	char c;
	read(ready[0], &c, 1);
	EXPECT_OK("sigqueue to another process", queue(other, SIGRTMIN, 1));
	EXPECT_OK("a second", queue(other, SIGRTMIN, 2));
	EXPECT_ERR("a third", queue(other, SIGRTMIN, 3), EAGAIN);
	EXPECT_ERR("and none for the sender itself", queue(getpid(), SIGRTMIN, 4), EAGAIN);
	write(done[1], &c, 1);
	int status = child_status(other);
	EXPECT_TRUE("the other process took two", WIFEXITED(status) && WEXITSTATUS(status) == 2);
	EXPECT_OK("room again once it took them", queue(getpid(), SIGRTMIN, 5));
	exit(conf_exit());
}

static volatile sig_atomic_t xcpu;
static volatile rlim_t soft_after;

static void on_xcpu(int sig)
{
	(void)sig;
	struct rlimit rl;
	getrlimit(RLIMIT_CPU, &rl);
	soft_after = rl.rlim_cur;
	xcpu++;
}

static void spin(void)
{
	for (;;)
		;
}

int main(void)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		sigpending_self();
	int status = child_status(pid);
	EXPECT_TRUE("RLIMIT_SIGPENDING child passed", WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* Soft 1 s, hard 2 s: one SIGXCPU, the soft limit moves to 2, then SIGKILL at 2 s. */
	int report[2];
	if (pipe(report) != 0)
		return 1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = {1, 2};
		signal(SIGXCPU, on_xcpu);
		setrlimit(RLIMIT_CPU, &rl);
		for (;;) {
			if (xcpu) {
				int got[2] = {xcpu, (int)soft_after};
				write(report[1], got, sizeof got);
				xcpu = 0;
			}
		}
	}
	close(report[1]);
	status = child_status(pid);
	int got[2] = {0, 0}, n = 0, last[2] = {0, 0};
	while (read(report[0], got, sizeof got) == sizeof got) {
		n++;
		last[0] = got[0];
		last[1] = got[1];
	}
	close(report[0]);
	EXPECT_EQ("SIGXCPU handled once before the hard limit", n, 1);
	EXPECT_EQ("one signal at a time", last[0], 1);
	EXPECT_EQ("the soft limit moved one second on", last[1], 2);
	EXPECT_TRUE("SIGKILL at the hard limit", WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	/* SIGXCPU's default action ends the process. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct rlimit core = {0, 0}, rl = {1, RLIM_INFINITY};
		setrlimit(RLIMIT_CORE, &core);
		setrlimit(RLIMIT_CPU, &rl);
		spin();
	}
	status = child_status(pid);
	EXPECT_TRUE("default action: killed by SIGXCPU", WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU);
	return conf_exit();
}
