/* SA_NOCLDWAIT: children of a parent that sets it are not kept as zombies, so wait reports ECHILD once they are
 * gone (sigaction(2)). Kernel-only: qemu-user keeps the flag from the host kernel, so the oracle keeps zombies. */
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
	return conf_exit();
}
