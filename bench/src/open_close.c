/* N opens and closes of an existing file (/etc/passwd). */
#include <fcntl.h>
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv)
{
    long n = bench_n(argc, argv, 100000);
    long fds = 0;
    for (long i = 0; i < n; i++) {
        int fd = open("/etc/passwd", O_RDONLY);
        if (fd < 0) {
            perror("open");
            return 1;
        }
        fds += fd;
        close(fd);
    }
    printf("open_close n=%ld fdsum=%ld\n", n, fds);
    return 0;
}
