/* The threads of a process share its virtual CPU as Linux's scheduler shares a CPU: by nice value (CFS weights: a
 * nice-10 thread gets about 1/10 of a nice-0 one's time, a SCHED_IDLE thread next to nothing), equally at equal nice,
 * and not at all while a SCHED_FIFO thread is runnable, unless it owns a PI mutex a higher one waits for (priority
 * inheritance); setpriority and sched_setscheduler act on another thread of
 * the caller's. Kernel-only: under qemu (or Linux) on a machine with two cores both threads would run at once and
 * share nothing. */
#include "../conformance.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile int stop;
static volatile long spins;
static volatile pid_t spinner_tid;

static double thread_cpu(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *spinner(void *arg)
{
	(void)arg;
	spinner_tid = (pid_t)syscall(SYS_gettid);
	while (!stop)
		spins++;
	return NULL;
}

static pthread_mutex_t pi;
static volatile int held, go, worked;

/* Takes the PI mutex, then (when told) does some work and releases it. */
static void *holder(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&pi);
	held = 1;
	while (!go)
		usleep(1000);
	for (volatile long i = 0; i < 3000000; i++)
		;
	worked = 1;
	pthread_mutex_unlock(&pi);
	return NULL;
}

/* Main spins for <seconds> next to the spinner (whose nice or policy the caller set), then returns the ratio of the
 * main thread's CPU time to the spinner's. */
static double share(pthread_t t, double seconds)
{
	clockid_t other;
	pthread_getcpuclockid(t, &other);
	double m0 = thread_cpu(CLOCK_THREAD_CPUTIME_ID), o0 = thread_cpu(other);
	double end = now() + seconds;
	while (now() < end)
		;
	double m = thread_cpu(CLOCK_THREAD_CPUTIME_ID) - m0, o = thread_cpu(other) - o0;
	return o > 0 ? m / o : 1e9;
}

static pthread_t start(void)
{
	stop = 0;
	spinner_tid = 0;
	pthread_t t;
	pthread_create(&t, NULL, spinner, NULL);
	while (!spinner_tid)
		sched_yield();
	return t;
}

static void finish(pthread_t t)
{
	stop = 1;
	pthread_join(t, NULL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);

	pthread_t t = start();
	double equal = share(t, 0.6);
	EXPECT_TRUE("equal nice: about equal shares", equal > 0.5 && equal < 2.0);
	EXPECT_OK("setpriority(PRIO_PROCESS, other thread, 10)", setpriority(PRIO_PROCESS, spinner_tid, 10));
	EXPECT_EQ("getpriority of the other thread", getpriority(PRIO_PROCESS, spinner_tid), 10);
	EXPECT_EQ("getpriority of the caller", getpriority(PRIO_PROCESS, 0), 0);
	double nice10 = share(t, 1.0);
	EXPECT_TRUE("nice 0 next to nice 10: about 9x the time", nice10 > 4 && nice10 < 25);
	finish(t);

	t = start();
	struct sched_param idle = {0};
	EXPECT_OK("SCHED_IDLE for the other thread", sched_setscheduler(spinner_tid, SCHED_IDLE, &idle));
	EXPECT_EQ("sched_getscheduler of the other thread", sched_getscheduler(spinner_tid), SCHED_IDLE);
	double idle_ratio = share(t, 1.0);
	EXPECT_TRUE("nice 0 next to SCHED_IDLE: over 30x the time", idle_ratio > 30);
	finish(t);

	/* A SCHED_FIFO thread runs alone until it blocks. */
	t = start();
	struct sched_param fifo = {.sched_priority = 10};
	EXPECT_OK("SCHED_FIFO for the caller", sched_setscheduler(0, SCHED_FIFO, &fifo));
	long before = spins;
	double end = now() + 0.3;
	while (now() < end)
		;
	EXPECT_TRUE("the fair thread did not run meanwhile", spins == before);
	usleep(50000);
	EXPECT_TRUE("it runs while the FIFO thread sleeps", spins != before);
	struct sched_param other = {0};
	EXPECT_OK("back to SCHED_OTHER", sched_setscheduler(0, SCHED_OTHER, &other));
	finish(t);

	/* Priority inversion: a fair thread holds a PI mutex, a FIFO-10 thread spins, and the FIFO-20 main thread waits
	 * for the mutex. The holder inherits priority 20, so it finishes before the spinner runs again. */
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setprotocol(&ma, PTHREAD_PRIO_INHERIT);
	pthread_mutex_init(&pi, &ma);
	pthread_t low, mid;
	pthread_create(&low, NULL, holder, NULL);
	while (!held)
		usleep(1000);
	struct sched_param high = {.sched_priority = 20}, medium = {.sched_priority = 10};
	EXPECT_OK("main: SCHED_FIFO 20", sched_setscheduler(0, SCHED_FIFO, &high));
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
	pthread_attr_setschedparam(&attr, &medium);
	stop = 0;
	pthread_create(&mid, &attr, spinner, NULL);
	go = 1;
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 3;
	int locked = pthread_mutex_timedlock(&pi, &deadline);
	EXPECT_EQ("the PI mutex comes to main past the spinner", locked, 0);
	EXPECT_TRUE("the holder finished its work first", worked);
	stop = 1;
	if (locked == 0)
		pthread_mutex_unlock(&pi);
	EXPECT_OK("main: back to SCHED_OTHER", sched_setscheduler(0, SCHED_OTHER, &other));
	pthread_join(mid, NULL);
	pthread_join(low, NULL);

	/* Another owner's process is out of reach (EPERM): a root child, seen by the parent with euid nobody (glibc's
	 * seteuid changes every thread of the caller, so one of its own threads would still be its own). */
	pid_t child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	EXPECT_OK("seteuid(65534)", seteuid(65534));
	EXPECT_ERR("nobody: setpriority of root's process", setpriority(PRIO_PROCESS, child, 6), EPERM);
	EXPECT_ERR("nobody: sched_setscheduler of root's process", sched_setscheduler(child, SCHED_BATCH, &other), EPERM);
	EXPECT_OK("nobody: getpriority of root's process", getpriority(PRIO_PROCESS, child));
	EXPECT_OK("seteuid(0)", seteuid(0));
	EXPECT_OK("root: setpriority of its child", setpriority(PRIO_PROCESS, child, 3));
	EXPECT_EQ("the child's nice", getpriority(PRIO_PROCESS, child), 3);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return conf_failures != 0;
}
