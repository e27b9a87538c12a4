/* Shared memory across processes: MAP_SHARED|MAP_ANONYMOUS survives fork as one copy (MAP_PRIVATE does not), a
 * /dev/shm file mapped by two processes is one copy, and futexes without FUTEX_PRIVATE_FLAG in such memory meet
 * across processes (wait, wake counts, bitsets, timeouts, EAGAIN, EFAULT). */
#include "conformance.h"
#include <fcntl.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts, uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, val3);
}

static int wait_child(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The child wakes the parent once it is asleep: it retries FUTEX_WAKE until one waiter is woken. */
static void waker(uint32_t *word, uint32_t bitset)
{
	for (int i = 0; i < 20000; i++) {
		long n = futex(word, FUTEX_WAKE_BITSET, 1, NULL, bitset);
		if (n == 1)
			_exit(0);
		usleep(500);
	}
	_exit(1);
}

static void cross_process_futex(const char *what, uint32_t *word)
{
	char label[128];
	*word = 7;
	pid_t pid = fork();
	if (pid == 0)
		waker(word, FUTEX_BITSET_MATCH_ANY);
	snprintf(label, sizeof label, "%s: FUTEX_WAIT woken by another process", what);
	EXPECT_EQ(label, futex(word, FUTEX_WAIT, 7, NULL, 0), 0);
	snprintf(label, sizeof label, "%s: the waker saw one waiter", what);
	EXPECT_EQ(label, wait_child(pid), 0);

	/* A bitset that does not match does not wake: the child's first wake finds nobody it may wake. */
	pid = fork();
	if (pid == 0) {
		usleep(20000);
		long miss = futex(word, FUTEX_WAKE_BITSET, 1, NULL, 0x2);
		for (int i = 0; i < 20000 && futex(word, FUTEX_WAKE_BITSET, 1, NULL, 0x1) != 1; i++)
			usleep(500);
		_exit(miss == 0 ? 0 : 2);
	}
	snprintf(label, sizeof label, "%s: FUTEX_WAIT_BITSET 0x1", what);
	EXPECT_EQ(label, futex(word, FUTEX_WAIT_BITSET, 7, NULL, 0x1), 0);
	snprintf(label, sizeof label, "%s: a wake with bitset 0x2 woke nobody", what);
	EXPECT_EQ(label, wait_child(pid), 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	uint32_t *shared = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint32_t *private = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT_TRUE("mmap MAP_SHARED|MAP_ANONYMOUS", shared != MAP_FAILED);
	EXPECT_TRUE("shared anonymous memory starts zeroed", shared[0] == 0 && shared[2047] == 0);
	shared[0] = 1;
	private[0] = 1;
	pid_t pid = fork();
	if (pid == 0) {
		shared[0] = 42;
		shared[2047] = 43;
		private[0] = 42;
		_exit(shared[0] == 42 ? 0 : 1);
	}
	EXPECT_EQ("child exit", wait_child(pid), 0);
	EXPECT_EQ("a child's store to MAP_SHARED memory is seen", shared[0], 42);
	EXPECT_EQ("on the second page too", shared[2047], 43);
	EXPECT_EQ("a child's store to MAP_PRIVATE memory is not", private[0], 1);

	/* The parent's later stores reach a child forked before them. */
	int go[2];
	pipe(go);
	pid = fork();
	if (pid == 0) {
		char c;
		read(go[0], &c, 1);
		_exit(shared[1] == 99 ? 0 : 1);
	}
	shared[1] = 99;
	write(go[1], "x", 1);
	EXPECT_EQ("the child sees a store made after fork", wait_child(pid), 0);

	/* A /dev/shm file mapped by parent and child (opened after fork) is one copy. */
	int fd = open("/dev/shm/conformance-sharedmem", O_RDWR | O_CREAT | O_TRUNC, 0600);
	EXPECT_OK("open a /dev/shm file", fd);
	EXPECT_OK("ftruncate it", ftruncate(fd, 4096));
	uint32_t *file = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT_TRUE("mmap it MAP_SHARED", file != MAP_FAILED);
	pid = fork();
	if (pid == 0) {
		int f2 = open("/dev/shm/conformance-sharedmem", O_RDWR);
		uint32_t *mine = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, f2, 0);
		if (mine == MAP_FAILED)
			_exit(1);
		mine[10] = 1234;
		_exit(0);
	}
	EXPECT_EQ("child exit", wait_child(pid), 0);
	EXPECT_EQ("the child's own mapping of the file wrote the parent's page", file[10], 1234);
	uint32_t word;
	pread(fd, &word, 4, 40);
	EXPECT_EQ("and the file's contents", word, 1234);

	cross_process_futex("shared anonymous", &shared[100]);
	cross_process_futex("/dev/shm file", &file[20]);

	/* A child that maps the file at another address meets the parent on the same word. */
	file[30] = 5;
	pid = fork();
	if (pid == 0) {
		int f2 = open("/dev/shm/conformance-sharedmem", O_RDWR);
		uint32_t *mine = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, f2, 0);
		waker(&mine[30], FUTEX_BITSET_MATCH_ANY);
	}
	EXPECT_EQ("a futex meets a wake through another mapping of the file", futex(&file[30], FUTEX_WAIT, 5, NULL, 0), 0);
	EXPECT_EQ("the waker saw one waiter", wait_child(pid), 0);

	struct timespec ts = {0, 20 * 1000 * 1000};
	EXPECT_ERR("shared FUTEX_WAIT times out", futex(&shared[200], FUTEX_WAIT, 0, &ts, 0), ETIMEDOUT);
	EXPECT_ERR("shared FUTEX_WAIT on another value", futex(&shared[200], FUTEX_WAIT, 1, NULL, 0), EAGAIN);
	EXPECT_EQ("shared FUTEX_WAKE with no waiter", futex(&shared[200], FUTEX_WAKE, 1, NULL, 0), 0);
	EXPECT_ERR("FUTEX_WAIT on an unmapped word", futex((uint32_t *)8, FUTEX_WAIT, 0, NULL, 0), EFAULT);
	EXPECT_ERR("FUTEX_WAIT on a misaligned word", futex((uint32_t *)((char *)shared + 2), FUTEX_WAIT, 0, NULL, 0), EINVAL);
	/* A private futex in shared memory stays within the process: nobody else is woken. */
	EXPECT_EQ("FUTEX_WAKE_PRIVATE with no waiter", futex(&shared[200], FUTEX_WAKE_PRIVATE, 1, NULL, 0), 0);

	EXPECT_OK("munmap the shared memory", munmap(shared, 8192));
	unlink("/dev/shm/conformance-sharedmem");
	return conf_exit();
}
