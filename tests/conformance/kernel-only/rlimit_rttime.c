/* RLIMIT_RTTIME: a SCHED_FIFO thread that runs without blocking gets SIGXCPU once its CPU time since it last blocked
 * passes the soft limit (then each further second), and SIGKILL at the hard limit; one that blocks now and then
 * never reaches it, and a SCHED_OTHER thread is not counted. Kernel-only: under qemu the policy would reach the
 * host's scheduler. */
#include "../conformance.h"
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int xcpu;

static void on_xcpu(int sig)
{
	(void)sig;
	xcpu++;
}

static double cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void spin(double seconds)
{
	double end = cpu() + seconds;
	while (cpu() < end)
		;
}

/* In a child: policy, limits, then the run; exits with the number of SIGXCPU seen. */
static int run(int policy, int blocking, double seconds, rlim_t soft, rlim_t hard)
{
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGXCPU, on_xcpu);
		struct rlimit rl = {soft, hard};
		if (setrlimit(RLIMIT_RTTIME, &rl))
			_exit(100);
		struct sched_param sp = {.sched_priority = policy == SCHED_OTHER ? 0 : 10};
		if (sched_setscheduler(0, policy, &sp))
			_exit(101);
		if (blocking) {
			for (double done = 0; done < seconds; done += 0.05) {
				spin(0.05);
				usleep(1000);
			}
		} else {
			spin(seconds);
		}
		_exit(xcpu);
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct rlimit rl;
	EXPECT_OK("getrlimit RLIMIT_RTTIME", getrlimit(RLIMIT_RTTIME, &rl));
	EXPECT_TRUE("unlimited by default", rl.rlim_cur == RLIM_INFINITY && rl.rlim_max == RLIM_INFINITY);
	int n = run(SCHED_FIFO, 0, 1.5, 200000, RLIM_INFINITY);
	EXPECT_TRUE("SCHED_FIFO spinning 1.5 s, soft 0.2 s: SIGXCPU at 0.2 s and 1.2 s", n == 2);
	EXPECT_EQ("past the hard limit: SIGKILL", run(SCHED_FIFO, 0, 3, 200000, 500000), 128 + SIGKILL);
	EXPECT_EQ("SCHED_RR counts too", run(SCHED_RR, 0, 0.5, 200000, 300000), 128 + SIGKILL);
	EXPECT_EQ("blocking every 50 ms resets the count", run(SCHED_FIFO, 1, 1, 200000, 300000), 0);
	EXPECT_EQ("SCHED_OTHER is not counted", run(SCHED_OTHER, 0, 0.5, 100000, 200000), 0);
	return conf_failures != 0;
}
