/* getrusage's page-fault and block counts, RUSAGE_THREAD, RUSAGE_CHILDREN and wait4's rusage, and the minflt/majflt
 * fields of /proc/[pid]/stat: touching N fresh pages raises ru_minflt by at least N, in the process, the thread,
 * and, once reaped, the parent's children totals. Native oracle (the host kernel); qemu-user's own faults would be
 * counted there too, and qemu answers /proc/self/stat for the guest itself. */
#include "../conformance.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGES 256

static void touch_fresh_pages(void)
{
	char *p = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < PAGES; i++)
		p[i * 4096] = 1;
	munmap(p, PAGES * 4096);
}

/* Field n (1-based) of /proc/<pid>/stat, counted after the command name. */
static long stat_field(const char *path, int n)
{
	char buf[1024];
	int fd = open(path, O_RDONLY);
	ssize_t len = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = 0;
	char *p = strrchr(buf, ')') + 2; /* field 3 */
	for (int f = 3; f < n; f++)
		p = strchr(p, ' ') + 1;
	return atol(p);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct rusage before, after, thread;
	EXPECT_OK("getrusage RUSAGE_SELF", getrusage(RUSAGE_SELF, &before));
	long stat_before = stat_field("/proc/self/stat", 10);
	touch_fresh_pages();
	EXPECT_OK("getrusage RUSAGE_SELF again", getrusage(RUSAGE_SELF, &after));
	EXPECT_TRUE("ru_minflt grew by at least the pages touched", after.ru_minflt - before.ru_minflt >= PAGES);
	EXPECT_TRUE("ru_majflt did not go down", after.ru_majflt >= before.ru_majflt);
	EXPECT_OK("getrusage RUSAGE_THREAD", getrusage(RUSAGE_THREAD, &thread));
	EXPECT_TRUE("the thread's ru_minflt counts them too", thread.ru_minflt >= PAGES);
	EXPECT_TRUE("/proc/self/stat minflt grew by at least the pages touched", stat_field("/proc/self/stat", 10) - stat_before >= PAGES);
	/* Fields Linux leaves zero. */
	EXPECT_TRUE("ixrss, idrss, isrss, nswap, msgsnd, msgrcv, nsignals are 0",
		    after.ru_ixrss == 0 && after.ru_idrss == 0 && after.ru_isrss == 0 && after.ru_nswap == 0 &&
			    after.ru_msgsnd == 0 && after.ru_msgrcv == 0 && after.ru_nsignals == 0);

	/* tmpfs I/O is no block I/O. */
	int fd = open("/dev/shm/rusage_faults", O_CREAT | O_RDWR | O_TRUNC, 0600);
	char block[65536];
	memset(block, 'x', sizeof block);
	getrusage(RUSAGE_SELF, &before);
	for (int i = 0; i < 16; i++)
		write(fd, block, sizeof block);
	pread(fd, block, sizeof block, 0);
	getrusage(RUSAGE_SELF, &after);
	EXPECT_EQ("ru_oublock after writing to tmpfs", after.ru_oublock - before.ru_oublock, 0);
	EXPECT_EQ("ru_inblock after reading tmpfs", after.ru_inblock - before.ru_inblock, 0);
	close(fd);
	unlink("/dev/shm/rusage_faults");

	/* A child's faults reach wait4's rusage and RUSAGE_CHILDREN once it is reaped. */
	struct rusage children_before, children_after, waited;
	getrusage(RUSAGE_CHILDREN, &children_before);
	pid_t child = fork();
	if (child == 0) {
		touch_fresh_pages();
		_exit(0);
	}
	int status;
	EXPECT_TRUE("wait4 with rusage", wait4(child, &status, 0, &waited) == child);
	EXPECT_TRUE("the child's ru_minflt counts its pages", waited.ru_minflt >= PAGES);
	EXPECT_OK("getrusage RUSAGE_CHILDREN", getrusage(RUSAGE_CHILDREN, &children_after));
	EXPECT_TRUE("RUSAGE_CHILDREN's ru_minflt grew by the child's", children_after.ru_minflt - children_before.ru_minflt >= PAGES);
	EXPECT_TRUE("... by exactly what wait4 reported", children_after.ru_minflt - children_before.ru_minflt == waited.ru_minflt);
	EXPECT_TRUE("/proc/self/stat cminflt has the child's", stat_field("/proc/self/stat", 11) >= waited.ru_minflt);
	EXPECT_ERR("getrusage with a bad who", getrusage(7, &after), EINVAL);
	EXPECT_ERR("getrusage with a bad pointer", getrusage(RUSAGE_SELF, (struct rusage *)8), EFAULT);
	return conf_exit();
}
