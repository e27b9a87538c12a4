/* N handoffs between two threads through a futex word: each side waits
 * until the word has its parity, then flips it and wakes the other.
 * Needs clone/threads and futex: not in the default set. */
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "common.h"

static _Atomic int word;
static long rounds;

static void fwait(int expected)
{
    while (atomic_load(&word) == expected)
        syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static void fwake(void)
{
    syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Side `me` (0 or 1) owns the word while word % 2 == me. */
static void *side(void *arg)
{
    int me = (int)(long)arg;
    for (long i = 0; i < rounds; i++) {
        int v;
        while (((v = atomic_load(&word)) & 1) != me)
            fwait(v);
        atomic_store(&word, v + 1);
        fwake();
    }
    return NULL;
}

int main(int argc, char **argv)
{
    rounds = bench_n(argc, argv, 10000);
    pthread_t t;
    if (pthread_create(&t, NULL, side, (void *)1L) != 0) {
        perror("pthread_create");
        return 1;
    }
    side((void *)0L);
    pthread_join(t, NULL);
    printf("futex_pingpong n=%ld word=%d\n", rounds, atomic_load(&word));
    return 0;
}
