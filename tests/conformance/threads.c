/* 200 threads, each allocating and freeing memory (glibc's per-thread arenas, mmap and munmap under contention),
 * joined with their results; then a mutex and condition variable shared by 10 threads. */
#include "conformance.h"

#include <pthread.h>
#include <stdlib.h>

static void *allocate(void *arg)
{
	long sum = (long)arg;
	for (int i = 0; i < 100; i++) {
		size_t n = 1000 + (size_t)i * 37 + (i % 10 == 0 ? 200000 : 0);
		unsigned char *p = malloc(n);
		if (!p)
			return (void *)-1L;
		memset(p, i, n);
		sum += p[n - 1];
		free(p);
	}
	return (void *)sum;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter, turn;

/* Each thread takes its turn in order, so the cond var must wake the right waiter every time. */
static void *ordered(void *arg)
{
	long me = (long)arg;
	for (int round = 0; round < 50; round++) {
		pthread_mutex_lock(&lock);
		while (turn % 10 != me)
			pthread_cond_wait(&cond, &lock);
		counter += me;
		turn++;
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[200];
	int created = 0;
	for (long i = 0; i < 200; i++)
		created += pthread_create(&t[i], NULL, allocate, (void *)i) == 0;
	EXPECT_EQ("threads created", created, 200);
	long total = 0, failed = 0;
	for (int i = 0; i < created; i++) {
		void *r;
		pthread_join(t[i], &r);
		if ((long)r < 0)
			failed++;
		else
			total += (long)r;
	}
	EXPECT_EQ("allocations that failed", failed, 0);
	EXPECT_EQ("sum of the threads' results", total, 200L * 199 / 2 + 200L * 4950);
	for (long i = 0; i < 10; i++)
		pthread_create(&t[i], NULL, ordered, (void *)i);
	for (int i = 0; i < 10; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ("turns taken in order", turn, 500);
	EXPECT_EQ("counter", counter, 50L * 45);
	return conf_exit();
}
