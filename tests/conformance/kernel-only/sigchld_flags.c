/* SIGCHLD's sigaction flags (sigaction(2)): SA_NOCLDWAIT keeps no zombies, so wait reports ECHILD once the children
 * are gone; SA_NOCLDSTOP sends no SIGCHLD when a child stops. Kernel-only: qemu-user keeps both flags from the host
 * kernel, so the oracle keeps zombies and reports stops. */
#include "../conformance.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static void on_chld(int sig) { (void)sig; got++; }

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_NOCLDWAIT | SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	int status;
	EXPECT_ERR("wait with SA_NOCLDWAIT", waitpid(child, &status, 0), ECHILD);
	for (int i = 0; i < 100 && !got; i++)
		usleep(10000);
	EXPECT_EQ("the SIGCHLD handler still runs", got, 1);

	sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	child = fork();
	if (child == 0) {
		for (;;)
			pause();
	}
	got = 0;
	kill(child, SIGSTOP);
	EXPECT_TRUE("with SA_NOCLDSTOP wait4 still sees the stop", waitpid(child, &status, WUNTRACED) == child && WIFSTOPPED(status));
	usleep(100000);
	EXPECT_EQ("  but no SIGCHLD came", got, 0);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	EXPECT_EQ("  SIGCHLD comes for its death", got, 1);
	return conf_exit();
}
