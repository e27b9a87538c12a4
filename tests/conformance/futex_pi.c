/* Priority-inheritance futexes: FUTEX_LOCK_PI, LOCK_PI2, TRYLOCK_PI, UNLOCK_PI, WAIT_REQUEUE_PI and CMP_REQUEUE_PI
 * with their errors, threads contending, a PTHREAD_PRIO_INHERIT mutex (with a condition variable) across threads
 * and across processes in MAP_SHARED memory. Robust owner death is in native/futex_pi_robust.c (qemu-user has no
 * set_robust_list). */
#include "conformance.h"
#include "futexes.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WAITERS FUTEX_WAITERS
#define OWNER_DIED FUTEX_OWNER_DIED
#define BOGUS_TID 0x3ffffff0u /* above any pid_max: nobody has it */

static long futex(uint32_t *uaddr, int op, uint32_t val, const void *ts_or_val2, uint32_t *uaddr2, uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts_or_val2, uaddr2, val3);
}

static long lock_pi(uint32_t *w) { return futex(w, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0); }
static long unlock_pi(uint32_t *w) { return futex(w, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0); }
static uint32_t tid(void) { return (uint32_t)gettid(); }
static uint32_t load(uint32_t *w) { return __atomic_load_n(w, __ATOMIC_SEQ_CST); }

/* Waits until a LOCK_PI caller has marked the word (it is then in the kernel), and a little more. */
static void until_waiter(uint32_t *w)
{
	while (!(load(w) & WAITERS))
		usleep(1000);
	usleep(50 * 1000);
}

static void single_thread(void)
{
	static uint32_t w, w2;
	EXPECT_EQ("LOCK_PI of a free word", lock_pi(&w), 0);
	EXPECT_TRUE("the word holds our tid", w == tid());
	EXPECT_ERR("LOCK_PI again", lock_pi(&w), EDEADLK);
	EXPECT_ERR("TRYLOCK_PI of our own lock", futex(&w, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0), EDEADLK);
	EXPECT_EQ("UNLOCK_PI", unlock_pi(&w), 0);
	EXPECT_EQ("the word is 0", w, 0);
	EXPECT_ERR("UNLOCK_PI of a free word", unlock_pi(&w), EPERM);
	EXPECT_EQ("TRYLOCK_PI of a free word", futex(&w, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0), 0);
	w |= WAITERS;
	EXPECT_EQ("UNLOCK_PI with FUTEX_WAITERS and nobody waiting", unlock_pi(&w), 0);
	EXPECT_EQ("clears the word", w, 0);
	w = OWNER_DIED;
	EXPECT_EQ("LOCK_PI of a word whose owner died", lock_pi(&w), 0);
	EXPECT_TRUE("keeps FUTEX_OWNER_DIED for the new owner", w == (tid() | OWNER_DIED));
	EXPECT_EQ("UNLOCK_PI drops FUTEX_OWNER_DIED", unlock_pi(&w), 0);
	EXPECT_EQ("the word after it", w, 0);
	w = BOGUS_TID;
	EXPECT_ERR("LOCK_PI of a word naming no thread", lock_pi(&w), ESRCH);
	EXPECT_EQ("which sets FUTEX_WAITERS first", w, BOGUS_TID | WAITERS);
	EXPECT_ERR("TRYLOCK_PI of it", futex(&w, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0), ESRCH);
	EXPECT_ERR("UNLOCK_PI of another's lock", unlock_pi(&w), EPERM);
	w = 0;

	/* Arguments. */
	struct timespec bad = {0, 1000000000}, negative = {-1, 0};
	EXPECT_ERR("LOCK_PI with a bad timeout", futex(&w, FUTEX_LOCK_PI, 0, &bad, NULL, 0), EINVAL);
	EXPECT_ERR("LOCK_PI with a negative timeout", futex(&w, FUTEX_LOCK_PI, 0, &negative, NULL, 0), EINVAL);
	EXPECT_ERR("LOCK_PI with an unmapped timeout", futex(&w, FUTEX_LOCK_PI, 0, (void *)8, NULL, 0), EFAULT);
	EXPECT_ERR("LOCK_PI with FUTEX_CLOCK_REALTIME", futex(&w, FUTEX_LOCK_PI | FUTEX_CLOCK_REALTIME, 0, NULL, NULL, 0), ENOSYS);
	EXPECT_ERR("bad timeout before the clock flag is refused", futex(&w, FUTEX_LOCK_PI | FUTEX_CLOCK_REALTIME, 0, &bad, NULL, 0), EINVAL);
	EXPECT_ERR("FUTEX_WAIT with FUTEX_CLOCK_REALTIME", futex(&w, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 0, NULL, NULL, 0), ENOSYS);
	EXPECT_ERR("UNLOCK_PI with FUTEX_CLOCK_REALTIME", futex(&w, FUTEX_UNLOCK_PI | FUTEX_CLOCK_REALTIME, 0, NULL, NULL, 0), ENOSYS);
	EXPECT_ERR("FUTEX_FD", futex(&w, 2, 0, NULL, NULL, 0), ENOSYS);
	EXPECT_ERR("operation 14", futex(&w, 14, 0, NULL, NULL, 0), ENOSYS);
	EXPECT_ERR("an unknown flag bit", futex(&w, FUTEX_WAKE | 0x200, 1, NULL, NULL, 0), ENOSYS);
	struct timespec rt = after_ms(CLOCK_REALTIME, 10);
	EXPECT_EQ("LOCK_PI2 with FUTEX_CLOCK_REALTIME of a free word", futex(&w, FUTEX_LOCK_PI2_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &rt, NULL, 0), 0);
	EXPECT_EQ("and its UNLOCK_PI", unlock_pi(&w), 0);
	EXPECT_ERR("LOCK_PI of a misaligned word", lock_pi((uint32_t *)((char *)&w + 1)), EINVAL);
	EXPECT_ERR("LOCK_PI of an unmapped word", lock_pi((uint32_t *)8), EFAULT);
	EXPECT_ERR("UNLOCK_PI of an unmapped word", unlock_pi((uint32_t *)8), EFAULT);
	EXPECT_ERR("UNLOCK_PI of a misaligned word we do not own", unlock_pi((uint32_t *)((char *)&w + 1)), EPERM);
	uint32_t *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT_ERR("LOCK_PI of a read-only word", lock_pi(ro), EFAULT);
	munmap(ro, 4096);

	/* The requeue pair's arguments. */
	EXPECT_ERR("CMP_REQUEUE_PI to the same word", futex(&w, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)1, &w, 0), EINVAL);
	EXPECT_ERR("CMP_REQUEUE_PI waking 2", futex(&w, FUTEX_CMP_REQUEUE_PI_PRIVATE, 2, (void *)1, &w2, 0), EINVAL);
	EXPECT_ERR("CMP_REQUEUE_PI waking 0", futex(&w, FUTEX_CMP_REQUEUE_PI_PRIVATE, 0, (void *)1, &w2, 0), EINVAL);
	EXPECT_ERR("CMP_REQUEUE_PI with a negative count", futex(&w, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)(uintptr_t)0x80000000u, &w2, 0), EINVAL);
	EXPECT_ERR("CMP_REQUEUE_PI with a stale value", futex(&w, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)1, &w2, 5), EAGAIN);
	EXPECT_ERR("CMP_REQUEUE_PI of an unmapped word", futex((uint32_t *)8, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)1, &w2, 0), EFAULT);
	EXPECT_EQ("CMP_REQUEUE_PI with nobody waiting", futex(&w, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)1, &w2, 0), 0);
	EXPECT_EQ("which leaves the PI word alone", w2, 0);
	EXPECT_ERR("WAIT_REQUEUE_PI onto the same word", futex(&w, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 0, NULL, &w, 0), EINVAL);
	EXPECT_ERR("WAIT_REQUEUE_PI onto a misaligned word", futex(&w, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 0, NULL, (uint32_t *)((char *)&w2 + 2), 0), EINVAL);
	EXPECT_ERR("WAIT_REQUEUE_PI with a stale value", futex(&w, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 5, NULL, &w2, 0), EAGAIN);
	struct timespec mono = after_ms(CLOCK_MONOTONIC, 20);
	EXPECT_ERR("WAIT_REQUEUE_PI times out (absolute, monotonic)", futex(&w, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 0, &mono, &w2, 0), ETIMEDOUT);
	rt = after_ms(CLOCK_REALTIME, 20);
	EXPECT_ERR("WAIT_REQUEUE_PI times out (CLOCK_REALTIME)", futex(&w, FUTEX_WAIT_REQUEUE_PI_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &rt, &w2, 0), ETIMEDOUT);
}

/* ---- Two threads on raw words. ---- */

static uint32_t lock_a, lock_b, plain;
static volatile int phase;
static long owner_result[8];
static uint32_t owner_tid;

static void until_phase(int p)
{
	while (phase < p)
		usleep(1000);
}

static void *owner(void *arg)
{
	(void)arg;
	owner_tid = tid();
	owner_result[0] = lock_pi(&lock_a);
	phase = 1;
	/* The main thread blocks in LOCK_PI: a plain wake of the word is refused. */
	until_phase(2);
	usleep(100 * 1000);
	owner_result[1] = futex(&lock_a, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == -1 ? errno : 0;
	owner_result[2] = unlock_pi(&lock_a); /* hands it over */
	until_phase(3);
	/* Deadlock: we hold lock_a again and wait for lock_b, which main holds; main then asks for lock_a. */
	owner_result[3] = lock_pi(&lock_a);
	phase = 4;
	owner_result[4] = lock_pi(&lock_b); /* blocks until main lets lock_b go */
	owner_result[5] = unlock_pi(&lock_b);
	owner_result[6] = unlock_pi(&lock_a);
	return NULL;
}

static volatile int handled;
static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

static void *signaller(void *arg)
{
	pid_t target = *(pid_t *)arg;
	owner_result[0] = lock_pi(&lock_a);
	phase = 1;
	until_waiter(&lock_a);
	syscall(SYS_tgkill, getpid(), target, SIGUSR1);
	usleep(50 * 1000);
	owner_result[1] = unlock_pi(&lock_a);
	return NULL;
}

static void *plain_waiter(void *arg)
{
	(void)arg;
	phase = 1;
	futex(&plain, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return NULL;
}

static void two_threads(void)
{
	pthread_t t;
	phase = 0;
	pthread_create(&t, NULL, owner, NULL);
	until_phase(1);
	EXPECT_ERR("TRYLOCK_PI of another thread's lock", futex(&lock_a, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0), EAGAIN);
	EXPECT_TRUE("sets FUTEX_WAITERS on the owner's word", lock_a == (owner_tid | WAITERS));
	EXPECT_ERR("UNLOCK_PI of another thread's lock", unlock_pi(&lock_a), EPERM);
	struct timespec mono = after_ms(CLOCK_MONOTONIC, 30);
	EXPECT_ERR("LOCK_PI2 times out (absolute, monotonic)", futex(&lock_a, FUTEX_LOCK_PI2_PRIVATE, 0, &mono, NULL, 0), ETIMEDOUT);
	struct timespec rt = after_ms(CLOCK_REALTIME, 30);
	EXPECT_ERR("LOCK_PI times out (absolute, CLOCK_REALTIME)", futex(&lock_a, FUTEX_LOCK_PI_PRIVATE, 0, &rt, NULL, 0), ETIMEDOUT);
	phase = 2;
	EXPECT_EQ("LOCK_PI waits for the owner's unlock", lock_pi(&lock_a), 0);
	EXPECT_TRUE("the word names us, FUTEX_WAITERS kept while the state lived", lock_a == (tid() | WAITERS));
	EXPECT_EQ("FUTEX_WAKE of a PI futex with a waiter", owner_result[1], EINVAL);
	EXPECT_EQ("the owner's UNLOCK_PI", owner_result[2], 0);
	EXPECT_EQ("our UNLOCK_PI", unlock_pi(&lock_a), 0);
	EXPECT_EQ("the word", lock_a, 0);

	EXPECT_EQ("LOCK_PI of lock_b", lock_pi(&lock_b), 0);
	phase = 3;
	until_phase(4);
	until_waiter(&lock_b);
	EXPECT_ERR("LOCK_PI that would close a cycle", lock_pi(&lock_a), EDEADLK);
	EXPECT_EQ("UNLOCK_PI of lock_b", unlock_pi(&lock_b), 0);
	pthread_join(t, NULL);
	EXPECT_EQ("the owner relocked lock_a", owner_result[3], 0);
	EXPECT_EQ("the owner got lock_b", owner_result[4], 0);
	EXPECT_EQ("and let both go", owner_result[5] | owner_result[6], 0);
	EXPECT_TRUE("both words free", lock_a == 0 && lock_b == 0);

	/* A signal handled without SA_RESTART does not end LOCK_PI: it is restarted. */
	struct sigaction sa = {.sa_handler = on_usr1};
	sigaction(SIGUSR1, &sa, NULL);
	pid_t me = gettid();
	phase = 0;
	pthread_create(&t, NULL, signaller, &me);
	until_phase(1);
	EXPECT_EQ("LOCK_PI across a handled signal", lock_pi(&lock_a), 0);
	EXPECT_EQ("the handler ran", handled, 1);
	pthread_join(t, NULL);
	EXPECT_EQ("the signaller's unlock", owner_result[1], 0);
	EXPECT_EQ("UNLOCK_PI", unlock_pi(&lock_a), 0);

	/* A PI operation on a word with a plain FUTEX_WAIT waiter is refused. */
	phase = 0;
	pthread_create(&t, NULL, plain_waiter, NULL);
	until_phase(1);
	usleep(100 * 1000);
	EXPECT_ERR("LOCK_PI of a word with a FUTEX_WAIT waiter", lock_pi(&plain), EINVAL);
	EXPECT_EQ("FUTEX_WAKE it", futex(&plain, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 1);
	pthread_join(t, NULL);
}

/* ---- The lock goes to the SCHED_FIFO waiter first, then to the others in arrival order. ---- */

static uint32_t prio_lock;
static int order[3], taken;

static void *prio_waiter(void *arg)
{
	long i = (long)arg;
	if (i == 2) {
		struct sched_param p = {.sched_priority = 10};
		sched_setscheduler(0, SCHED_FIFO, &p);
	}
	lock_pi(&prio_lock);
	order[taken++] = (int)i;
	unlock_pi(&prio_lock);
	return NULL;
}

static void priority_order(void)
{
	pthread_t t[3];
	EXPECT_EQ("LOCK_PI of the contended lock", lock_pi(&prio_lock), 0);
	for (long i = 0; i < 3; i++) {
		pthread_create(&t[i], NULL, prio_waiter, (void *)i);
		usleep(100 * 1000); /* each waits before the next comes */
	}
	EXPECT_EQ("UNLOCK_PI", unlock_pi(&prio_lock), 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	EXPECT_TRUE("the SCHED_FIFO waiter first, then the others as they came", order[0] == 2 && order[1] == 0 && order[2] == 1);
	EXPECT_EQ("the word", prio_lock, 0);
}

/* ---- WAIT_REQUEUE_PI / CMP_REQUEUE_PI: a condition variable made by hand. ---- */

static uint32_t cond_word, pi_mutex, other_pi;
static int ready, done, in_section, overlap;
static long requeue_result[3];

static void *requeue_waiter(void *arg)
{
	long i = (long)arg;
	__atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
	long r = futex(&cond_word, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 0, NULL, &pi_mutex, 0);
	requeue_result[i] = r == 0 ? (load(&pi_mutex) & FUTEX_TID_MASK) == tid() : -errno;
	if (r == 0) {
		if (__atomic_add_fetch(&in_section, 1, __ATOMIC_SEQ_CST) != 1)
			overlap = 1;
		usleep(10 * 1000);
		__atomic_sub_fetch(&in_section, 1, __ATOMIC_SEQ_CST);
		unlock_pi(&pi_mutex);
	}
	__atomic_add_fetch(&done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void requeue_round(int hold, const char *label_count, long want_count)
{
	pthread_t t[3];
	ready = done = 0;
	for (long i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, requeue_waiter, (void *)i);
	while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) < 3)
		usleep(1000);
	usleep(100 * 1000);
	if (hold) {
		EXPECT_ERR("FUTEX_WAKE of a word with WAIT_REQUEUE_PI waiters", futex(&cond_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), EINVAL);
		EXPECT_ERR("FUTEX_CMP_REQUEUE of them", futex(&cond_word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &other_pi, 0), EINVAL);
		EXPECT_ERR("CMP_REQUEUE_PI to another PI word", futex(&cond_word, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)1, &other_pi, 0), EINVAL);
		EXPECT_EQ("we hold the PI mutex", lock_pi(&pi_mutex), 0);
	}
	cond_word = 1;
	EXPECT_EQ(label_count, futex(&cond_word, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)(uintptr_t)INT_MAX, &pi_mutex, 1), want_count);
	if (hold) {
		EXPECT_TRUE("the mutex word got FUTEX_WAITERS", pi_mutex == (tid() | WAITERS));
		EXPECT_EQ("nobody ran yet", __atomic_load_n(&done, __ATOMIC_SEQ_CST), 0);
		EXPECT_EQ("our UNLOCK_PI hands the mutex on", unlock_pi(&pi_mutex), 0);
	}
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	EXPECT_TRUE("each waiter returned 0 owning the mutex", requeue_result[0] == 1 && requeue_result[1] == 1 && requeue_result[2] == 1);
	EXPECT_EQ("one at a time", overlap, 0);
	EXPECT_EQ("the mutex is free at the end", pi_mutex, 0);
	cond_word = 0;
}

/* ---- pthread mutexes with PTHREAD_PRIO_INHERIT. ---- */

static pthread_mutex_t pi_lock;
static pthread_cond_t pi_cond = PTHREAD_COND_INITIALIZER;
static long counter;
static int queue_len, produced_all;
static long consumed_sum;

static void make_pi(pthread_mutex_t *m, int pshared)
{
	make_mutex(m, PTHREAD_PRIO_INHERIT, PTHREAD_MUTEX_STALLED, pshared);
}

static void *contender(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2000; i++) {
		pthread_mutex_lock(&pi_lock);
		long v = counter;
		if (i % 100 == 0)
			sched_yield();
		counter = v + 1;
		pthread_mutex_unlock(&pi_lock);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&pi_lock);
	for (;;) {
		while (queue_len == 0 && !produced_all)
			pthread_cond_wait(&pi_cond, &pi_lock);
		if (queue_len == 0)
			break;
		consumed_sum += queue_len--;
	}
	pthread_mutex_unlock(&pi_lock);
	return NULL;
}

static void pi_mutexes(void)
{
	int protocol = -1;
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	EXPECT_EQ("setprotocol PTHREAD_PRIO_INHERIT", pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT), 0);
	pthread_mutexattr_getprotocol(&a, &protocol);
	EXPECT_EQ("getprotocol", protocol, PTHREAD_PRIO_INHERIT);
	make_pi(&pi_lock, PTHREAD_PROCESS_PRIVATE);
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, contender, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	EXPECT_EQ("four threads under a PI mutex", counter, 8000);
	EXPECT_EQ("trylock of the free PI mutex", pthread_mutex_trylock(&pi_lock), 0);
	EXPECT_EQ("unlock", pthread_mutex_unlock(&pi_lock), 0);

	/* A condition variable with the PI mutex: two consumers, one producer. */
	pthread_create(&t[0], NULL, consumer, NULL);
	pthread_create(&t[1], NULL, consumer, NULL);
	for (int i = 0; i < 200; i++) {
		pthread_mutex_lock(&pi_lock);
		queue_len++;
		pthread_cond_signal(&pi_cond);
		pthread_mutex_unlock(&pi_lock);
		if (i % 20 == 0)
			usleep(1000);
	}
	pthread_mutex_lock(&pi_lock);
	produced_all = 1;
	pthread_cond_broadcast(&pi_cond);
	pthread_mutex_unlock(&pi_lock);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	EXPECT_EQ("every item consumed", queue_len, 0);
	EXPECT_TRUE("the consumers took items", consumed_sum >= 200);
	struct timespec rt = after_ms(CLOCK_REALTIME, 20);
	pthread_mutex_lock(&pi_lock);
	EXPECT_EQ("cond_timedwait with the PI mutex", pthread_cond_timedwait(&pi_cond, &pi_lock, &rt), ETIMEDOUT);
	EXPECT_EQ("and we hold it again", pthread_mutex_unlock(&pi_lock), 0);
}

/* Two processes under a process-shared PI mutex in MAP_SHARED memory, and a raw shared PI word. */
static void cross_process(void)
{
	struct shared {
		pthread_mutex_t m;
		long counter;
		uint32_t word;
		uint32_t flag;
	} *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	make_pi(&s->m, PTHREAD_PROCESS_SHARED);
	s->counter = 0;
	for (int i = 0; i < 2; i++) {
		if (fork() == 0) {
			for (int j = 0; j < 2000; j++) {
				pthread_mutex_lock(&s->m);
				long v = s->counter;
				if (j % 100 == 0)
					sched_yield();
				s->counter = v + 1;
				pthread_mutex_unlock(&s->m);
			}
			_exit(0);
		}
	}
	int st;
	while (wait(&st) > 0)
		;
	EXPECT_EQ("two processes under a shared PI mutex", s->counter, 4000);

	/* The child owns the shared word; our LOCK_PI (without FUTEX_PRIVATE_FLAG) waits for its UNLOCK_PI. */
	pid_t pid = fork();
	if (pid == 0) {
		long r = futex(&s->word, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
		__atomic_store_n(&s->flag, 1, __ATOMIC_SEQ_CST);
		while (load(&s->flag) != 2)
			usleep(1000);
		usleep(100 * 1000);
		r |= futex(&s->word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
		_exit(r == 0 ? 0 : 1);
	}
	while (!load(&s->flag))
		usleep(1000);
	EXPECT_ERR("shared TRYLOCK_PI of the child's lock", futex(&s->word, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0), EAGAIN);
	__atomic_store_n(&s->flag, 2, __ATOMIC_SEQ_CST);
	EXPECT_EQ("shared LOCK_PI gets it from the other process", futex(&s->word, FUTEX_LOCK_PI, 0, NULL, NULL, 0), 0);
	EXPECT_TRUE("the word names us", s->word == (tid() | WAITERS));
	waitpid(pid, &st, 0);
	EXPECT_TRUE("the child's lock and unlock succeeded", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	EXPECT_EQ("shared UNLOCK_PI", futex(&s->word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), 0);

	/* A waiter killed in LOCK_PI leaves the lock: the owner's unlock finds nobody to hand it to. */
	EXPECT_EQ("shared LOCK_PI", futex(&s->word, FUTEX_LOCK_PI, 0, NULL, NULL, 0), 0);
	pid = fork();
	if (pid == 0) {
		futex(&s->word, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
		_exit(9);
	}
	while (!(load(&s->word) & WAITERS))
		usleep(1000);
	usleep(50 * 1000);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	EXPECT_TRUE("the waiter was killed", WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	EXPECT_EQ("UNLOCK_PI with the waiter gone", futex(&s->word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), 0);
	EXPECT_EQ("leaves the word free", s->word, 0);

	/* Shared WAIT_REQUEUE_PI in another process: CMP_REQUEUE_PI takes the free PI word for it and wakes it. */
	s->flag = 0;
	uint32_t *cond = &s->flag + 1, *mutex = &s->flag + 2;
	pid = fork();
	if (pid == 0) {
		__atomic_store_n(&s->flag, 1, __ATOMIC_SEQ_CST);
		long r = futex(cond, FUTEX_WAIT_REQUEUE_PI, 0, NULL, mutex, 0);
		int owns = *mutex == (tid() | WAITERS);
		r |= futex(mutex, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
		_exit(r == 0 && owns ? 0 : 1);
	}
	while (!load(&s->flag))
		usleep(1000);
	usleep(100 * 1000);
	EXPECT_EQ("a private CMP_REQUEUE_PI does not see the other process", futex(cond, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)1, mutex, 0), 0);
	EXPECT_EQ("shared CMP_REQUEUE_PI wakes the other process's waiter", futex(cond, FUTEX_CMP_REQUEUE_PI, 1, (void *)1, mutex, 0), 1);
	waitpid(pid, &st, 0);
	EXPECT_TRUE("it owned the PI word and let it go", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	EXPECT_EQ("the PI word", *mutex, 0);
	munmap(s, 4096);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	single_thread();
	two_threads();
	priority_order();
	requeue_round(0, "CMP_REQUEUE_PI of a free mutex: 1 takes it, 2 move", 3);
	requeue_round(1, "CMP_REQUEUE_PI of a held mutex: 3 move", 3);
	pi_mutexes();
	cross_process();
	return conf_exit();
}
