/* Robust priority-inheritance mutexes (PTHREAD_PRIO_INHERIT + PTHREAD_MUTEX_ROBUST): when the owner dies (a thread
 * that ends, a process that is killed, in MAP_SHARED memory) its robust list marks the word FUTEX_OWNER_DIED and
 * the PI state hands the lock to the waiter blocked in FUTEX_LOCK_PI, so pthread_mutex_lock returns EOWNERDEAD.
 * qemu-user has no set_robust_list, so the oracle is the host kernel running a native build. */
#include "../conformance.h"
#include "../futexes.h"

#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t local_mutex;

static void make_robust_pi(pthread_mutex_t *m, int pshared)
{
	make_mutex(m, PTHREAD_PRIO_INHERIT, PTHREAD_MUTEX_ROBUST, pshared);
}

/* The mutex's futex word (glibc's __lock). */
static uint32_t word(pthread_mutex_t *m)
{
	return __atomic_load_n((uint32_t *)&m->__data.__lock, __ATOMIC_SEQ_CST);
}

/* Until a waiter has marked the word (it is in FUTEX_LOCK_PI then), and a little more. */
static void until_waiter(pthread_mutex_t *m)
{
	while (!(word(m) & FUTEX_WAITERS))
		usleep(1000);
	usleep(50 * 1000);
}

static void *lock_until_waiter(void *arg)
{
	pthread_mutex_t *m = arg;
	pthread_mutex_lock(m);
	until_waiter(m);
	return NULL; /* ends while holding it, with a waiter in the kernel */
}

static long counter;

static void *contender(void *arg)
{
	pthread_mutex_t *m = arg;
	for (int i = 0; i < 1000; i++) {
		if (pthread_mutex_lock(m) != 0)
			return (void *)1;
		long v = counter;
		if (i % 100 == 0)
			sched_yield();
		counter = v + 1;
		pthread_mutex_unlock(m);
	}
	return NULL;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	make_robust_pi(&local_mutex, PTHREAD_PROCESS_PRIVATE);

	/* Contended, it works as any mutex. */
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, contender, &local_mutex);
	long failed = 0;
	for (int i = 0; i < 3; i++) {
		void *r;
		pthread_join(t[i], &r);
		failed |= (long)r;
	}
	EXPECT_EQ("three threads under a robust PI mutex", counter, 3000);
	EXPECT_EQ("every lock succeeded", failed, 0);

	/* The owner thread ends with nobody waiting: the word says FUTEX_OWNER_DIED, the next lock EOWNERDEAD. */
	pthread_t owner, waiter;
	pthread_create(&owner, NULL, lock_and_exit, &local_mutex);
	pthread_join(owner, NULL);
	EXPECT_EQ("the word after the owner's death", word(&local_mutex), FUTEX_OWNER_DIED);
	EXPECT_EQ("lock after the owner thread ended", pthread_mutex_lock(&local_mutex), EOWNERDEAD);
	EXPECT_EQ("pthread_mutex_consistent", pthread_mutex_consistent(&local_mutex), 0);
	EXPECT_EQ("unlock", pthread_mutex_unlock(&local_mutex), 0);
	EXPECT_EQ("lock again", pthread_mutex_lock(&local_mutex), 0);
	EXPECT_EQ("unlock again", pthread_mutex_unlock(&local_mutex), 0);

	/* A waiter blocked in FUTEX_LOCK_PI gets the lock when the owner thread dies. */
	pthread_create(&owner, NULL, lock_until_waiter, &local_mutex);
	usleep(50 * 1000);
	pthread_create(&waiter, NULL, lock_and_wait, &local_mutex);
	pthread_join(owner, NULL);
	void *got;
	pthread_join(waiter, &got);
	EXPECT_EQ("a blocked waiter gets the dead thread's PI mutex", (long)got, EOWNERDEAD);
	EXPECT_EQ("the word is free again", word(&local_mutex), 0);

	/* In shared memory: a child process dies holding a process-shared robust PI mutex. */
	pthread_mutex_t *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	make_robust_pi(shared, PTHREAD_PROCESS_SHARED);
	pid_t pid = fork();
	if (pid == 0) {
		pthread_mutex_lock(shared);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	EXPECT_EQ("the word after the child's exit", word(shared), FUTEX_OWNER_DIED);
	EXPECT_EQ("lock after the owner process ended", pthread_mutex_lock(shared), EOWNERDEAD);
	EXPECT_EQ("pthread_mutex_consistent", pthread_mutex_consistent(shared), 0);
	EXPECT_EQ("unlock", pthread_mutex_unlock(shared), 0);

	/* A thread of ours waits in FUTEX_LOCK_PI for the child's mutex; the child is killed. */
	int ready[2];
	pipe(ready);
	pid = fork();
	if (pid == 0) {
		pthread_mutex_lock(shared);
		write(ready[1], "x", 1);
		pause();
		_exit(0);
	}
	char c;
	read(ready[0], &c, 1);
	pthread_create(&waiter, NULL, lock_and_wait, shared);
	until_waiter(shared);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	pthread_join(waiter, &got);
	EXPECT_EQ("a waiting thread gets the killed process's PI mutex", (long)got, EOWNERDEAD);
	EXPECT_EQ("which is usable again", pthread_mutex_trylock(shared), 0);
	EXPECT_EQ("unlock", pthread_mutex_unlock(shared), 0);

	/* Without a robust list entry (a raw PI word), the dying owner's waiter still gets the lock, with FUTEX_OWNER_DIED. */
	uint32_t *raw = (uint32_t *)(shared + 1);
	pid = fork();
	if (pid == 0) {
		syscall(SYS_futex, raw, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
		while (!(__atomic_load_n(raw, __ATOMIC_SEQ_CST) & FUTEX_WAITERS))
			usleep(1000);
		usleep(50 * 1000);
		_exit(0);
	}
	while (__atomic_load_n(raw, __ATOMIC_SEQ_CST) == 0)
		usleep(1000);
	EXPECT_EQ("FUTEX_LOCK_PI of the child's raw word", syscall(SYS_futex, raw, FUTEX_LOCK_PI, 0, NULL, NULL, 0), 0);
	EXPECT_TRUE("gets it with FUTEX_WAITERS and FUTEX_OWNER_DIED", *raw == (FUTEX_WAITERS | FUTEX_OWNER_DIED | (uint32_t)gettid()));
	waitpid(pid, NULL, 0);
	EXPECT_EQ("FUTEX_UNLOCK_PI", syscall(SYS_futex, raw, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), 0);
	EXPECT_EQ("the raw word", *raw, 0);
	/* The owner gone, its tid left in the word: ESRCH. */
	pid = fork();
	if (pid == 0) {
		syscall(SYS_futex, raw, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	EXPECT_ERR("FUTEX_LOCK_PI of a word whose owner died without cleanup", syscall(SYS_futex, raw, FUTEX_LOCK_PI, 0, NULL, NULL, 0), ESRCH);
	return conf_exit();
}
