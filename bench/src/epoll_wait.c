/* N rounds of the readiness calls an event loop makes: an eventfd write, epoll_wait (ready at once), the read. */
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv)
{
    long n = bench_n(argc, argv, 100000);
    int ep = epoll_create1(0);
    int e = eventfd(0, EFD_NONBLOCK);
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 1 }, out;
    epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev);
    long got = 0;
    for (long i = 0; i < n; i++) {
        uint64_t v = 1;
        write(e, &v, 8);
        got += epoll_wait(ep, &out, 1, -1);
        read(e, &v, 8);
    }
    printf("epoll_wait n=%ld ok=%d\n", n, got == n);
    return 0;
}
