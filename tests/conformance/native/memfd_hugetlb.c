/* memfd_create(MFD_HUGETLB): a hugetlbfs file. Sizes and its file rules, which need no huge page from the pool:
 * no write(2), sizes in whole huge pages, st_blksize and statfs in huge pages, reads of holes, seals.
 * Native oracle (x86_64 and arm64 share the 2 MiB default size); the mapping rules, which need pages from a
 * pool the host does not have, are in kernel-only/hugetlb_map.c. */
#include "../conformance.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB (21U << 26)
#endif
#define MFD_HUGE_16GB_ (34U << 26)
#define HUGE (2L << 20)

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	EXPECT_ERR("MFD_HUGE_* without MFD_HUGETLB", memfd_create("h", MFD_HUGE_2MB), EINVAL);
	EXPECT_ERR("a size the CPU has not", memfd_create("h", MFD_HUGETLB | MFD_HUGE_16GB_), ENODEV);
	int fd = memfd_create("huge", MFD_HUGETLB | MFD_ALLOW_SEALING);
	EXPECT_TRUE("MFD_HUGETLB", fd >= 0);
	int fd2 = memfd_create("huge2", MFD_HUGETLB | MFD_HUGE_2MB | MFD_CLOEXEC);
	EXPECT_TRUE("MFD_HUGETLB|MFD_HUGE_2MB", fd2 >= 0);
	EXPECT_EQ("  close-on-exec", fcntl(fd2, F_GETFD), FD_CLOEXEC);
	char link[64] = "", path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	readlink(path, link, sizeof link - 1);
	printf("fd link: %s\n", link);

	struct stat st;
	fstat(fd, &st);
	EXPECT_EQ("st_blksize is the huge page", st.st_blksize, HUGE);
	EXPECT_EQ("empty", st.st_size, 0);
	struct statfs sf;
	EXPECT_OK("fstatfs", fstatfs(fd, &sf));
	EXPECT_EQ("  hugetlbfs", sf.f_type, 0x958458f6);
	EXPECT_EQ("  f_bsize", sf.f_bsize, HUGE);
	EXPECT_EQ("  f_blocks (no size limit)", sf.f_blocks, 0);

	EXPECT_ERR("write", write(fd, "x", 1), EINVAL);
	EXPECT_ERR("write of nothing", write(fd, "", 0), EINVAL);
	EXPECT_ERR("pwrite", pwrite(fd, "x", 1, 0), EINVAL);
	EXPECT_ERR("ftruncate to part of a page", ftruncate(fd, 4096), EINVAL);
	EXPECT_OK("ftruncate to two pages", ftruncate(fd, 2 * HUGE));
	fstat(fd, &st);
	EXPECT_EQ("  size", st.st_size, 2 * HUGE);
	char buf[8] = "zzzzzzz";
	EXPECT_EQ("read of a hole", read(fd, buf, sizeof buf), sizeof buf);
	EXPECT_TRUE("  zeros", buf[0] == 0 && buf[7] == 0);
	EXPECT_EQ("lseek end", lseek(fd, 0, SEEK_END), 2 * HUGE);
	EXPECT_OK("ftruncate to one page", ftruncate(fd, HUGE));
	EXPECT_OK("F_ADD_SEALS grow", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
	EXPECT_ERR("growing under F_SEAL_GROW", ftruncate(fd, 2 * HUGE), EPERM);
	EXPECT_ERR("part of a page still EINVAL first", ftruncate(fd, 3 * 4096), EINVAL);
	EXPECT_EQ("F_GET_SEALS", fcntl(fd, F_GET_SEALS), F_SEAL_GROW);
	EXPECT_ERR("F_GET_SEALS without MFD_ALLOW_SEALING", fcntl(fd2, F_ADD_SEALS, F_SEAL_GROW), EPERM);
	int plain = memfd_create("plain", 0);
	ftruncate(plain, 4096);
	EXPECT_ERR("MAP_HUGETLB of a file that is not hugetlbfs", (long)mmap(NULL, 4096, PROT_READ, MAP_SHARED | MAP_HUGETLB, plain, 0), EINVAL);
	close(plain);
	close(fd);
	close(fd2);
	return conf_failures != 0;
}
