/* signalfd4 with a mask size other than sizeof(sigset_t) (8 on arm64) fails with EINVAL (signalfd(2)). Kernel-only:
 * qemu-user converts the mask itself and ignores the size, so the oracle creates the descriptor. */
#include "../conformance.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	EXPECT_ERR("signalfd4 with size 4", syscall(SYS_signalfd4, -1, &mask, 4, 0), EINVAL);
	EXPECT_ERR("signalfd4 with size 16", syscall(SYS_signalfd4, -1, &mask, 16, 0), EINVAL);
	EXPECT_TRUE("signalfd4 with size 8", syscall(SYS_signalfd4, -1, &mask, 8, 0) >= 0);
	return conf_exit();
}
