/* N hand-offs between a parent and a forked child through two System V semaphores: each side waits on its own
 * (semop -1) and posts the other's (+1). Needs fork and SysV IPC: not in the default set. */
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

static int op(int s, unsigned short num, short v)
{
    struct sembuf b = { num, v, 0 };
    return semop(s, &b, 1);
}

int main(int argc, char **argv)
{
    long n = bench_n(argc, argv, 10000);
    int s = semget(IPC_PRIVATE, 2, 0600);
    if (s < 0) {
        perror("semget");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        for (long i = 0; i < n; i++)
            if (op(s, 1, -1) != 0 || op(s, 0, 1) != 0)
                _exit(1);
        _exit(0);
    }
    for (long i = 0; i < n; i++) {
        if (op(s, 1, 1) != 0 || op(s, 0, -1) != 0) {
            perror("pingpong");
            return 1;
        }
    }
    int status;
    waitpid(pid, &status, 0);
    int left = semctl(s, 0, GETVAL) + semctl(s, 1, GETVAL);
    semctl(s, 0, IPC_RMID);
    printf("sem_pingpong n=%ld left=%d child=%d\n", n, left, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}
