/* N reads of 4 KiB from a 1 MiB file in /tmp (tmpfs in the sandbox), cycling through it with pread. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv)
{
    long n = bench_n(argc, argv, 100000);
    char path[64];
    snprintf(path, sizeof path, "/tmp/bench-tmpfs-read-%d", (int)getpid());
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    if (fd < 0) {
        perror("open");
        return 1;
    }
    static char buf[4096];
    for (int i = 0; i < 256; i++) {
        memset(buf, i, sizeof buf);
        if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) {
            perror("write");
            return 1;
        }
    }
    unsigned long sum = 0;
    for (long i = 0; i < n; i++) {
        if (pread(fd, buf, sizeof buf, (i % 256) * 4096L) != (ssize_t)sizeof buf) {
            perror("pread");
            return 1;
        }
        sum += (unsigned char)buf[100];
    }
    close(fd);
    unlink(path);
    printf("tmpfs_read n=%ld sum=%lu\n", n, sum);
    return 0;
}
