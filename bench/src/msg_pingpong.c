/* N round trips between a parent and a forked child through one System V message queue: the parent sends type 1
 * and waits for type 2, the child answers each. Needs fork and SysV IPC: not in the default set. */
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

struct msg {
    long type;
    char c;
};

int main(int argc, char **argv)
{
    long n = bench_n(argc, argv, 10000);
    int q = msgget(IPC_PRIVATE, 0600);
    if (q < 0) {
        perror("msgget");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    struct msg m;
    if (pid == 0) {
        for (long i = 0; i < n; i++) {
            if (msgrcv(q, &m, 1, 1, 0) != 1)
                _exit(1);
            m.type = 2;
            m.c++;
            if (msgsnd(q, &m, 1, 0) != 0)
                _exit(1);
        }
        _exit(0);
    }
    unsigned long sum = 0;
    for (long i = 0; i < n; i++) {
        m.type = 1;
        m.c = (char)(i & 0x3f);
        if (msgsnd(q, &m, 1, 0) != 0 || msgrcv(q, &m, 1, 2, 0) != 1) {
            perror("pingpong");
            return 1;
        }
        sum += (unsigned char)m.c;
    }
    int status;
    waitpid(pid, &status, 0);
    msgctl(q, IPC_RMID, NULL);
    printf("msg_pingpong n=%ld sum=%lu child=%d\n", n, sum, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}
