/* A 1 kHz interval timer (ITIMER_REAL, 1 ms period) until its handler has run N times: the loop time per
 * operation is the mean period the guest sees (1 ms when every expiry is delivered on time). The mean and the
 * worst lateness of the deliveries go to stderr. */
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

static volatile long ticks;
static void on_alrm(int sig) { (void)sig; ticks++; }

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long n = bench_n(argc, argv, 1000);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alrm;
    sigaction(SIGALRM, &sa, NULL);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigprocmask(SIG_BLOCK, &block, &old);
    struct itimerval it = {{0, 1000}, {0, 1000}};
    double start = now(), last = start, worst = 0;
    setitimer(ITIMER_REAL, &it, NULL);
    while (ticks < n) {
        long before = ticks;
        sigsuspend(&old);
        if (ticks != before) {
            double t = now(), gap = t - last;
            if (gap > worst)
                worst = gap;
            last = t;
        }
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    if (n > 0)
        fprintf(stderr, "timer_1khz: mean period %.3f ms, longest gap %.3f ms\n", (last - start) * 1e3 / n, worst * 1e3);
    printf("timer_1khz n=%ld ok=%d\n", n, ticks >= n);
    return 0;
}
