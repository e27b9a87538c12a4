/* N threads created and joined one after another. */
#include <pthread.h>
#include "common.h"

static void *body(void *arg) { return (void *)((long)arg + 1); }

int main(int argc, char **argv)
{
    long n = bench_n(argc, argv, 1000);
    long sum = 0;
    for (long i = 0; i < n; i++) {
        pthread_t t;
        void *r;
        if (pthread_create(&t, NULL, body, (void *)(i & 0xff)) != 0 || pthread_join(t, &r) != 0) {
            perror("pthread");
            return 1;
        }
        sum += (long)r;
    }
    printf("thread_join n=%ld sum=%ld\n", n, sum);
    return 0;
}
