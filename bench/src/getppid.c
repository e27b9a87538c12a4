/* N getppid round trips through the raw syscall path (no libc caching). */
#include <sys/syscall.h>
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv)
{
    long n = bench_n(argc, argv, 100000);
    unsigned long sum = 0;
    for (long i = 0; i < n; i++)
        sum += (unsigned long)syscall(SYS_getppid);
    /* The parent pid differs between runners, so report only that every call agreed. */
    long ppid = syscall(SYS_getppid);
    printf("getppid n=%ld ok=%d\n", n, sum == (unsigned long)ppid * (unsigned long)n);
    return 0;
}
