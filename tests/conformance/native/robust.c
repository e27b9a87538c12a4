/* Robust futexes: a robust mutex whose owner dies (a thread that exits, a process that is killed, in shared
 * memory) is handed to the next locker with EOWNERDEAD. qemu-user does not implement set_robust_list (ENOSYS),
 * so under it a waiter would block for ever: the oracle is the host kernel running a native build. */
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

static pthread_mutex_t *shared_mutex;
static pthread_mutex_t local_mutex;

static void make_robust(pthread_mutex_t *m, int pshared)
{
	make_mutex(m, PTHREAD_PRIO_NONE, PTHREAD_MUTEX_ROBUST, pshared);
}

static volatile long other_tid;

static void *park_until_told(void *arg)
{
	int *go = arg;
	char c;
	other_tid = syscall(SYS_gettid);
	read(go[0], &c, 1);
	return NULL;
}

static void *lock_until_told(void *arg)
{
	int *go = arg;
	char c;
	pthread_mutex_lock(&local_mutex);
	read(go[0], &c, 1);
	return NULL; /* ends while holding it */
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct robust_list_head *head;
	size_t len;
	EXPECT_OK("get_robust_list of this thread", syscall(SYS_get_robust_list, 0, &head, &len));
	EXPECT_EQ("glibc registered a list head of 24 bytes", len, 24);
	EXPECT_ERR("set_robust_list with a bad length", syscall(SYS_set_robust_list, head, 12), EINVAL);
	EXPECT_ERR("get_robust_list of no such thread", syscall(SYS_get_robust_list, 999999, &head, &len), ESRCH);
	int park[2];
	pipe(park);
	pthread_t parked;
	pthread_create(&parked, NULL, park_until_told, park);
	while (other_tid == 0)
		usleep(1000);
	struct robust_list_head *theirs = NULL;
	EXPECT_OK("get_robust_list of another thread", syscall(SYS_get_robust_list, other_tid, &theirs, &len));
	EXPECT_TRUE("it has a head of its own", theirs != NULL && theirs != head);
	write(park[1], "x", 1);
	pthread_join(parked, NULL);

	/* A thread ends holding a robust mutex: the next lock gets EOWNERDEAD, then the mutex is usable again. */
	make_robust(&local_mutex, PTHREAD_PROCESS_PRIVATE);
	pthread_t t;
	pthread_create(&t, NULL, lock_and_exit, &local_mutex);
	pthread_join(t, NULL);
	EXPECT_EQ("lock after the owner thread ended", pthread_mutex_lock(&local_mutex), EOWNERDEAD);
	EXPECT_EQ("pthread_mutex_consistent", pthread_mutex_consistent(&local_mutex), 0);
	EXPECT_EQ("unlock", pthread_mutex_unlock(&local_mutex), 0);
	EXPECT_EQ("lock again", pthread_mutex_lock(&local_mutex), 0);
	EXPECT_EQ("unlock again", pthread_mutex_unlock(&local_mutex), 0);

	/* A waiter blocked in the kernel is woken when the owner thread dies. */
	int go[2];
	pipe(go);
	pthread_t owner, waiter;
	pthread_create(&owner, NULL, lock_until_told, go);
	usleep(50 * 1000);
	pthread_create(&waiter, NULL, lock_and_wait, &local_mutex);
	usleep(100 * 1000);
	write(go[1], "x", 1);
	pthread_join(owner, NULL);
	void *got;
	pthread_join(waiter, &got);
	EXPECT_EQ("a blocked waiter gets the dead thread's mutex", (long)got, EOWNERDEAD);

	/* In shared memory: a child process dies (killed) holding a process-shared robust mutex. */
	shared_mutex = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	make_robust(shared_mutex, PTHREAD_PROCESS_SHARED);
	int ready[2];
	pipe(ready);
	pid_t pid = fork();
	if (pid == 0) {
		pthread_mutex_lock(shared_mutex);
		write(ready[1], "x", 1);
		pause();
		_exit(0);
	}
	char c;
	read(ready[0], &c, 1);
	/* A waiter in this process blocks on the mutex the child holds; the kill wakes it with EOWNERDEAD. */
	pthread_create(&waiter, NULL, lock_and_wait, shared_mutex);
	usleep(100 * 1000);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	pthread_join(waiter, &got);
	EXPECT_EQ("a waiting thread gets the dead process's mutex", (long)got, EOWNERDEAD);
	EXPECT_EQ("which is usable again", pthread_mutex_trylock(shared_mutex), 0);
	EXPECT_EQ("unlock", pthread_mutex_unlock(shared_mutex), 0);
	return conf_exit();
}
