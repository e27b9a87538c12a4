/* N forks of a child that exits at once, each waited for. */
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv)
{
    long n = bench_n(argc, argv, 1000);
    long sum = 0;
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0)
            _exit((int)(i & 0x7f));
        int status;
        if (waitpid(pid, &status, 0) != pid) {
            perror("waitpid");
            return 1;
        }
        sum += WEXITSTATUS(status);
    }
    printf("fork_wait n=%ld sum=%ld\n", n, sum);
    return 0;
}
