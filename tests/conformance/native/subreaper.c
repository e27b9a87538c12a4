/* PR_SET_CHILD_SUBREAPER: orphans go to the nearest subreaper ancestor instead of init; a zombie orphan is reported
 * to it and can be reaped there; the flag is not inherited; PR_SET_PDEATHSIG signals a child when its parent dies.
 * Native oracle: qemu-user 7.2 refuses PR_SET_CHILD_SUBREAPER. */
#include "../conformance.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	int v = -1;
	EXPECT_OK("PR_GET_CHILD_SUBREAPER", prctl(PR_GET_CHILD_SUBREAPER, &v));
	EXPECT_EQ("not a subreaper", v, 0);
	EXPECT_OK("PR_SET_CHILD_SUBREAPER", prctl(PR_SET_CHILD_SUBREAPER, 1));
	prctl(PR_GET_CHILD_SUBREAPER, &v);
	EXPECT_EQ("now one", v, 1);
	pid_t me = getpid();

	/* A live orphan: the grandchild reports its new parent after the child is gone. */
	int p[2];
	(void)!pipe(p);
	fflush(stdout);
	pid_t a = fork();
	if (a == 0) {
		int w = -1;
		prctl(PR_GET_CHILD_SUBREAPER, &w);
		pid_t b = fork();
		if (b == 0) {
			while (getppid() != me && getppid() != 1)
				usleep(10000);
			char r = getppid() == me ? 'y' : 'n';
			(void)!write(p[1], &r, 1);
			_exit(5);
		}
		_exit(w == 0 ? 0 : 1);
	}
	int status;
	waitpid(a, &status, 0);
	EXPECT_TRUE("the flag is not inherited", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	char r = 0;
	(void)!read(p[0], &r, 1);
	EXPECT_TRUE("the orphan's parent is the subreaper", r == 'y');
	pid_t got = wait(&status);
	EXPECT_TRUE("the subreaper reaps it", got > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 5);

	/* A zombie orphan: the grandchild exits before its parent, which never waits. */
	fflush(stdout);
	a = fork();
	if (a == 0) {
		pid_t b = fork();
		if (b == 0)
			_exit(6);
		usleep(100000);
		_exit(0);
	}
	waitpid(a, &status, 0);
	got = wait(&status);
	EXPECT_TRUE("the zombie orphan is reaped by the subreaper", got > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 6);
	EXPECT_ERR("no children left", wait(&status), ECHILD);

	/* PR_SET_PDEATHSIG: the child learns of its parent's death. */
	(void)!pipe(p);
	fflush(stdout);
	a = fork();
	if (a == 0) {
		pid_t b = fork();
		if (b == 0) {
			sigset_t set;
			sigemptyset(&set);
			sigaddset(&set, SIGUSR1);
			sigprocmask(SIG_BLOCK, &set, NULL);
			prctl(PR_SET_PDEATHSIG, SIGUSR1);
			(void)!write(p[1], "r", 1);
			struct timespec ts = { 5, 0 };
			int sig = sigtimedwait(&set, NULL, &ts);
			_exit(sig == SIGUSR1 ? 7 : 8);
		}
		char c;
		(void)!read(p[0], &c, 1);
		_exit(0);
	}
	waitpid(a, &status, 0);
	got = wait(&status);
	EXPECT_TRUE("PR_SET_PDEATHSIG sent when the parent died", got > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 7);
	EXPECT_OK("PR_SET_CHILD_SUBREAPER 0", prctl(PR_SET_CHILD_SUBREAPER, 0));
	return conf_failures != 0;
}
