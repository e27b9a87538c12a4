/* N one-byte writes to /dev/null: the cheapest file write round trip. */
#include <fcntl.h>
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv)
{
    long n = bench_n(argc, argv, 100000);
    int fd = open("/dev/null", O_WRONLY);
    if (fd < 0) {
        perror("open /dev/null");
        return 1;
    }
    char c = 'x';
    long written = 0;
    for (long i = 0; i < n; i++) {
        ssize_t r = write(fd, &c, 1);
        if (r != 1) {
            perror("write");
            return 1;
        }
        written += r;
    }
    close(fd);
    printf("write_null n=%ld bytes=%ld\n", n, written);
    return 0;
}
