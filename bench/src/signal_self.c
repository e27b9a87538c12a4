/* N signal round trips: kill(getpid(), SIGUSR1) with a handler installed (queue, frame, handler, rt_sigreturn). */
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "common.h"

static volatile long handled;
static void on_usr1(int sig) { (void)sig; handled++; }

int main(int argc, char **argv)
{
    long n = bench_n(argc, argv, 10000);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    pid_t self = getpid();
    for (long i = 0; i < n; i++)
        kill(self, SIGUSR1);
    printf("signal_self n=%ld ok=%d\n", n, handled == n);
    return 0;
}
