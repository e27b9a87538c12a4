/* clock_nanosleep on CPU clocks: a process CPU clock (its own, through CLOCK_PROCESS_CPUTIME_ID or
 * clock_getcpuclockid, or a child's) sleeps until that process has used the time, relative or TIMER_ABSTIME; a
 * thread CPU clock gives EINVAL; a signal ends the sleep with EINTR and the CPU time left (an idle process's clock
 * never gets there). Bad arguments: EINVAL, EFAULT. */
#include "conformance.h"

#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int stop;

static void *spin(void *arg)
{
	(void)arg;
	while (!stop)
		;
	return NULL;
}

static long long ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void on_alarm(int sig)
{
	(void)sig;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct timespec fifth = {0, 200000000}, rem;

	EXPECT_EQ("thread clock", clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &fifth, NULL), EINVAL);
	clockid_t thread_clock;
	pthread_getcpuclockid(pthread_self(), &thread_clock);
	EXPECT_EQ("pthread_getcpuclockid clock", clock_nanosleep(thread_clock, 0, &fifth, NULL), EINVAL);
	struct timespec bad = {0, 1000000000};
	EXPECT_EQ("nanoseconds out of range", clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, 0, &bad, NULL), EINVAL);
	EXPECT_ERR("a bad pointer", syscall(SYS_clock_nanosleep, CLOCK_PROCESS_CPUTIME_ID, 0, (void *)8, NULL), EFAULT);

	/* A spinning thread makes the process's CPU time pass. */
	pthread_t t;
	pthread_create(&t, NULL, spin, NULL);
	long long c0 = ns(CLOCK_PROCESS_CPUTIME_ID);
	EXPECT_EQ("relative, own process", clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, 0, &fifth, NULL), 0);
	EXPECT_TRUE("  the process used 0.2 s meanwhile", ns(CLOCK_PROCESS_CPUTIME_ID) - c0 >= 200000000);
	clockid_t own;
	EXPECT_EQ("clock_getcpuclockid(self)", clock_getcpuclockid(getpid(), &own), 0);
	struct timespec until;
	clock_gettime(own, &until);
	until.tv_nsec += 100000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	EXPECT_EQ("TIMER_ABSTIME, clock_getcpuclockid", clock_nanosleep(own, TIMER_ABSTIME, &until, NULL), 0);
	EXPECT_TRUE("  the clock is past it", ns(own) >= until.tv_sec * 1000000000LL + until.tv_nsec);
	clock_gettime(own, &until);
	EXPECT_EQ("TIMER_ABSTIME in the past", clock_nanosleep(own, TIMER_ABSTIME, &until, NULL), 0);
	stop = 1;
	pthread_join(t, NULL);

	/* A child's clock: it spins, the parent sleeps until the child has used 0.1 s. */
	pid_t child = fork();
	if (child == 0) {
		for (;;)
			;
	}
	clockid_t theirs;
	EXPECT_EQ("clock_getcpuclockid(child)", clock_getcpuclockid(child, &theirs), 0);
	struct timespec tenth = {0, 100000000};
	EXPECT_EQ("relative, the child's clock", clock_nanosleep(theirs, 0, &tenth, NULL), 0);
	EXPECT_TRUE("  the child used 0.1 s", ns(theirs) >= 100000000);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);

	/* Nothing runs: the own clock stands still, and SIGALRM ends the sleep with the time left. */
	struct sigaction sa = {0};
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	struct timespec long_sleep = {30, 0};
	EXPECT_EQ("interrupted", clock_nanosleep(CLOCK_PROCESS_CPUTIME_ID, 0, &long_sleep, &rem), EINTR);
	EXPECT_TRUE("  most of it left", rem.tv_sec >= 29 && rem.tv_sec <= 30);
	return conf_failures != 0;
}
