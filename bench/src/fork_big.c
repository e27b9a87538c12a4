/* N forks of a process with 100 MiB of private memory touched: the child reads one byte per MiB and exits,
 * the parent waits and then stores into one page per MiB. With copy-on-write this costs page tables and a few
 * copies per fork; an eager fork copies 100 MiB each time. */
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

#define SIZE (100L << 20)

int main(int argc, char **argv)
{
    long n = bench_n(argc, argv, 100);
    unsigned char *mem = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    for (long off = 0; off < SIZE; off += 4096)
        mem[off] = (unsigned char)(off >> 12);
    long sum = 0;
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            int s = 0;
            for (long off = 0; off < SIZE; off += 1L << 20)
                s += mem[off];
            _exit(s & 0x7f);
        }
        int status;
        if (waitpid(pid, &status, 0) != pid) {
            perror("waitpid");
            return 1;
        }
        sum += WEXITSTATUS(status);
        for (long off = 0; off < SIZE; off += 1L << 20)
            mem[off]++;
    }
    printf("fork_big n=%ld sum=%ld\n", n, sum);
    return 0;
}
