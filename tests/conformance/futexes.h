/* Helpers shared by the futex programs: futex_pi, native/futex_pi_robust, native/futex_waitv and native/robust. */
#ifndef FUTEXES_H
#define FUTEXES_H

#include <errno.h>
#include <pthread.h>
#include <time.h>

/* An absolute deadline ms milliseconds from now on clock. */
static inline struct timespec after_ms(clockid_t clock, long ms)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	ts.tv_nsec += ms * 1000000;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	return ts;
}

/* A mutex with the given protocol (PTHREAD_PRIO_NONE, PTHREAD_PRIO_INHERIT), robustness and sharing. */
static inline void make_mutex(pthread_mutex_t *m, int protocol, int robust, int pshared)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setprotocol(&a, protocol);
	pthread_mutexattr_setrobust(&a, robust);
	pthread_mutexattr_setpshared(&a, pshared);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

/* A thread that ends holding the mutex. */
static inline void *lock_and_exit(void *arg)
{
	pthread_mutex_lock((pthread_mutex_t *)arg);
	return NULL;
}

/* Locks, then leaves the mutex consistent and unlocked: returns what the lock said. */
static inline void *lock_and_wait(void *arg)
{
	pthread_mutex_t *m = arg;
	long r = pthread_mutex_lock(m);
	if (r == EOWNERDEAD)
		pthread_mutex_consistent(m);
	if (r == 0 || r == EOWNERDEAD)
		pthread_mutex_unlock(m);
	return (void *)r;
}

#endif
