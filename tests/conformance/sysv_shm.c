/* System V shared memory: shmget keys, sizes and limits, shmat (SHM_RDONLY, SHM_RND, SHM_REMAP, fixed addresses),
 * pages shared with a forked child and across separate attaches, shm_nattch through fork, shmdt and exit (which sets
 * shm_lpid and shm_dtime as a detach does, also exec), IPC_RMID
 * with destruction at the last detach, SHM_LOCK, the *_INFO and *_STAT commands, a process-shared mutex in a
 * segment, and the errors Linux documents. Every segment made here is removed. */
#include "conformance.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned long nattch(int id)
{
	struct shmid_ds ds;
	return shmctl(id, IPC_STAT, &ds) == 0 ? ds.shm_nattch : 999;
}

/* A child attaches the segment and leaves without shmdt: by _exit, or by exec (argv[0] with "exit" runs nothing). */
static void attach_and_leave(int id, int by_exec)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (shmat(id, NULL, 0) == (void *)-1)
			_exit(1);
		if (by_exec) {
			char *args[] = {"/proc/self/exe", "exit", NULL};
			execv("/proc/self/exe", args);
		}
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	struct shmid_ds ds;
	shmctl(id, IPC_STAT, &ds);
	printf("%s: exit %d, shm_lpid is the child %d, shm_dtime set %d, nattch %lu\n", by_exec ? "attached, then exec" : "attached, then exit",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1, ds.shm_lpid == pid, ds.shm_dtime != 0, (unsigned long)ds.shm_nattch);
}

static void leaving(void)
{
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	attach_and_leave(id, 0);
	attach_and_leave(id, 1);
	/* Removed while a child holds it: the child's exit is the last detach, and the segment is gone. */
	int gone = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	int ready[2], go[2];
	(void)!pipe(ready);
	(void)!pipe(go);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		shmat(gone, NULL, 0);
		(void)!write(ready[1], "r", 1);
		(void)!read(go[0], &c, 1);
		_exit(0);
	}
	char c;
	(void)!read(ready[0], &c, 1);
	EXPECT_OK("IPC_RMID while the child holds it", shmctl(gone, IPC_RMID, NULL));
	EXPECT_EQ("  still there, attached once", nattch(gone), 1);
	(void)!write(go[1], "g", 1);
	waitpid(pid, NULL, 0);
	struct shmid_ds ds;
	EXPECT_ERR("  gone after the child's exit", shmctl(gone, IPC_STAT, &ds), EINVAL);
	shmctl(id, IPC_RMID, NULL);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "exit") == 0)
		return 0;
	key_t key = 0x5157c003;
	EXPECT_ERR("shmget of a key nobody made", shmget(key, 4096, 0600), ENOENT);
	int k = shmget(key, 10000, IPC_CREAT | IPC_EXCL | 0600);
	EXPECT_TRUE("shmget IPC_CREAT|IPC_EXCL", k >= 0);
	EXPECT_EQ("found again with a smaller size", shmget(key, 100, 0) == k, 1);
	EXPECT_EQ("found with size 0", shmget(key, 0, 0) == k, 1);
	EXPECT_ERR("a bigger size than the segment", shmget(key, 20000, 0), EINVAL);
	EXPECT_ERR("IPC_EXCL again", shmget(key, 100, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
	EXPECT_ERR("size 0 for a new segment", shmget(IPC_PRIVATE, 0, 0600), EINVAL);
	struct shmid_ds ds;
	EXPECT_EQ("IPC_STAT", shmctl(k, IPC_STAT, &ds), 0);
	EXPECT_EQ("shm_segsz", ds.shm_segsz, 10000);
	EXPECT_EQ("shm_nattch", ds.shm_nattch, 0);
	EXPECT_EQ("shm_cpid", ds.shm_cpid == getpid(), 1);
	EXPECT_EQ("shm_lpid", ds.shm_lpid, 0);
	EXPECT_EQ("shm_atime", ds.shm_atime, 0);
	EXPECT_EQ("mode", ds.shm_perm.mode, 0600);
	EXPECT_EQ("key", ds.shm_perm.__key, key);

	/* Attach: zero-filled, shared between two attaches of the same segment. */
	char *a = shmat(k, NULL, 0);
	EXPECT_TRUE("shmat", a != (void *)-1);
	EXPECT_EQ("page aligned", (uintptr_t)a % 4096, 0);
	EXPECT_EQ("zero filled", a[0] + a[9999], 0);
	char *b = shmat(k, NULL, SHM_RDONLY);
	EXPECT_TRUE("a second, read-only attach", b != (void *)-1 && b != a);
	strcpy(a, "shared");
	printf("seen through the other attach: %s\n", b);
	EXPECT_EQ("nattch 2", nattch(k), 2);
	shmctl(k, IPC_STAT, &ds);
	EXPECT_EQ("shm_lpid after shmat", ds.shm_lpid == getpid(), 1);
	EXPECT_TRUE("shm_atime set", ds.shm_atime != 0);
	EXPECT_EQ("shmdt", shmdt(b), 0);
	EXPECT_EQ("nattch 1", nattch(k), 1);
	shmctl(k, IPC_STAT, &ds);
	EXPECT_TRUE("shm_dtime set", ds.shm_dtime != 0);
	EXPECT_ERR("shmdt again", shmdt(b), EINVAL);
	EXPECT_ERR("shmdt of an unaligned address", shmdt(a + 1), EINVAL);
	EXPECT_ERR("shmdt inside the attach", shmdt(a + 4096), EINVAL);
	EXPECT_ERR("shmdt of memory that is no segment", shmdt(&ds), EINVAL);

	/* Fixed addresses: SHM_RND rounds down to SHMLBA; without it an unaligned address is EINVAL; SHM_REMAP. These use
	 * their own segment: qemu-user keeps its own table of attaches, which a SHM_REMAP leaves with a stale entry. */
	int f = shmget(IPC_PRIVATE, 4096, 0600);
	char *spot = mmap(NULL, 4 * 65536, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *base = (char *)(((uintptr_t)spot + 65535) & ~(uintptr_t)65535);
	munmap(spot, 4 * 65536);
	EXPECT_ERR("an unaligned address", (long)shmat(f, base + 100, 0), EINVAL);
	char *r = shmat(f, base + 100, SHM_RND);
	EXPECT_EQ("SHM_RND rounds down", r == base, 1);
	strcpy(r, "fixed");
	EXPECT_ERR("over an existing mapping without SHM_REMAP", (long)shmat(f, base, 0), EINVAL);
	EXPECT_EQ("with SHM_REMAP", shmat(f, base, SHM_REMAP) == base, 1);
	EXPECT_EQ("the same pages", strcmp(base, "fixed"), 0);
	EXPECT_EQ("shmdt of the fixed attach", shmdt(base), 0);
	EXPECT_EQ("remove the fixed segment", shmctl(f, IPC_RMID, NULL), 0);

	/* fork: the child shares the attach (nattch counts it) and sees writes both ways. */
	int pipefd[2];
	pipe(pipefd);
	pid_t child = fork();
	if (child == 0) {
		char c;
		read(pipefd[0], &c, 1);
		int ok = strcmp(a, "from parent") == 0;
		strcpy(a, "from child");
		_exit(ok ? 0 : 1);
	}
	EXPECT_EQ("nattch with the child", nattch(k), 2);
	strcpy(a, "from parent");
	write(pipefd[1], "x", 1);
	int st;
	waitpid(child, &st, 0);
	EXPECT_EQ("the child saw the parent's write", WEXITSTATUS(st), 0);
	printf("the parent sees: %s\n", a);
	EXPECT_EQ("the child's exit detached it", nattch(k), 1);

	/* A process-shared mutex in the segment, taken by two processes. */
	int m = shmget(IPC_PRIVATE, sizeof(pthread_mutex_t) + sizeof(long), 0600);
	char *mem = shmat(m, NULL, 0);
	pthread_mutex_t *mutex = (pthread_mutex_t *)mem;
	long *counter = (long *)(mem + sizeof(pthread_mutex_t));
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(mutex, &attr);
	for (int i = 0; i < 2; i++) {
		if (fork() == 0) {
			for (int j = 0; j < 2000; j++) {
				pthread_mutex_lock(mutex);
				long v = *counter;
				if (j % 100 == 0)
					sched_yield();
				*counter = v + 1;
				pthread_mutex_unlock(mutex);
			}
			_exit(0);
		}
	}
	while (wait(&st) > 0)
		;
	EXPECT_EQ("two processes under a shared mutex", *counter, 4000);
	shmdt(mem);
	EXPECT_EQ("remove the mutex segment", shmctl(m, IPC_RMID, NULL), 0);

	/* IPC_RMID while attached: the key is released, the segment stays until the last detach. */
	EXPECT_EQ("IPC_RMID while attached", shmctl(k, IPC_RMID, NULL), 0);
	EXPECT_EQ("IPC_STAT still works", shmctl(k, IPC_STAT, &ds), 0);
	EXPECT_EQ("SHM_DEST in the mode", ds.shm_perm.mode, 01000 | 0600);
	EXPECT_EQ("the key is now private", ds.shm_perm.__key, 0);
	EXPECT_ERR("the key is free", shmget(key, 100, 0), ENOENT);
	EXPECT_EQ("still readable", strcmp(a, "from child"), 0);
	EXPECT_EQ("last detach", shmdt(a), 0);
	EXPECT_ERR("then the id is gone", shmctl(k, IPC_STAT, &ds), EINVAL);
	EXPECT_ERR("shmat of a removed id", (long)shmat(k, NULL, 0), EINVAL);

	/* SHM_LOCK, SHM_UNLOCK, IPC_SET. */
	int s = shmget(IPC_PRIVATE, 4096, 0640);
	EXPECT_EQ("SHM_LOCK", shmctl(s, SHM_LOCK, NULL), 0);
	shmctl(s, IPC_STAT, &ds);
	EXPECT_EQ("SHM_LOCKED in the mode", ds.shm_perm.mode, 02000 | 0640);
	EXPECT_EQ("SHM_UNLOCK", shmctl(s, SHM_UNLOCK, NULL), 0);
	shmctl(s, IPC_STAT, &ds);
	EXPECT_EQ("mode back", ds.shm_perm.mode, 0640);
	ds.shm_perm.mode = 0644;
	EXPECT_EQ("IPC_SET", shmctl(s, IPC_SET, &ds), 0);
	shmctl(s, IPC_STAT, &ds);
	EXPECT_EQ("mode now", ds.shm_perm.mode, 0644);
	EXPECT_ERR("IPC_STAT to a bad buffer", shmctl(s, IPC_STAT, (void *)8), EFAULT);
	EXPECT_ERR("IPC_SET from a bad buffer", shmctl(s, IPC_SET, (void *)8), EFAULT);
	EXPECT_ERR("unknown command", shmctl(s, 99, &ds), EINVAL);
	EXPECT_ERR("negative id", shmctl(-1, IPC_STAT, &ds), EINVAL);
	EXPECT_ERR("stale id", shmctl(s + 32768 * 3, IPC_STAT, &ds), EINVAL);
	EXPECT_ERR("shmat of a stale id", (long)shmat(s + 32768 * 3, NULL, 0), EINVAL);
	EXPECT_ERR("shmat of a negative id", (long)shmat(-1, NULL, 0), EINVAL);

	struct shminfo info;
	EXPECT_TRUE("IPC_INFO", shmctl(0, IPC_INFO, (struct shmid_ds *)&info) >= 0);
	printf("shmmax %lu shmmin %lu shmmni %lu shmseg %lu shmall %lu\n", info.shmmax, info.shmmin, info.shmmni, info.shmseg, info.shmall);
	struct shm_info si;
	int maxidx = shmctl(0, SHM_INFO, (struct shmid_ds *)&si);
	EXPECT_TRUE("SHM_INFO", maxidx >= 0 && si.used_ids >= 1 && si.shm_tot >= 1);
	int found = 0;
	for (int i = 0; i <= maxidx; i++) {
		struct shmid_ds d;
		if (shmctl(i, SHM_STAT, &d) == s)
			found++;
	}
	EXPECT_EQ("SHM_STAT finds the segment", found, 1);
	EXPECT_ERR("SHM_STAT of an unused index", shmctl(32767, SHM_STAT, &ds), EINVAL);

	/* Permissions without root's capabilities: 0644 lets the group read, not write. */
	child = fork();
	if (child == 0) {
		if (setuid(4242) != 0)
			_exit(99);
		int e1 = shmat(s, NULL, 0) == (void *)-1 && errno == EACCES;
		int e2 = shmat(s, NULL, SHM_RDONLY) != (void *)-1;
		int e3 = shmctl(s, IPC_RMID, NULL) == -1 && errno == EPERM;
		int e4 = shmctl(s, SHM_LOCK, NULL) == -1 && errno == EPERM;
		int e5 = shmctl(s, IPC_STAT, &ds) == 0;
		_exit(e1 + 2 * e2 + 4 * e3 + 8 * e4 + 16 * e5);
	}
	waitpid(child, &st, 0);
	EXPECT_EQ("another user: EACCES for write, read allowed, EPERM, EPERM, stat allowed", WEXITSTATUS(st), 31);
	EXPECT_EQ("IPC_RMID", shmctl(s, IPC_RMID, NULL), 0);
	EXPECT_ERR("IPC_RMID again", shmctl(s, IPC_RMID, NULL), EINVAL);
	leaving();
	return conf_exit();
}
