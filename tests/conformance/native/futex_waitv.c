/* futex_waitv: waits on up to 128 futex words at once; FUTEX_WAKE of any of them ends the wait with its index.
 * Private words (threads) and shared ones (processes, MAP_SHARED memory), the absolute timeout on CLOCK_MONOTONIC
 * or CLOCK_REALTIME, every value compared before sleeping, and the errors. qemu-aarch64 7.2 does not know the call
 * (ENOSYS), so the oracle is the host kernel running a native build. */
#include "../conformance.h"
#include "../futexes.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif

static long waitv(struct futex_waitv *v, unsigned n, unsigned flags, const struct timespec *ts, clockid_t clock)
{
	return syscall(SYS_futex_waitv, v, n, flags, ts, clock);
}

static long wake(uint32_t *w, int private, int n)
{
	return syscall(SYS_futex, w, private ? FUTEX_WAKE_PRIVATE : FUTEX_WAKE, n, NULL, NULL, 0);
}

static void entry(struct futex_waitv *v, uint32_t *w, uint64_t val, uint32_t flags)
{
	v->val = val;
	v->uaddr = (uintptr_t)w;
	v->flags = flags;
	v->__reserved = 0;
}

static uint32_t words[3];
static struct futex_waitv vec[3];
static volatile int ready;
static long result;

static void *waiter(void *arg)
{
	(void)arg;
	ready = 1;
	result = waitv(vec, 3, 0, NULL, 0);
	if (result < 0)
		result = -errno;
	return NULL;
}

/* Starts a thread in futex_waitv on vec, and waits until it surely sleeps. */
static pthread_t start_waiter(void)
{
	pthread_t t;
	ready = 0;
	result = -1000;
	pthread_create(&t, NULL, waiter, NULL);
	while (!ready)
		usleep(1000);
	usleep(100 * 1000);
	return t;
}

static void on_usr1(int sig) { (void)sig; }

static uint32_t plain;
static void *plain_waiter(void *arg)
{
	(void)arg;
	syscall(SYS_futex, &plain, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return NULL;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	const uint32_t P = FUTEX_32 | FUTEX_PRIVATE_FLAG;
	static uint32_t a, b;
	struct futex_waitv v[2];
	entry(&v[0], &a, 0, P);
	entry(&v[1], &b, 0, P);

	/* Arguments. */
	EXPECT_ERR("flags", waitv(v, 2, 1, NULL, 0), EINVAL);
	EXPECT_ERR("no futexes", waitv(v, 0, 0, NULL, 0), EINVAL);
	EXPECT_ERR("129 futexes", waitv(v, FUTEX_WAITV_MAX + 1, 0, NULL, 0), EINVAL);
	EXPECT_ERR("a NULL vector", waitv(NULL, 1, 0, NULL, 0), EINVAL);
	EXPECT_ERR("an unmapped vector", waitv((struct futex_waitv *)8, 1, 0, NULL, 0), EFAULT);
	struct timespec soon = after_ms(CLOCK_MONOTONIC, 20);
	EXPECT_ERR("CLOCK_BOOTTIME", waitv(v, 2, 0, &soon, CLOCK_BOOTTIME), EINVAL);
	EXPECT_ERR("an unmapped timeout", waitv(v, 2, 0, (struct timespec *)8, CLOCK_MONOTONIC), EFAULT);
	struct timespec bad = {0, 1000000000};
	EXPECT_ERR("an unnormalised timeout", waitv(v, 2, 0, &bad, CLOCK_MONOTONIC), EINVAL);
	entry(&v[1], &b, 0, FUTEX_PRIVATE_FLAG);
	EXPECT_ERR("a word without FUTEX_32", waitv(v, 2, 0, NULL, 0), EINVAL);
	entry(&v[1], &b, 0, 3 | FUTEX_PRIVATE_FLAG);
	EXPECT_ERR("a 64-bit word", waitv(v, 2, 0, NULL, 0), EINVAL);
	entry(&v[1], &b, 0, P | 0x40);
	EXPECT_ERR("an unknown word flag", waitv(v, 2, 0, NULL, 0), EINVAL);
	entry(&v[1], &b, 0, P);
	v[1].__reserved = 1;
	EXPECT_ERR("__reserved set", waitv(v, 2, 0, NULL, 0), EINVAL);
	entry(&v[1], &b, 1ull << 32, P);
	EXPECT_ERR("a value beyond 32 bits", waitv(v, 2, 0, NULL, 0), EINVAL);
	entry(&v[1], (uint32_t *)((char *)&b + 1), 0, P);
	EXPECT_ERR("a misaligned word", waitv(v, 2, 0, NULL, 0), EINVAL);
	entry(&v[1], (uint32_t *)8, 0, P);
	EXPECT_ERR("an unmapped private word", waitv(v, 2, 0, NULL, 0), EFAULT);
	entry(&v[1], (uint32_t *)8, 0, FUTEX_32);
	EXPECT_ERR("an unmapped shared word", waitv(v, 2, 0, NULL, 0), EFAULT);

	/* Values: all are compared before sleeping. */
	entry(&v[1], &b, 7, P);
	EXPECT_ERR("the second value differs", waitv(v, 2, 0, NULL, 0), EAGAIN);
	entry(&v[0], &a, 7, P);
	entry(&v[1], &b, 0, P);
	EXPECT_ERR("the first value differs", waitv(v, 2, 0, NULL, 0), EAGAIN);
	entry(&v[0], &a, 0, P);
	soon = after_ms(CLOCK_MONOTONIC, 20);
	EXPECT_ERR("times out on CLOCK_MONOTONIC", waitv(v, 2, 0, &soon, CLOCK_MONOTONIC), ETIMEDOUT);
	soon = after_ms(CLOCK_REALTIME, 20);
	EXPECT_ERR("times out on CLOCK_REALTIME", waitv(v, 2, 0, &soon, CLOCK_REALTIME), ETIMEDOUT);
	struct timespec past = {1, 0};
	EXPECT_ERR("a timeout in the past", waitv(v, 2, 0, &past, CLOCK_MONOTONIC), ETIMEDOUT);
	static uint32_t many[FUTEX_WAITV_MAX];
	static struct futex_waitv mv[FUTEX_WAITV_MAX];
	for (int i = 0; i < FUTEX_WAITV_MAX; i++)
		entry(&mv[i], &many[i], 0, P);
	soon = after_ms(CLOCK_MONOTONIC, 20);
	EXPECT_ERR("128 words time out", waitv(mv, FUTEX_WAITV_MAX, 0, &soon, CLOCK_MONOTONIC), ETIMEDOUT);
	many[127] = 1;
	EXPECT_ERR("the 128th value differs", waitv(mv, FUTEX_WAITV_MAX, 0, NULL, 0), EAGAIN);

	/* A thread waits on three private words; a wake of the third ends it with index 2. */
	for (int i = 0; i < 3; i++)
		entry(&vec[i], &words[i], 0, P);
	pthread_t t = start_waiter();
	EXPECT_EQ("FUTEX_WAKE of the third word", wake(&words[2], 1, 1), 1);
	pthread_join(t, NULL);
	EXPECT_EQ("futex_waitv returned its index", result, 2);
	EXPECT_EQ("the other words have no waiter left", wake(&words[0], 1, 1) + wake(&words[1], 1, 1), 0);
	t = start_waiter();
	EXPECT_EQ("FUTEX_WAKE of the first word", wake(&words[0], 1, INT_MAX), 1);
	pthread_join(t, NULL);
	EXPECT_EQ("index 0", result, 0);

	/* With a FUTEX_WAIT waiter on the same word, a wake of all reaches both. */
	pthread_t p;
	pthread_create(&p, NULL, plain_waiter, NULL);
	vec[1].uaddr = (uintptr_t)&plain;
	t = start_waiter();
	EXPECT_EQ("FUTEX_WAKE reaches FUTEX_WAIT and futex_waitv", wake(&plain, 1, INT_MAX), 2);
	pthread_join(t, NULL);
	pthread_join(p, NULL);
	EXPECT_EQ("index 1", result, 1);
	vec[1].uaddr = (uintptr_t)&words[1];

	/* FUTEX_CMP_REQUEUE moves its entry to another word, where a wake ends it with the entry's index. */
	static uint32_t elsewhere;
	t = start_waiter();
	EXPECT_EQ("FUTEX_CMP_REQUEUE of the second word", syscall(SYS_futex, &words[1], FUTEX_CMP_REQUEUE_PRIVATE, 0, 1, &elsewhere, 0), 1);
	EXPECT_EQ("FUTEX_WAKE of the word it moved to", wake(&elsewhere, 1, 1), 1);
	pthread_join(t, NULL);
	EXPECT_EQ("index 1", result, 1);

	/* A handled signal (no SA_RESTART) ends it with EINTR. */
	struct sigaction sa = {.sa_handler = on_usr1};
	sigaction(SIGUSR1, &sa, NULL);
	t = start_waiter();
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	EXPECT_EQ("a signal ends it with EINTR", result, -EINTR);
	EXPECT_EQ("and leaves no waiter behind", wake(&words[0], 1, 1), 0);

	/* Shared words in MAP_SHARED memory: a child waits, this process wakes one. */
	uint32_t *shm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid = fork();
	if (pid == 0) {
		struct futex_waitv cv[3];
		for (int i = 0; i < 3; i++)
			entry(&cv[i], &shm[i], 0, FUTEX_32);
		__atomic_store_n(&shm[10], 1, __ATOMIC_SEQ_CST);
		long r = waitv(cv, 3, 0, NULL, 0);
		_exit(r == 1 ? 0 : 1);
	}
	while (__atomic_load_n(&shm[10], __ATOMIC_SEQ_CST) == 0)
		usleep(1000);
	usleep(100 * 1000);
	EXPECT_EQ("a private wake does not reach the other process", wake(&shm[1], 1, 1), 0);
	EXPECT_EQ("FUTEX_WAKE of the shared second word", wake(&shm[1], 0, 1), 1);
	int st;
	waitpid(pid, &st, 0);
	EXPECT_TRUE("the child's futex_waitv returned 1", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return conf_exit();
}
