/* Interval timers (setitimer/getitimer, alarm), POSIX timers (timer_create and friends) and the CPU-time clocks.
 * Times are compared by tolerance: a line says whether a value lies in its expected range. */
#include "conformance.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms, vtalrms, profs, timer_hits, last_code, last_overrun;
static volatile int last_value;
static volatile pid_t hit_tid;

static void on_alrm(int sig) { (void)sig; alarms++; }
static void on_vt(int sig) { (void)sig; vtalrms++; }
static void on_prof(int sig) { (void)sig; profs++; }

static void on_timer(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	timer_hits++;
	last_code = si->si_code;
	last_value = si->si_value.sival_int;
	last_overrun = si->si_overrun;
	hit_tid = gettid();
}

static double now_s(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void spin(double seconds)
{
	double end = now_s(CLOCK_PROCESS_CPUTIME_ID) + seconds;
	volatile uint64_t x = 1;
	while (now_s(CLOCK_PROCESS_CPUTIME_ID) < end)
		for (int i = 0; i < 10000; i++)
			x = x * 6364136223846793005ULL + 1;
}

static void itimers(void)
{
	signal(SIGALRM, on_alrm);
	struct itimerval v = {{0, 0}, {0, 100000}}, old;
	EXPECT_EQ("setitimer(ITIMER_REAL, 100 ms)", setitimer(ITIMER_REAL, &v, &old), 0);
	EXPECT_TRUE("  the old one was disarmed", old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0);
	struct itimerval cur;
	getitimer(ITIMER_REAL, &cur);
	EXPECT_TRUE("  getitimer shows at most 100 ms left", cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0 && cur.it_value.tv_usec <= 100000);
	double t0 = now_s(CLOCK_MONOTONIC);
	while (!alarms && now_s(CLOCK_MONOTONIC) - t0 < 5)
		pause();
	double took = now_s(CLOCK_MONOTONIC) - t0;
	EXPECT_EQ("  SIGALRM arrives", alarms, 1);
	EXPECT_TRUE("  not before 100 ms (nor seconds late)", took >= 0.09 && took < 5.0);
	getitimer(ITIMER_REAL, &cur);
	EXPECT_TRUE("  and it is disarmed afterwards", cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);

	alarms = 0;
	struct itimerval periodic = {{0, 20000}, {0, 20000}};
	setitimer(ITIMER_REAL, &periodic, NULL);
	t0 = now_s(CLOCK_MONOTONIC);
	while (alarms < 5 && now_s(CLOCK_MONOTONIC) - t0 < 5)
		pause();
	EXPECT_TRUE("a periodic ITIMER_REAL fires again and again", alarms >= 5);
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, &old);
	EXPECT_TRUE("  disarming returns its period", old.it_interval.tv_sec == 0 && old.it_interval.tv_usec == 20000);

	alarms = 0;
	EXPECT_EQ("alarm(1) with none set returns 0", alarm(1), 0);
	unsigned left = alarm(0);
	EXPECT_TRUE("alarm(0) returns the seconds left", left == 1);

	signal(SIGVTALRM, on_vt);
	struct itimerval vt = {{0, 0}, {0, 50000}};
	setitimer(ITIMER_VIRTUAL, &vt, NULL);
	spin(0.5);
	EXPECT_EQ("ITIMER_VIRTUAL fires after user CPU time", vtalrms, 1);
	signal(SIGPROF, on_prof);
	struct itimerval prof = {{0, 0}, {0, 50000}};
	setitimer(ITIMER_PROF, &prof, NULL);
	spin(0.5);
	EXPECT_EQ("ITIMER_PROF fires after CPU time", profs, 1);

	EXPECT_ERR("setitimer with a bad timer", setitimer(7, &v, NULL), EINVAL);
	struct itimerval bad = {{0, 0}, {0, 1000000}};
	EXPECT_ERR("setitimer with usec out of range", setitimer(ITIMER_REAL, &bad, NULL), EINVAL);
	EXPECT_ERR("setitimer from a bad pointer", syscall(SYS_setitimer, ITIMER_REAL, (void *)8, NULL), EFAULT);
	EXPECT_ERR("getitimer with a bad timer", getitimer(5, &cur), EINVAL);
	EXPECT_ERR("getitimer to a bad pointer", syscall(SYS_getitimer, ITIMER_REAL, (void *)8), EFAULT);
}

static void posix_timers(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_timer;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGRTMIN, &sa, NULL);

	timer_t t;
	struct sigevent ev;
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGRTMIN;
	ev.sigev_value.sival_int = 99;
	EXPECT_EQ("timer_create(CLOCK_MONOTONIC)", timer_create(CLOCK_MONOTONIC, &ev, &t), 0);
	struct itimerspec its = {{0, 0}, {0, 50 * 1000 * 1000}}, cur;
	EXPECT_EQ("timer_settime 50 ms", timer_settime(t, 0, &its, NULL), 0);
	timer_gettime(t, &cur);
	EXPECT_TRUE("  timer_gettime shows at most 50 ms left", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 50000000);
	double t0 = now_s(CLOCK_MONOTONIC);
	while (!timer_hits && now_s(CLOCK_MONOTONIC) - t0 < 5)
		pause();
	EXPECT_EQ("  the signal arrives", timer_hits, 1);
	EXPECT_TRUE("  SI_TIMER", last_code == SI_TIMER);
	EXPECT_EQ("  with the sigev_value", last_value, 99);
	timer_gettime(t, &cur);
	EXPECT_TRUE("  a one-shot timer is disarmed after", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);

	/* A periodic timer whose signal stays blocked queues one signal and counts the rest as overruns. */
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &block, NULL);
	struct itimerspec fast = {{0, 5 * 1000 * 1000}, {0, 5 * 1000 * 1000}};
	timer_settime(t, 0, &fast, NULL);
	usleep(200000);
	siginfo_t si;
	struct timespec zero = {0, 0};
	EXPECT_EQ("a blocked periodic timer queues its signal", sigtimedwait(&block, &si, &zero), SIGRTMIN);
	EXPECT_TRUE("  si_overrun counts the expiries that found it pending", si.si_overrun >= 10);
	EXPECT_TRUE("  timer_getoverrun agrees", timer_getoverrun(t) == si.si_overrun);
	struct itimerspec stop = {{0, 0}, {0, 0}};
	timer_settime(t, 0, &stop, NULL);
	usleep(20000);
	EXPECT_ERR("re-arming drops a signal still queued from before", sigtimedwait(&block, &si, &zero), EAGAIN);
	sigprocmask(SIG_UNBLOCK, &block, NULL);

	/* TIMER_ABSTIME in the past fires at once. */
	timer_hits = 0;
	struct itimerspec past = {{0, 0}, {1, 0}};
	timer_settime(t, TIMER_ABSTIME, &past, NULL);
	for (int i = 0; i < 5000 && !timer_hits; i++)
		usleep(1000);
	EXPECT_EQ("TIMER_ABSTIME in the past fires at once", timer_hits, 1);
	EXPECT_EQ("timer_delete", timer_delete(t), 0);
	EXPECT_ERR("timer_delete again", timer_delete(t), EINVAL);
	EXPECT_ERR("timer_settime of a deleted timer", timer_settime(t, 0, &its, NULL), EINVAL);
	EXPECT_ERR("timer_gettime of a deleted timer", timer_gettime(t, &cur), EINVAL);
	EXPECT_ERR("timer_getoverrun of a deleted timer", timer_getoverrun(t), EINVAL);

	/* SIGEV_NONE: nothing is sent, but the time runs. */
	ev.sigev_notify = SIGEV_NONE;
	timer_create(CLOCK_REALTIME, &ev, &t);
	timer_hits = 0;
	struct itimerspec ten = {{0, 0}, {0, 10 * 1000 * 1000}};
	timer_settime(t, 0, &ten, NULL);
	usleep(50000);
	timer_gettime(t, &cur);
	EXPECT_TRUE("SIGEV_NONE: no signal, and it ran out", timer_hits == 0 && cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
	timer_delete(t);

	/* No sigevent (the raw call: glibc passes one of its own): SIGALRM with the timer id as its value. */
	sa.sa_sigaction = on_timer;
	sigaction(SIGALRM, &sa, NULL);
	timer_hits = 0;
	int raw_id = -1;
	EXPECT_EQ("timer_create without a sigevent", syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &raw_id), 0);
	syscall(SYS_timer_settime, raw_id, 0, &ten, NULL);
	for (int i = 0; i < 5000 && !timer_hits; i++)
		usleep(1000);
	/* Its value is the kernel's timer id, which qemu-user renumbers: checked in kernel-only/timerid.c. */
	EXPECT_TRUE("  SIGALRM arrives", timer_hits == 1);
	syscall(SYS_timer_delete, raw_id);
	signal(SIGALRM, SIG_DFL);

	/* SIGEV_THREAD_ID: the signal goes to the named thread. */
	ev.sigev_notify = SIGEV_THREAD_ID;
	ev.sigev_signo = SIGRTMIN;
	ev._sigev_un._tid = gettid();
	EXPECT_EQ("timer_create(SIGEV_THREAD_ID, self)", timer_create(CLOCK_MONOTONIC, &ev, &t), 0);
	timer_hits = 0;
	timer_settime(t, 0, &ten, NULL);
	while (!timer_hits)
		pause();
	EXPECT_TRUE("  delivered to this thread", hit_tid == gettid());
	timer_delete(t);
	ev._sigev_un._tid = 999999;
	EXPECT_ERR("SIGEV_THREAD_ID naming no thread of ours", timer_create(CLOCK_MONOTONIC, &ev, &t), EINVAL);

	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = 0;
	EXPECT_ERR("timer_create with signal 0", timer_create(CLOCK_MONOTONIC, &ev, &t), EINVAL);
	ev.sigev_signo = 65;
	EXPECT_ERR("timer_create with signal 65", timer_create(CLOCK_MONOTONIC, &ev, &t), EINVAL);
	ev.sigev_signo = SIGRTMIN;
	ev.sigev_notify = 77;
	EXPECT_ERR("timer_create with a bad sigev_notify", timer_create(CLOCK_MONOTONIC, &ev, &t), EINVAL);
	ev.sigev_notify = SIGEV_SIGNAL;
	EXPECT_ERR("timer_create on CLOCK_MONOTONIC_RAW", timer_create(CLOCK_MONOTONIC_RAW, &ev, &t), EOPNOTSUPP);
	EXPECT_ERR("timer_create on CLOCK_REALTIME_COARSE", timer_create(CLOCK_REALTIME_COARSE, &ev, &t), EOPNOTSUPP);
	EXPECT_ERR("timer_create on clock 42", timer_create(42, &ev, &t), EINVAL);
	EXPECT_ERR("timer_create from a bad sigevent", syscall(SYS_timer_create, CLOCK_MONOTONIC, (void *)8, &t), EFAULT);
	int kid;
	EXPECT_EQ("timer_create on the process CPU clock", syscall(SYS_timer_create, CLOCK_PROCESS_CPUTIME_ID, &ev, &kid), 0);
	EXPECT_ERR("timer_settime without a value", syscall(SYS_timer_settime, kid, 0, NULL, NULL), EINVAL);
	struct itimerspec badspec = {{0, 0}, {0, 1000000000}};
	EXPECT_ERR("timer_settime with nsec out of range", syscall(SYS_timer_settime, kid, 0, &badspec, NULL), EINVAL);
	EXPECT_ERR("timer_settime from a bad pointer", syscall(SYS_timer_settime, kid, 0, (void *)8, NULL), EFAULT);
	timer_hits = 0;
	struct itimerspec cpu = {{0, 0}, {0, 30 * 1000 * 1000}};
	syscall(SYS_timer_settime, kid, 0, &cpu, NULL);
	spin(0.3);
	EXPECT_EQ("  it fires after 30 ms of CPU time", timer_hits, 1);
	syscall(SYS_timer_delete, kid);
}

static void cpu_clocks(void)
{
	double p0 = now_s(CLOCK_PROCESS_CPUTIME_ID), w0 = now_s(CLOCK_MONOTONIC);
	usleep(200000);
	double p1 = now_s(CLOCK_PROCESS_CPUTIME_ID), w1 = now_s(CLOCK_MONOTONIC);
	EXPECT_TRUE("sleeping uses almost no process CPU time", p1 - p0 < (w1 - w0) / 2);
	spin(0.2);
	double p2 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	EXPECT_TRUE("spinning uses it", p2 - p1 >= 0.2);
	double t0 = now_s(CLOCK_THREAD_CPUTIME_ID);
	EXPECT_TRUE("the thread clock is at most the process clock", t0 <= p2 + 0.01);
	clockid_t mine;
	EXPECT_EQ("clock_getcpuclockid(0)", clock_getcpuclockid(0, &mine), 0);
	double m = now_s(mine);
	EXPECT_TRUE("  reads the process CPU time", m >= p2 && m < p2 + 1);
	struct timespec res;
	EXPECT_EQ("clock_getres of the process CPU clock", clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res), 0);
	EXPECT_EQ("clock_gettime(42)", clock_gettime(42, &res) == -1 ? errno : 0, EINVAL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	itimers();
	posix_timers();
	cpu_clocks();
	return conf_exit();
}
