/* N one-byte round trips between a parent and a forked child over two pipes.
 * Needs fork and blocking pipes: not in the default set. */
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv)
{
    long n = bench_n(argc, argv, 10000);
    int ping[2], pong[2];
    if (pipe(ping) < 0 || pipe(pong) < 0) {
        perror("pipe");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    char c;
    if (pid == 0) {
        close(ping[1]);
        close(pong[0]);
        while (read(ping[0], &c, 1) == 1) {
            c++;
            if (write(pong[1], &c, 1) != 1)
                _exit(1);
        }
        _exit(0);
    }
    close(ping[0]);
    close(pong[1]);
    unsigned long sum = 0;
    for (long i = 0; i < n; i++) {
        c = (char)(i & 0x3f);
        if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1) {
            perror("pingpong");
            return 1;
        }
        sum += (unsigned char)c;
    }
    close(ping[1]);
    int status;
    waitpid(pid, &status, 0);
    printf("pipe_pingpong n=%ld sum=%lu child=%d\n", n, sum,
           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}
