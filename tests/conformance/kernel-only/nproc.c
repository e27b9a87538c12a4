/* RLIMIT_NPROC: a user's tasks stop at the limit (fork gives EAGAIN) while root is exempt, the fork bomb
 * of issue 4. Not differential: under qemu-user every guest process also has qemu's own host threads, which
 * count against the same host limit. Expected values from setrlimit(2) and fork(2). */
#include "../conformance.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static int spawn_until_refused(int max, int *err)
{
	int made = 0;
	*err = 0;
	for (int i = 0; i < max; i++) {
		pid_t p = fork();
		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0) {
			*err = errno;
			break;
		}
		made++;
	}
	return made;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct rlimit rl = {5, 5};
	EXPECT_OK("setrlimit RLIMIT_NPROC 5", setrlimit(RLIMIT_NPROC, &rl));
	int err;
	/* Root is exempt: ten children. */
	pid_t root_kids = fork();
	if (root_kids == 0) {
		setpgid(0, 0); /* the kill below reaches only this child's own group */
		int made = spawn_until_refused(10, &err);
		signal(SIGTERM, SIG_IGN);
		kill(0, SIGTERM);
		while (wait(NULL) > 0)
			;
		_exit(made == 10 && err == 0 ? 0 : 1);
	}
	int status;
	waitpid(root_kids, &status, 0);
	EXPECT_TRUE("root forks past RLIMIT_NPROC", WIFEXITED(status) && WEXITSTATUS(status) == 0);

	pid_t user = fork();
	if (user == 0) {
		setpgid(0, 0);
		if (setuid(54321) != 0)
			_exit(3);
		int made = spawn_until_refused(50, &err);
		printf("a user's fork stops at the limit: %d\n", made >= 4 && made <= 5);
		printf("with EAGAIN: %d\n", err == EAGAIN);
		signal(SIGTERM, SIG_IGN);
		kill(0, SIGTERM);
		while (wait(NULL) > 0)
			;
		/* Reaped children no longer count. */
		pid_t again = fork();
		if (again == 0)
			_exit(0);
		printf("after reaping, fork works again: %d\n", again > 0);
		if (again > 0)
			waitpid(again, NULL, 0);
		_exit(made >= 4 && made <= 5 && err == EAGAIN && again > 0 ? 0 : 1);
	}
	waitpid(user, &status, 0);
	EXPECT_TRUE("the unprivileged user was limited", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return conf_exit();
}
