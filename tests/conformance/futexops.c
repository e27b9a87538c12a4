/* FUTEX_REQUEUE, FUTEX_CMP_REQUEUE and FUTEX_WAKE_OP: private (threads) and shared (processes). */
#include "conformance.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long futex(uint32_t *uaddr, int op, uint32_t val, unsigned long val2, uint32_t *uaddr2, uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

static uint32_t a_word, b_word;
static int ready;
static int woke;

static void *waiter(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
	while (futex(&a_word, FUTEX_WAIT_PRIVATE, 0, 0, NULL, 0) == -1 && errno == EINTR)
		;
	__atomic_add_fetch(&woke, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void settle(int *counter, int want)
{
	while (__atomic_load_n(counter, __ATOMIC_SEQ_CST) < want)
		usleep(1000);
	usleep(100 * 1000); /* the waiters reach futex() */
}

static void wait_woke(int want)
{
	for (int i = 0; i < 5000 && __atomic_load_n(&woke, __ATOMIC_SEQ_CST) < want; i++)
		usleep(1000);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, waiter, NULL);
	settle(&ready, 3);
	EXPECT_ERR("CMP_REQUEUE with a stale value", futex(&a_word, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &b_word, 1), EAGAIN);
	EXPECT_EQ("CMP_REQUEUE wakes 1 and moves 1", futex(&a_word, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &b_word, 0), 2);
	wait_woke(1);
	EXPECT_EQ("one waiter woke", __atomic_load_n(&woke, __ATOMIC_SEQ_CST), 1);
	EXPECT_EQ("the moved waiter is on the second word", futex(&b_word, FUTEX_WAKE_PRIVATE, INT_MAX, 0, NULL, 0), 1);
	wait_woke(2);
	EXPECT_EQ("REQUEUE reports the moved waiter too (as Linux does)", futex(&a_word, FUTEX_REQUEUE_PRIVATE, 0, 5, &b_word, 0), 1);
	EXPECT_EQ("the last waiter was moved too", futex(&b_word, FUTEX_WAKE_PRIVATE, INT_MAX, 0, NULL, 0), 1);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ("all woke", woke, 3);
	EXPECT_ERR("REQUEUE to a misaligned word", futex(&a_word, FUTEX_REQUEUE_PRIVATE, 0, 1, (uint32_t *)((char *)&b_word + 1), 0), EINVAL);
	EXPECT_ERR("REQUEUE with a negative wake count", futex(&a_word, FUTEX_REQUEUE_PRIVATE, -1, 1, &b_word, 0), EINVAL);

	/* WAKE_OP without waiters: only the operation on the second word. */
	b_word = 5;
	EXPECT_EQ("WAKE_OP ADD 3", futex(&a_word, FUTEX_WAKE_OP_PRIVATE, 1, 1, &b_word, FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_EQ, 5)), 0);
	EXPECT_EQ("second word after ADD", b_word, 8);
	futex(&a_word, FUTEX_WAKE_OP_PRIVATE, 1, 1, &b_word, FUTEX_OP((FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT), 4, FUTEX_OP_CMP_EQ, 0));
	EXPECT_EQ("second word after OR 1<<4", b_word, 24);
	futex(&a_word, FUTEX_WAKE_OP_PRIVATE, 1, 1, &b_word, FUTEX_OP(FUTEX_OP_ANDN, 8, FUTEX_OP_CMP_EQ, 0));
	EXPECT_EQ("after ANDN 8", b_word, 16);
	futex(&a_word, FUTEX_WAKE_OP_PRIVATE, 1, 1, &b_word, FUTEX_OP(FUTEX_OP_XOR, 0xff, FUTEX_OP_CMP_EQ, 0));
	EXPECT_EQ("after XOR 0xff", b_word, 239);
	futex(&a_word, FUTEX_WAKE_OP_PRIVATE, 1, 1, &b_word, FUTEX_OP(FUTEX_OP_SET, -2, FUTEX_OP_CMP_EQ, 0));
	EXPECT_EQ("after SET -2 (sign-extended)", (int32_t)b_word, -2);
	EXPECT_ERR("WAKE_OP unknown operation", futex(&a_word, FUTEX_WAKE_OP_PRIVATE, 1, 1, &b_word, 6u << 28), ENOSYS);
	EXPECT_ERR("WAKE_OP unknown comparison", futex(&a_word, FUTEX_WAKE_OP_PRIVATE, 1, 1, &b_word, 7u << 24), ENOSYS);
	EXPECT_ERR("WAKE_OP unmapped second word", futex(&a_word, FUTEX_WAKE_OP_PRIVATE, 1, 1, (uint32_t *)8, 0), EFAULT);
	EXPECT_ERR("WAKE_OP misaligned second word", futex(&a_word, FUTEX_WAKE_OP_PRIVATE, 1, 1, (uint32_t *)((char *)&b_word + 2), 0), EINVAL);

	/* WAKE_OP with a waiter on the second word: woken when the old value passes the comparison. */
	b_word = 0;
	woke = ready = 0;
	pthread_t w2;
	pthread_create(&w2, NULL, waiter, NULL); /* waits on a_word */
	settle(&ready, 1);
	EXPECT_EQ("WAKE_OP wakes the first word's waiter", futex(&a_word, FUTEX_WAKE_OP_PRIVATE, 1, 1, &b_word, FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_GT, 0)), 1);
	pthread_join(w2, NULL);

	/* Shared memory: a child process waits, the parent requeues it to another word and wakes it there. */
	uint32_t *shm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	shm[0] = 0;
	shm[1] = 0;
	shm[2] = 0; /* the child's "about to wait" flag */
	pid_t pid = fork();
	if (pid == 0) {
		__atomic_store_n(&shm[2], 1, __ATOMIC_SEQ_CST);
		long r = futex(&shm[0], FUTEX_WAIT, 0, 0, NULL, 0);
		_exit(r == 0 ? 0 : 1);
	}
	while (__atomic_load_n(&shm[2], __ATOMIC_SEQ_CST) == 0)
		usleep(1000);
	usleep(100 * 1000);
	EXPECT_EQ("shared CMP_REQUEUE moves the other process's waiter", futex(&shm[0], FUTEX_CMP_REQUEUE, 0, 1, &shm[1], 0), 1);
	EXPECT_EQ("and a wake on the second word reaches it", futex(&shm[1], FUTEX_WAKE, 1, 0, NULL, 0), 1);
	int status;
	waitpid(pid, &status, 0);
	EXPECT_TRUE("the child's wait returned 0", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return conf_exit();
}
