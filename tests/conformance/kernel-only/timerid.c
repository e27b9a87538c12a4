/* timer_create with no sigevent: SIGALRM whose si_value is the timer's id (timer_create(2)). Kernel-only:
 * qemu-user hands the guest ids of its own, so the value the host kernel sends differs from the id the guest sees. */
#include "../conformance.h"

#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t hits;
static volatile int value, code;

static void on_alrm(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	hits++;
	value = si->si_value.sival_int;
	code = si->si_code;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_alrm;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGALRM, &sa, NULL);
	int first = -1, id = -1;
	syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &first);
	EXPECT_EQ("timer_create without a sigevent", syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &id), 0);
	EXPECT_TRUE("  ids are distinct", id != first);
	struct itimerspec ten = {{0, 0}, {0, 10 * 1000 * 1000}};
	syscall(SYS_timer_settime, id, 0, &ten, NULL);
	while (!hits)
		pause();
	EXPECT_TRUE("SIGALRM with SI_TIMER", code == SI_TIMER);
	EXPECT_TRUE("  its value is the timer id", value == id);
	return conf_exit();
}
