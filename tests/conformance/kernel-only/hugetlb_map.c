/* Mappings of hugetlb memory (MFD_HUGETLB memfds and MAP_HUGETLB): whole huge pages at aligned addresses; munmap,
 * mprotect and mremap refuse to split a huge page (EINVAL); mremap never grows one; a writable mapping extends the
 * file; shared pages are the file's and a forked child's. Kernel-only: the host has no huge page pool (its mmap
 * fails with ENOMEM), while the sandbox backs huge pages with base pages. */
#define _GNU_SOURCE
#include "../conformance.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define HUGE (2UL << 20)
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif

/* The length of the mapping that contains p, from /proc/self/maps. */
static unsigned long area_length(void *p)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned long s, e, len = 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "%lx-%lx", &s, &e) == 2 && (uintptr_t)p >= s && (uintptr_t)p < e) len = e - s;
	fclose(f);
	return len;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	int fd = memfd_create("huge", MFD_HUGETLB);
	EXPECT_OK("ftruncate two huge pages", ftruncate(fd, 2 * HUGE));
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT_TRUE("mmap of a hugetlb memfd", p != MAP_FAILED);
	EXPECT_TRUE("  aligned to the huge page", ((uintptr_t)p & (HUGE - 1)) == 0);
	EXPECT_EQ("  a whole huge page", area_length(p), HUGE);
	p[0] = 'a';
	p[HUGE - 1] = 'z';
	char c = 0;
	pread(fd, &c, 1, HUGE - 1);
	EXPECT_TRUE("  its pages are the file's", c == 'z');
	EXPECT_ERR("munmap of part of a huge page", munmap(p, 4096), EINVAL);
	EXPECT_ERR("munmap from inside a huge page", munmap(p + 4096, HUGE - 4096), EINVAL);
	EXPECT_ERR("mprotect of part of a huge page", mprotect(p, 4096, PROT_READ), EINVAL);
	EXPECT_OK("mprotect of the whole page", mprotect(p, HUGE, PROT_READ));
	pid_t pid = fork();
	if (pid == 0) _exit(p[0] == 'a' && p[HUGE - 1] == 'z' ? 0 : 1);
	int status;
	waitpid(pid, &status, 0);
	EXPECT_EQ("a forked child sees the pages", status, 0);
	EXPECT_OK("munmap of the whole page", munmap(p, HUGE));

	EXPECT_ERR("offset not a huge page", (long)mmap(NULL, HUGE, PROT_READ, MAP_SHARED, fd, 4096), EINVAL);
	void *want = (void *)(0x20000000000UL + 4096);
	EXPECT_ERR("MAP_FIXED not aligned", (long)mmap(want, HUGE, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0), EINVAL);
	char *q = mmap(NULL, 4 * HUGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT_TRUE("a writable mapping past the end", q != MAP_FAILED);
	struct stat st;
	fstat(fd, &st);
	EXPECT_EQ("  extends the file", st.st_size, 4 * HUGE);
	EXPECT_ERR("mremap growing", (long)mremap(q, 2 * HUGE, 3 * HUGE, 0), EINVAL);
	EXPECT_ERR("mremap of an unaligned start", (long)mremap(q + 4096, HUGE, HUGE, 0), EINVAL);
	EXPECT_TRUE("mremap shrinking", mremap(q, 4 * HUGE, HUGE + 1, 0) == q);
	EXPECT_EQ("  to whole pages", area_length(q), 2 * HUGE);
	munmap(q, 2 * HUGE);
	close(fd);

	char *a = mmap(NULL, 3 * HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	EXPECT_TRUE("MAP_HUGETLB anonymous", a != MAP_FAILED);
	EXPECT_TRUE("  aligned", ((uintptr_t)a & (HUGE - 1)) == 0);
	a[3 * HUGE - 1] = 1;
	EXPECT_ERR("  munmap of part", munmap(a + HUGE, 4096), EINVAL);
	EXPECT_OK("  munmap of the middle page", munmap(a + HUGE, HUGE));
	EXPECT_EQ("  the first page stays", area_length(a), HUGE);
	EXPECT_ERR("MAP_HUGETLB of a size the CPU has not",
		(long)mmap(NULL, HUGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (34 << MAP_HUGE_SHIFT), -1, 0), EINVAL);

	int hfd = memfd_create("h", MFD_HUGETLB);
	char *h = mmap(NULL, HUGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_HUGETLB, hfd, 0);
	EXPECT_TRUE("MAP_HUGETLB of a hugetlbfs memfd", h != MAP_FAILED);
	munmap(h, HUGE);
	close(hfd);
	EXPECT_ERR("SHM_HUGETLB of a size the CPU has not", shmget(IPC_PRIVATE, HUGE, IPC_CREAT | 0600 | SHM_HUGETLB | (34 << 26)), EINVAL);
	int seg = shmget(IPC_PRIVATE, HUGE, IPC_CREAT | 0600 | SHM_HUGETLB | (21 << 26));
	EXPECT_TRUE("SHM_HUGETLB of 2 MiB", seg >= 0);
	shmctl(seg, IPC_RMID, NULL);

	int small = memfd_create("huge64k", MFD_HUGETLB | (16U << 26));
	EXPECT_TRUE("MFD_HUGE_64KB", small >= 0);
	fstat(small, &st);
	EXPECT_EQ("  st_blksize", st.st_blksize, 65536);
	EXPECT_ERR("  ftruncate to 4 KiB", ftruncate(small, 4096), EINVAL);
	char *s = mmap(NULL, 1, PROT_READ | PROT_WRITE, MAP_SHARED, small, 0);
	EXPECT_TRUE("  mapped at 64 KiB", s != MAP_FAILED && ((uintptr_t)s & 0xffff) == 0);
	EXPECT_EQ("  one 64 KiB page", area_length(s), 65536);
	return conf_failures != 0;
}
