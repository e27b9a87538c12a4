/* N round trips of 4 KiB between a parent and a forked child over two pipes. */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

static int full(int fd, char *buf, size_t len, int writing)
{
    size_t done = 0;
    while (done < len) {
        ssize_t r = writing ? write(fd, buf + done, len - done) : read(fd, buf + done, len - done);
        if (r <= 0)
            return -1;
        done += (size_t)r;
    }
    return 0;
}

int main(int argc, char **argv)
{
    long n = bench_n(argc, argv, 10000);
    int ping[2], pong[2];
    static char buf[4096];
    if (pipe(ping) < 0 || pipe(pong) < 0) {
        perror("pipe");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        close(ping[1]);
        close(pong[0]);
        while (full(ping[0], buf, sizeof buf, 0) == 0) {
            buf[0]++;
            if (full(pong[1], buf, sizeof buf, 1) != 0)
                _exit(1);
        }
        _exit(0);
    }
    close(ping[0]);
    close(pong[1]);
    unsigned long sum = 0;
    memset(buf, 1, sizeof buf);
    for (long i = 0; i < n; i++) {
        buf[0] = (char)(i & 0x3f);
        if (full(ping[1], buf, sizeof buf, 1) != 0 || full(pong[0], buf, sizeof buf, 0) != 0) {
            perror("pingpong");
            return 1;
        }
        sum += (unsigned char)buf[0] + (unsigned char)buf[4095];
    }
    close(ping[1]);
    int status;
    waitpid(pid, &status, 0);
    printf("pipe4k n=%ld sum=%lu child=%d\n", n, sum, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}
