/* N poll calls on a pipe that is ready (one byte buffered): the cost of a poll that does not wait. */
#include <poll.h>
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv)
{
    long n = bench_n(argc, argv, 100000);
    int p[2];
    pipe(p);
    write(p[1], "x", 1);
    struct pollfd pf = { p[0], POLLIN, 0 };
    long got = 0;
    for (long i = 0; i < n; i++)
        got += poll(&pf, 1, 0);
    printf("poll_pipe n=%ld ok=%d\n", n, got == n);
    return 0;
}
