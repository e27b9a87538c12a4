/* System V IPC checks the differential programs leave out because qemu-user is wrong there (it writes msg_lspid and
 * msg_lrpid as 8-byte fields, checks a msgrcv buffer before taking the message, crashes on a msgsnd of (size_t)-1
 * bytes, picks an address for shmat(SHM_REMAP) without one, and shows its own /proc), plus what a host without huge
 * pages refuses (SHM_HUGETLB, backed here by ordinary pages), IPC namespaces, kcmp(KCMP_SYSVSEM), and the stress
 * cases: 100,000 messages between two processes, and a counter in a segment incremented by 4 processes under a
 * semaphore. Checked against the man pages. */
#include "../conformance.h"

#include <fcntl.h>
#include <linux/kcmp.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct msg {
	long type;
	char text[64];
};

static int grep(const char *path, const char *needle, char *line, size_t n)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	int found = 0;
	while (fgets(line, n, f))
		if (strstr(line, needle)) {
			found = 1;
			break;
		}
	fclose(f);
	return found;
}

static long kcmp(pid_t a, pid_t b, int type)
{
	return syscall(SYS_kcmp, a, b, type, 0, 0);
}

static volatile int thread_done;
static pid_t thread_tid;

static void *thread_main(void *arg)
{
	(void)arg;
	thread_tid = syscall(SYS_gettid);
	while (!thread_done)
		usleep(1000);
	return NULL;
}

static int sem(int s, short op, short flags)
{
	struct sembuf b = { 0, op, flags };
	return semop(s, &b, 1);
}

int main(void)
{
	/* Message queues. */
	int q = msgget(IPC_PRIVATE, 0600);
	struct msg m = { .type = 1, .text = "abc" };
	msgsnd(q, &m, 3, 0);
	msgrcv(q, &m, sizeof m.text, 0, 0);
	struct msqid_ds ds;
	msgctl(q, IPC_STAT, &ds);
	EXPECT_EQ("msg_lrpid", ds.msg_lrpid == getpid(), 1);
	EXPECT_EQ("msg_lspid", ds.msg_lspid == getpid(), 1);
	EXPECT_ERR("msgsnd of (size_t)-1 bytes", msgsnd(q, &m, (size_t)-1, 0), EINVAL);
	msgsnd(q, &m, 3, 0);
	EXPECT_ERR("msgrcv to a bad buffer", msgrcv(q, (void *)8, 64, 0, 0), EFAULT);
	EXPECT_ERR("the message was taken (as Linux's do_msgrcv does)", msgrcv(q, &m, 64, 0, IPC_NOWAIT), ENOMSG);

	/* 100,000 messages from a producer to a consumer process, in order. */
	pid_t producer = fork();
	if (producer == 0) {
		struct msg p = { .type = 1 };
		for (int i = 0; i < 100000; i++) {
			memcpy(p.text, &i, sizeof i);
			if (msgsnd(q, &p, sizeof i, 0) != 0)
				_exit(1);
		}
		_exit(0);
	}
	int in_order = 1;
	for (int i = 0; i < 100000; i++) {
		struct msg r;
		int v = -1;
		if (msgrcv(q, &r, sizeof r.text, 0, 0) != sizeof v) {
			in_order = 0;
			break;
		}
		memcpy(&v, r.text, sizeof v);
		if (v != i)
			in_order = 0;
	}
	int st;
	waitpid(producer, &st, 0);
	EXPECT_EQ("100000 messages received in order", in_order, 1);
	EXPECT_EQ("the producer finished", WEXITSTATUS(st), 0);
	msgctl(q, IPC_RMID, NULL);

	/* A counter in a segment, incremented by 4 processes under a semaphore. */
	int s = semget(IPC_PRIVATE, 1, 0600);
	semctl(s, 0, SETVAL, 1);
	int seg = shmget(IPC_PRIVATE, 4096, 0600);
	volatile long *counter = shmat(seg, NULL, 0);
	*counter = 0;
	for (int p = 0; p < 4; p++) {
		if (fork() == 0) {
			for (int i = 0; i < 2500; i++) {
				sem(s, -1, SEM_UNDO);
				long v = *counter;
				if (i % 50 == 0)
					sched_yield();
				*counter = v + 1;
				sem(s, 1, SEM_UNDO);
			}
			_exit(0);
		}
	}
	while (wait(&st) > 0)
		;
	EXPECT_EQ("4 processes x 2500 increments under the semaphore", *counter, 10000);
	EXPECT_EQ("and the semaphore is free", semctl(s, 0, GETVAL), 1);

	/* /proc/self/maps names an attach as Linux does; /proc/sysvipc lists the objects. */
	char line[512], want[64];
	int key = 0x5157d004;
	int named = shmget(key, 8192, IPC_CREAT | 0600);
	void *at = shmat(named, NULL, 0);
	snprintf(want, sizeof want, "/SYSV%08x (deleted)", key);
	EXPECT_EQ("maps shows /SYSVkey (deleted)", grep("/proc/self/maps", want, line, sizeof line), 1);
	unsigned long start, end, off, ino;
	char perms[8];
	sscanf(line, "%lx-%lx %4s %lx %*s %lu", &start, &end, perms, &off, &ino);
	EXPECT_EQ("shared, read-write", strcmp(perms, "rw-s"), 0);
	EXPECT_EQ("8192 bytes", end - start, 8192);
	EXPECT_EQ("the inode is the id", ino, (unsigned long)named);
	snprintf(want, sizeof want, "%10d %10d  %4o", key, named, 0600);
	EXPECT_EQ("/proc/sysvipc/shm lists it", grep("/proc/sysvipc/shm", want, line, sizeof line), 1);
	int cpid, lpid;
	unsigned long nattch, size;
	sscanf(line, "%*d %*d %*o %lu %d %d %lu", &size, &cpid, &lpid, &nattch);
	EXPECT_EQ("size, cpid, lpid, nattch", size == 8192 && cpid == getpid() && lpid == getpid() && nattch == 1, 1);
	EXPECT_EQ("/proc/sysvipc/sem header", grep("/proc/sysvipc/sem", "       key      semid perms      nsems   uid", line, sizeof line), 1);
	snprintf(want, sizeof want, "%10d %10d  %4o %10u", 0, s, 0600, 1);
	EXPECT_EQ("/proc/sysvipc/sem lists the set", grep("/proc/sysvipc/sem", want, line, sizeof line), 1);
	EXPECT_EQ("/proc/sysvipc/msg header", grep("/proc/sysvipc/msg", "       key      msqid perms      cbytes", line, sizeof line), 1);
	shmdt(at);
	shmctl(named, IPC_RMID, NULL);
	shmdt((void *)counter);
	shmctl(seg, IPC_RMID, NULL);

	/* SHM_REMAP needs an address; SHM_HUGETLB is accepted. */
	int h = shmget(IPC_PRIVATE, 2 << 20, SHM_HUGETLB | 0600);
	EXPECT_TRUE("shmget SHM_HUGETLB", h >= 0);
	char *hp = shmat(h, NULL, 0);
	EXPECT_TRUE("attached", hp != (void *)-1);
	hp[(2 << 20) - 1] = 7;
	EXPECT_EQ("usable", hp[(2 << 20) - 1], 7);
	EXPECT_ERR("SHM_REMAP without an address", (long)shmat(h, NULL, SHM_REMAP), EINVAL);
	shmdt(hp);
	shmctl(h, IPC_RMID, NULL);

	/* The limits in /proc/sys/kernel: per namespace, writable by root. */
	EXPECT_EQ("msgmax", grep("/proc/sys/kernel/msgmax", "8192", line, sizeof line), 1);
	EXPECT_EQ("sem", grep("/proc/sys/kernel/sem", "32000\t1024000000\t500\t32000", line, sizeof line), 1);
	EXPECT_EQ("shmmax", grep("/proc/sys/kernel/shmmax", "18446744073692774399", line, sizeof line), 1);
	int fd = open("/proc/sys/kernel/msgmax", O_WRONLY);
	EXPECT_EQ("write msgmax 100", write(fd, "100\n", 4), 4);
	close(fd);
	q = msgget(IPC_PRIVATE, 0600);
	static struct msg big = { .type = 1 };
	EXPECT_ERR("a message above the new msgmax", msgsnd(q, &big, 101, IPC_NOWAIT), EINVAL);
	EXPECT_EQ("one at it", msgsnd(q, &big, 100, IPC_NOWAIT), 0);
	fd = open("/proc/sys/kernel/msgmax", O_WRONLY);
	EXPECT_ERR("write garbage", write(fd, "abc\n", 4), EINVAL);
	write(fd, "8192\n", 5);
	close(fd);
	fd = open("/proc/sys/kernel/shmmni", O_WRONLY);
	EXPECT_ERR("shmmni above IPCMNI", write(fd, "40000\n", 6), EINVAL);
	close(fd);
	msgctl(q, IPC_RMID, NULL);

	/* kcmp(KCMP_SYSVSEM): no lists compare equal; CLONE_SYSVSEM (threads) shares one; fork does not. */
	pid_t c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	EXPECT_EQ("no undo lists yet", kcmp(getpid(), c, KCMP_SYSVSEM), 0);
	kill(c, SIGKILL);
	waitpid(c, &st, 0);
	sem(s, -1, SEM_UNDO);
	sem(s, 1, SEM_UNDO);
	pthread_t t;
	pthread_create(&t, NULL, thread_main, NULL);
	while (!thread_tid)
		usleep(1000);
	EXPECT_EQ("a thread shares the undo list", kcmp(getpid(), thread_tid, KCMP_SYSVSEM), 0);
	c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	long r = kcmp(getpid(), c, KCMP_SYSVSEM);
	EXPECT_TRUE("a forked child does not", r == 1 || r == 2);
	kill(c, SIGKILL);
	waitpid(c, &st, 0);
	thread_done = 1;
	pthread_join(t, NULL);

	/* IPC namespaces: a new one sees none of the old objects and has its own limits. */
	int nk = msgget(0x5157d005, IPC_CREAT | 0600);
	c = fork();
	if (c == 0) {
		if (unshare(CLONE_NEWIPC) != 0)
			_exit(1);
		if (msgget(0x5157d005, 0) != -1 || errno != ENOENT)
			_exit(2);
		if (msgctl(nk, IPC_STAT, &ds) != -1 || errno != EINVAL)
			_exit(3);
		int mine = msgget(0x5157d005, IPC_CREAT | 0600);
		if (mine < 0)
			_exit(4);
		int fd2 = open("/proc/sys/kernel/msgmax", O_WRONLY);
		write(fd2, "50\n", 3);
		close(fd2);
		_exit(0);
	}
	waitpid(c, &st, 0);
	EXPECT_EQ("a new IPC namespace is empty and separate", WEXITSTATUS(st), 0);
	EXPECT_EQ("our key is still ours", msgget(0x5157d005, 0) == nk, 1);
	EXPECT_EQ("and our msgmax unchanged", grep("/proc/sys/kernel/msgmax", "8192", line, sizeof line), 1);
	msgctl(nk, IPC_RMID, NULL);
	semctl(s, 0, IPC_RMID);
	return conf_exit();
}
