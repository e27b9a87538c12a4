/* Job control: stop signals stop a process, SIGCONT resumes it; the parent sees both through SIGCHLD
 * (CLD_STOPPED, CLD_CONTINUED unless SA_NOCLDSTOP), wait4 with WUNTRACED/WCONTINUED and waitid. */
#include "conformance.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t chld_code, chld_status, chld_hits;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	chld_hits++;
	chld_code = si->si_code;
	chld_status = si->si_status;
}

static void wait_for_chld(int hits)
{
	for (int i = 0; i < 300 && chld_hits < hits; i++)
		usleep(10000);
}

static void proc_state(pid_t pid, char *out)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	*out = '?';
	if (!f)
		return;
	if (fgets(buf, sizeof buf, f)) {
		char *p = strrchr(buf, ')');
		if (p && p[1])
			*out = p[2];
	}
	fclose(f);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);

	int p[2];
	pipe(p);
	pid_t child = fork();
	if (child == 0) {
		/* Its own process group, whose parent is in another group of the session: never orphaned, so the kernel
		 * does not discard SIGTSTP (as it would in an orphaned group, which the test runner's group can be). */
		setpgid(0, 0);
		close(p[0]);
		/* Counts while it runs: the parent checks that it stops counting while stopped. */
		for (unsigned n = 0;; n++) {
			if (n % 100 == 0)
				write(p[1], "t", 1);
			usleep(1000);
		}
	}
	close(p[1]);
	char c;
	read(p[0], &c, 1);
	EXPECT_EQ("kill(SIGSTOP)", kill(child, SIGSTOP), 0);
	int status = 0;
	EXPECT_TRUE("wait4(WUNTRACED) reports the stop", waitpid(child, &status, WUNTRACED) == child);
	EXPECT_TRUE("  WIFSTOPPED with SIGSTOP", WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
	wait_for_chld(1);
	EXPECT_EQ("  SIGCHLD with CLD_STOPPED", chld_code, CLD_STOPPED);
	EXPECT_EQ("  and the stop signal", chld_status, SIGSTOP);
	char st;
	proc_state(child, &st);
	printf("  /proc state: %c\n", st);
	EXPECT_EQ("a stop is reported once", waitpid(child, &status, WUNTRACED | WNOHANG), 0);
	/* Drain what it wrote before it stopped; a stopped child writes nothing more. */
	int fl = 1;
	struct timespec pause_ts = {0, 300 * 1000 * 1000};
	nanosleep(&pause_ts, NULL);
	int drained = 0;
	for (;;) {
		struct timespec z = {0, 0};
		fd_set rs;
		FD_ZERO(&rs);
		FD_SET(p[0], &rs);
		if (pselect(p[0] + 1, &rs, NULL, NULL, &z, NULL) <= 0)
			break;
		read(p[0], &c, 1);
		drained++;
	}
	(void)fl;
	nanosleep(&pause_ts, NULL);
	struct timespec z = {0, 0};
	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(p[0], &rs);
	EXPECT_EQ("a stopped process does not run", pselect(p[0] + 1, &rs, NULL, NULL, &z, NULL), 0);

	chld_hits = 0;
	EXPECT_EQ("kill(SIGCONT)", kill(child, SIGCONT), 0);
	EXPECT_TRUE("wait4(WCONTINUED) reports it", waitpid(child, &status, WCONTINUED) == child);
	EXPECT_TRUE("  WIFCONTINUED", WIFCONTINUED(status));
	wait_for_chld(1);
	EXPECT_EQ("  SIGCHLD with CLD_CONTINUED", chld_code, CLD_CONTINUED);
	EXPECT_EQ("it runs again", read(p[0], &c, 1), 1);

	kill(child, SIGTSTP);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	EXPECT_EQ("waitid(WSTOPPED) after SIGTSTP", waitid(P_PID, child, &si, WSTOPPED), 0);
	EXPECT_EQ("  CLD_STOPPED", si.si_code, CLD_STOPPED);
	EXPECT_EQ("  si_status SIGTSTP", si.si_status, SIGTSTP);
	EXPECT_TRUE("  si_pid", si.si_pid == child);
	EXPECT_EQ("SIGKILL ends a stopped process", kill(child, SIGKILL), 0);
	waitpid(child, &status, 0);
	EXPECT_TRUE("  killed by SIGKILL", WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(p[0]);

	/* A sleep stopped and continued goes on for the time it had left (restart_syscall), without EINTR. */
	int sp[2];
	pipe(sp);
	child = fork();
	if (child == 0) {
		close(sp[0]);
		struct timespec a, b, req = {2, 0};
		clock_gettime(CLOCK_MONOTONIC, &a);
		int r = nanosleep(&req, NULL);
		clock_gettime(CLOCK_MONOTONIC, &b);
		double took = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
		/* Resumed for the time left it takes about 2.2 s; slept again in full it would take 3.7 s. */
		char verdict = r != 0 ? 'e' : took < 1.95 ? 's' : took < 3.0 ? 'y' : 'n';
		write(sp[1], &verdict, 1);
		_exit(0);
	}
	close(sp[1]);
	usleep(1500000);
	kill(child, SIGSTOP);
	waitpid(child, &status, WUNTRACED);
	usleep(200000);
	kill(child, SIGCONT);
	char verdict = 0;
	read(sp[0], &verdict, 1);
	waitpid(child, &status, 0);
	printf("a stopped nanosleep resumes for the time left: %c\n", verdict);
	if (verdict != 'y')
		conf_mismatch("a stopped nanosleep resumes for the time left", "y");
	close(sp[0]);

	/* SA_NOCLDSTOP is checked in kernel-only/sigchld_flags.c: qemu-user keeps it from the host kernel. */

	/* A handled SIGTSTP does not stop. */
	child = fork();
	if (child == 0) {
		signal(SIGTSTP, SIG_IGN);
		raise(SIGTSTP);
		_exit(3);
	}
	waitpid(child, &status, WUNTRACED);
	EXPECT_TRUE("an ignored SIGTSTP does not stop", WIFEXITED(status) && WEXITSTATUS(status) == 3);
	return conf_exit();
}
