/* System V semaphores: semget keys and limits, semop atomic across the set (all or nothing), IPC_NOWAIT, waits for
 * zero and for increase across processes (GETNCNT, GETZCNT), semtimedop's timeout, EINTR, EIDRM, SEM_UNDO at exit
 * (also after SIGKILL), semctl's commands and the errors Linux documents. Every set made here is removed. */
#include "conformance.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *info;
};

static int op(int s, unsigned short n, short v, short flags)
{
	struct sembuf b = { .sem_num = n, .sem_op = v, .sem_flg = flags };
	return semop(s, &b, 1);
}

static int val(int s, int n)
{
	return semctl(s, n, GETVAL);
}

/* Waits (up to 10 s) until semaphore n of set s has `want` waiters for an increase (or for zero). */
static void await_waiters(int s, int n, int cmd, int want)
{
	for (int i = 0; i < 1000 && semctl(s, n, cmd) != want; i++)
		usleep(10000);
}

static void on_alarm(int sig)
{
	(void)sig;
}

int main(void)
{
	key_t key = 0x5157b002;
	EXPECT_ERR("semget of a key nobody made", semget(key, 3, 0600), ENOENT);
	int k = semget(key, 3, IPC_CREAT | IPC_EXCL | 0600);
	EXPECT_TRUE("semget IPC_CREAT|IPC_EXCL", k >= 0);
	EXPECT_EQ("found again with fewer semaphores", semget(key, 2, 0) == k, 1);
	EXPECT_EQ("found with nsems 0", semget(key, 0, 0) == k, 1);
	EXPECT_ERR("more semaphores than the set has", semget(key, 4, 0), EINVAL);
	EXPECT_ERR("IPC_EXCL again", semget(key, 3, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
	EXPECT_ERR("nsems 0 for a new set", semget(IPC_PRIVATE, 0, 0600), EINVAL);
	EXPECT_ERR("nsems negative", semget(IPC_PRIVATE, -1, 0600), EINVAL);
	EXPECT_ERR("nsems above semmsl", semget(IPC_PRIVATE, 32001, 0600), EINVAL);

	int s = semget(IPC_PRIVATE, 4, 0600);
	EXPECT_TRUE("semget IPC_PRIVATE", s >= 0);
	EXPECT_EQ("a new semaphore is 0", val(s, 2), 0);
	EXPECT_EQ("SETVAL", semctl(s, 0, SETVAL, (union semun){ .val = 5 }), 0);
	EXPECT_EQ("GETVAL", val(s, 0), 5);
	EXPECT_EQ("GETPID after SETVAL", semctl(s, 0, GETPID) == getpid(), 1);
	EXPECT_ERR("SETVAL above SEMVMX", semctl(s, 0, SETVAL, (union semun){ .val = 32768 }), ERANGE);
	EXPECT_ERR("SETVAL negative", semctl(s, 0, SETVAL, (union semun){ .val = -1 }), ERANGE);
	EXPECT_ERR("SETVAL of semnum 4", semctl(s, 4, SETVAL, (union semun){ .val = 1 }), EINVAL);
	EXPECT_ERR("GETVAL of semnum -1", semctl(s, -1, GETVAL), EINVAL);
	unsigned short all[4] = { 1, 2, 3, 4 }, back[4];
	EXPECT_EQ("SETALL", semctl(s, 0, SETALL, (union semun){ .array = all }), 0);
	EXPECT_EQ("GETALL", semctl(s, 0, GETALL, (union semun){ .array = back }), 0);
	printf("values: %d %d %d %d\n", back[0], back[1], back[2], back[3]);
	unsigned short bad[4] = { 1, 40000, 3, 4 };
	EXPECT_ERR("SETALL above SEMVMX", semctl(s, 0, SETALL, (union semun){ .array = bad }), ERANGE);
	EXPECT_EQ("and nothing changed", val(s, 1), 2);
	EXPECT_ERR("GETALL to a bad buffer", semctl(s, 0, GETALL, (union semun){ .array = (void *)8 }), EFAULT);
	EXPECT_ERR("SETALL from a bad buffer", semctl(s, 0, SETALL, (union semun){ .array = (void *)8 }), EFAULT);

	/* All or nothing: the second operation cannot go, so the first is not done either. */
	struct sembuf two[2] = { { 0, -1, IPC_NOWAIT }, { 1, -5, IPC_NOWAIT } };
	EXPECT_ERR("semop that cannot complete, IPC_NOWAIT", semop(s, two, 2), EAGAIN);
	EXPECT_EQ("semaphore 0 untouched", val(s, 0), 1);
	two[1].sem_op = -2;
	EXPECT_EQ("both at once", semop(s, two, 2), 0);
	EXPECT_EQ("sem 0", val(s, 0), 0);
	EXPECT_EQ("sem 1", val(s, 1), 0);
	/* Operations apply in order: +1 then -1 on one semaphore at 0 goes. */
	struct sembuf seq[2] = { { 0, 1, 0 }, { 0, -1, 0 } };
	EXPECT_EQ("+1 then -1 in one call", semop(s, seq, 2), 0);
	EXPECT_EQ("wait for zero on a zero", op(s, 0, 0, 0), 0);
	EXPECT_ERR("wait for zero on 3, IPC_NOWAIT", op(s, 2, 0, IPC_NOWAIT), EAGAIN);
	semctl(s, 3, SETVAL, (union semun){ .val = 32767 });
	EXPECT_ERR("past SEMVMX", op(s, 3, 1, 0), ERANGE);

	/* semop errors. */
	struct sembuf b = { 0, 1, 0 };
	EXPECT_ERR("nsops 0", semop(s, &b, 0), EINVAL);
	EXPECT_ERR("negative id", semop(-1, &b, 1), EINVAL);
	EXPECT_ERR("stale id", semop(s + 32768 * 5, &b, 1), EINVAL);
	EXPECT_ERR("nsops above semopm", semop(s, &b, 501), E2BIG);
	EXPECT_ERR("bad sops", semop(s, (void *)8, 1), EFAULT);
	b.sem_num = 4;
	EXPECT_ERR("sem_num past the set", semop(s, &b, 1), EFBIG);
	b.sem_num = 0;
	struct timespec bad_ts = { 0, 1000000000 };
	EXPECT_ERR("semtimedop with a bad timeout", semtimedop(s, &b, 1, &bad_ts), EINVAL);
	EXPECT_ERR("semtimedop with a bad timeout pointer", semtimedop(s, &b, 1, (void *)8), EFAULT);
	struct timespec ts = { 0, 50000000 };
	b.sem_op = -1;
	EXPECT_ERR("semtimedop times out", semtimedop(s, &b, 1, &ts), EAGAIN);

	/* Waiters in another process: GETNCNT and GETZCNT count them; a SETVAL lets them go. */
	semctl(s, 0, SETVAL, (union semun){ .val = 0 });
	semctl(s, 2, SETVAL, (union semun){ .val = 1 });
	pid_t c1 = fork();
	if (c1 == 0)
		_exit(op(s, 0, -2, 0) == 0 ? 0 : 1);
	pid_t c2 = fork();
	if (c2 == 0)
		_exit(op(s, 2, 0, 0) == 0 ? 0 : 1);
	await_waiters(s, 0, GETNCNT, 1);
	await_waiters(s, 2, GETZCNT, 1);
	EXPECT_EQ("GETNCNT", semctl(s, 0, GETNCNT), 1);
	EXPECT_EQ("GETZCNT", semctl(s, 2, GETZCNT), 1);
	EXPECT_EQ("GETNCNT of another", semctl(s, 1, GETNCNT), 0);
	EXPECT_EQ("+1 is not enough", op(s, 0, 1, 0), 0);
	usleep(100000);
	EXPECT_EQ("still waiting", semctl(s, 0, GETNCNT), 1);
	EXPECT_EQ("+1 more", op(s, 0, 1, 0), 0);
	int st;
	waitpid(c1, &st, 0);
	EXPECT_EQ("the decrement went", WEXITSTATUS(st), 0);
	EXPECT_EQ("and took both", val(s, 0), 0);
	EXPECT_EQ("semaphore 2 to 0", op(s, 2, -1, 0), 0);
	waitpid(c2, &st, 0);
	EXPECT_EQ("the wait for zero went", WEXITSTATUS(st), 0);

	/* SEM_UNDO: a child's adjustments are undone when it exits, and when it is killed. */
	semctl(s, 0, SETVAL, (union semun){ .val = 1 });
	pid_t c = fork();
	if (c == 0) {
		op(s, 0, -1, SEM_UNDO);
		op(s, 1, 3, SEM_UNDO);
		_exit(0);
	}
	waitpid(c, &st, 0);
	EXPECT_EQ("SEM_UNDO gives back the decrement", val(s, 0), 1);
	EXPECT_EQ("and takes back the increment", val(s, 1), 0);
	EXPECT_EQ("GETPID is the exited child", semctl(s, 0, GETPID) == c, 1);
	int ready[2];
	pipe(ready);
	c = fork();
	if (c == 0) {
		op(s, 0, -1, SEM_UNDO);
		write(ready[1], "x", 1);
		pause();
		_exit(0);
	}
	char x;
	read(ready[0], &x, 1);
	EXPECT_EQ("held by the child", val(s, 0), 0);
	pid_t w = fork();
	if (w == 0)
		_exit(op(s, 0, -1, 0) == 0 ? 0 : 1);
	await_waiters(s, 0, GETNCNT, 1);
	kill(c, SIGKILL);
	waitpid(c, &st, 0);
	EXPECT_EQ("killed", WTERMSIG(st), SIGKILL);
	waitpid(w, &st, 0);
	EXPECT_EQ("the waiter got the semaphore the killed child held", WEXITSTATUS(st), 0);
	EXPECT_EQ("SETVAL clears undo adjustments", op(s, 1, 2, SEM_UNDO) + semctl(s, 1, SETVAL, (union semun){ .val = 7 }), 0);
	c = fork();
	if (c == 0)
		_exit(0);
	waitpid(c, &st, 0);
	EXPECT_EQ("a child without an undo list changes nothing", val(s, 1), 7);

	/* IPC_STAT, IPC_SET, SEM_STAT, IPC_INFO, SEM_INFO. */
	struct semid_ds ds;
	EXPECT_EQ("IPC_STAT", semctl(s, 0, IPC_STAT, (union semun){ .buf = &ds }), 0);
	EXPECT_EQ("sem_nsems", ds.sem_nsems, 4);
	EXPECT_EQ("mode", ds.sem_perm.mode & 0777, 0600);
	EXPECT_TRUE("sem_otime set", ds.sem_otime != 0);
	ds.sem_perm.mode = 0644;
	EXPECT_EQ("IPC_SET", semctl(s, 0, IPC_SET, (union semun){ .buf = &ds }), 0);
	semctl(s, 0, IPC_STAT, (union semun){ .buf = &ds });
	EXPECT_EQ("mode now", ds.sem_perm.mode & 0777, 0644);
	EXPECT_ERR("IPC_STAT to a bad buffer", semctl(s, 0, IPC_STAT, (union semun){ .buf = (void *)8 }), EFAULT);
	EXPECT_ERR("IPC_SET from a bad buffer", semctl(s, 0, IPC_SET, (union semun){ .buf = (void *)8 }), EFAULT);
	struct seminfo si;
	EXPECT_TRUE("IPC_INFO", semctl(0, 0, IPC_INFO, (union semun){ .info = &si }) >= 0);
	printf("semmsl %d semmns %d semopm %d semmni %d semvmx %d semaem %d semusz %d\n", si.semmsl, si.semmns, si.semopm,
	       si.semmni, si.semvmx, si.semaem, si.semusz);
	EXPECT_TRUE("SEM_INFO", semctl(0, 0, SEM_INFO, (union semun){ .info = &si }) >= 0);
	EXPECT_TRUE("SEM_INFO counts sets and semaphores", si.semusz >= 2 && si.semaem >= 7);
	int maxidx = semctl(0, 0, SEM_INFO, (union semun){ .info = &si }), found = 0;
	for (int i = 0; i <= maxidx; i++) {
		struct semid_ds d;
		int id = semctl(i, 0, SEM_STAT, (union semun){ .buf = &d });
		if (id == s || id == k)
			found++;
	}
	EXPECT_EQ("SEM_STAT finds both sets", found, 2);
	EXPECT_ERR("SEM_STAT of an unused index", semctl(32767, 0, SEM_STAT, (union semun){ .buf = &ds }), EINVAL);
	EXPECT_ERR("unknown command", semctl(s, 0, 99), EINVAL);
	EXPECT_ERR("semctl negative id", semctl(-1, 0, GETVAL), EINVAL);

	/* Permissions without root's capabilities. */
	pid_t child = fork();
	if (child == 0) {
		if (setuid(4242) != 0)
			_exit(99);
		int e1 = semget(key, 1, 0600) == -1 && errno == EACCES;
		int e2 = val(k, 0) == -1 && errno == EACCES;
		int e3 = op(k, 0, 1, IPC_NOWAIT) == -1 && errno == EACCES;
		int e4 = semctl(k, 0, IPC_RMID) == -1 && errno == EPERM;
		int e5 = val(s, 0) >= 0; /* 0644: others may read */
		int e6 = semctl(s, 0, SETVAL, (union semun){ .val = 1 }) == -1 && errno == EACCES;
		_exit(e1 + 2 * e2 + 4 * e3 + 8 * e4 + 16 * e5 + 32 * e6);
	}
	waitpid(child, &st, 0);
	EXPECT_EQ("another user: EACCES x3, EPERM, read allowed by 0644, EACCES", WEXITSTATUS(st), 63);

	/* A handled signal interrupts a wait with EINTR (semop is never restarted); removal gives waiters EIDRM. */
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	sigaction(SIGALRM, &sa, NULL);
	semctl(s, 0, SETVAL, (union semun){ .val = 0 });
	alarm(1);
	EXPECT_ERR("semop interrupted", op(s, 0, -1, 0), EINTR);
	child = fork();
	if (child == 0)
		_exit(op(k, 0, -1, 0) == -1 && errno == EIDRM ? 0 : 1);
	await_waiters(k, 0, GETNCNT, 1);
	EXPECT_EQ("IPC_RMID", semctl(k, 0, IPC_RMID), 0);
	waitpid(child, &st, 0);
	EXPECT_EQ("the waiter got EIDRM", WEXITSTATUS(st), 0);
	EXPECT_ERR("IPC_RMID again", semctl(k, 0, IPC_RMID), EINVAL);
	EXPECT_EQ("IPC_RMID of the private set", semctl(s, 0, IPC_RMID), 0);
	EXPECT_ERR("the key is free", semget(key, 1, 0), ENOENT);
	return conf_exit();
}
