/* N times: map 1 MiB of anonymous memory, touch every page, unmap it. */
#include <sys/mman.h>
#include "common.h"

int main(int argc, char **argv)
{
    long n = bench_n(argc, argv, 1000);
    const size_t len = 1 << 20;
    unsigned long sum = 0;
    for (long i = 0; i < n; i++) {
        volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            perror("mmap");
            return 1;
        }
        for (size_t off = 0; off < len; off += 4096)
            p[off] = (char)off;
        sum += (unsigned char)p[len - 4096] + (unsigned char)p[0];
        munmap((void *)p, len);
    }
    printf("mmap_touch n=%ld sum=%lu\n", n, sum);
    return 0;
}
