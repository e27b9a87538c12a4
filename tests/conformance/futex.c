/* futex: WAIT/WAKE between threads, value mismatch (EAGAIN), timeouts
 * (ETIMEDOUT), bitsets, and a timed wait that was woken early must not
 * time out a later wait of the same thread. */
#include "conformance.h"

#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long futex(atomic_uint *uaddr, int op, unsigned val, const struct timespec *ts, unsigned val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, val3);
}

static atomic_uint word, second, stage;
static long second_wait_result;
static int second_wait_errno;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

static void *waiter(void *arg)
{
	(void)arg;
	struct timespec ts = { 0, 200 * 1000000 };
	/* Woken early by main. */
	futex(&word, FUTEX_WAIT_PRIVATE, 0, &ts, 0);
	atomic_store(&stage, 1);
	/* Untimed: only main's wake after the first wait's deadline may end it. */
	errno = 0;
	second_wait_result = futex(&second, FUTEX_WAIT_PRIVATE, 0, NULL, 0);
	second_wait_errno = errno;
	atomic_store(&stage, 2);
	return NULL;
}

int main(void)
{
	atomic_uint w = 1;
	EXPECT_ERR("WAIT with a changed value", futex(&w, FUTEX_WAIT_PRIVATE, 0, NULL, 0), EAGAIN);
	struct timespec short_ts = { 0, 20 * 1000000 };
	EXPECT_ERR("WAIT times out", futex(&w, FUTEX_WAIT_PRIVATE, 1, &short_ts, 0), ETIMEDOUT);
	struct timespec bad_ts = { 0, 1000000000 };
	EXPECT_ERR("WAIT with tv_nsec out of range", futex(&w, FUTEX_WAIT_PRIVATE, 1, &bad_ts, 0), EINVAL);
	EXPECT_ERR("WAIT_BITSET with bitset 0", futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 1, NULL, 0), EINVAL);
	EXPECT_EQ("WAKE with no waiters", futex(&w, FUTEX_WAKE_PRIVATE, 1, NULL, 0), 0);
	EXPECT_ERR("WAIT on a bad address", syscall(SYS_futex, (void *)8, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0), EFAULT);
	EXPECT_ERR("WAIT on a misaligned address", syscall(SYS_futex, (char *)&w + 1, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0), EINVAL);

	pthread_t t;
	pthread_create(&t, NULL, waiter, NULL);
	sleep_ms(30);
	long woken = futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, 0);
	while (atomic_load(&stage) < 1)
		sleep_ms(1);
	/* Wait past the first wait's 200 ms deadline, then wake the second wait. */
	sleep_ms(400);
	EXPECT_EQ("second wait still waiting after the first deadline", atomic_load(&stage), 1);
	atomic_store(&second, 1);
	futex(&second, FUTEX_WAKE_PRIVATE, 1, NULL, 0);
	pthread_join(t, NULL);
	EXPECT_EQ("first WAKE woke the waiter", woken, 1);
	conf_expect_eq("second wait ended by its wake", second_wait_result, second_wait_errno, 0);
	return conf_exit();
}
